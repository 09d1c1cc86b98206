"""Strings from the wire, files and options reach no terminal, XML or page raw, and
are never read as rich markup (issue 17 items 8-9). JSON keeps the exact value."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import tlsstep
from tlsstep.cli import main
from tlsstep.render.ladder import Ladder, ladder_html, ladder_svg
from tlsstep.safe_text import _CONTROL, _TERMINAL_UNSAFE, _one, escape, has_controls, xml

CORPUS = Path(__file__).parent / "corpus"
SNI_CAPTURE = CORPUS / "captures" / "sni-escape-sequence.pcapng"
EVIL_SCENARIO = CORPUS / "evil" / "escape-sequences.toml"
SNI = "\x1b[2J\x1b]0;pw\x07x"  # clears the screen, sets the window title
# Escape sequences rich itself writes for colours (SGR) are fine; anything else is not.
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _terminal_run(*args: str, input: str | None = None) -> str:
    """What a colour terminal would be sent (FORCE_COLOR makes rich write styles)."""
    out = tlsstep(*args, input=input, env={"FORCE_COLOR": "1", "COLUMNS": "200", "NO_COLOR": None})
    assert "Traceback" not in out.stderr, out.stderr
    return out.stdout + out.stderr


def _no_raw_controls(text: str) -> None:
    rest = SGR.sub("", text)
    bad = [c for c in rest if c not in "\n" and (ord(c) < 32 or 0x7F <= ord(c) < 0xA0)]
    assert not bad, f"raw control characters {bad!r} in output"
    assert "\u202e" not in rest


def test_escape() -> None:
    assert escape("a\x1b[2J\x07\u202eb\n") == "a\\x1b[2J\\x07\\u202eb\\x0a"
    assert escape("two\nlines\t", keep_newlines=True) == "two\nlines\\x09"
    assert xml('<a href="x">\x1b</a>') == "&lt;a href=&quot;x&quot;&gt;\\x1b&lt;/a&gt;"


def test_printable_ascii_skips_the_pattern_with_the_same_result() -> None:
    """escape() returns printable ASCII as it is without running its pattern: every
    character up to U+00FF, alone and inside text, comes out as the pattern makes it."""
    for code in range(0x100):
        for text in (chr(code), f"a{chr(code)}b", f"example.test{chr(code)}"):
            assert escape(text) == _CONTROL.sub(_one, text)
            assert escape(text, keep_newlines=True) == _TERMINAL_UNSAFE.sub(_one, text)
            assert has_controls(text) is (_CONTROL.search(text) is not None)


def test_decode_verbose_shows_the_sni_escaped() -> None:
    shown = _terminal_run("decode", "-v", str(SNI_CAPTURE))
    _no_raw_controls(shown)
    assert "host_name: \\x1b[2J\\x1b]0;pw\\x07x" in SGR.sub("", shown)


def test_decode_json_keeps_the_exact_value() -> None:
    result = CliRunner().invoke(main, ["decode", "--json", str(SNI_CAPTURE)])

    def strings(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    assert SNI in strings(json.loads(result.stdout))


def test_scenario_name_is_escaped_and_never_markup() -> None:
    shown = _terminal_run("replay", str(EVIL_SCENARIO))
    _no_raw_controls(shown)
    plain = SGR.sub("", shown)
    assert "[/] \\x1b[2J\\x1b]0;pwn\\x07" in plain  # no MarkupError, shown as written
    assert "[link=https://evil.test]x[/link]" in plain  # text, not a hidden link
    assert "[bold]b[/bold]" in plain


def test_junit_is_valid_xml_with_names_escaped(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    CliRunner().invoke(main, ["replay", "-q", str(EVIL_SCENARIO), "--junit", str(junit)])
    case = ET.fromstring(junit.read_bytes()).find(".//testcase")
    assert case is not None
    assert case.get("name", "").startswith("[/] \\x1b[2J\\x1b]0;pwn\\x07")


@pytest.mark.parametrize("render", [ladder_svg, ladder_html])
def test_ladder_exports_escape_controls(render: object) -> None:
    ladder = Ladder(title="evil \x1b[2J <b>&", rows=())
    text = render(ladder)  # type: ignore[operator]
    assert "\x1b" not in text
    assert "evil \\x1b[2J &lt;b&gt;&amp;" in text
    if render is ladder_svg:
        ET.fromstring(text)  # well-formed XML


def test_shell_echo_and_errors_are_escaped() -> None:
    lines = "show [link=https://evil.test]x[/link]\n[/]\n\x1b]0;pwned\x07\n"
    shown = _terminal_run("shell", input=lines)
    _no_raw_controls(shown)
    plain = SGR.sub("", shown)
    assert "show what? '[link=https://evil.test]x[/link]'" in plain
    assert "unknown command '\\x1b]0;pwned\\x07'" in plain
