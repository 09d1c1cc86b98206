"""The shell's ``connect HOST[:PORT]``: a session whose server is real.

The shell's own client options (versions, ciphers, group, ALPN) carry over; the rest
is ``tlsstep connect``'s defaults (system trust store unless ``ca=FILE``, SNI from the
host, a 10 s receive timeout). The session's config says ``[server] remote =
"HOST:PORT"`` and ``remote_ca`` (the file, or "system"), so that the shell's ``save``
writes a scenario that runs against the same server, trusting the same CAs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tlsstep.config import PairConfig
from tlsstep.errors import TlsstepError
from tlsstep.net.connect_setup import client_context, connect_setup
from tlsstep.net.sessions import Dialer, NetworkFailure
from tlsstep.net.trust import SYSTEM_TRUST
from tlsstep.session import CryptoHooks, Session


def connect_session(
    config: PairConfig, remote: str, crypto: CryptoHooks | None, *, ca: str | None = None
) -> tuple[Session, Dialer]:
    """Dial ``remote`` now and return the session and its dialer (to hang up later).

    Args:
        ca: a CA file to trust instead of the system trust store (``connect ... ca=FILE``).

    Raises:
        TlsstepError: a bad address or a server that cannot be reached.
    """
    client = config.client
    setup = connect_setup(
        target=remote,
        server_name=None,
        ca=ca,
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
    # What save writes: the server, and whom its client trusted (an absolute path, so
    # that the saved file finds it wherever it is written).
    trusted = str(Path(ca).resolve()) if ca else SYSTEM_TRUST
    remote_config = dataclasses.replace(
        setup.config,
        server=dataclasses.replace(
            setup.config.server,
            remote=str(setup.target),
            remote_ca=trusted if client.verify else None,
        ),
    )
    setup = dataclasses.replace(setup, config=remote_config)
    dialer = Dialer(setup, client_context(setup, crypto.keylog_path if crypto else None))
    try:
        session = Session(remote_config, setup.identity, crypto=crypto, pairs=dialer)
    except NetworkFailure as exc:
        raise TlsstepError(exc.problem.message) from None
    return session, dialer
