"""Helpers for the crypto tests: sessions with real key logs, and what they decrypted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.helpers import ROOT
from tlsstep.config import PairConfig
from tlsstep.crypto.suites import openssl_conf
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.decode import RecordView
from tlsstep.session import Session
from tlsstep.steps import Step, parse_line

# A full exchange: handshake, then application data both ways (the client's read
# also takes the TLS 1.3 tickets), then close_notify both ways.
EXCHANGE = (
    "handshake",
    "write client hello-from-client",
    "deliver client",
    "read server",
    "write server hello-from-server",
    "deliver server",
    "read client",
    "unwrap client",
    "deliver client",
    "unwrap server",
    "deliver server",
)


def decrypted_session(
    config: PairConfig | None = None, lines: Sequence[str | Step] = EXCHANGE
) -> tuple[Session, KeyLogCrypto]:
    """Run ``lines`` (shell syntax or steps) on a session that decrypts; the caller
    closes the hooks."""
    hooks = KeyLogCrypto()
    session = Session(config or PairConfig(), crypto=hooks)
    for line in lines:
        outcome = session.run(parse_line(line) if isinstance(line, str) else line)
        assert outcome.problem is None, (line, outcome.problem)
    return session, hooks


def records(session: Session) -> list[RecordView]:
    return [r for e in session.entries for r in e.records]


def record_summary(view: RecordView) -> dict[str, Any]:
    """What a test checks about one record, as plain data (also crosses processes)."""
    return {
        "sender": str(view.sender),
        "protected": view.protected,
        "opened": view.plaintext is not None,
        "epoch": view.epoch,
        "content_type": view.content_type,
        "messages": [m.name for m in view.messages],
        "verified": [m.verified for m in view.messages if m.name == "Finished"],
        "app_data": view.application_data.decode("latin-1")
        if view.application_data is not None
        else None,
        "note": view.note,
    }


def session_summary(session: Session) -> dict[str, Any]:
    from tlsstep.events import Op, Side

    return {
        "cipher": session.facts(Side.client).cipher,
        "records": [record_summary(r) for r in records(session)],
        "read": [
            e.event.data.decode("latin-1")
            for e in session.entries
            if e.event.op is Op.read and e.event.data
        ],
    }


def run_with_ciphersuites(ciphersuite: str, lines: tuple[str, ...] = EXCHANGE) -> dict[str, Any]:
    """Run ``lines`` in a subprocess whose OpenSSL offers only ``ciphersuite`` in TLS 1.3.

    Python has no API for TLS 1.3 suites; OpenSSL reads ``Ciphersuites`` from the
    file in OPENSSL_CONF when ``ssl`` is first imported, so it takes a new process.
    """
    conf = openssl_conf((ciphersuite,))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "openssl.cnf"
        path.write_text(conf)
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENSSL_CONF=str(path))
        code = (
            "import json, sys\n"
            "from tests.crypto.helpers import decrypted_session, session_summary\n"
            "session, hooks = decrypted_session(lines=tuple(sys.argv[1:]))\n"
            "print(json.dumps(session_summary(session)))\n"
            "hooks.close()\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, *lines],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result
