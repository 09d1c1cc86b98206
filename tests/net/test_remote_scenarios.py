"""Scenarios against a real server: ``replay --remote`` and ``[server] remote``, run
against ``openssl s_server`` on 127.0.0.1 with a certificate from tlsstep's test CA
(the CA every scenario's client trusts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, tlsstep
from tests.net.peers import LOOPBACK, Certs, closed_port, example_test_server, openssl_server

REMOTE_SCENARIOS = ROOT / "remote-scenarios"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with example_test_server(tmp_path_factory.mktemp("remote")) as port:
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


# -- trust: [server] remote_ca ----------------------------------------------------------

HANDSHAKE = """name = "own CA"
server_name = "localhost"

[server]
remote = "{where}"
{trust}

[[step]]
op = "handshake"
expect = {{ result = "done", client = {{ version = "TLSv1.3" }} }}
"""


@pytest.fixture(scope="module")
def own_ca_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """s_server with a certificate from a CA of its own (not tlsstep's test CA)."""
    certs = Certs(tmp_path_factory.mktemp("own-ca"))
    with openssl_server(certs.server_file()) as port:
        yield port, certs.ca_file


def test_remote_ca_relative_to_the_scenario_file(
    own_ca_server: tuple[int, Path], tmp_path: Path
) -> None:
    port, ca_file = own_ca_server
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "ca.pem").write_bytes(ca_file.read_bytes())
    where = f"{LOOPBACK}:{port}"
    trusted = tmp_path / "trusted.toml"
    trusted.write_text(HANDSHAKE.format(where=where, trust='remote_ca = "trust/ca.pem"'))
    # tlsstep runs in the repository, not in tmp_path: the path is the scenario file's
    proc = tlsstep("replay", str(trusted), "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert json.loads(proc.stdout)["summary"]["passed"] == 1
    # without it the client trusts tlsstep's test CA, which did not issue this certificate
    untrusted = tmp_path / "untrusted.toml"
    untrusted.write_text(HANDSHAKE.format(where=where, trust=""))
    refused = tlsstep("replay", str(untrusted))
    assert refused.returncode == 1
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stdout or "unknown_ca" in refused.stdout


def test_remote_ca_system_and_no_verification(
    own_ca_server: tuple[int, Path], tmp_path: Path
) -> None:
    port, _ = own_ca_server
    where = f"{LOOPBACK}:{port}"
    system = tmp_path / "system.toml"
    system.write_text(HANDSHAKE.format(where=where, trust='remote_ca = "system"'))
    proc = tlsstep("replay", str(system))
    assert proc.returncode == 1  # the system trust store does not hold this test CA
    assert "unable to get local issuer certificate" in proc.stdout, proc.stdout[-2000:]
    unchecked = tmp_path / "unchecked.toml"
    unchecked.write_text(
        HANDSHAKE.format(where=where, trust="").replace(
            "[server]", "[client]\nverify = false\n\n[server]"
        )
    )
    proc = tlsstep("replay", str(unchecked))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr


def test_shell_save_keeps_the_trust(own_ca_server: tuple[int, Path], tmp_path: Path) -> None:
    port, ca_file = own_ca_server
    saved = tmp_path / "saved.toml"
    script = f"connect {LOOPBACK}:{port} ca={ca_file}\nhandshake\nsave {saved}\n"
    proc = tlsstep("shell", "--json", input=script)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all(r["ok"] for r in replies), replies
    assert replies[1]["result"] == "done"  # verified against ca=FILE
    text = saved.read_text()
    assert f'remote_ca = "{ca_file.resolve()}"' in text, text
    again = tlsstep("replay", str(saved))
    assert again.returncode == 0, again.stdout + again.stderr
    # the shell's default trust, the system store, is saved as such
    plain = tmp_path / "plain.toml"
    tlsstep("shell", input=f"connect {LOOPBACK}:{port}\nsave {plain}\n")
    assert 'remote_ca = "system"' in plain.read_text()
    bad = tlsstep("shell", input=f"connect {LOOPBACK}:{port} ca={tmp_path / 'none.pem'}\n")
    assert "none.pem" in bad.stdout + bad.stderr and "Traceback" not in bad.stderr


def test_replay_remote_ca_points_the_bundled_scenarios_at_a_server_of_ones_own(
    tmp_path: Path,
) -> None:
    certs = Certs(tmp_path)  # a CA of its own, and a certificate for example.test
    with openssl_server(certs.server_file("example.test")) as port:
        where = f"{LOOPBACK}:{port}"
        untrusted = tlsstep("replay", str(REMOTE_SCENARIOS), "--remote", where, "-q")
        trusted = tlsstep(
            "replay",
            str(REMOTE_SCENARIOS),
            "--remote",
            where,
            "--remote-ca",
            str(certs.ca_file),
            "--json",
        )
    assert untrusted.returncode == 1  # tlsstep's test CA did not issue this certificate
    assert trusted.returncode == 0, trusted.stdout[-2000:] + trusted.stderr
    assert json.loads(trusted.stdout)["summary"]["passed"] == len(
        list(REMOTE_SCENARIOS.glob("*.toml"))
    )
    alone = tlsstep("replay", str(REMOTE_SCENARIOS), "--remote-ca", "system")
    assert alone.returncode == 2 and "--remote-ca" in alone.stderr
    missing = tlsstep(
        "replay", str(REMOTE_SCENARIOS), "--remote", "127.0.0.1:1", "--remote-ca", "nope.pem"
    )
    assert missing.returncode == 2 and "nope.pem" in missing.stderr
    assert "Traceback" not in alone.stderr + missing.stderr
