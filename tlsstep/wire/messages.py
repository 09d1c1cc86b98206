"""Handshake message bodies, ChangeCipherSpec and Alert, decoded field by field.

:func:`decode_handshake` never raises: whatever the bytes, it returns a
:class:`DecodedMessage` whose fields tile the message (header included) and whose
``problems`` say what was expected where. Offsets count from the first byte of
the handshake header (msg_type), so a view adds where the message starts.

Some messages have a TLS 1.2 and a TLS 1.3 form with the same number
(Certificate, CertificateRequest, NewSessionTicket): ``version`` picks one, and
without it the structure is sniffed. ServerKeyExchange and ClientKeyExchange
depend on the key exchange: ``cipher_suite`` picks ECDHE, DHE or RSA, and
without it the structure is sniffed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from tlsstep.frozen import frozen
from tlsstep.wire.enums import (
    HELLO_RETRY_REQUEST_RANDOM,
    AlertDescription,
    AlertLevel,
    HandshakeType,
    ProtocolVersion,
    message_name,
    name_of,
)
from tlsstep.wire.extensions import Context, read_extensions
from tlsstep.wire.handshake import HandshakeMessage, Piece, piece_offset
from tlsstep.wire.names import (
    CERTIFICATE_STATUS_TYPES,
    CHANGE_CIPHER_SPEC_TYPES,
    CLIENT_CERTIFICATE_TYPES,
    COMPRESSION_METHODS,
    EC_CURVE_TYPES,
    KEY_UPDATE_REQUESTS,
    cipher_suite_label,
    cipher_suite_name,
    group_name,
    signature_scheme_name,
    table_name,
    version_label,
)
from tlsstep.wire.reader import Field, Problem, Reader, decode, encode

FORM_TLS13: Final = ProtocolVersion.tls13.label  # the form of a message whose layout is TLS 1.3's
FORM_TLS12: Final = ProtocolVersion.tls12.label


@frozen
class DecodedMessage:
    """What a handshake message (or a CCS/Alert record body) says, field by field.

    ``form`` names the variant decoded when the number alone does not say it
    ("TLS 1.3", "TLS 1.2", "ECDHE", "DHE", "RSA"). ``raw`` is the decoded bytes
    (for a handshake message: header and body), so any field's bytes are
    ``raw[f.offset : f.offset + f.length]``.
    """

    name: str
    msg_type: int | None
    fields: tuple[Field, ...]
    problems: tuple[Problem, ...] = ()
    form: str | None = None
    raw: bytes = b""
    pieces: tuple[Piece, ...] = ()  # where ``raw`` crossed the wire, when known

    def stream_offset(self, offset: int) -> int | None:
        """Where byte ``offset`` of ``raw`` is in its direction's stream, if known."""
        return piece_offset(self.pieces, offset)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def root(self) -> Field:
        """The whole message as one node, so the :class:`Field` searches apply."""
        return Field(name=self.name, offset=0, length=len(self.raw), children=self.fields)

    def find(self, name: str) -> Field | None:
        """The first field called ``name`` (depth first)."""
        return self.root.find(name)

    def find_all(self, name: str) -> list[Field]:
        return self.root.find_all(name)

    def leaf(self, name: str) -> Field | None:
        """The first leaf called ``name`` (an opaque vector's bytes, not its node)."""
        return self.root.leaf(name)

    def value(self, name: str) -> int | bytes | None:
        """The value of the first leaf called ``name``, or None."""
        f = self.leaf(name)
        return f.value if f is not None else None

    @property
    def extensions(self) -> tuple[Field, ...]:
        """The extension nodes of the message's own extension block (not per-entry ones)."""
        for f in self.fields:
            if f.name == "extensions":
                return tuple(c for c in f.children if c.name != "length")
        return ()

    def extension(self, name: str) -> Field | None:
        for ext in self.extensions:
            if ext.name == name:
                return ext
        return None

    def encode(self) -> bytes:
        """The bytes the fields stand for (equal to ``raw`` for what was decoded)."""
        return encode(self.fields)


# -- hellos -------------------------------------------------------------------


def _random(r: Reader) -> bytes:
    return r.opaque(
        "random",
        32,
        lambda v: "HelloRetryRequest" if v == HELLO_RETRY_REQUEST_RANDOM else v.hex(),
    )


def _client_hello(r: Reader, form: str | None) -> None:
    # RFC 8446 §4.1.2 (RFC 5246 §7.4.1.2: extensions may be absent in TLS 1.2).
    r.uint("legacy_version", 2, version_label)
    _random(r)
    r.opaque_vector("legacy_session_id", 1)
    r.uint_vector("cipher_suites", 2, "cipher_suite", 2, cipher_suite_label)
    r.uint_vector(
        "legacy_compression_methods",
        1,
        "compression_method",
        1,
        lambda v: table_name(COMPRESSION_METHODS, v),
    )
    if r.remaining:
        read_extensions(r, Context.client_hello)


def _server_hello(r: Reader, form: str | None) -> None:
    # RFC 8446 §4.1.3; a HelloRetryRequest has the same layout and a fixed random.
    r.uint("legacy_version", 2, version_label)
    random = _random(r)
    r.opaque_vector("legacy_session_id_echo", 1)
    r.uint("cipher_suite", 2, cipher_suite_label)
    r.uint("legacy_compression_method", 1, lambda v: table_name(COMPRESSION_METHODS, v))
    if r.remaining:
        hrr = random == HELLO_RETRY_REQUEST_RANDOM
        read_extensions(r, Context.hello_retry_request if hrr else Context.server_hello)


def _encrypted_extensions(r: Reader, form: str | None) -> None:
    read_extensions(r, Context.encrypted_extensions)  # RFC 8446 §4.3.1


# -- certificates ---------------------------------------------------------------


def _certificate(r: Reader, form: str | None) -> None:
    if form == FORM_TLS13:
        # RFC 8446 §4.4.2: a context, then entries each with their own extensions.
        r.opaque_vector("certificate_request_context", 1)

        def entry() -> None:
            with r.node("CertificateEntry"):
                r.opaque_vector("cert_data", 3)
                read_extensions(r, Context.certificate)

        r.vector("certificate_list", 3, lambda: r.items(entry))
    else:
        # RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1>.
        r.vector("certificate_list", 3, lambda: r.items(lambda: r.opaque_vector("ASN.1Cert", 3)))


def _certificate_form(body: bytes) -> str:
    # A TLS 1.2 body is exactly one u24 vector; a TLS 1.3 one starts with a u8 context.
    if len(body) >= 3 and int.from_bytes(body[:3], "big") == len(body) - 3:
        return FORM_TLS12
    return FORM_TLS13


def _certificate_request(r: Reader, form: str | None) -> None:
    if form == FORM_TLS13:
        r.opaque_vector("certificate_request_context", 1)  # RFC 8446 §4.3.2
        read_extensions(r, Context.certificate_request)
        return
    # RFC 5246 §7.4.4.
    r.uint_vector(
        "certificate_types",
        1,
        "ClientCertificateType",
        1,
        lambda v: table_name(CLIENT_CERTIFICATE_TYPES, v),
    )
    r.uint_vector("supported_signature_algorithms", 2, "signature_scheme", 2, signature_scheme_name)
    r.vector(
        "certificate_authorities",
        2,
        lambda: r.items(lambda: r.opaque_vector("DistinguishedName", 2)),
    )


def _certificate_request_form(body: bytes) -> str:
    # TLS 1.3: context<0..255> then extensions<2..2^16-1> that end the body exactly.
    if body:
        c = body[0]
        if len(body) >= 3 + c and int.from_bytes(body[1 + c : 3 + c], "big") == len(body) - 3 - c:
            return FORM_TLS13
    return FORM_TLS12


def _certificate_verify(r: Reader, form: str | None) -> None:
    r.uint("algorithm", 2, signature_scheme_name)  # RFC 8446 §4.4.3
    r.opaque_vector("signature", 2)


def _certificate_status(r: Reader, form: str | None) -> None:
    # RFC 6066 §8.
    r.uint("status_type", 1, lambda v: table_name(CERTIFICATE_STATUS_TYPES, v))
    r.opaque_vector("OCSPResponse", 3)


# -- TLS 1.2 key exchange --------------------------------------------------------


def _signature(r: Reader) -> None:
    # RFC 5246 §4.7 digitally-signed: SignatureAndHashAlgorithm then opaque<0..2^16-1>.
    # (TLS 1.0/1.1 have no algorithm; a two-byte u16 that ends the body says so.)
    if not r.remaining:
        return  # anonymous key exchange: no signature
    with r.node("signed_params"):
        if r.remaining - 2 != int.from_bytes(r.peek_bytes(2), "big"):
            r.uint("algorithm", 2, signature_scheme_name)
        r.opaque_vector("signature", 2)


def _server_key_exchange(r: Reader, form: str | None) -> None:
    if form == "ECDHE":
        # RFC 8422 §5.4: ECParameters, ECPoint, then the signature.
        with r.node("ServerECDHParams"):
            curve_type = r.uint("curve_type", 1, lambda v: table_name(EC_CURVE_TYPES, v))
            if curve_type == 3:
                r.uint("namedcurve", 2, group_name)
            else:
                r.invalid("curve_type: only named_curve is allowed (RFC 8422 §5.4)", r.pos - 1)
                r.rest("curve_params")
                return
            r.opaque_vector("point", 1)
    else:
        # RFC 5246 §7.4.3: ServerDHParams.
        with r.node("ServerDHParams"):
            r.opaque_vector("dh_p", 2)
            r.opaque_vector("dh_g", 2)
            r.opaque_vector("dh_Ys", 2)
    _signature(r)


def _kex_from_suite(cipher_suite: int) -> str | None:
    name = cipher_suite_name(cipher_suite)
    if "_ECDHE_" in name:
        return "ECDHE"
    if "_DHE_" in name:
        return "DHE"
    if name.startswith("TLS_RSA_"):
        return "RSA"
    return None


def _server_key_exchange_form(body: bytes) -> str:
    # named_curve (3) + a known group + a point that fits: ECDHE; else DH params.
    if len(body) >= 4 and body[0] == 3 and 4 + body[3] <= len(body):
        return "ECDHE"
    return "DHE"


def _client_key_exchange(r: Reader, form: str | None) -> None:
    if form == "ECDHE":
        r.opaque_vector("ecdh_Yc", 1)  # RFC 8422 §5.7
    elif form == "DHE":
        r.opaque_vector("dh_Yc", 2)  # RFC 5246 §7.4.7.2
    else:
        r.opaque_vector("encrypted_pre_master_secret", 2)  # RFC 5246 §7.4.7.1


def _client_key_exchange_form(body: bytes) -> str:
    if body and body[0] == len(body) - 1:
        return "ECDHE"
    return "RSA"


# -- after the handshake ----------------------------------------------------------


def _new_session_ticket(r: Reader, form: str | None) -> None:
    if form == FORM_TLS13:
        r.uint("ticket_lifetime", 4)  # RFC 8446 §4.6.1
        r.uint("ticket_age_add", 4)
        r.opaque_vector("ticket_nonce", 1)
        r.opaque_vector("ticket", 2)
        read_extensions(r, Context.new_session_ticket)
    else:
        r.uint("ticket_lifetime_hint", 4)  # RFC 5077 §3.3
        r.opaque_vector("ticket", 2)


def _new_session_ticket_form(body: bytes) -> str:
    if len(body) >= 6 and int.from_bytes(body[4:6], "big") == len(body) - 6:
        return FORM_TLS12
    return FORM_TLS13


def _finished(r: Reader, form: str | None) -> None:
    r.rest("verify_data")  # RFC 8446 §4.4.4, RFC 5246 §7.4.9


def _key_update(r: Reader, form: str | None) -> None:
    r.uint("request_update", 1, lambda v: table_name(KEY_UPDATE_REQUESTS, v))  # RFC 8446 §4.6.3


def _empty(r: Reader, form: str | None) -> None:
    """HelloRequest, ServerHelloDone, EndOfEarlyData: no body (trailing bytes are a problem)."""


def _unknown(r: Reader, form: str | None) -> None:
    r.rest("body")


_BODY: Final[dict[int, Callable[[Reader, str | None], None]]] = {
    HandshakeType.hello_request: _empty,
    HandshakeType.client_hello: _client_hello,
    HandshakeType.server_hello: _server_hello,
    HandshakeType.new_session_ticket: _new_session_ticket,
    HandshakeType.end_of_early_data: _empty,
    HandshakeType.encrypted_extensions: _encrypted_extensions,
    HandshakeType.certificate: _certificate,
    HandshakeType.server_key_exchange: _server_key_exchange,
    HandshakeType.certificate_request: _certificate_request,
    HandshakeType.server_hello_done: _empty,
    HandshakeType.certificate_verify: _certificate_verify,
    HandshakeType.client_key_exchange: _client_key_exchange,
    HandshakeType.finished: _finished,
    HandshakeType.certificate_status: _certificate_status,
    HandshakeType.key_update: _key_update,
}

# Forms that the version decides (None: sniff the structure).
_VERSIONED: Final[dict[int, Callable[[bytes], str]]] = {
    HandshakeType.certificate: _certificate_form,
    HandshakeType.certificate_request: _certificate_request_form,
    HandshakeType.new_session_ticket: _new_session_ticket_form,
}


def _form(msg_type: int, body: bytes, version: int | None, cipher_suite: int | None) -> str | None:
    if msg_type in _VERSIONED:
        if version is not None:
            return FORM_TLS13 if version == ProtocolVersion.tls13 else FORM_TLS12
        return _VERSIONED[msg_type](body)
    if msg_type == HandshakeType.server_key_exchange:
        kex = _kex_from_suite(cipher_suite) if cipher_suite is not None else None
        return kex if kex in ("ECDHE", "DHE") else _server_key_exchange_form(body)
    if msg_type == HandshakeType.client_key_exchange:
        kex = _kex_from_suite(cipher_suite) if cipher_suite is not None else None
        return kex or _client_key_exchange_form(body)
    return None


def decode_handshake(
    message: HandshakeMessage, *, version: int | None = None, cipher_suite: int | None = None
) -> DecodedMessage:
    """Decode one framed handshake message; never raises.

    Args:
        message: the message as the reassembler framed it.
        version: the negotiated version (0x0304 picks TLS 1.3 forms); None sniffs.
        cipher_suite: the server's chosen suite, to tell ECDHE/DHE/RSA key exchange.

    Returns:
        The fields (header first) and any problems met, each with its offset.
    """
    raw = message.raw
    form = _form(message.msg_type, message.body, version, cipher_suite)
    body = _BODY.get(message.msg_type, _unknown)

    def run(r: Reader) -> None:
        r.uint("msg_type", 1, message_name)
        n = r.uint("length", 3)
        with r.bounded(n, message.name):
            body(r, form)

    fields, problems = decode(raw, run)
    return DecodedMessage(
        name=message.name,
        msg_type=message.msg_type,
        fields=fields,
        problems=problems,
        form=form,
        raw=raw,
        pieces=message.pieces,
    )


def decode_alert(fragment: bytes) -> DecodedMessage:
    """An Alert record body (RFC 8446 §6): level and description, by name."""

    def run(r: Reader) -> None:
        r.uint("level", 1, lambda v: name_of(AlertLevel, v))
        r.uint("description", 1, lambda v: name_of(AlertDescription, v))

    fields, problems = decode(fragment, run)
    return DecodedMessage(
        name="Alert", msg_type=None, fields=fields, problems=problems, raw=fragment
    )


def decode_change_cipher_spec(fragment: bytes) -> DecodedMessage:
    """A ChangeCipherSpec record body (RFC 5246 §7.1, RFC 8446 §5): one byte, 1."""

    def run(r: Reader) -> None:
        start = r.pos
        if r.uint("type", 1, lambda v: table_name(CHANGE_CIPHER_SPEC_TYPES, v)) != 1:
            r.invalid("ChangeCipherSpec type: must be 1 (RFC 5246 §7.1)", start)

    fields, problems = decode(fragment, run)
    return DecodedMessage(
        name="ChangeCipherSpec", msg_type=None, fields=fields, problems=problems, raw=fragment
    )


# -- JSON ---------------------------------------------------------------------------


def field_json(f: Field) -> dict[str, Any]:
    """One field as plain JSON values: bytes as hex, names as the RFCs spell them."""
    out: dict[str, Any] = {"name": f.name, "offset": f.offset, "length": f.length}
    if isinstance(f.value, bytes):
        out["hex"] = f.value.hex()
    elif f.value is not None:
        out["value"] = f.value
    if f.text is not None:
        out["text"] = f.text
    if f.children:
        out["fields"] = [field_json(c) for c in f.children]
    if f.is_list:
        out["list"] = True
    return out


def problem_json(p: Problem) -> dict[str, Any]:
    return {
        "kind": str(p.kind),
        "expected": p.expected,
        "offset": p.offset,
        "available": p.available,
        "message": str(p),
    }


def to_json(decoded: DecodedMessage) -> dict[str, Any]:
    """A decoded message as plain dicts/lists/str/int (offsets are within ``raw``)."""
    return {
        "name": decoded.name,
        "msg_type": decoded.msg_type,
        "form": decoded.form,
        "stream_offset": decoded.stream_offset(0),
        "fields": [field_json(f) for f in decoded.fields],
        "problems": [problem_json(p) for p in decoded.problems],
    }
