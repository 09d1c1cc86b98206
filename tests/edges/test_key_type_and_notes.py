"""Issue 16 items 6 and 7: --key-type for generated certificates, a note before the run when
the cipher string needs another key, notes for options with no effect, a working --help."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.helpers import tlsstep
from tlsstep.cli import main
from tlsstep.commands.handshake import EPILOG
from tlsstep.config import KeyType, PairConfig, resolve_identity
from tlsstep.scenario import loads, run
from tlsstep.session import Session
from tlsstep.steps import parse_line

KEYS = {KeyType.ecdsa: ec.EllipticCurvePrivateKey, KeyType.rsa: rsa.RSAPrivateKey}
KEYS[KeyType.ed25519] = ed25519.Ed25519PrivateKey


@pytest.mark.parametrize("key_type", list(KeyType))
def test_key_type_makes_that_key_and_handshakes(key_type: KeyType) -> None:
    config = PairConfig(key_type=key_type)
    server = resolve_identity(config).server
    assert isinstance(serialization.load_pem_private_key(server.key_pem, None), KEYS[key_type])
    session = Session(config)
    session.run(parse_line("handshake"))
    assert session.handshake_ok()


def test_every_help_example_runs(tmp_path: Path) -> None:
    """The examples in `handshake --help` do what their comments say (issue 16 item 6)."""
    examples = [line.strip() for line in EPILOG.splitlines() if line.strip().startswith("tlsstep")]
    assert any("ECDHE-RSA" in e and "--key-type rsa" in e for e in examples)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for example in examples:
            command = re.split(r"\s{2,}|\(", example)[0]
            comment = example[len(command) :]
            args = shlex.split(command)[1:]
            result = CliRunner().invoke(main, args)
            expected = 1 if "exits 1" in comment else 0
            assert result.exit_code == expected, (example, result.output)
            assert "note:" not in result.output, example
    finally:
        os.chdir(cwd)


def test_cipher_needing_another_key_is_said_before_the_run() -> None:
    proc = tlsstep("handshake", "--tls-version", "1.2", "--cipher", "ECDHE-RSA-AES128-GCM-SHA256")
    assert proc.returncode == 1
    first = proc.stderr.splitlines()[0]
    assert first.startswith("note: --cipher 'ECDHE-RSA-AES128-GCM-SHA256' needs a server key")
    assert "--key-type rsa" in first
    proc = tlsstep(
        "handshake", "--tls-version", "1.2", "--key-type", "rsa",
        "--cipher", "ECDHE-RSA-AES128-GCM-SHA256", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["cipher"] == "ECDHE-RSA-AES128-GCM-SHA256" and doc["notes"] == []


def test_cipher_under_tls13_has_a_note_in_text_and_json() -> None:
    proc = tlsstep("handshake", "--cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert proc.returncode == 0
    assert "has no effect" in proc.stderr and "--tls13-ciphersuites" in proc.stderr
    doc = json.loads(tlsstep("handshake", "--cipher", "AES128-SHA", "--json").stdout)
    assert len(doc["notes"]) == 1 and "TLS 1.3" in doc["notes"][0]


def test_tls13_suite_given_to_cipher_says_what_it_is() -> None:
    proc = tlsstep("handshake", "--cipher", "TLS_AES_128_GCM_SHA256")
    assert proc.returncode == 2
    assert "is a TLS 1.3 suite" in proc.stderr and "--tls13-ciphersuites" in proc.stderr


def test_resume_without_tickets_has_a_note() -> None:
    proc = tlsstep("handshake", "--resume", "--tickets", "0", "--json")
    doc = json.loads(proc.stdout)
    assert any("--tickets 0" in n for n in doc["notes"])
    assert "--tickets 0" in tlsstep("handshake", "--resume", "--tickets", "0").stderr
    assert tlsstep("handshake", "--resume").stderr == ""


def test_scenario_key_type() -> None:
    scenario = loads(
        'key_type = "rsa"\n[client]\nmax_version = "1.2"\nciphers = "ECDHE-RSA-AES128-GCM-SHA256"\n'
        '[[step]]\nop = "handshake"\nexpect = { result = "done" }\n',
        path="rsa.toml",
    )
    assert scenario.config.key_type is KeyType.rsa
    assert run(scenario).passed


def test_shell_json_says_its_notes_as_json() -> None:
    """`shell --json` stays JSON Lines: the notes are its first line, not text on stderr."""
    proc = tlsstep("shell", "--json", "--cipher", "AES128-SHA", input="handshake\n")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["command"] is None and lines[0]["ok"] is True
    assert len(lines[0]["notes"]) == 1 and "--tls13-ciphersuites" in lines[0]["notes"][0]
    assert lines[1]["command"] == "handshake" and lines[1]["result"] == "done"
    assert "note:" not in proc.stderr
    plain = tlsstep("shell", "--cipher", "AES128-SHA", input="handshake\n")
    assert plain.stderr.startswith("note: --cipher 'AES128-SHA' has no effect")
    quiet = tlsstep("shell", "--json", input="handshake\n")  # no notes: no such line
    assert json.loads(quiet.stdout.splitlines()[0])["command"] == "handshake"
