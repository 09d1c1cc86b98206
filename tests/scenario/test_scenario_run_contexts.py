"""Contexts shared by the scenarios of one replay, one side at a time (issue 14)."""

from __future__ import annotations

from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.identity import default_identity
from tlsstep.scenario.run import _contexts


def test_a_side_context_is_shared_by_pairs_that_differ_only_in_the_other_side() -> None:
    identity = default_identity()
    base = PairConfig()
    alpn = PairConfig(client=SideConfig(alpn=("h2",)))
    tls12 = PairConfig(server=SideConfig(max_version="1.2"))
    client, server = _contexts(base, identity, None)
    assert _contexts(base, identity, None) == (client, server)
    client_alpn, server_alpn = _contexts(alpn, identity, None)
    assert server_alpn is server and client_alpn is not client
    client_12, server_12 = _contexts(tls12, identity, None)
    assert client_12 is client and server_12 is not server
    # Pair-wide settings make both sides' contexts.
    mtls_client, mtls_server = _contexts(
        PairConfig(client_cert=ClientCert.required), identity, None
    )
    assert mtls_client is not client and mtls_server is not server
