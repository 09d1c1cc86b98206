"""A pair's configuration as plain values, and the two SSLContexts made from it.

Everything a front end can set lives here, so that ``tlsstep handshake`` options,
scenario ``[client]``/``[server]`` tables and the shell all configure a pair the
same way.
"""

from __future__ import annotations

import ssl
import warnings
from dataclasses import field
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.errors import TlsstepError
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.identity import DEFAULT_SERVER_NAME, Credential, Identity, default_identity
from tlsstep.limits import quote
from tlsstep.wire.enums import ProtocolVersion

if TYPE_CHECKING:
    from tlsstep.cert_problems import CertProblem

# The option and scenario spelling ("1.2") of every version OpenSSL can still speak;
# ssl.TLSVersion uses the wire numbers, so each is derived from ProtocolVersion.
VERSIONS: Final[dict[str, ssl.TLSVersion]] = {
    v.number: ssl.TLSVersion(v.value) for v in ProtocolVersion if v >= ProtocolVersion.tls10
}
_OLD: Final = frozenset(v.number for v in (ProtocolVersion.tls10, ProtocolVersion.tls11))


class KeyType(StrEnum, metaclass=CheapEnumType):
    """The key of generated certificates (issue 16 item 6). TLS 1.2 cipher suites name the
    key they need: ECDHE-RSA-* an RSA key, ECDHE-ECDSA-* an ECDSA or Ed25519 key (RFC 8422)."""

    ecdsa = "ecdsa"
    rsa = "rsa"
    ed25519 = "ed25519"


class ClientCert(StrEnum, metaclass=CheapEnumType):
    """Whether the server asks for a client certificate (``verify_mode`` on the server)."""

    none = "none"
    optional = "optional"
    required = "required"


@frozen
class SideConfig:
    """One side's settings. Fields that only one side uses say so."""

    min_version: str | None = None  # "1.2" / "1.3"; None: OpenSSL's default
    max_version: str | None = None
    ciphers: str | None = None  # OpenSSL cipher string for TLS 1.2 and below
    tls13_ciphersuites: tuple[str, ...] = ()  # TLS 1.3 suites offered; (): OpenSSL's default
    group: str | None = None  # set_ecdh_curve(): Python can set exactly one group
    alpn: tuple[str, ...] = ()
    verify: bool = True  # client: verify the server; server: verify a client cert it gets
    send_certificate: bool | None = None  # client: None = when the server asks
    post_handshake_auth: bool = False  # client: offer it; server: request later, not now
    num_tickets: int | None = None  # server: TLS 1.3 tickets after the handshake
    ignore_unexpected_eof: bool = False
    credential: Credential | None = None  # own certificate; None: the identity's
    # server: HOST:PORT of a real server that plays this side (a scenario's
    # ``[server] remote``; tlsstep.net). None: tlsstep's own server in this process.
    remote: str | None = None
    # server, with ``remote``: the CAs tlsstep's client trusts for it: a PEM file (in a
    # scenario, relative to the scenario file) or "system" (the system trust store).
    # None: tlsstep's test CA. Not verifying at all is ``[client] verify = false``.
    remote_ca: str | None = None


@frozen
class PairConfig:
    client: SideConfig = field(default_factory=SideConfig)
    server: SideConfig = field(default_factory=SideConfig)
    server_name: str | None = DEFAULT_SERVER_NAME  # SNI and the name the client checks
    client_cert: ClientCert = ClientCert.none
    trust_pem: bytes | None = None  # own CA bundle; None: the identity's CA
    keylog: bool = False  # set keylog_filename so the crypto layer can decrypt
    # Certificate problems on demand (tlsstep.cert_problems): a CertProblem or its
    # name ("expired", "wrong-host", ...). A client problem makes the server ask for a
    # certificate (required) unless client_cert says otherwise.
    server_cert_problem: CertProblem | str | None = None
    client_cert_problem: CertProblem | str | None = None
    chain_depth: int = 1  # 1: leaf issued by the root; 2: root -> intermediate -> leaf; ...
    key_type: KeyType = KeyType.ecdsa  # of the generated leaves (not of --cert's)

    @property
    def requested_client_cert(self) -> ClientCert:
        """``client_cert``, raised to ``required`` when a client problem is asked for."""
        if self.client_cert is ClientCert.none and self.client_cert_problem:
            return ClientCert.required
        return self.client_cert


def _version(value: str, option: str) -> ssl.TLSVersion:
    try:
        return VERSIONS[value]
    except KeyError:
        raise TlsstepError(
            f"{option}: unknown TLS version {quote(value)}; use one of {', '.join(VERSIONS)}"
        ) from None


def _tls13_hint(ciphers: str) -> str:
    """Why a cipher string of TLS 1.3 suite names matches nothing (issue 16 item 7)."""
    names = [n for n in ciphers.replace(",", ":").split(":") if n.strip().startswith("TLS_")]
    if not names:
        return ""
    return (
        f": {', '.join(names)} {'is a TLS 1.3 suite' if len(names) == 1 else 'are TLS 1.3 suites'}, "
        "which the cipher string (TLS 1.2 and below) does not set; use --tls13-ciphersuites "
        "(scenario key tls13_ciphersuites)"
    )


def _apply_common(ctx: ssl.SSLContext, cfg: SideConfig, side: Side) -> None:
    with warnings.catch_warnings():
        # Python warns that TLS 1.0/1.1 are deprecated; here they were asked for by name, to
        # test or teach them, and the warning would only be noise (an error under -W error).
        warnings.simplefilter("ignore", DeprecationWarning)
        if cfg.min_version:
            ctx.minimum_version = _version(cfg.min_version, f"{side} min_version")
        if cfg.max_version:
            ctx.maximum_version = _version(cfg.max_version, f"{side} max_version")
    if cfg.min_version in _OLD or cfg.max_version in _OLD:
        # OpenSSL 3's default security level forbids TLS < 1.2; teaching old versions needs 0.
        ctx.set_ciphers((cfg.ciphers or "DEFAULT") + ":@SECLEVEL=0")
    elif cfg.ciphers:
        try:
            ctx.set_ciphers(cfg.ciphers)
        except ssl.SSLError:
            raise TlsstepError(
                f"{side} ciphers: OpenSSL matches no cipher with {quote(cfg.ciphers)}"
                + _tls13_hint(cfg.ciphers)
            ) from None
    if cfg.tls13_ciphersuites:
        from tlsstep.tls13_suites import set_tls13_suites

        set_tls13_suites(ctx, cfg.tls13_ciphersuites, f"{side} tls13_ciphersuites")
    if cfg.group:
        try:
            ctx.set_ecdh_curve(cfg.group)
        except ValueError:
            raise TlsstepError(
                f"{side} group: OpenSSL does not know the group {quote(cfg.group)}"
            ) from None
    if cfg.alpn:
        ctx.set_alpn_protocols(list(cfg.alpn))
    if cfg.ignore_unexpected_eof:
        ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    else:
        ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF


def resolve_identity(config: PairConfig, identity: Identity | None = None) -> Identity:
    """``identity`` with each side's credential chosen by the config: the side's own
    ``credential``, else its certificate problem, else a chain of ``chain_depth``.

    Credentials are made once per process (cached), so resolving twice gives equal
    values; the client's is still made only when someone asks for it.

    Raises:
        TlsstepError: an unknown problem name or chain depth.
    """
    base = identity or default_identity()

    def choose(side: Side) -> Credential:
        own = config.server.credential if side is Side.server else config.client.credential
        problem = config.server_cert_problem if side is Side.server else config.client_cert_problem
        if own is not None:
            return own
        key_type = KeyType(config.key_type)
        if problem or config.chain_depth != 1 or key_type is not KeyType.ecdsa:
            from tlsstep.cert_problems import chain_credential, parse_problem, problem_credential

            if problem:
                chosen = parse_problem(problem, f"{side} certificate problem")
                return problem_credential(chosen, side, config.server_name, key_type.value)
            return chain_credential(config.chain_depth, side, config.server_name, key_type.value)
        return base.server if side is Side.server else base.client

    if config.server_cert_problem:  # check both names now, not when the client cert is made
        from tlsstep.cert_problems import parse_problem

        parse_problem(config.server_cert_problem, "server certificate problem")
    if config.client_cert_problem:
        from tlsstep.cert_problems import parse_problem

        parse_problem(config.client_cert_problem, "client certificate problem")
    return Identity(
        trust_pem=base.trust_pem,
        server=choose(Side.server),
        make_client=lambda: choose(Side.client),
    )


def build_contexts(
    config: PairConfig, identity: Identity | None = None, keylog_path: str | None = None
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """The client and server SSLContexts for ``config``.

    Raises:
        TlsstepError: a setting OpenSSL refuses, named by side and field.
    """
    return (
        build_side_context(config, Side.client, identity, keylog_path),
        build_side_context(config, Side.server, identity, keylog_path),
    )


@frozen
class ContextInputs:
    """Everything one side's context is made from (:func:`context_inputs`): two equal
    values make equal contexts, whatever else their configurations say."""

    side: Side
    settings: SideConfig  # the side's own settings
    trust_pem: bytes
    credential: Credential | None  # the chain and key it presents (client: when asked)
    requested: ClientCert = ClientCert.none  # server: whether it asks for a client's


def context_inputs(
    config: PairConfig, side: Side, identity: Identity | None = None
) -> ContextInputs:
    """What :func:`build_side_context` reads of ``config`` and ``identity`` for ``side``:
    the side's settings, and of the pair-wide ones the trust, the credential they choose
    (problems, chain depth, key type) and the client certificate request; never the other
    side's settings or the server name.

    Raises:
        TlsstepError: an unknown problem name or chain depth.
    """
    identity = resolve_identity(config, identity)
    trust = config.trust_pem or identity.trust_pem
    if side is Side.server:
        return ContextInputs(
            side=side,
            settings=config.server,
            trust_pem=trust,
            credential=identity.server,
            requested=config.requested_client_cert,
        )
    send = config.client.send_certificate
    if send is None:
        send = (
            config.requested_client_cert is not ClientCert.none or config.client.post_handshake_auth
        )
    return ContextInputs(
        side=side,
        settings=config.client,
        trust_pem=trust,
        credential=identity.client if send else None,
    )


def build_side_context(
    config: PairConfig,
    side: Side,
    identity: Identity | None = None,
    keylog_path: str | None = None,
    *,
    inputs: ContextInputs | None = None,
) -> ssl.SSLContext:
    """One side's SSLContext for ``config`` (as :func:`build_contexts` makes it).

    It reads only :func:`context_inputs` (given as ``inputs`` when the caller has them
    already): a context can be shared by pairs whose inputs for that side are equal.

    Raises:
        TlsstepError: a setting OpenSSL refuses, named by side and field.
    """
    inputs = inputs or context_inputs(config, side, identity)
    if side is Side.server:
        assert inputs.credential is not None  # a server always presents one
        return build_server_context(
            config,
            trust_pem=inputs.trust_pem,
            credential=inputs.credential,
            keylog_path=keylog_path,
        )
    return build_client_context(
        config, trust_pem=inputs.trust_pem, credential=inputs.credential, keylog_path=keylog_path
    )


def build_client_context(
    config: PairConfig,
    *,
    trust_pem: bytes,
    credential: Credential | None,
    keylog_path: str | None = None,
    trusting: ssl.SSLContext | None = None,
) -> ssl.SSLContext:
    """The client's SSLContext alone (``tlsstep connect``: the server is remote).

    Args:
        trust_pem: the CAs the client verifies the server against.
        credential: the client certificate it sends when asked, or None.
        trusting: a new client context with ``trust_pem`` loaded already (``--ca``'s
            file, checked by loading it there): configured here instead of a new one.

    Raises:
        TlsstepError: a setting OpenSSL refuses, named by field.
    """
    loaded = trusting is not None and config.client.verify
    client = (
        trusting if trusting is not None and loaded else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    )
    _apply_common(client, config.client, Side.client)
    if config.client.verify:
        if not loaded:
            client.load_verify_locations(cadata=trust_pem.decode("ascii", "replace"))
    else:
        client.check_hostname = False
        client.verify_mode = ssl.CERT_NONE
    if credential is not None:
        _load(credential, client, "client", config.client)
    client.post_handshake_auth = config.client.post_handshake_auth
    if keylog_path:
        client.keylog_filename = keylog_path
    return client


def build_server_context(
    config: PairConfig,
    *,
    trust_pem: bytes,
    credential: Credential,
    keylog_path: str | None = None,
) -> ssl.SSLContext:
    """The server's SSLContext alone (``tlsstep serve``: the client is remote).

    Args:
        trust_pem: the CAs a client certificate is verified against, when one is asked for.
        credential: the server's certificate chain and key.

    Raises:
        TlsstepError: a setting OpenSSL refuses, named by field.
    """
    requested = config.requested_client_cert
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _apply_common(server, config.server, Side.server)
    _load(credential, server, "server", config.server)
    if requested is not ClientCert.none or config.server.post_handshake_auth:
        server.load_verify_locations(cadata=trust_pem.decode("ascii", "replace"))
        server.verify_mode = (
            ssl.CERT_REQUIRED if requested is ClientCert.required else ssl.CERT_OPTIONAL
        )
        if not config.server.verify:
            server.verify_mode = ssl.CERT_NONE
    # Python arms SSL_VERIFY_POST_HANDSHAKE on the server through this flag: the
    # CertificateRequest then waits for verify_client_post_handshake().
    server.post_handshake_auth = config.server.post_handshake_auth
    if config.server.num_tickets is not None:
        server.num_tickets = config.server.num_tickets
    if keylog_path:
        server.keylog_filename = keylog_path
    return server


def _load(credential: Credential, ctx: ssl.SSLContext, name: str, cfg: SideConfig) -> None:
    if credential.security_level is not None:
        # OpenSSL checks a key against the context's security level when it is loaded
        # (SSL_R_EE_KEY_TOO_SMALL): the weak-key problem needs its holder lowered first.
        ctx.set_ciphers(f"{cfg.ciphers or 'DEFAULT'}:@SECLEVEL={credential.security_level}")
    try:
        credential.load_into(ctx, name)
    except ssl.SSLError as exc:
        raise TlsstepError(
            f"{name} certificate from {credential.source}: OpenSSL refused it ({exc.reason or exc})"
        ) from None
