"""Scenarios against a real server: ``replay --remote`` and ``[server] remote``, run
against ``openssl s_server`` on 127.0.0.1 with a certificate from tlsstep's test CA
(the CA every scenario's client trusts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, tlsstep
from tests.net.peers import LOOPBACK, closed_port, openssl_server
from tlsstep.identity import default_identity

REMOTE_SCENARIOS = ROOT / "remote-scenarios"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    credential = default_identity().server  # example.test, under tlsstep's test CA
    pem = tmp_path_factory.mktemp("remote") / "server.pem"
    pem.write_bytes(credential.key_pem + credential.chain_pem)
    with openssl_server(pem) as port:
        yield port


def test_bundled_remote_scenarios_pass_against_openssl(server: int, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    proc = tlsstep(
        "replay",
        str(REMOTE_SCENARIOS),
        "--remote",
        f"{LOOPBACK}:{server}",
        "--json",
        "--junit",
        str(junit),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["passed"] == len(list(REMOTE_SCENARIOS.glob("*.toml"))) >= 3
    assert 'failures="0"' in junit.read_text()


def test_server_remote_key_in_the_file(server: int, tmp_path: Path) -> None:
    text = (REMOTE_SCENARIOS / "tls13-handshake.toml").read_text()
    scenario = tmp_path / "here.toml"
    scenario.write_text(text.replace("127.0.0.1:4433", f"{LOOPBACK}:{server}"))
    proc = tlsstep("replay", str(scenario))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_calling_the_remote_server_is_refused_with_a_hint(server: int, tmp_path: Path) -> None:
    scenario = tmp_path / "calls.toml"
    scenario.write_text('name = "calls the server"\n[[step]]\nop = "handshake"\nside = "server"\n')
    proc = tlsstep("replay", str(scenario), "--remote", f"{LOOPBACK}:{server}")
    assert proc.returncode == 1
    assert "receive server" in proc.stdout + proc.stderr


def test_unreachable_remote_is_named(tmp_path: Path) -> None:
    port = closed_port()
    proc = tlsstep(
        "replay", str(REMOTE_SCENARIOS / "tls13-handshake.toml"), "--remote", f"{LOOPBACK}:{port}"
    )
    assert proc.returncode != 0
    assert "server.remote" in proc.stderr and "connection refused" in proc.stderr
    bad = tlsstep("replay", str(REMOTE_SCENARIOS), "--remote", "nowhere:0")
    assert bad.returncode == 2 and "--remote" in bad.stderr
