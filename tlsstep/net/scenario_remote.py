"""A scenario whose server is real: ``[server] remote = "HOST:PORT"`` or ``replay --remote``.

The scenario's client is tlsstep's as always (its ``[client]`` keys, the scenario's
``server_name``, trust in tlsstep's test CA unless ``[server] remote_ca`` names a CA
file or "system", no verification with ``[client] verify = false``); the
server is dialed like ``tlsstep connect`` dials it, so the same steps, faults on the
client's bytes before they leave, and expectations run against a real server. The
remote side can only be received from: a step that calls it (``handshake server``,
``read server``) is refused with a hint to use ``receive server``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlsstep.config import ClientCert, build_client_context, resolve_identity
from tlsstep.errors import TlsstepError
from tlsstep.identity import Identity
from tlsstep.net.address import parse_target, sni_sent
from tlsstep.net.connect_setup import ConnectSetup
from tlsstep.net.sessions import Dialer, NetworkFailure
from tlsstep.session import CryptoHooks, Session

if TYPE_CHECKING:
    from tlsstep.scenario.load import Scenario

RECEIVE_TIMEOUT = 5.0


def remote_trust(scenario: Scenario, test_ca: bytes) -> tuple[bytes, str]:
    """The CAs the scenario's client trusts for its remote server, and where they came
    from: ``[server] remote_ca`` (a file relative to the scenario, or "system"), else
    ``test_ca`` (tlsstep's test CA).

    Raises:
        TlsstepError: the file or the system trust store cannot be read (say which key).
    """
    from tlsstep.net.trust import SYSTEM_TRUST, ca_path

    remote_ca = scenario.config.server.remote_ca
    note = "" if scenario.config.client.verify else " (not checked: [client] verify = false)"
    if remote_ca is None:
        return test_ca, f"tlsstep's test CA{note}"
    try:
        if remote_ca == SYSTEM_TRUST:
            from tlsstep.net.trust import system_trust

            store = system_trust()
            return store.pem, f"system trust store ({store.source}){note}"
        from tlsstep.net.trust import read_ca_file

        path = ca_path(scenario.path, remote_ca)
        return read_ca_file(path), f"server.remote_ca {path}{note}"
    except TlsstepError as exc:
        raise TlsstepError(f"server.remote_ca: {exc}") from None


def remote_session(
    scenario: Scenario, identity: Identity, crypto: CryptoHooks | None
) -> tuple[Session, Dialer]:
    """A session whose server is the scenario's remote one, dialed now.

    Raises:
        TlsstepError: a remote client (not supported), a bad HOST:PORT, or a server that
            cannot be reached (the message says why, as ``tlsstep connect`` does).
    """
    config = scenario.config
    if config.client.remote:
        raise TlsstepError("client.remote: only the server can be remote in a scenario")
    assert config.server.remote is not None
    try:
        target = parse_target(config.server.remote)
    except TlsstepError as exc:
        raise TlsstepError(f"server.remote: {exc}") from None
    resolved = resolve_identity(config, identity)
    trust, source = remote_trust(scenario, config.trust_pem or resolved.trust_pem)
    # Both verifiers (OpenSSL's and tlsstep.certs') trust what the scenario says.
    resolved = Identity(
        trust_pem=trust, server=resolved.server, make_client=lambda: resolved.client
    )
    send = config.client.send_certificate
    if send is None:
        send = config.requested_client_cert is not ClientCert.none
    context = build_client_context(
        config,
        trust_pem=trust,
        credential=resolved.client if send else None,
        keylog_path=crypto.keylog_path if crypto else None,
    )
    setup = ConnectSetup(
        target=target,
        server_hostname=config.server_name,
        sni=sni_sent(config.server_name),
        timeout=RECEIVE_TIMEOUT,
        starttls=None,
        config=config,
        identity=resolved,
        trust_source=source,
    )
    dialer = Dialer(setup, context)
    try:
        session = Session(config, resolved, crypto=crypto, pairs=dialer)
    except NetworkFailure as exc:
        raise TlsstepError(f"server.remote: {exc.problem.message}") from None
    return session, dialer
