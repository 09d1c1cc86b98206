"""What the certificate layer is told about a run, gathered from a live session.

:mod:`tlsstep.certs.chain_report` reads values only; this module, one layer up, walks
the session once (its configuration, each connection's decoded records and its pair's
facts) and hands those values down. Python 3.13's chain getters are asked here, on the
live SSLObjects, and feature-detected.
"""

from __future__ import annotations

import datetime as dt
import ssl
import sys

from tlsstep.certs.chain_report import (
    ChainApis,
    ChainReport,
    ConnectionCerts,
    RunCerts,
    chain_reports,
    pem_to_ders,
)
from tlsstep.config import ClientCert, resolve_identity
from tlsstep.events import Side
from tlsstep.pair import FEATURES, Pair, has_feature
from tlsstep.session import Session


def run_certs(session: Session) -> RunCerts:
    """The values :func:`~tlsstep.certs.chain_report.chain_reports` reads, for ``session``."""
    config = session.config
    identity = resolve_identity(config, session.identity)
    requested = config.requested_client_cert
    asked = requested is not ClientCert.none
    connections = tuple(
        ConnectionCerts(
            number=conn.number,
            version=conn.decoder.version,
            records=tuple(view for entry in conn.entries for view in entry.records),
            resumed=_resumed(conn.pair),
            failed=dict(conn.pair.failed),
            handshake_done=dict(conn.pair.handshake_done),
            sent_messages={side: tuple(conn.decoder.sent_messages(side)) for side in Side},
            chain_apis={side: _chain_apis(conn.pair, side) for side in Side},
        )
        for conn in session.connections
    )
    return RunCerts(
        server_name=config.server_name,
        trust_pem=config.trust_pem or identity.trust_pem,
        configured={
            Side.server: pem_to_ders(identity.server.chain_pem),
            Side.client: pem_to_ders(identity.client.chain_pem),
        },
        checked={
            Side.client: config.client.verify,  # the client verifies the server
            Side.server: config.server.verify and (asked or config.server.post_handshake_auth),
        },
        client_sends=asked and config.client.send_certificate is not False,
        connections=connections,
    )


def session_chain_reports(
    session: Session, now: dt.datetime | None = None
) -> tuple[ChainReport, ...]:
    """Both sides' chain reports for ``session``: gather the values, then report on them."""
    return chain_reports(run_certs(session), now)


def _resumed(pair: Pair) -> bool:
    """Whether the connection resumed a session, asked of a local side (either knows)."""
    objects = pair.objects
    local = objects.get(Side.client) or objects.get(Side.server)
    return local is not None and local.session_reused


def _chain_apis(pair: Pair, side: Side) -> ChainApis:
    """Python 3.13's chain getters on one side, feature-detected.

    Asked here rather than through ``Pair.facts()`` so that a getter failing after a
    failed handshake is reported on its own and does not hide the rest of the facts.
    """
    out: dict[str, tuple[bytes, ...]] = {}
    missing: list[str] = []
    obj = pair.objects.get(side)
    if obj is None:  # a remote peer (tlsstep connect/serve): its SSLObject is not here
        return ChainApis(chains=out, note=f"the {side} is a remote peer")
    absent = [name for name in FEATURES if not has_feature(name)]
    if absent:
        needs = sorted({FEATURES[name] for name in absent})
        missing.append(
            f"{'/'.join(n + '()' for n in absent)} need {', '.join(needs)}; "
            f"this is Python {sys.version.split()[0]}"
        )
    for name in FEATURES:
        if name in absent:
            continue
        try:
            certs = getattr(obj, name)()
        except (ValueError, ssl.SSLError) as exc:
            missing.append(f"{name}() failed: {exc}")
            continue
        if certs:
            encoding = ssl._ssl.ENCODING_DER  # type: ignore[attr-defined]
            out[name] = tuple(c.public_bytes(encoding) for c in certs)
    return ChainApis(chains=out, note="; ".join(missing) or None)
