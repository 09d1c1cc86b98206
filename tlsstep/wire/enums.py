"""Protocol numbers named as the RFCs and IANA name them.

Unknown numbers are data (STYLE.md rule 4): :func:`name_of` shows them as
``unknown (0x..)`` instead of rejecting them.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from tlsstep.cheap_enum import CheapEnumType


class ContentType(IntEnum, metaclass=CheapEnumType):
    """TLSPlaintext.type, RFC 8446 §5.1."""

    invalid = 0
    change_cipher_spec = 20
    alert = 21
    handshake = 22
    application_data = 23
    heartbeat = 24  # RFC 6520


class HandshakeType(IntEnum, metaclass=CheapEnumType):
    """Handshake.msg_type, RFC 8446 §4 and RFC 5246 §7.4."""

    hello_request = 0
    client_hello = 1
    server_hello = 2
    hello_verify_request = 3
    new_session_ticket = 4
    end_of_early_data = 5
    hello_retry_request = 6
    encrypted_extensions = 8
    certificate = 11
    server_key_exchange = 12
    certificate_request = 13
    server_hello_done = 14
    certificate_verify = 15
    client_key_exchange = 16
    finished = 20
    certificate_url = 21
    certificate_status = 22
    supplemental_data = 23
    key_update = 24
    compressed_certificate = 25
    message_hash = 254


# The names users see and JSON carries ("ClientHello"), as the RFC prose writes them.
MESSAGE_NAMES: Final[dict[int, str]] = {
    0: "HelloRequest",
    1: "ClientHello",
    2: "ServerHello",
    3: "HelloVerifyRequest",
    4: "NewSessionTicket",
    5: "EndOfEarlyData",
    6: "HelloRetryRequest",
    8: "EncryptedExtensions",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    20: "Finished",
    21: "CertificateURL",
    22: "CertificateStatus",
    23: "SupplementalData",
    24: "KeyUpdate",
    25: "CompressedCertificate",
    254: "MessageHash",
}

# RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest.
HELLO_RETRY_REQUEST_RANDOM: Final[bytes] = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
)


class AlertLevel(IntEnum, metaclass=CheapEnumType):
    """RFC 8446 §6."""

    warning = 1
    fatal = 2


class AlertDescription(IntEnum, metaclass=CheapEnumType):
    """RFC 8446 §6 plus the TLS 1.2-only codes of RFC 5246 §7.2."""

    close_notify = 0
    unexpected_message = 10
    bad_record_mac = 20
    decryption_failed_RESERVED = 21
    record_overflow = 22
    decompression_failure_RESERVED = 30
    handshake_failure = 40
    no_certificate_RESERVED = 41
    bad_certificate = 42
    unsupported_certificate = 43
    certificate_revoked = 44
    certificate_expired = 45
    certificate_unknown = 46
    illegal_parameter = 47
    unknown_ca = 48
    access_denied = 49
    decode_error = 50
    decrypt_error = 51
    export_restriction_RESERVED = 60
    protocol_version = 70
    insufficient_security = 71
    internal_error = 80
    inappropriate_fallback = 86
    user_canceled = 90
    no_renegotiation_RESERVED = 100
    missing_extension = 109
    unsupported_extension = 110
    certificate_unobtainable_RESERVED = 111
    unrecognized_name = 112
    bad_certificate_status_response = 113
    bad_certificate_hash_value_RESERVED = 114
    unknown_psk_identity = 115
    certificate_required = 116
    no_application_protocol = 120


class ProtocolVersion(IntEnum, metaclass=CheapEnumType):
    """ProtocolVersion (RFC 8446 §4.2.1, RFC 5246 §6.2.1): one value, each view's spelling.

    Every view keeps the spelling its users know, derived here so they cannot drift:
    ``label`` ("TLS 1.2") in wire views, states and JSON; ``number`` ("1.2") in options
    and scenario keys; ``openssl`` ("TLSv1.2") as Python's ``SSLObject.version()`` says it.
    ``ssl.TLSVersion`` uses the same numbers, so ``ssl.TLSVersion(v)`` converts.
    """

    ssl3 = 0x0300
    tls10 = 0x0301
    tls11 = 0x0302
    tls12 = 0x0303
    tls13 = 0x0304

    @property
    def number(self) -> str:
        return "3.0" if self is ProtocolVersion.ssl3 else f"1.{self.value - 0x0301}"

    @property
    def label(self) -> str:
        return f"SSL {self.number}" if self is ProtocolVersion.ssl3 else f"TLS {self.number}"

    @property
    def openssl(self) -> str:
        return "SSLv3" if self is ProtocolVersion.ssl3 else f"TLSv{self.number}".replace(".0", "")

    @classmethod
    def from_number(cls, text: str) -> ProtocolVersion:
        """``"1.2"`` -> tls12 (ValueError for anything else)."""
        for v in cls:
            if v.number == text:
                return v
        raise ValueError(f"unknown TLS version {text!r}")

    @classmethod
    def from_openssl(cls, text: str | None) -> ProtocolVersion | None:
        """``"TLSv1.2"`` (``SSLObject.version()``) -> tls12; None for None or unknown."""
        for v in cls:
            if v.openssl == text:
                return v
        return None

    @classmethod
    def of(cls, value: int | None) -> ProtocolVersion | int | None:
        """The member for a wire number, or the number itself when no RFC names it."""
        if value is None:
            return None
        try:
            return cls(value)
        except ValueError:
            return value


VERSION_NAMES: Final[dict[int, str]] = {v.value: v.label for v in ProtocolVersion}


def unknown(value: int, width: int = 2) -> str:
    """How an unknown number is shown everywhere: ``unknown (0x00ff)``."""
    return f"unknown (0x{value:0{width * 2}x})"


# Each enum's names by value, made on first use: ``enum(value).name`` is four Python
# calls, and record views name a content type per record (issue 14).
_NAMES: dict[type[IntEnum], dict[int, str]] = {}


def name_of(enum: type[IntEnum], value: int, width: int = 1) -> str:
    """The RFC name of ``value`` in ``enum``, or ``unknown (0x..)``."""
    names = _NAMES.get(enum)
    if names is None:
        names = _NAMES[enum] = {member.value: member.name for member in enum}
    found = names.get(value)
    return found if found is not None else unknown(value, width)


def message_name(msg_type: int) -> str:
    """``ClientHello`` for 1; ``unknown (0x..)`` for numbers no RFC assigns."""
    return MESSAGE_NAMES.get(msg_type) or unknown(msg_type, 1)


def version_name(value: int) -> str:
    """``TLS 1.2`` for 0x0303."""
    return VERSION_NAMES.get(value) or unknown(value, 2)
