"""The certificates and keys a run uses: made by trustme, or the user's own PEM files.

Certificates are made once per process and shared (DESIGN.md: "made once per run and
shared by every scenario of a replay"); they are immutable values, so that is safe.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tlsstep.errors import TlsstepError
from tlsstep.private import private_file

if TYPE_CHECKING:
    import trustme

DEFAULT_SERVER_NAME: Final = "example.test"
DEFAULT_CLIENT_NAME: Final = "client.example.test"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """A certificate chain (leaf first) and its private key, as PEM."""

    chain_pem: bytes
    key_pem: bytes
    password: bytes | None = None
    source: str = "trustme"
    # The OpenSSL security level the holder's context must be lowered to before it will
    # load this key (the weak-key problem: RSA 1024 is refused at Python's SECLEVEL 2).
    security_level: int | None = None

    def load_into(self, context: ssl.SSLContext, name: str) -> None:
        """Hand the chain and key to OpenSSL, through 0600 files in the private directory."""
        cert = private_file(f"{name}-chain.pem", self.chain_pem)
        key = private_file(f"{name}-key.pem", self.key_pem)
        try:
            context.load_cert_chain(cert, key, password=self.password)
        finally:
            key.unlink(missing_ok=True)
            cert.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """Trust anchors plus each side's credential."""

    trust_pem: bytes
    server: Credential
    client: Credential


@functools.cache
def default_ca() -> trustme.CA:
    """The process's test CA: every generated certificate that should be trusted chains to it."""
    import trustme  # heavy (cryptography): imported only when certificates are needed

    return trustme.CA(organization_name="tlsstep test CA")


@functools.cache
def default_identity(server_name: str = DEFAULT_SERVER_NAME) -> Identity:
    """A trustme CA, a server certificate for ``server_name`` and a client certificate.

    The leaves are built by :func:`tlsstep.certs.build.issue_leaf` rather than trustme's
    ``issue_cert`` so that ``cryptography``'s strict verifier accepts them too.
    """
    from tlsstep.certs.build import issue_leaf

    ca = default_ca()
    server = issue_leaf(server_name, issuer=ca)
    client = issue_leaf(DEFAULT_CLIENT_NAME, issuer=ca)
    return Identity(
        trust_pem=ca.cert_pem.bytes(),
        server=Credential(chain_pem=server.cert_pem, key_pem=server.key_pem),
        client=Credential(chain_pem=client.cert_pem, key_pem=client.key_pem),
    )


def credential_of(leaf: object, **fields: object) -> Credential:
    """A Credential from a trustme ``LeafCert`` (its chain: leaf, then any intermediates)."""
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)  # type: ignore[attr-defined]
    key = leaf.private_key_pem.bytes()  # type: ignore[attr-defined]
    return Credential(chain_pem=chain, key_pem=key, **fields)  # type: ignore[arg-type]


def read_pem(path: str | Path, what: str) -> bytes:
    """Read a PEM file or raise a TlsstepError naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TlsstepError(f"cannot read {what} {path}: {exc.strerror}") from None
    if b"-----BEGIN" not in data:
        raise TlsstepError(f"{what} {path} is not a PEM file (no -----BEGIN line)")
    return data
