"""Contexts shared by the scenarios of one replay, one side at a time (issue 14)."""

from __future__ import annotations

import sys

import pytest

from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.identity import default_identity
from tlsstep.scenario.run import MAX_SHARED_CONTEXTS, _contexts

# The module (tlsstep.scenario's own name "run" is the function it exports).
run = sys.modules["tlsstep.scenario.run"]


def test_a_side_context_is_shared_by_pairs_that_differ_only_in_the_other_side(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run, "_CONTEXTS", {})  # this test's own, whatever ran before
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


def test_a_full_cache_is_emptied_before_a_pair_not_between_its_sides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full = {("filler", n): None for n in range(MAX_SHARED_CONTEXTS - 1)}
    monkeypatch.setattr(run, "_CONTEXTS", full)
    pair = _contexts(PairConfig(), default_identity(), None)
    assert _contexts(PairConfig(), default_identity(), None) == pair
