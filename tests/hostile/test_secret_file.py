"""Key logs without a name on disk (tlsstep.secrets_dir.SecretFile), as OpenSSL really uses them:
every context opens the path itself, in append mode, and keeps it open (issue 17 item 10)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tlsstep.config import PairConfig, SideConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.secrets_dir import SecretFile, private_dir
from tlsstep.session import Session
from tlsstep.steps import parse_line


def _secrets(hooks: KeyLogCrypto) -> list[str]:
    return [line for line in hooks.keylog_bytes().decode().splitlines() if "SECRET" in line]


def test_contexts_made_later_append_to_the_same_nameless_file() -> None:
    tls12 = SideConfig(min_version="1.2", max_version="1.2")
    with KeyLogCrypto() as hooks:
        assert os.stat(hooks.keylog_path or "").st_nlink == 0
        first = Session(PairConfig(), crypto=hooks)
        first.run(parse_line("handshake"))
        after_first = len(_secrets(hooks))
        # A second configuration: new contexts open the same path (O_APPEND) afterwards.
        second = Session(PairConfig(client=tls12, server=tls12), crypto=hooks)
        second.run(parse_line("handshake"))
        lines = hooks.keylog_bytes().decode().splitlines()
        # TLS 1.3: four traffic secrets and the exporter, from each of two contexts.
        assert after_first == 10
        assert any(line.startswith("CLIENT_RANDOM ") for line in lines)  # TLS 1.2's
        # Every line whole: two contexts' appends never overwrote each other.
        assert all(len(line.split()) == 3 for line in lines if not line.startswith("#"))
        # A resumption is a new connection on the same contexts: its secrets land here too.
        first.run(parse_line("resume"))
        first.run(parse_line("handshake"))
        assert len(_secrets(hooks)) > after_first + 2
        assert not any("SECRET" in p.read_text() for p in private_dir().iterdir())
    assert hooks.keylog_path is None


def test_a_closed_secret_file_gives_no_path() -> None:
    secret = SecretFile("test", b"key material")
    assert secret.read() == b"key material"
    assert not secret.has_name  # Linux: the name went at once
    secret.close()
    with pytest.raises(ValueError, match="closed"):
        _ = secret.path
    assert secret.read() == b""


KILLED_MID_RUN = """
import os, signal
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.session import Session
from tlsstep.config import PairConfig
from tlsstep.steps import parse_line
hooks = KeyLogCrypto().__enter__()
Session(PairConfig(), crypto=hooks).run(parse_line("handshake"))
assert b"SECRET" in hooks.keylog_bytes()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_sigkill_mid_run_leaves_nothing_in_the_temporary_directory(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", KILLED_MID_RUN], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    assert list(tmp_path.iterdir()) == []  # no key log, and no (empty) private directory


def test_without_o_tmpfile_the_name_in_the_private_directory_goes_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tlsstep.secrets_dir._unnamed_file", lambda: None)
    secret = SecretFile("test", b"key material")
    try:
        assert not secret.has_name and secret.read() == b"key material"
        assert list(private_dir().iterdir()) == []
        assert os.stat(secret.path).st_nlink == 0
    finally:
        secret.close()
