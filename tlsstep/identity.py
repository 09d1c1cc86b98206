"""The certificates and keys a run uses: made by trustme, or the user's own PEM files.

Certificates are made once per process and shared (DESIGN.md: "made once per run and
shared by every scenario of a replay"); they are immutable values, so that is safe.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tlsstep.errors import TlsstepError
from tlsstep.private import private_file

DEFAULT_SERVER_NAME: Final = "example.test"
DEFAULT_CLIENT_NAME: Final = "client.example.test"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """A certificate chain (leaf first) and its private key, as PEM."""

    chain_pem: bytes
    key_pem: bytes
    password: bytes | None = None
    source: str = "trustme"

    def load_into(self, context: ssl.SSLContext, name: str) -> None:
        """Hand the chain and key to OpenSSL, through 0600 files in the private directory."""
        cert = private_file(f"{name}-chain.pem", self.chain_pem)
        key = private_file(f"{name}-key.pem", self.key_pem)
        try:
            context.load_cert_chain(cert, key, password=self.password)
        finally:
            key.unlink(missing_ok=True)
            cert.unlink(missing_ok=True)


class Identity:
    """Trust anchors plus each side's credential.

    The client credential is made on first use: most runs never send one, and
    making a certificate is a visible part of a short run's time.
    """

    __slots__ = ("_client", "_make_client", "server", "trust_pem")

    def __init__(
        self,
        *,
        trust_pem: bytes,
        server: Credential,
        client: Credential | None = None,
        make_client: Callable[[], Credential] | None = None,
    ) -> None:
        self.trust_pem = trust_pem
        self.server = server
        self._client = client
        self._make_client = make_client

    @property
    def client(self) -> Credential:
        if self._client is None:
            if self._make_client is None:
                raise TlsstepError("no client certificate was given")
            self._client = self._make_client()
        return self._client


@functools.cache
def _default_ca() -> Any:
    import trustme  # heavy (cryptography): imported only when certificates are needed

    return trustme.CA(organization_name="tlsstep test CA")


@functools.cache
def default_identity(server_name: str = DEFAULT_SERVER_NAME) -> Identity:
    """A trustme CA, a server certificate for ``server_name``; a client certificate on demand."""
    ca = _default_ca()
    return Identity(
        trust_pem=ca.cert_pem.bytes(),
        server=_credential(ca.issue_cert(server_name)),
        make_client=lambda: _credential(ca.issue_cert(DEFAULT_CLIENT_NAME)),
    )


def _credential(leaf: object) -> Credential:
    chain = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)  # type: ignore[attr-defined]
    return Credential(chain_pem=chain, key_pem=leaf.private_key_pem.bytes())  # type: ignore[attr-defined]


def read_pem(path: str | Path, what: str) -> bytes:
    """Read a PEM file or raise a TlsstepError naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TlsstepError(f"cannot read {what} {path}: {exc.strerror}") from None
    if b"-----BEGIN" not in data:
        raise TlsstepError(f"{what} {path} is not a PEM file (no -----BEGIN line)")
    return data
