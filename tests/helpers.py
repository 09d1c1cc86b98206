"""Shared test helpers: real pairs and sessions, never a mocked ssl."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tlsstep.config import PairConfig
from tlsstep.pair import Pair
from tlsstep.session import Session, StepOutcome
from tlsstep.steps import Handshake, parse_line

ROOT = Path(__file__).resolve().parent.parent


def make_pair(config: PairConfig | None = None) -> Pair:
    return Session(config or PairConfig()).pair


def whole_handshake(config: PairConfig | None = None) -> tuple[Pair, StepOutcome]:
    """A new session's pair after one whole handshake, through the session's driver."""
    session = Session(config or PairConfig())
    return session.pair, session.run(Handshake())


def run_lines(session: Session, *lines: str) -> list[Any]:
    """Run shell-syntax steps; return their outcomes."""
    return [session.run(parse_line(line)) for line in lines]


def tlsstep(
    *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess, as a user would. ``env`` adds variables to
    the environment; a None value removes one (e.g. ``{"NO_COLOR": None}``)."""
    child = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
    for name, value in (env or {}).items():
        if value is None:
            child.pop(name, None)
        else:
            child[name] = value
    return subprocess.run(
        [sys.executable, "-m", "tlsstep", *args],
        capture_output=True,
        text=True,
        env=child,
        input=input,
        timeout=120,
        check=False,
    )


_MODULES_PROBE = """
import sys
from tlsstep.cli import main
try:
    main(sys.argv[1:], prog_name="tlsstep")
except SystemExit:
    pass
print("MODULES", " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def modules_loaded(*args: str, input: str | None = None) -> tuple[set[str], str]:
    """The modules a run of ``tlsstep ARGS`` (fed ``input``) has imported when it ends,
    and its standard output."""
    out = subprocess.run(
        [sys.executable, "-c", _MODULES_PROBE, *args],
        input=input,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    line = next(x for x in out.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:]), out.stdout
