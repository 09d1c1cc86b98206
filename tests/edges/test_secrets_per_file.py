"""Issue 16 item 1: each exported key log carries exactly its own connections' secrets, once."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ROOT, tlsstep
from tlsstep.pcap.reader import Packet, Secrets, read_capture


def _capture(path: Path) -> tuple[list[str], bytes]:
    """The key log lines of every secrets block, and every packet's bytes joined."""
    lines: list[str] = []
    packets = b""
    with path.open("rb") as f:
        for item in read_capture(f):
            if isinstance(item, Secrets):
                lines += item.data.rstrip(b"\0").decode("ascii").splitlines()
            elif isinstance(item, Packet):
                packets += item.data
    return lines, packets


def _randoms(lines: list[str]) -> set[str]:
    return {line.split()[1] for line in lines}


def _check_own_secrets(lines: list[str], packets: bytes, connections: int) -> None:
    assert len(lines) == len(set(lines)), "a secret is written twice"
    randoms = _randoms(lines)
    assert len(randoms) == connections
    for random in randoms:  # each belongs to a ClientHello in this very capture
        assert bytes.fromhex(random) in packets


def test_replay_pcap_dir_holds_each_scenarios_own_secrets(tmp_path: Path) -> None:
    names = {"tls13-basic": 1, "tls12-ecdhe": 1, "http-to-tls-port": 0, "tls13-resumption": 2}
    paths = [str(ROOT / "scenarios" / f"{n}.toml") for n in names]
    proc = tlsstep("replay", "-q", *paths, "--pcap", str(tmp_path / "caps"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name, connections in names.items():
        lines, packets = _capture(tmp_path / "caps" / f"{name}.pcapng")
        _check_own_secrets(lines, packets, connections)
    basic, _ = _capture(tmp_path / "caps" / "tls13-basic.pcapng")
    assert len(basic) == 5  # TLS 1.3: two handshake, two traffic secrets and the exporter


def test_shell_pcap_after_reset_holds_only_the_new_session(tmp_path: Path) -> None:
    target = tmp_path / "after-reset.pcapng"
    proc = tlsstep("shell", input=f"handshake\nreset\nhandshake\npcap {target}\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines, packets = _capture(target)
    _check_own_secrets(lines, packets, 1)


def test_handshake_keylog_and_pcap_hold_each_secret_once(tmp_path: Path) -> None:
    keys, pcap = tmp_path / "keys.txt", tmp_path / "run.pcapng"
    proc = tlsstep("handshake", "--resume", "--keylog", str(keys), "--pcap", str(pcap))
    assert proc.returncode == 0, proc.stderr
    lines, packets = _capture(pcap)
    _check_own_secrets(lines, packets, 2)
    assert sorted(keys.read_text().splitlines()) == sorted(lines)
