"""Extensions, decoded per the message that carries them (RFC 8446 §4.2).

The same extension number means different structures in different messages:
key_share is a list of shares in a ClientHello, one share in a ServerHello and
just a group in a HelloRetryRequest (§4.2.8). :class:`Context` says which
message is being decoded. An extension this module does not know (or a GREASE
one, RFC 8701) is kept raw as ``extension_data`` with its number.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Final

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.wire.names import (
    CERTIFICATE_COMPRESSION_ALGORITHMS,
    CERTIFICATE_STATUS_TYPES,
    EC_POINT_FORMATS,
    SERVER_NAME_TYPES,
    extension_name,
    group_name,
    psk_mode_name,
    signature_scheme_name,
    table_name,
    version_label,
)
from tlsstep.wire.reader import Reader


class Context(StrEnum, metaclass=CheapEnumType):
    """Which message an extension block belongs to (RFC 8446 §4.2's table)."""

    client_hello = "ClientHello"
    server_hello = "ServerHello"
    hello_retry_request = "HelloRetryRequest"
    encrypted_extensions = "EncryptedExtensions"
    certificate_request = "CertificateRequest"
    certificate = "Certificate"
    new_session_ticket = "NewSessionTicket"


def _ascii(raw: bytes) -> str:
    return raw.decode("ascii", "backslashreplace")


def _server_name(r: Reader, ctx: Context) -> None:
    # RFC 6066 §3: a list of (name_type, HostName); servers answer with empty data.
    def entry() -> None:
        with r.node("ServerName"):
            r.uint("name_type", 1, lambda v: table_name(SERVER_NAME_TYPES, v))
            r.opaque_vector("host_name", 2, _ascii)

    r.vector("server_name_list", 2, lambda: r.items(entry))


def _supported_groups(r: Reader, ctx: Context) -> None:
    r.uint_vector("named_group_list", 2, "named_group", 2, group_name)  # RFC 8446 §4.2.7


def _ec_point_formats(r: Reader, ctx: Context) -> None:
    r.uint_vector(  # RFC 8422 §5.1.2
        "ec_point_format_list", 1, "ec_point_format", 1, lambda v: table_name(EC_POINT_FORMATS, v)
    )


def _signature_algorithms(r: Reader, ctx: Context) -> None:
    r.uint_vector(  # RFC 8446 §4.2.3
        "supported_signature_algorithms", 2, "signature_scheme", 2, signature_scheme_name
    )


def _alpn(r: Reader, ctx: Context) -> None:
    # RFC 7301 §3.1: the same list form from both sides (the server's holds one name).
    r.vector(
        "protocol_name_list",
        2,
        lambda: r.items(lambda: r.opaque_vector("protocol_name", 1, _ascii)),
    )


def _supported_versions(r: Reader, ctx: Context) -> None:
    # RFC 8446 §4.2.1: the client's list, or the server's one choice.
    if ctx is Context.client_hello:
        r.uint_vector("versions", 1, "version", 2, version_label)
    else:
        r.uint("selected_version", 2, version_label)


def _key_share_entry(r: Reader) -> None:
    with r.node("KeyShareEntry"):
        r.uint("group", 2, group_name)
        r.opaque_vector("key_exchange", 2)


def _key_share(r: Reader, ctx: Context) -> None:
    # RFC 8446 §4.2.8: client_shares, server_share, or HRR's selected_group.
    if ctx is Context.client_hello:
        r.vector("client_shares", 2, lambda: r.items(lambda: _key_share_entry(r)))
    elif ctx is Context.hello_retry_request:
        r.uint("selected_group", 2, group_name)
    else:
        with r.node("server_share"):
            r.uint("group", 2, group_name)
            r.opaque_vector("key_exchange", 2)


def _psk_key_exchange_modes(r: Reader, ctx: Context) -> None:
    r.uint_vector("ke_modes", 1, "ke_mode", 1, psk_mode_name)  # RFC 8446 §4.2.9


def _pre_shared_key(r: Reader, ctx: Context) -> None:
    # RFC 8446 §4.2.11: OfferedPsks from the client, selected_identity from the server.
    if ctx is not Context.client_hello:
        r.uint("selected_identity", 2)
        return

    def identity() -> None:
        with r.node("PskIdentity"):
            r.opaque_vector("identity", 2)
            r.uint("obfuscated_ticket_age", 4)

    r.vector("identities", 2, lambda: r.items(identity))
    r.vector("binders", 2, lambda: r.items(lambda: r.opaque_vector("PskBinderEntry", 1)))


def _early_data(r: Reader, ctx: Context) -> None:
    # RFC 8446 §4.2.10: empty except in NewSessionTicket.
    if ctx is Context.new_session_ticket:
        r.uint("max_early_data_size", 4)
    else:
        r.rest("extension_data")


def _cookie(r: Reader, ctx: Context) -> None:
    r.opaque_vector("cookie", 2)  # RFC 8446 §4.2.2


def _status_request(r: Reader, ctx: Context) -> None:
    # RFC 6066 §8: a request from the client (and a TLS 1.3 CertificateRequest);
    # in a TLS 1.3 CertificateEntry, the CertificateStatus itself (RFC 8446 §4.4.2.1).
    status_type = r.uint("status_type", 1, lambda v: table_name(CERTIFICATE_STATUS_TYPES, v))
    if ctx is Context.certificate:
        r.opaque_vector("OCSPResponse", 3)
    elif status_type == 1:
        r.vector("responder_id_list", 2, lambda: r.items(lambda: r.opaque_vector("ResponderID", 2)))
        r.opaque_vector("request_extensions", 2)
    else:
        r.rest("request")


def _opaque_rest(field: str) -> Callable[[Reader, Context], None]:
    def decode(r: Reader, ctx: Context) -> None:
        r.rest(field)

    return decode


def _renegotiation_info(r: Reader, ctx: Context) -> None:
    r.opaque_vector("renegotiated_connection", 1)  # RFC 5746 §3.2


def _record_size_limit(r: Reader, ctx: Context) -> None:
    r.uint("record_size_limit", 2)  # RFC 8449 §4


def _padding(r: Reader, ctx: Context) -> None:
    # RFC 7685 §3: the padding bytes MUST all be zero.
    start = r.pos
    data = r.rest("padding")
    if any(data):
        r.invalid("padding: the bytes must all be zero (RFC 7685 §3)", start)


def _certificate_authorities(r: Reader, ctx: Context) -> None:
    # RFC 8446 §4.2.4: DER-encoded DistinguishedNames.
    r.vector("authorities", 2, lambda: r.items(lambda: r.opaque_vector("DistinguishedName", 2)))


def _compress_certificate(r: Reader, ctx: Context) -> None:
    r.uint_vector(  # RFC 8879 §3
        "algorithms",
        1,
        "algorithm",
        2,
        lambda v: table_name(CERTIFICATE_COMPRESSION_ALGORITHMS, v, 2),
    )


def _max_fragment_length(r: Reader, ctx: Context) -> None:
    # RFC 6066 §4: 2^9 .. 2^12.
    r.uint("max_fragment_length", 1, lambda v: table_name(_MAX_FRAGMENT, v))


_MAX_FRAGMENT: Final[dict[int, str]] = {1: "2^9", 2: "2^10", 3: "2^11", 4: "2^12"}

DECODERS: Final[dict[int, Callable[[Reader, Context], None]]] = {
    0: _server_name,
    1: _max_fragment_length,
    5: _status_request,
    10: _supported_groups,
    11: _ec_point_formats,
    13: _signature_algorithms,
    16: _alpn,
    18: _opaque_rest("SignedCertificateTimestampList"),  # RFC 6962 §3.3
    21: _padding,
    27: _compress_certificate,
    28: _record_size_limit,
    35: _opaque_rest("ticket"),  # RFC 5077 §3.2: empty, or a ticket to resume with
    41: _pre_shared_key,
    42: _early_data,
    43: _supported_versions,
    44: _cookie,
    45: _psk_key_exchange_modes,
    47: _certificate_authorities,
    50: _signature_algorithms,
    51: _key_share,
    0xFF01: _renegotiation_info,
}


def read_extension(r: Reader, ctx: Context) -> None:
    """One Extension (RFC 8446 §4.2): a node named after its type."""
    head = r.peek_bytes(2)
    name = extension_name(int.from_bytes(head, "big")) if len(head) == 2 else "extension"
    with r.node(name):
        ext_type = r.uint("extension_type", 2, extension_name)
        n = r.uint("length", 2)
        with r.bounded(n, f"{name} extension_data"):
            decoder = DECODERS.get(ext_type)
            # Empty extension_data is the acknowledging form (a ServerHello's
            # server_name, extended_master_secret, ...): nothing to decode.
            if n and decoder is not None:
                decoder(r, ctx)
            elif n:
                r.rest("extension_data")


def read_extensions(r: Reader, ctx: Context) -> None:
    """``Extension extensions<0..2^16-1>``."""
    r.vector("extensions", 2, lambda: r.items(lambda: read_extension(r, ctx)))
