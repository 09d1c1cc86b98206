"""Plain-language notes for ``--explain``: what a message, field or outcome means.

Written for a student: at most two sentences each, checked against the RFC cited
beside it. Keys are message names as :attr:`HandshakeMessage.name` spells them,
``Message.field`` for fields, and outcome words (``want read``, ``close_notify``).
A key may have a per-version form (``ChangeCipherSpec@TLS 1.3``) that wins over
the plain one. Pure data: render attaches them, nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from tlsstep.decode import RecordView
from tlsstep.events import Event, Op, Result
from tlsstep.frozen import frozen
from tlsstep.wire.enums import ContentType, ProtocolVersion

TLS13: Final = ProtocolVersion.tls13.label  # notes take the version as views spell it

NOTES: Final[dict[str, str]] = {
    # -- handshake messages ---------------------------------------------------
    # RFC 8446 §4.1.2
    "ClientHello": (
        "The client opens the conversation: the versions, cipher suites and extensions it "
        "supports, and (in TLS 1.3) a guess at the key exchange in key_share."
    ),
    # RFC 8446 §4.1.3
    "ServerHello": (
        "The server picks one version, one cipher suite and its half of the key exchange "
        "from what the client offered."
    ),
    # RFC 5246 §7.4.1.3
    "ServerHello@TLS 1.2": (
        "The server picks the version and cipher suite and sends its random; in TLS 1.2 "
        "the key exchange itself still follows in ServerKeyExchange and ClientKeyExchange."
    ),
    # RFC 8446 §4.1.4
    "HelloRetryRequest": (
        "The server could not use any key_share the client sent, so it names a group it "
        "accepts and asks for a new ClientHello. It is a ServerHello with a special fixed "
        "random, and it costs one extra round trip."
    ),
    # RFC 8446 §4.3.1
    "EncryptedExtensions": (
        "The first encrypted message: the server's answers to extensions that do not "
        "affect the key exchange, such as ALPN and server_name."
    ),
    # RFC 8446 §4.4.2, RFC 5246 §7.4.2
    "Certificate": (
        "The sender's certificate chain, its own certificate first. The peer checks that it "
        "chains to a CA it trusts and, for a server, that it names the host the client wanted."
    ),
    # RFC 8446 §4.3.2
    "CertificateRequest": (
        "The server asks the client to prove its identity with a certificate (mutual TLS). "
        "The client answers with Certificate, CertificateVerify and Finished, or an empty "
        "Certificate."
    ),
    # RFC 8446 §4.4.3
    "CertificateVerify": (
        "A signature over the handshake so far with the certificate's private key. It "
        "proves the sender owns the certificate and that nobody changed the messages."
    ),
    # RFC 8446 §4.4.4, RFC 5246 §7.4.9
    "Finished": (
        "A MAC over the whole handshake keyed from the shared secret. If anything was "
        "changed on the way, the two sides compute different values and the handshake fails."
    ),
    # RFC 8446 §4.6.1
    "NewSessionTicket": (
        "A ticket the client can present later to resume without a full handshake. In TLS "
        "1.3 the server sends it after the handshake, so the client only has it once it "
        "reads again."
    ),
    # RFC 5077 §3.3
    "NewSessionTicket@TLS 1.2": (
        "A ticket the client can present later to resume the session; in TLS 1.2 it "
        "arrives inside the handshake, just before the server's ChangeCipherSpec."
    ),
    # RFC 8446 §4.5
    "EndOfEarlyData": "The client says its 0-RTT data is over and handshake keys take over.",
    # RFC 8446 §4.6.3
    "KeyUpdate": (
        "The sender switches to fresh traffic keys derived from the old ones, so a long "
        "connection does not use one key forever."
    ),
    # RFC 5246 §7.4.3
    "ServerKeyExchange": (
        "The server's (EC)DHE public value, signed with its certificate key so the client "
        "knows it came from the server."
    ),
    # RFC 5246 §7.4.5
    "ServerHelloDone": "The server has sent its whole first flight and now waits for the client.",
    # RFC 5246 §7.4.7
    "ClientKeyExchange": (
        "The client's (EC)DHE public value (or, with RSA key exchange, a premaster secret "
        "encrypted to the server's key); both sides now compute the same premaster secret."
    ),
    # RFC 6066 §8
    "CertificateStatus": (
        "A stapled OCSP response: the CA's recent word that the certificate is not revoked."
    ),
    # RFC 5246 §7.4.1.1
    "HelloRequest": "The server asks the client to start a new handshake (renegotiation).",
    # RFC 5246 §7.1
    "ChangeCipherSpec": (
        "From the next record on, the sender encrypts with the keys just agreed. Its "
        "Finished is the first protected message."
    ),
    # RFC 8446 §5 and Appendix D.4
    "ChangeCipherSpec@TLS 1.3": (
        "TLS 1.3 does not need it: it is sent only so that middleboxes expecting TLS 1.2 "
        "let the connection through (middlebox compatibility mode). Receivers ignore it."
    ),
    # -- fields ---------------------------------------------------------------------
    # RFC 8446 §4.2.8
    "ServerHello.key_share": (
        "The server's ephemeral (EC)DH public key for the group it chose. Combined with "
        "the client's key_share, both sides derive the handshake secret nobody else can."
    ),
    "ClientHello.key_share": (
        "The client's ephemeral public keys, sent up front for the groups it guesses the "
        "server accepts; a wrong guess costs a HelloRetryRequest."
    ),
    # RFC 8446 §4.2.1
    "supported_versions": (
        "The real version list (client) or choice (server); the old version fields stay "
        "at TLS 1.2 so that old software is not confused."
    ),
    # RFC 8446 §5.1 and Appendix D
    "legacy_record_version": (
        "Every TLS 1.3 record header still says TLS 1.2 (0x0303), or TLS 1.0 on the first "
        "ClientHello, because some middleboxes drop versions they do not know. The real "
        "version is negotiated in supported_versions."
    ),
    # RFC 8446 §4.1.2
    "legacy_session_id": (
        "Unused by TLS 1.3 itself; clients fill it with random bytes so the handshake "
        "looks like a TLS 1.2 resumption to middleboxes."
    ),
    # RFC 6066 §3
    "server_name": (
        "SNI: the host name the client wants, so one server can pick the right certificate. "
        "It is sent in the clear in ClientHello."
    ),
    # RFC 7301
    "application_layer_protocol_negotiation": (
        "ALPN: the client lists application protocols (h2, http/1.1) and the server picks "
        "one during the handshake."
    ),
    # RFC 8446 §4.2.11
    "pre_shared_key": (
        "The client offers a ticket from an earlier connection; a ServerHello carrying it "
        "means the server accepted, and no certificates are sent."
    ),
    # RFC 8446 §4.2.3
    "signature_algorithms": "The signature schemes the sender can verify in CertificateVerify.",
    # -- outcomes --------------------------------------------------------------------
    # Python ssl docs (SSLWantReadError); RFC 8446 §2 (flights)
    "want read": (
        "OpenSSL cannot go on until the peer's bytes arrive: it has written what it could "
        "and waits. Deliver the peer's queued bytes, then call again."
    ),
    # RFC 8446 §4.6.1: tickets travel as handshake records after the handshake.
    "read: want read": (
        "No application data was waiting: what arrived held only handshake messages (in TLS "
        "1.3 often the session tickets) or nothing at all. It is not an error; deliver the "
        "peer's bytes and read again."
    ),
    "closed": (
        "The peer's close_notify arrived: it will send no more data, and this side's read "
        "reports the end of the stream."
    ),
    "error": (
        "OpenSSL refused what it received; the side sends an alert and the connection is dead."
    ),
    "stalled": (
        "Neither side could move and nothing was queued: each waits for the other, often "
        "because bytes were dropped or cut off."
    ),
    # RFC 8446 §6.1
    "close_notify": (
        "An authenticated end-of-data signal. Without it, an attacker who cuts the "
        "connection could make a truncated message look complete (a truncation attack)."
    ),
    # RFC 8446 §6.2
    "alert received": (
        "The peer refused something and sent a fatal alert that names the reason; this side "
        "stops too, and the connection is over."
    ),
    # RFC 8446 §6
    "alert": "A two-byte message: a level and a reason. A fatal alert ends the connection.",
    # RFC 8446 §4.6.1
    "ticket after handshake": (
        "TLS 1.3 tickets are sent once the server has the client's Finished, so they can "
        "cover the whole handshake; the client gets one only when it reads again."
    ),
    # RFC 8446 §5.2
    "encrypted": (
        "This record is protected with handshake or traffic keys; its outer type says "
        "application_data whatever is inside, and only the endpoints can open it."
    ),
    # RFC 5246 §6.2.3: TLS 1.2 protects the fragment only; the header type stays real.
    "encrypted@TLS 1.2": (
        "This record is protected with the keys agreed in this handshake. In TLS 1.2 the "
        "header still shows the real content type, so a protected handshake record here is "
        "the Finished."
    ),
    "bad_record_mac": (
        "A record failed its integrity check: it was changed in flight, or the two sides "
        "derived different keys because a handshake message was altered. The receiver refuses "
        "it and stops."
    ),
    # RFC 5280 §6 (path validation), RFC 6125 (host names)
    "certificate_verify_failed": (
        "The peer's certificate did not check out: it does not chain to a trusted CA, is not "
        "valid now, or does not name the host asked for. OpenSSL's verify message says which."
    ),
    # RFC 8446 §6.1
    "unexpected_eof": (
        "The transport ended without a close_notify, so the data may have been cut short; "
        "OpenSSL 3 reports this as an error unless told to ignore it."
    ),
    # RFC 8446 §4.2.1, §6.2
    "unsupported_protocol": (
        "The two sides have no TLS version in common, so the handshake stops with a "
        "protocol_version alert."
    ),
    "unexpected_message": (
        "A message arrived that this state does not allow; the receiver stops with an "
        "unexpected_message alert (RFC 8446 §6.2)."
    ),
    "session_reused": (
        "The handshake resumed an earlier session: no certificates were exchanged, so it "
        "was shorter."
    ),
}


def note(key: str, version: str | None = None) -> str | None:
    """The note for ``key``, preferring the ``key@version`` form (version like "TLS 1.3")."""
    if version is not None and f"{key}@{version}" in NOTES:
        return NOTES[f"{key}@{version}"]
    return NOTES.get(key)


@frozen
class Note:
    key: str
    text: str


def _notes(keys: Iterable[str], version: str | None, seen: set[str] | None) -> Iterator[Note]:
    seen = set() if seen is None else seen
    for key in keys:
        text = note(key, version)
        if text is not None and key not in seen:
            seen.add(key)
            yield Note(key=key, text=text)


def record_keys(view: RecordView, version: str | None) -> list[str]:
    """The note keys for one record as it crossed."""
    keys: list[str] = []
    ctype = view.record.content_type
    if version == TLS13 and view.record.legacy_record_version in (
        ProtocolVersion.tls10,
        ProtocolVersion.tls12,
    ):
        keys.append("legacy_record_version")
    if ctype == ContentType.change_cipher_spec:
        keys.append("ChangeCipherSpec")
    if view.protected:
        keys.append("encrypted")
    for mv in view.messages:
        keys.append(mv.name)
        extensions = _extension_names(mv.decoded)
        if extensions is None:  # not decoded: go by what the version implies
            if mv.name == "ServerHello" and version == TLS13:
                keys.append("ServerHello.key_share")
            if mv.name == "ClientHello" and version != ProtocolVersion.tls12.label:
                keys.append("ClientHello.key_share")
        else:
            for ext in extensions:
                if ext == "key_share" and mv.name in ("ClientHello", "ServerHello"):
                    keys.append(f"{mv.name}.key_share")
                elif ext in NOTES:
                    keys.append(ext)
        if mv.name == "NewSessionTicket" and version == TLS13:
            keys.append("ticket after handshake")
    if view.alert is not None:
        keys.append("close_notify" if view.alert.description == 0 else "alert")
    return keys


def _extension_names(decoded: object) -> list[str] | None:
    """Extension names of a message the wire decoder decoded, or None if it did not."""
    extensions = getattr(decoded, "extensions", None)
    if decoded is None or extensions is None:
        return None
    return [n for e in extensions if isinstance(n := getattr(e, "name", None), str)]


def event_keys(event: Event) -> list[str]:
    """The note keys for one operation's outcome."""
    keys: list[str] = []
    if not event.op.is_call:
        return keys
    if event.result is Result.want_read:
        keys.append("read: want read" if event.op is Op.read else "want read")
    elif event.result is Result.closed:
        keys.append("closed")
    elif event.result is Result.error:
        keys.append(_error_key(event))
    return keys


def _error_key(event: Event) -> str:
    error = event.error
    reason = (error.reason or "").lower() if error else ""
    if "bad_record_mac" in reason:
        return "bad_record_mac"
    if error is not None and error.exception == "SSLEOFError":
        return "unexpected_eof"
    if reason == "certificate_verify_failed":
        return reason
    if reason == "unsupported_protocol" or reason.endswith("alert_protocol_version"):
        return "unsupported_protocol"
    if error is not None and error.alert_received:
        return "alert received"
    return "error"


def for_record(
    view: RecordView, version: str | None = None, seen: set[str] | None = None
) -> list[Note]:
    """Notes for one record; keys in ``seen`` are skipped, and new ones added to it."""
    return list(_notes(record_keys(view, version), version, seen))


def for_event(event: Event, version: str | None = None, seen: set[str] | None = None) -> list[Note]:
    """Notes for one operation's outcome; ``seen`` as in :func:`for_record`."""
    return list(_notes(event_keys(event), version, seen))
