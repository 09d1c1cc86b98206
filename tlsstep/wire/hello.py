"""The facts other layers need from hellos and Certificates, read from decoded fields.

The one decoder (:func:`tlsstep.wire.messages.decode_handshake`) parses every field of
every message. The state tracker, the crypto layer's key schedule and the certificate
layer each need a handful of them (the selected version, the randoms, the cipher suite,
which extensions were sent, the certificate list); these readers take them from a
:class:`~tlsstep.wire.messages.DecodedMessage`, so nothing outside ``wire`` parses
handshake bytes by hand.
"""

from __future__ import annotations

from typing import Final

from tlsstep.errors import DecodeError
from tlsstep.frozen import frozen
from tlsstep.wire.enums import HELLO_RETRY_REQUEST_RANDOM, HandshakeType, ProtocolVersion
from tlsstep.wire.handshake import HandshakeMessage
from tlsstep.wire.messages import DecodedMessage, decode_handshake

# Extension numbers the readers below are asked about (IANA TLS ExtensionType Values).
ENCRYPT_THEN_MAC: Final = 22  # RFC 7366 §2
PRE_SHARED_KEY: Final = 41  # RFC 8446 §4.2.11
SUPPORTED_VERSIONS: Final = 43  # RFC 8446 §4.2.1


def extension_types(decoded: DecodedMessage) -> tuple[int, ...]:
    """The ExtensionType of each extension of the message's own block, in wire order."""
    out: list[int] = []
    for ext in decoded.extensions:
        found = ext.find("extension_type")
        if found is not None and isinstance(found.value, int):
            out.append(found.value)
    return tuple(out)


def _int(decoded: DecodedMessage, name: str) -> int | None:
    value = decoded.value(name)
    return value if isinstance(value, int) else None


@frozen
class ClientHelloFacts:
    random: bytes | None
    offered: tuple[ProtocolVersion | int, ...]  # supported_versions, or legacy_version alone

    @property
    def offers_tls13(self) -> bool:
        return ProtocolVersion.tls13 in self.offered


def client_hello_facts(decoded: DecodedMessage) -> ClientHelloFacts:
    """What a ClientHello offers (RFC 8446 §4.1.2, §4.2.1); as much as decoded."""
    random = decoded.value("random")
    offered: list[ProtocolVersion | int] = []
    ext = decoded.extension("supported_versions")
    if ext is not None:
        offered = [
            ProtocolVersion.of(f.value)  # type: ignore[misc]
            for f in ext.find_all("version")
            if isinstance(f.value, int)
        ]
    else:
        legacy = _int(decoded, "legacy_version")
        offered = [ProtocolVersion.of(legacy)] if legacy is not None else []  # type: ignore[list-item]
    return ClientHelloFacts(
        random=random if isinstance(random, bytes) and len(random) == 32 else None,
        offered=tuple(offered),
    )


def client_hello_random(message: HandshakeMessage) -> bytes | None:
    """A ClientHello's random, without decoding the rest of it (what decryption needs).

    RFC 8446 §4.1.2 and RFC 5246 §7.4.1.2 fix its place: the 32 bytes after the 2-byte
    legacy_version, first of the body. The same bytes as
    ``client_hello_facts(decoded).random``; None when the body is too short to hold it.
    """
    if message.msg_type != HandshakeType.client_hello or len(message.body) < 34:
        return None
    return bytes(message.body[2:34])


def server_hello_choice(message: HandshakeMessage) -> tuple[int, int] | None:
    """A ServerHello's (or HelloRetryRequest's) version and cipher suite, without decoding
    the rest of it: ``(facts.version, facts.cipher_suite)`` of :func:`server_hello_facts`.

    RFC 8446 §4.1.3 and RFC 5246 §7.4.1.3 fix the places: legacy_version, the random,
    the session id, then the suite; the version is supported_versions' selected_version
    when the extension is there. None when the body does not hold them exactly as that
    layout says (a short body, an extension block that overruns it): then decode it.
    ``tests/wire/test_server_hello_choice.py`` compares it with the decoder's facts.
    """
    body = message.body
    if message.msg_type != HandshakeType.server_hello or len(body) < 38:
        return None
    at = 35 + body[34]  # after the session id
    if len(body) < at + 3:
        return None
    version, suite = int.from_bytes(body[0:2], "big"), int.from_bytes(body[at : at + 2], "big")
    at += 3  # the suite and the compression method
    if at == len(body):
        return version, suite
    if at + 2 > len(body) or at + 2 + int.from_bytes(body[at : at + 2], "big") != len(body):
        return None
    at += 2
    selected: int | None = None
    while at < len(body):
        if at + 4 > len(body):
            return None
        kind, size = (
            int.from_bytes(body[at : at + 2], "big"),
            int.from_bytes(body[at + 2 : at + 4], "big"),
        )
        at += 4
        if at + size > len(body):
            return None
        if kind == SUPPORTED_VERSIONS:
            if size != 2 or selected is not None:
                return None  # not one choice: the decoder's reading is the answer
            selected = version = int.from_bytes(body[at : at + 2], "big")
        at += size
    return version, suite


def server_name_sent(decoded: DecodedMessage) -> str | None:
    """The host name a ClientHello asks for (SNI, RFC 6066 §3), None when it names none.

    Kept as the wire had it (non-ASCII bytes escaped), for showing, never for trusting.
    """
    if decoded.msg_type != HandshakeType.client_hello:
        return None
    ext = decoded.extension("server_name")
    name = ext.find("host_name") if ext is not None else None
    if name is None:
        return None
    leaf = name if not name.children else name.children[-1]
    if not isinstance(leaf.value, bytes):
        return None
    return leaf.value.decode("ascii", "backslashreplace")


@frozen
class ServerHelloFacts:
    """What a ServerHello (or HelloRetryRequest) chose (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3)."""

    random: bytes
    cipher_suite: int
    version: ProtocolVersion | int  # supported_versions' selected_version, else legacy_version
    extensions: tuple[int, ...]

    @property
    def hello_retry(self) -> bool:
        return self.random == HELLO_RETRY_REQUEST_RANDOM

    @property
    def encrypt_then_mac(self) -> bool:
        return ENCRYPT_THEN_MAC in self.extensions

    @property
    def pre_shared_key(self) -> bool:
        return PRE_SHARED_KEY in self.extensions


def server_hello_facts(decoded: DecodedMessage) -> ServerHelloFacts | None:
    """The ServerHello's choices; None when it is not one or too short to hold them."""
    if decoded.msg_type != HandshakeType.server_hello:
        return None
    random = decoded.value("random")
    suite = _int(decoded, "cipher_suite")
    legacy = _int(decoded, "legacy_version")
    if not isinstance(random, bytes) or len(random) != 32 or suite is None or legacy is None:
        return None
    selected = _int(decoded, "selected_version")
    version = ProtocolVersion.of(selected if selected is not None else legacy)
    assert version is not None
    return ServerHelloFacts(
        random=random, cipher_suite=suite, version=version, extensions=extension_types(decoded)
    )


def certificate_list(decoded: DecodedMessage) -> tuple[bytes, ...]:
    """The DER certificates (leaf first) of a Certificate message, exactly as sent.

    TLS 1.2 (RFC 5246 §7.4.2) lists ``ASN.1Cert``; TLS 1.3 (RFC 8446 §4.4.2) lists
    ``CertificateEntry`` values whose ``cert_data`` is the certificate.

    Raises:
        DecodeError: the message did not decode cleanly: the decoder's first problem,
            with its offset from the message's first header byte.
    """
    if decoded.problems:
        problem = decoded.problems[0]
        raise DecodeError(str(problem).split(" at offset ")[0], offset=problem.offset)
    name = "cert_data" if decoded.form == ProtocolVersion.tls13.label else "ASN.1Cert"
    return tuple(f.value for f in decoded.root.find_all(name) if isinstance(f.value, bytes))


def is_empty_certificate(decoded: DecodedMessage) -> bool:
    """A Certificate with no certificates (RFC 8446 §4.4.2.4: the client has none)."""
    if decoded.msg_type != HandshakeType.certificate or decoded.problems:
        return False
    try:
        return not certificate_list(decoded)
    except DecodeError:
        return False


def decode_alone(message: HandshakeMessage) -> DecodedMessage:
    """A message decoded without the connection's context (hellos need none)."""
    return decode_handshake(message)
