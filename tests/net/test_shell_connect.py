"""The shell's ``connect HOST:PORT`` and ``receive``, against openssl s_server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import tlsstep
from tests.net.peers import LOOPBACK, Certs, closed_port, openssl_server


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    certs = Certs(tmp_path_factory.mktemp("shell"))
    with openssl_server(certs.server_file()) as number:
        yield number


def test_connect_then_step_by_step_then_save(port: int, tmp_path: Path) -> None:
    saved = tmp_path / "saved.toml"
    script = "\n".join(
        [
            f"connect {LOOPBACK}:{port}",
            "handshake client",
            "deliver client",
            "receive server timeout=5",
            "deliver server",
            "handshake client",
            "show records",
            f"save {saved}",
        ]
    )
    proc = tlsstep("shell", "--no-verify", "--json", input=script + "\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["ok"] for r in replies] == [True] * len(replies)
    assert replies[0]["connections"][0]["server"] == f"{LOOPBACK}:{port}"
    assert "EncryptedExtensions" in json.dumps(replies[6])  # decrypted once the client read it
    text = saved.read_text()
    assert f'remote = "{LOOPBACK}:{port}"' in text and 'op = "receive"' in text
    # the saved scenario runs against the same server
    again = tlsstep("replay", str(saved))
    assert again.returncode == 0, again.stdout + again.stderr


def test_calling_the_real_server_says_to_receive(port: int) -> None:
    proc = tlsstep("shell", "--no-verify", input=f"connect {LOOPBACK}:{port}\nread server\n")
    assert "receive server" in proc.stdout


def test_connect_refused_keeps_the_shell(tmp_path: Path) -> None:
    closed = closed_port()
    proc = tlsstep("shell", input=f"connect {LOOPBACK}:{closed}\nhandshake\n")
    assert "connection refused" in proc.stdout
    assert "handshake complete" in proc.stdout or "done" in proc.stdout  # in-memory again
