"""The pcap layer imports neither rich nor click (DESIGN.md), and decode --help stays light."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT
from tests.test_layering import _loaded_after

MODULES = ["packets", "tcp", "writer", "reader", "streams", "capture"]


def test_pcap_layer_imports_neither_rich_nor_click() -> None:
    loaded = _loaded_after([f"tlsstep.pcap.{m}" for m in MODULES])
    assert "tlsstep.pcap.capture" in loaded
    assert not {m for m in loaded if m == "rich" or m.startswith(("rich.", "click"))}


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
