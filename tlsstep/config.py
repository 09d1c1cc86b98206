"""A pair's configuration as plain values, and the two SSLContexts made from it.

Everything a front end can set lives here, so that ``tlsstep handshake`` options,
scenario ``[client]``/``[server]`` tables and the shell all configure a pair the
same way.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from tlsstep.errors import TlsstepError
from tlsstep.events import Side
from tlsstep.identity import DEFAULT_SERVER_NAME, Credential, Identity, default_identity

VERSIONS: Final[dict[str, ssl.TLSVersion]] = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


class ClientCert(StrEnum):
    """Whether the server asks for a client certificate (``verify_mode`` on the server)."""

    none = "none"
    optional = "optional"
    required = "required"


@dataclass(frozen=True, slots=True, kw_only=True)
class SideConfig:
    """One side's settings. Fields that only one side uses say so."""

    min_version: str | None = None  # "1.2" / "1.3"; None: OpenSSL's default
    max_version: str | None = None
    ciphers: str | None = None  # OpenSSL cipher string for TLS 1.2 and below
    group: str | None = None  # set_ecdh_curve(): Python can set exactly one group
    alpn: tuple[str, ...] = ()
    verify: bool = True  # client: verify the server; server: verify a client cert it gets
    send_certificate: bool | None = None  # client: None = when the server asks
    post_handshake_auth: bool = False  # client: offer it; server: request later, not now
    num_tickets: int | None = None  # server: TLS 1.3 tickets after the handshake
    ignore_unexpected_eof: bool = False
    credential: Credential | None = None  # own certificate; None: the identity's


@dataclass(frozen=True, slots=True, kw_only=True)
class PairConfig:
    client: SideConfig = field(default_factory=SideConfig)
    server: SideConfig = field(default_factory=SideConfig)
    server_name: str | None = DEFAULT_SERVER_NAME  # SNI and the name the client checks
    client_cert: ClientCert = ClientCert.none
    trust_pem: bytes | None = None  # own CA bundle; None: the identity's CA
    keylog: bool = False  # set keylog_filename so the crypto layer can decrypt


def _version(value: str, option: str) -> ssl.TLSVersion:
    try:
        return VERSIONS[value]
    except KeyError:
        raise TlsstepError(
            f"{option}: unknown TLS version {value!r}; use one of {', '.join(VERSIONS)}"
        ) from None


def _apply_common(ctx: ssl.SSLContext, cfg: SideConfig, side: Side) -> None:
    if cfg.min_version:
        ctx.minimum_version = _version(cfg.min_version, f"{side} min_version")
    if cfg.max_version:
        ctx.maximum_version = _version(cfg.max_version, f"{side} max_version")
    if cfg.min_version in ("1.0", "1.1") or cfg.max_version in ("1.0", "1.1"):
        # OpenSSL 3's default security level forbids TLS < 1.2; teaching old versions needs 0.
        ctx.set_ciphers((cfg.ciphers or "DEFAULT") + ":@SECLEVEL=0")
    elif cfg.ciphers:
        try:
            ctx.set_ciphers(cfg.ciphers)
        except ssl.SSLError:
            raise TlsstepError(
                f"{side} ciphers: OpenSSL matches no cipher with {cfg.ciphers!r}"
            ) from None
    if cfg.group:
        try:
            ctx.set_ecdh_curve(cfg.group)
        except ValueError:
            raise TlsstepError(
                f"{side} group: OpenSSL does not know the group {cfg.group!r}"
            ) from None
    if cfg.alpn:
        ctx.set_alpn_protocols(list(cfg.alpn))
    if cfg.ignore_unexpected_eof:
        ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    else:
        ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF


def build_contexts(
    config: PairConfig, identity: Identity | None = None, keylog_path: str | None = None
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """The client and server SSLContexts for ``config``.

    Raises:
        TlsstepError: a setting OpenSSL refuses, named by side and field.
    """
    identity = identity or default_identity()
    trust = (config.trust_pem or identity.trust_pem).decode("ascii", "replace")

    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _apply_common(client, config.client, Side.client)
    if config.client.verify:
        client.load_verify_locations(cadata=trust)
    else:
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
    send = config.client.send_certificate
    if send is None:
        send = config.client_cert is not ClientCert.none or config.client.post_handshake_auth
    if send:
        _load(config.client.credential or identity.client, client, "client")
    client.post_handshake_auth = config.client.post_handshake_auth

    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _apply_common(server, config.server, Side.server)
    _load(config.server.credential or identity.server, server, "server")
    if config.client_cert is not ClientCert.none or config.server.post_handshake_auth:
        server.load_verify_locations(cadata=trust)
        server.verify_mode = (
            ssl.CERT_REQUIRED if config.client_cert is ClientCert.required else ssl.CERT_OPTIONAL
        )
        if not config.server.verify:
            server.verify_mode = ssl.CERT_NONE
    # Python arms SSL_VERIFY_POST_HANDSHAKE on the server through this flag: the
    # CertificateRequest then waits for verify_client_post_handshake().
    server.post_handshake_auth = config.server.post_handshake_auth
    if config.server.num_tickets is not None:
        server.num_tickets = config.server.num_tickets
    if keylog_path:
        client.keylog_filename = keylog_path
        server.keylog_filename = keylog_path
    return client, server


def _load(credential: Credential, ctx: ssl.SSLContext, name: str) -> None:
    try:
        credential.load_into(ctx, name)
    except ssl.SSLError as exc:
        raise TlsstepError(
            f"{name} certificate from {credential.source}: OpenSSL refused it ({exc.reason or exc})"
        ) from None
