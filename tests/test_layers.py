"""DESIGN.md's layering rule, enforced: the core imports neither rich nor click."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

CORE = [
    "tlsstep.pair",
    "tlsstep.session",
    "tlsstep.decode",
    "tlsstep.steps",
    "tlsstep.config",
    "tlsstep.wire.records",
    "tlsstep.wire.handshake",
    "tlsstep.summary",
    # modules, not bare packages: a package's __init__ imports none of its parts
    "tlsstep.wire.messages",
    "tlsstep.crypto.unprotector",
    "tlsstep.certs.chain_report",
    "tlsstep.states.tracker",
    "tlsstep.pcap.capture",
]


def _loaded_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_core_imports_neither_rich_nor_click() -> None:
    loaded = _loaded_after(CORE)
    assert not {m for m in loaded if m == "rich" or m.startswith(("rich.", "click"))}


def test_help_and_version_stay_light() -> None:
    code = (
        "import sys; from tlsstep.cli import main\n"
        "heavy = [m for m in ('rich', 'cryptography', 'trustme', 'ssl') if m in sys.modules]\n"
        "print(' '.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
