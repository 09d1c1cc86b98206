"""One X.509 certificate as a frozen value: the fields a person debugging TLS looks at.

Values are computed once from the DER (with ``cryptography.x509``) so that the terminal
view and the JSON view show the same facts. Validity is judged against a ``now`` that the
caller passes, so a report made at one moment says the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen
from tlsstep.subject import name_rdns, rfc4514

# RFC 5280 §4.2.1.12 purposes, by the names OpenSSL and RFC 5280 use.
EKU_NAMES: Final[dict[x509.ObjectIdentifier, str]] = {
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE: "anyExtendedKeyUsage",
}

# RFC 5280 §4.2.1.3 KeyUsage bits, spelled as in the RFC's ASN.1.
_KEY_USAGE_BITS: Final = (
    ("digital_signature", "digitalSignature"),
    ("content_commitment", "nonRepudiation"),
    ("key_encipherment", "keyEncipherment"),
    ("data_encipherment", "dataEncipherment"),
    ("key_agreement", "keyAgreement"),
    ("key_cert_sign", "keyCertSign"),
    ("crl_sign", "cRLSign"),
)


class Validity(StrEnum, metaclass=CheapEnumType):
    valid = "valid"
    expired = "expired"
    not_yet_valid = "not yet valid"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _amount(delta: dt.timedelta) -> tuple[int, str]:
    """The largest whole unit of ``delta`` (sign ignored): (3, "day"), (1, "hour")."""
    seconds = abs(int(delta.total_seconds()))
    days = seconds // 86400
    if days >= 730:  # "973 years" reads better than "355417 days" for a test CA
        return days // 365, "year"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return seconds // size, unit
    return seconds, "second"


def relative(delta: dt.timedelta, more: bool = False) -> str:
    """``delta`` as people say it: "3 days", "1 hour"; ``more``: "89 more days"."""
    count, unit = _amount(delta)
    return f"{count} {'more ' if more else ''}{unit}{'s' if count != 1 else ''}"


def validity_wording(
    not_before: dt.datetime, not_after: dt.datetime, now: dt.datetime
) -> tuple[Validity, str]:
    """The state at ``now`` and how to say it: "expired 3 days ago", "valid for 89 more days"."""
    if now > not_after:
        return Validity.expired, f"expired {relative(now - not_after)} ago"
    if now < not_before:
        return Validity.not_yet_valid, f"not valid until {relative(not_before - now)} from now"
    return Validity.valid, f"valid for {relative(not_after - now, more=True)}"


def colon_hex(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


@frozen
class CertInfo:
    """The fields of one certificate, parsed once; ``der`` keeps the exact bytes."""

    der: bytes
    subject: str  # RFC 4514 string, e.g. "CN=example.test,O=tlsstep"
    issuer: str
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    validity: Validity
    validity_text: str  # "expired 3 days ago" / "valid for 89 more days"
    subject_alt_names: tuple[str, ...]  # "DNS:example.test", "IP:127.0.0.1", ...
    key_type: str  # "RSA", "EC", "Ed25519", ...
    key_size: int | None
    key_curve: str | None  # EC only: "secp256r1"
    signature_algorithm: str  # "ecdsa-with-SHA256", "sha256WithRSAEncryption"
    is_ca: bool | None  # basicConstraints cA; None: no basicConstraints extension
    path_length: int | None
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    subject_key_identifier: bytes | None
    authority_key_identifier: bytes | None
    sha256: str  # SHA-256 of the DER, colon hex as browsers show it
    self_issued: bool  # subject == issuer (RFC 5280 §3.3); self-signed is checked in chain

    @property
    def pem(self) -> str:
        import base64
        import textwrap

        body = "\n".join(textwrap.wrap(base64.b64encode(self.der).decode("ascii"), 64))
        return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"

    @property
    def common_name(self) -> str | None:
        for part in self.subject.split(","):
            if part.startswith("CN="):
                return part[3:]
        return None

    @property
    def dns_names(self) -> tuple[str, ...]:
        return tuple(n[4:] for n in self.subject_alt_names if n.startswith("DNS:"))

    @property
    def key_text(self) -> str:
        """ "RSA 2048 bits", "EC secp256r1", "Ed25519"."""
        if self.key_curve:
            return f"{self.key_type} {self.key_curve}"
        if self.key_size:
            return f"{self.key_type} {self.key_size} bits"
        return self.key_type

    @property
    def label(self) -> str:
        """A short name for messages: the CN, else the whole subject."""
        return self.common_name or self.subject or f"serial {self.serial:x}"


@frozen
class UnparsedCert:
    """Bytes in a certificate slot that ``cryptography`` could not parse."""

    der: bytes
    reason: str


def load_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def parse_certificate(der: bytes, now: dt.datetime | None = None) -> CertInfo | UnparsedCert:
    """Parse ``der``; never raises: bytes that are not a certificate give an UnparsedCert."""
    try:
        cert = load_der(der)
        return info_of(cert, now)
    except ValueError as exc:
        return UnparsedCert(der=der, reason=str(exc))


def info_of(cert: x509.Certificate, now: dt.datetime | None = None) -> CertInfo:
    """The CertInfo of an already loaded certificate."""
    now = now or utcnow()
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    state, text = validity_wording(not_before, not_after, now)
    key_type, key_size, curve = _key(cert)
    is_ca, path_length = _basic_constraints(cert)
    der = cert.public_bytes(serialization.Encoding.DER)
    return CertInfo(
        der=der,
        subject=rfc4514(name_rdns(cert.subject)),
        issuer=rfc4514(name_rdns(cert.issuer)),
        serial=cert.serial_number,
        not_before=not_before,
        not_after=not_after,
        validity=state,
        validity_text=text,
        subject_alt_names=_sans(cert),
        key_type=key_type,
        key_size=key_size,
        key_curve=curve,
        signature_algorithm=_signature_name(cert),
        is_ca=is_ca,
        path_length=path_length,
        key_usage=_key_usage(cert),
        extended_key_usage=_eku(cert),
        subject_key_identifier=_ski(cert),
        authority_key_identifier=_aki(cert),
        sha256=colon_hex(hashlib.sha256(der).digest()),
        self_issued=cert.subject == cert.issuer,
    )


def _extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # a malformed extension: show the rest of the certificate anyway
        return None


def _key(cert: x509.Certificate) -> tuple[str, int | None, str | None]:
    try:
        key = cert.public_key()
    except (ValueError, TypeError):  # unsupported algorithm: keep the OID
        return (f"unknown ({cert.public_key_algorithm_oid.dotted_string})", None, None)
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.key_size, key.curve.name
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    return type(key).__name__, None, None


def _signature_name(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", None)
    return name if name and name != "Unknown OID" else f"unknown ({oid.dotted_string})"


def _basic_constraints(cert: x509.Certificate) -> tuple[bool | None, int | None]:
    value = _extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    if isinstance(value, x509.BasicConstraints):
        return value.ca, value.path_length
    return None, None


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    value = _extension(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if not isinstance(value, x509.SubjectAlternativeName):
        return ()
    out: list[str] = []
    for name in value:
        if isinstance(name, x509.DNSName):
            out.append(f"DNS:{name.value}")
        elif isinstance(name, x509.IPAddress):
            out.append(f"IP:{name.value}")
        elif isinstance(name, x509.RFC822Name):
            out.append(f"email:{name.value}")
        elif isinstance(name, x509.UniformResourceIdentifier):
            out.append(f"URI:{name.value}")
        elif isinstance(name, x509.DirectoryName):
            out.append(f"DirName:{rfc4514(name_rdns(name.value))}")
        else:
            out.append(f"{type(name).__name__}:{name.value!r}")
    return tuple(out)


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    value = _extension(cert, ExtensionOID.KEY_USAGE)
    if not isinstance(value, x509.KeyUsage):
        return ()
    out = [rfc for attr, rfc in _KEY_USAGE_BITS if getattr(value, attr)]
    if value.key_agreement:
        # encipherOnly/decipherOnly are defined only with keyAgreement (RFC 5280 §4.2.1.3).
        out += [
            n
            for a, n in (("encipher_only", "encipherOnly"), ("decipher_only", "decipherOnly"))
            if getattr(value, a)
        ]
    return tuple(out)


def _eku(cert: x509.Certificate) -> tuple[str, ...]:
    value = _extension(cert, ExtensionOID.EXTENDED_KEY_USAGE)
    if not isinstance(value, x509.ExtendedKeyUsage):
        return ()
    return tuple(EKU_NAMES.get(oid, f"unknown ({oid.dotted_string})") for oid in value)


def _ski(cert: x509.Certificate) -> bytes | None:
    value = _extension(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    return value.digest if isinstance(value, x509.SubjectKeyIdentifier) else None


def _aki(cert: x509.Certificate) -> bytes | None:
    value = _extension(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    return value.key_identifier if isinstance(value, x509.AuthorityKeyIdentifier) else None
