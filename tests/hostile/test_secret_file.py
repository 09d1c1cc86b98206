"""Key logs without a name on disk (tlsstep.secrets_dir.SecretFile), as OpenSSL really uses them:
every context opens the path itself, in append mode, and keeps it open (issue 17 item 10)."""

from __future__ import annotations

import os

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
