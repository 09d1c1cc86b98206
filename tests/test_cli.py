"""The command line as a user runs it: a subprocess, JSON parsed and checked."""

from __future__ import annotations

import json

import pytest

from tests.helpers import tlsstep
from tlsstep import __version__

SCHEMA_CONTENT_TYPES = {"handshake", "change_cipher_spec", "alert", "application_data"}


def _messages(doc: dict, sender: str) -> list[str]:
    return [
        m["type"]
        for e in doc["events"]
        for r in e.get("records", [])
        if r["from"] == sender
        for m in r.get("messages", [])
    ]


@pytest.mark.parametrize(("version", "name"), [("1.2", "TLSv1.2"), ("1.3", "TLSv1.3")])
def test_handshake_json(version: str, name: str) -> None:
    proc = tlsstep("handshake", "--tls-version", version, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    summary = doc["summary"]
    assert summary["ok"] is True
    assert summary["version"] == name
    assert summary["server_name"] == "example.test"
    assert summary["session_reused"] is False
    assert {"version", "cipher", "alpn", "server_name", "session_reused"} <= summary.keys()
    for event in doc["events"]:
        assert event["side"] in ("client", "server")
        assert {"op", "result"} <= event.keys()
        for record in event.get("records", []):
            assert record["from"] == event["side"]
            assert record["content_type"] in SCHEMA_CONTENT_TYPES
            assert record["length"] > 0
    assert _messages(doc, "client")[0] == "ClientHello"
    assert _messages(doc, "server")[0] == "ServerHello"
    if version == "1.2":
        assert _messages(doc, "server")[:4] == [
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone",
        ]
    for side in ("client", "server"):
        facts = doc["facts"][side]
        assert facts["version"] == name
        for key in (
            "server_side",
            "server_hostname",
            "cipher",
            "compression",
            "selected_alpn_protocol",
            "selected_npn_protocol",
            "session_reused",
            "pending",
            "shared_ciphers",
            "channel_binding",
            "session",
            "verified_chain",
            "unverified_chain",
            "unavailable",
        ):
            assert key in facts


def test_handshake_terminal_output() -> None:
    proc = tlsstep("handshake", "--alpn", "h2,http/1.1", "--resume")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "client.do_handshake() → want read" in out
    assert "client ──▶ server  517 bytes" in out or "client ──▶ server" in out
    assert "ClientHello" in out and "ServerHello" in out
    assert "connection 2 (resuming)" in out
    assert "session reused    yes" in out
    assert "ALPN              h2" in out


def test_hostname_mismatch_exits_1_with_verify_message() -> None:
    proc = tlsstep("handshake", "--server-name", "wrong.test")
    assert proc.returncode == 1
    assert "Hostname mismatch, certificate is not valid for 'wrong.test'" in proc.stdout
    assert "client error" in proc.stdout
    assert "Traceback" not in proc.stderr
    doc = json.loads(tlsstep("handshake", "--server-name", "wrong.test", "--json").stdout)
    assert doc["summary"]["ok"] is False
    (failure, *_) = doc["summary"]["failures"]
    assert failure["side"] == "client"
    assert failure["error"]["verify_code"] == 62


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-version", "1.4"], "'1.4' is not one of"),
        (["--group", "nosuchcurve"], "does not know the group 'nosuchcurve'"),
        (["--cipher", "NOPE"], "matches no cipher"),
        (["--cert", "/nonexistent.pem"], "cannot read certificate file /nonexistent.pem"),
        (["--key", "/tmp/x.pem"], "--key needs --cert"),
        (["--alpn", ","], "give at least one protocol"),
        (["--nope"], "No such option"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str) -> None:
    proc = tlsstep("handshake", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version_and_help() -> None:
    proc = tlsstep("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout
    helptext = tlsstep("handshake", "--help").stdout
    for option in (
        "--tls-version",
        "--alpn",
        "--server-name",
        "--cipher",
        "--group",
        "--client-cert",
        "--cert",
        "--key",
        "--ca",
        "--resume",
        "--json",
    ):
        assert option in helptext


def test_own_pem_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import trustme

    ca = trustme.CA()
    leaf = ca.issue_cert("example.test")
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    trust = tmp_path / "ca.pem"
    cert.write_bytes(b"".join(b.bytes() for b in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    trust.write_bytes(ca.cert_pem.bytes())
    ok = tlsstep("handshake", "--cert", str(cert), "--key", str(key), "--ca", str(trust), "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # the same certificate, but the client trusts only the default CA: unknown CA
    bad = tlsstep("handshake", "--cert", str(cert), "--key", str(key), "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["summary"]["failures"][0]["error"]["verify_code"] == 20
