"""The pcap layer imports neither rich nor click (DESIGN.md), and decode --help stays light."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

MODULES = ["packets", "tcp", "writer", "reader", "streams", "capture"]


def test_pcap_layer_imports_neither_rich_nor_click() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {MODULES!r}: importlib.import_module('tlsstep.pcap.' + m)\n"
        "print(' '.join(m for m in sys.modules if m.startswith(('rich', 'click'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_decode_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from tlsstep.cli import main\n"
        "r = CliRunner().invoke(main, ['decode', '--help'])\n"
        "assert r.exit_code == 0 and '--keylog' in r.output, r.output\n"
        "print(' '.join(m for m in ('rich', 'ssl', 'tlsstep.pcap') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
