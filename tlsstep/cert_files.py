"""The user's own PEM files (``--cert/--key/--ca``), with errors that name the file.

Every check OpenSSL would make later with an opaque message ("PEM lib", "key values
mismatch") is made here first, so the user reads which file is wrong and how: it cannot
be read, it holds no PEM certificate, the key does not belong to the certificate, or the
key is encrypted and no password was given (:class:`KeyPasswordNeeded`, which a front
end can answer by prompting on a terminal).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tlsstep.errors import TlsstepError
from tlsstep.identity import Credential
from tlsstep.subject import name_rdns, rfc4514

if TYPE_CHECKING:
    from cryptography import x509


class CertFileError(TlsstepError):
    """A certificate, key or CA file that cannot be used; ``path`` and ``what`` say which."""

    def __init__(self, message: str, *, path: str, what: str, text: str | None = None) -> None:
        super().__init__(text or f"{what} {path}: {message}")
        self.message = message
        self.path = path
        self.what = what


class KeyPasswordNeeded(CertFileError):
    """The private key is encrypted and no password was given."""


def _read(path: str | Path, what: str) -> bytes:
    """The file's bytes: a regular file of at most 1 MiB (tlsstep.limits), so that
    ``--cert /dev/zero`` or a FIFO is refused instead of read forever."""
    from tlsstep.bounded_read import FileProblem, read_file
    from tlsstep.limits import MAX_CERT_FILE_BYTES

    try:
        return read_file(path, limit=MAX_CERT_FILE_BYTES, what=f"a {what}")
    except FileProblem as exc:
        if exc.reason.startswith("cannot read it: "):
            reason = exc.reason.removeprefix("cannot read it: ")
            raise CertFileError(
                f"cannot read it ({reason})",
                path=str(path),
                what=what,
                text=f"cannot read {what} {path}: {reason}",
            ) from None
        raise CertFileError(exc.reason, path=str(path), what=what) from None


def _certificates(data: bytes, path: str, what: str) -> list[x509.Certificate]:
    from cryptography import x509

    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertFileError(
            "is not a PEM certificate file (no -----BEGIN CERTIFICATE----- line)",
            path=path,
            what=what,
        )
    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise CertFileError(
            f"holds a certificate that does not parse ({exc})", path=path, what=what
        ) from None


def load_trust(ca_path: str | Path) -> bytes:
    """The CA bundle at ``ca_path``, checked to hold at least one PEM certificate."""
    path = str(ca_path)
    data = _read(path, "CA file")
    _certificates(data, path, "CA file")
    return data


def key_is_encrypted(key_path: str | Path) -> bool:
    """Whether the key file holds an encrypted private key (PKCS#8 or legacy PEM)."""
    return _encrypted_pem(_read(key_path, "key file"))


def _encrypted_pem(data: bytes) -> bool:
    return b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data


def _unloadable_key_reason(exc: ValueError, secret: bytes | None, key_data: bytes) -> str:
    """Why a key did not load, in the user's words."""
    if secret is None:
        return f"not a usable private key ({exc})"
    if "decrypt" in str(exc).lower():
        return "wrong password"
    if _encrypted_pem(key_data):
        # A wrong password passes the padding check about once in 256 tries and decrypts
        # to garbage that then fails to parse: that is still most likely a wrong password.
        return f"wrong password, or a key encryption this OpenSSL cannot read ({exc})"
    return f"cannot decrypt or parse the key ({exc})"


def load_credential(
    cert_path: str | Path,
    key_path: str | Path | None = None,
    password: str | bytes | None = None,
) -> Credential:
    """A Credential from the user's certificate chain and private key.

    Args:
        cert_path: PEM file with the leaf first, then any intermediates; it may also hold
            the key when ``key_path`` is None.
        key_path: PEM private key file.
        password: for an encrypted key.

    Raises:
        KeyPasswordNeeded: the key is encrypted and ``password`` is None.
        CertFileError: any other problem, naming the file.
    """
    from cryptography.hazmat.primitives import serialization

    cert_file = str(cert_path)
    cert_data = _read(cert_file, "certificate file")
    certs = _certificates(cert_data, cert_file, "certificate file")
    key_file = str(key_path) if key_path is not None else cert_file
    key_data = cert_data if key_path is None else _read(key_file, "key file")
    if b"PRIVATE KEY-----" not in key_data:
        if key_path is None:
            raise CertFileError(
                "holds no private key; give the key file too (--key)",
                path=cert_file,
                what="certificate file",
            )
        raise CertFileError(
            "is not a PEM private key file (no -----BEGIN ... PRIVATE KEY----- line)",
            path=key_file,
            what="key file",
        )
    secret = password.encode() if isinstance(password, str) else password
    try:
        key = serialization.load_pem_private_key(key_data, secret)
    except TypeError as exc:
        if "not encrypted" in str(exc):  # a password for a plain key: OpenSSL ignores it too
            key = serialization.load_pem_private_key(key_data, None)
            secret = None
        else:
            raise KeyPasswordNeeded(
                "the private key is encrypted; give its password (--key-password)",
                path=key_file,
                what="key file",
            ) from None
    except ValueError as exc:
        reason = _unloadable_key_reason(exc, secret, key_data)
        raise CertFileError(reason, path=key_file, what="key file") from None
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    leaf = certs[0]
    leaf_key = leaf.public_key().public_bytes(der, spki)
    if key.public_key().public_bytes(der, spki) != leaf_key:
        raise CertFileError(
            f"the private key does not match the certificate in {cert_file} "
            f"(subject {rfc4514(name_rdns(leaf.subject))})",
            path=key_file,
            what="key file",
        )
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    return Credential(chain_pem=chain_pem, key_pem=key_data, password=secret, source=cert_file)
