"""``tlsstep handshake`` with decryption: --json shows epochs and verified Finished,
--keylog writes an NSS key log that matches the connection."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import tlsstep
from tlsstep.crypto.keylog import KeyLog


def _records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for e in doc["events"] for r in e.get("records", [])]


@pytest.mark.parametrize(
    ("version", "labels"),
    [
        ("1.3", {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"}),
        ("1.2", {"CLIENT_RANDOM"}),
    ],
)
def test_handshake_decrypts_and_writes_keylog(
    version: str, labels: set[str], tmp_path: Path
) -> None:
    keylog = tmp_path / "keys.log"
    proc = tlsstep(
        "handshake", "--tls-version", version, "--data", "ping", "--keylog", str(keylog), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    records = _records(json.loads(proc.stdout))
    protected = [r for r in records if r["protected"]]
    assert protected and all("epoch" in r and "note" not in r for r in protected)
    finished = [m for r in records for m in r.get("messages", []) if m["type"] == "Finished"]
    assert [m.get("verified") for m in finished] == [True, True]
    data = [r["application_data"]["text"] for r in records if "application_data" in r]
    assert data == ["ping", "ping"]  # the client's, and the server's echo
    if version == "1.3":
        names = [m["type"] for r in protected for m in r.get("messages", [])]
        assert names[:4] == ["EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"]

    assert stat.S_IMODE(keylog.stat().st_mode) == 0o600
    log = KeyLog.from_text(keylog.read_text())
    assert not log.problems
    assert labels <= {e.label for e in log.entries}
    assert len({e.client_random for e in log.entries}) == 1  # one connection


def test_tls13_ciphersuites_option_negotiates_and_decrypts() -> None:
    proc = tlsstep(
        "handshake", "--tls13-ciphersuites", "TLS_AES_128_CCM_8_SHA256", "--data", "x", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["cipher"] == "TLS_AES_128_CCM_8_SHA256"
    protected = [r for r in _records(doc) if r["protected"]]
    assert protected and all("note" not in r for r in protected)


def test_tls13_ciphersuites_option_rejects_unknown_names() -> None:
    proc = tlsstep("handshake", "--tls13-ciphersuites", "TLS_AES_128_CCM_SHA256:TLS_NOPE")
    assert proc.returncode == 2
    assert "TLS_NOPE" in proc.stderr and "TLS_AES_256_GCM_SHA384" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unwritable_keylog_is_a_usage_error(tmp_path: Path) -> None:
    proc = tlsstep("handshake", "--keylog", str(tmp_path / "missing" / "keys.log"))
    assert proc.returncode == 2
    assert "--keylog" in proc.stderr and "Traceback" not in proc.stderr


def test_existing_keylog_file_is_made_private(tmp_path: Path) -> None:
    keylog = tmp_path / "keys.log"
    keylog.write_text("old\n")
    keylog.chmod(0o644)
    proc = tlsstep("handshake", "--keylog", str(keylog), "--json")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(keylog.stat().st_mode) == 0o600
    assert "old" not in keylog.read_text()
