"""The shell's ``connect HOST[:PORT]``: a session whose server is real.

The shell's own client options (versions, ciphers, group, ALPN) carry over; the rest
is ``tlsstep connect``'s defaults (system trust store, SNI from the host, a 10 s
receive timeout). The session's config says ``[server] remote = "HOST:PORT"``, so
that the shell's ``save`` writes a scenario that runs against the same server.
"""

from __future__ import annotations

import dataclasses

from tlsstep.config import PairConfig
from tlsstep.errors import TlsstepError
from tlsstep.net.connect_setup import client_context, connect_setup
from tlsstep.net.sessions import Dialer, NetworkFailure
from tlsstep.session import CryptoHooks, Session


def connect_session(
    config: PairConfig, remote: str, crypto: CryptoHooks | None
) -> tuple[Session, Dialer]:
    """Dial ``remote`` now and return the session and its dialer (to hang up later).

    Raises:
        TlsstepError: a bad address or a server that cannot be reached.
    """
    client = config.client
    setup = connect_setup(
        target=remote,
        server_name=None,
        ca=None,
        no_verify=not client.verify,
        client_cert=None,
        client_key=None,
        key_password=None,
        tls_version=client.max_version,
        ciphers=client.ciphers,
        group=client.group,
        alpn=client.alpn,
        timeout=10.0,
        starttls=None,
        tls13_ciphersuites=client.tls13_ciphersuites,
    )
    remote_config = dataclasses.replace(
        setup.config, server=dataclasses.replace(setup.config.server, remote=str(setup.target))
    )
    setup = dataclasses.replace(setup, config=remote_config)
    dialer = Dialer(setup, client_context(setup, crypto.keylog_path if crypto else None))
    try:
        session = Session(remote_config, setup.identity, crypto=crypto, pairs=dialer)
    except NetworkFailure as exc:
        raise TlsstepError(exc.problem.message) from None
    return session, dialer
