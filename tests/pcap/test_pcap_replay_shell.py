"""--pcap on replay (one file per scenario) and the shell's pcap command, read by tshark."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, tlsstep

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")

# TLS 1.3: EncryptedExtensions (8) and Certificate (11) are only visible decrypted.
DECRYPTED_TYPES = {"8", "11", "15", "20"}


def handshake_types(path: Path) -> set[str]:
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(path),
            "-Y",
            "tls.handshake",
            "-T",
            "fields",
            "-e",
            "tls.handshake.type",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return {t for line in out.split() for t in line.split(",")}


def test_replay_writes_one_decryptable_pcap_per_scenario(tmp_path: Path) -> None:
    scenarios = [
        ROOT / "scenarios" / "tls13-basic.toml",
        ROOT / "scenarios" / "hello-retry-request.toml",
    ]
    proc = tlsstep("replay", "-q", *map(str, scenarios), "--pcap", str(tmp_path / "caps"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted(p.name for p in (tmp_path / "caps").iterdir())
    assert written == ["hello-retry-request.pcapng", "tls13-basic.pcapng"]
    for name in written:
        assert handshake_types(tmp_path / "caps" / name) >= DECRYPTED_TYPES


def test_replay_single_scenario_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "one.pcapng"
    proc = tlsstep(
        "replay", "-q", str(ROOT / "scenarios" / "tls13-basic.toml"), "--pcap", str(target)
    )
    assert proc.returncode == 0, proc.stderr
    assert handshake_types(target) >= DECRYPTED_TYPES


def test_shell_pcap_command(tmp_path: Path) -> None:
    target = tmp_path / "shell.pcapng"
    proc = tlsstep("shell", input=f"handshake\nread client\npcap {target}\npcap\n")
    assert f"wrote {target}" in proc.stdout
    assert "pcap needs one file name" in proc.stdout  # the bare 'pcap' line
    assert proc.returncode == 1  # one command failed, so a script sees it
    assert handshake_types(target) >= DECRYPTED_TYPES
