"""The certificates and keys a run uses: made by trustme, or the user's own PEM files.

Certificates are made once per process and shared (DESIGN.md: "made once per run and
shared by every scenario of a replay"); they are immutable values, so that is safe.
Generated ones are also kept between runs in the certificate cache
(:mod:`tlsstep.certcache`); the user's own files never are.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from tlsstep.certs.build import CAKey, make_ca
from tlsstep.errors import TlsstepError
from tlsstep.frozen import frozen
from tlsstep.secrets_dir import SecretFile

DEFAULT_SERVER_NAME: Final = "example.test"
DEFAULT_CLIENT_NAME: Final = "client.example.test"


@frozen
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
        """Hand the chain and key to OpenSSL through 0600 files without a name on disk."""
        cert = SecretFile(f"{name}-chain", self.chain_pem)
        key = SecretFile(f"{name}-key", self.key_pem)
        try:
            context.load_cert_chain(cert.path, key.path, password=self.password)
        finally:
            key.close()
            cert.close()


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


# trustme's CAs are valid until 3000-01-01 (trustme.DEFAULT_EXPIRY); a leaf for 90 days.
CA_REUSE_UNTIL: Final = 32503680000.0 - 30 * 86400.0
LEAF_DAYS: Final = 90
LEAF_MARGIN_DAYS: Final = 30


@functools.cache
def default_ca() -> CAKey:
    """The test CA: every generated certificate that should be trusted chains to it.

    Made once and kept in the certificate cache (:mod:`tlsstep.certcache`), so most runs
    read it instead of making it.
    """
    return cached_ca("ca", lambda: make_ca("tlsstep test CA"))


_default_ca = default_ca  # the foundation's name


def cached_ca(key: str, make: Callable[[], CAKey], parent: CAKey | None = None) -> CAKey:
    """The CA cached under ``key`` (issued by ``parent``, or a root), or ``make()``'s."""
    from tlsstep import certcache

    def made() -> certcache.Made:
        ca = make()
        blobs = {"cert": ca.cert_pem, "key": ca.key_pem}
        if ca.sent_pem:  # a root sends nothing above its leaves
            blobs["sent"] = ca.sent_pem
        return certcache.Made(blobs=blobs, reuse_until=CA_REUSE_UNTIL)

    issuer = parent.cert_pem if parent is not None else None
    blobs = certcache.lookup(key, made, issuer=issuer)
    return CAKey(cert_pem=blobs["cert"], key_pem=blobs["key"], sent_pem=blobs.get("sent", b""))


def cached_credential(
    key: str,
    make: Callable[[], Credential],
    *,
    issuer: CAKey | None,
    reuse_days: float | None = None,
    source: str = "trustme",
    security_level: int | None = None,
) -> Credential:
    """The credential cached under ``key``, or ``make()``'s, kept for the next run.

    Args:
        issuer: the CA that signs it (a remade CA remakes its leaves); None if self-issued.
        reuse_days: how long the certificate stays what was asked for; default: until
            LEAF_MARGIN_DAYS before a LEAF_DAYS leaf expires.
    """
    import time

    from tlsstep import certcache

    def made() -> certcache.Made:
        cred = make()
        days = LEAF_DAYS - LEAF_MARGIN_DAYS if reuse_days is None else reuse_days
        blobs = {"chain": cred.chain_pem, "key": cred.key_pem}
        return certcache.Made(blobs=blobs, reuse_until=time.time() + days * 86400)

    blobs = certcache.lookup(key, made, issuer=issuer.cert_pem if issuer else None)
    return Credential(
        chain_pem=blobs["chain"], key_pem=blobs["key"], source=source, security_level=security_level
    )


def issued_credential(name: str, **options: Any) -> Credential:
    """A leaf for ``name`` issued by the test CA (see :func:`tlsstep.certs.build.issue_leaf`).

    Without options it comes from the certificate cache; with them it is made fresh.
    """
    ca = default_ca()

    def make() -> Credential:
        from tlsstep.certs.build import issue_leaf

        leaf = issue_leaf(name, issuer=ca, **options)
        return Credential(chain_pem=leaf.cert_pem, key_pem=leaf.key_pem)

    if options:
        return make()
    return cached_credential(f"leaf {name}", make, issuer=ca)


@functools.cache
def default_identity(server_name: str = DEFAULT_SERVER_NAME) -> Identity:
    """The test CA, a server certificate for ``server_name``; a client certificate on demand.

    The leaves are built by :func:`tlsstep.certs.build.issue_leaf` rather than trustme's
    ``issue_cert``: trustme marks subjectAltName critical beside a non-empty subject, which
    ``cryptography``'s strict verifier rejects, so the independent verdict would disagree
    with OpenSSL on every healthy run.
    """
    ca = default_ca()
    return Identity(
        trust_pem=ca.cert_pem,
        server=issued_credential(server_name),
        make_client=lambda: issued_credential(DEFAULT_CLIENT_NAME),
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
