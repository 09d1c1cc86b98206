"""An outside reader of the key log: tshark decrypts the session with --keylog's file.

The session is written as pcapng without secrets (the hooks are closed first, so
no Decryption Secrets Block); tshark then needs the exported key log to see past
the point where each version starts encrypting.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.crypto.helpers import decrypted_session
from tlsstep.config import PairConfig, SideConfig
from tlsstep.pcap.writer import write_session_pcapng

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="needs tshark")


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
    pcap = tmp_path / "session.pcapng"
    write_session_pcapng(pcap, session)
    blind = handshake_types(pcap, None)
    seen = handshake_types(pcap, hooks.export)
    assert blind.count("20") == 0  # Finished is encrypted in both versions
    assert seen.count("20") == 2  # ... and readable to tshark with the key log
    if version == "1.3":
        assert "11" not in blind and "11" in seen  # the encrypted Certificate
