"""An outside reader of the key log: tshark decrypts the session with --keylog's file.

The bytes that crossed are written as a classic pcap (raw IPv4 + TCP, port 443)
here in the test; tshark then needs the key log to see past ServerHello.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.crypto.helpers import decrypted_session
from tlsstep.config import PairConfig, SideConfig
from tlsstep.events import Side
from tlsstep.session import Session

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="needs tshark")

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
LINKTYPE_RAW = 101


def write_pcap(session: Session, path: Path) -> None:
    """Each delivery as one TCP segment (checksums left 0: tshark does not check them)."""
    seq = {Side.client: 1000, Side.server: 5000}
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_RAW))
    for n, entry in enumerate(session.entries):
        data = entry.event.delivered
        if not data:
            continue
        sender = entry.event.side
        src, dst = (CLIENT, SERVER) if sender is Side.client else (SERVER, CLIENT)
        sport, dport = (50000, 443) if sender is Side.client else (443, 50000)
        peer = Side.server if sender is Side.client else Side.client
        tcp = struct.pack(
            ">HHIIBBHHH", sport, dport, seq[sender], seq[peer], 5 << 4, 0x18, 65535, 0, 0
        )
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(data), n, 0, 64, 6, 0, src, dst)
        packet = ip + tcp + data
        out += struct.pack("<IIII", n, 0, len(packet), len(packet)) + packet
        seq[sender] += len(data)
    path.write_bytes(bytes(out))


def handshake_types(pcap: Path, keylog: Path | None) -> list[str]:
    args = ["tshark", "-r", str(pcap), "-Y", "tls.handshake", "-T", "fields"]
    args += ["-e", "tls.handshake.type"]
    if keylog is not None:
        args += ["-o", f"tls.keylog_file:{keylog}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=60)
    return [t for line in out.stdout.split() for t in line.split(",")]


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_tshark_decrypts_with_the_exported_key_log(version: str, tmp_path: Path) -> None:
    session, hooks = decrypted_session(PairConfig(client=SideConfig(max_version=version)))
    hooks.export = tmp_path / "keys.log"
    hooks.close()
    pcap = tmp_path / "session.pcap"
    write_pcap(session, pcap)
    blind = handshake_types(pcap, None)
    seen = handshake_types(pcap, hooks.export)
    assert blind.count("20") == 0  # Finished is encrypted in both versions
    assert seen.count("20") == 2  # ... and readable to tshark with the key log
    if version == "1.3":
        assert "11" not in blind and "11" in seen  # the encrypted Certificate
