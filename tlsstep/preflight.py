"""Notes about a configuration, said before the run (issue 16, items 6 and 7).

Some settings have no effect on the run they are given for, or make it fail for a
reason the failure itself does not name: a TLS 1.2 cipher string when TLS 1.3 will be
negotiated, a cipher string whose suites need another kind of key than the
certificate's, ``--resume`` when the server sends no tickets. A front end prints
these before the run and puts them in its JSON; the run itself is not changed, since
seeing that failure may be the point. No rich, no click: the core may call this.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from tlsstep.config import KeyType, PairConfig, SideConfig

if TYPE_CHECKING:
    from tlsstep.identity import Credential


def _allows_13(side: SideConfig) -> bool:
    return side.max_version in (None, "1.3") and (side.min_version or "1.0") <= "1.3"


def tls13_possible(config: PairConfig) -> bool:
    """Whether both sides allow TLS 1.3, so that it is what they negotiate."""
    return _allows_13(config.client) and _allows_13(config.server)


def _auths(ciphers: str) -> set[str] | None:
    """The authentication kinds (``auth-rsa``, ``auth-ecdsa``, ...) of the TLS 1.2-and-below
    suites ``ciphers`` selects; None when OpenSSL refuses the string (reported elsewhere)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.set_ciphers(ciphers)
    except ssl.SSLError:
        return None
    return {c.get("auth", "") for c in ctx.get_ciphers() if c.get("protocol") != "TLSv1.3"}


def _key_kind(credential: Credential | None, config: PairConfig) -> str | None:
    """The server certificate's key kind: "rsa", "ecdsa" (Ed25519 signs as ECDSA suites do,
    RFC 8422) or None when it cannot be told."""
    if credential is not None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

        try:
            key = serialization.load_pem_private_key(credential.key_pem, credential.password)
        except (ValueError, TypeError):
            return None
        if isinstance(key, rsa.RSAPrivateKey):
            return "rsa"
        if isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            return "ecdsa"
        if isinstance(key, ed448.Ed448PrivateKey):
            return "ecdsa"
        return None
    if str(config.server_cert_problem or "") == "weak-key":
        return "rsa"
    return "rsa" if KeyType(config.key_type) is KeyType.rsa else "ecdsa"


def config_notes(config: PairConfig, *, resume: bool = False) -> list[str]:
    """One sentence per setting that will have no effect, or needs what is missing."""
    notes: list[str] = []
    ciphers = config.server.ciphers or config.client.ciphers
    if ciphers and tls13_possible(config):
        notes.append(
            f"--cipher {ciphers!r} has no effect: it sets TLS 1.2 and below, and this run "
            "negotiates TLS 1.3 (use --tls13-ciphersuites, or --tls-version 1.2)"
        )
    elif config.server.ciphers:
        auths = _auths(config.server.ciphers)
        kind = _key_kind(config.server.credential, config)
        wanted = {"rsa": "auth-rsa", "ecdsa": "auth-ecdsa"}.get(kind or "")
        if auths and wanted and not auths & {wanted, "auth-any", "auth-null", "auth-psk"}:
            need = sorted(a.removeprefix("auth-") for a in auths)
            fix = "--key-type rsa" if "rsa" in need else "--key-type ecdsa"
            notes.append(
                f"--cipher {config.server.ciphers!r} needs a server key of type "
                f"{' or '.join(need)}, and the server's certificate has an {str(kind).upper()} "
                f"key: the handshake will fail with no shared cipher (use {fix} for a "
                "generated certificate)"
            )
    if resume and config.server.num_tickets == 0 and tls13_possible(config):
        notes.append(
            "--resume with --tickets 0: the server sends no TLS 1.3 session ticket, so the "
            "second connection has nothing to resume and makes a full handshake"
        )
    return notes
