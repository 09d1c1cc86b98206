"""render/layout.py on a console of a fixed width: hanging indents and trailing blanks."""

from __future__ import annotations

import io

from rich.table import Table
from rich.text import Text

from tests.output.terminal import ESCAPE
from tlsstep.render.layout import strip_trailing_blanks
from tlsstep.render.terminal import make_console


def printed(*texts: Text, width: int = 30, color: bool = False, end: str = "\n") -> str:
    out = io.StringIO()
    console = make_console(width=width, color=color, file=out)
    for text in texts:
        console.print(text, end=end)
    return out.getvalue()


def test_a_record_continues_two_columns_deeper() -> None:
    line = Text("      handshake   TLS 1.2  23 B [handshake] EncryptedExtensions")
    assert printed(line) == (
        "      handshake   TLS 1.2\n        23 B [handshake]\n        EncryptedExtensions\n"
    )


def test_a_step_and_a_mark_continue_under_their_text() -> None:
    step = Text("  1  client.do_handshake() → want read   517 bytes out")
    mark = Text("     ↳ server received ClientHello; sent ServerHello")
    assert printed(step, mark) == (
        "  1  client.do_handshake() →\n     want read   517 bytes out\n"
        "     ↳ server received\n       ClientHello; sent\n       ServerHello\n"
    )


def test_unindented_text_and_a_line_that_fits_are_left_alone() -> None:
    assert (
        printed(Text("error: " + "word " * 8))
        == "error: word word word word\nword word word word\n"
    )
    assert printed(Text("  1  fits")) == "  1  fits\n"


def test_too_narrow_for_a_hanging_indent() -> None:
    """Less than 20 columns after the indent: wrapped as plain text, nothing lost."""
    text = printed(Text("      " + "x " * 20), width=24)
    assert "".join(text.split()) == "x" * 20 and text.startswith("      x")


def test_the_text_end_is_kept() -> None:
    out = printed(Text("  1  client.do_handshake() → want read   517 bytes out"), end="")
    assert out == "  1  client.do_handshake() →\n     want read   517 bytes out"


def test_styles_survive_the_wrap() -> None:
    line = Text("      ")
    line.append("application_data", style="bold")
    line.append(" TLS 1.2 23 B 🔒 [handshake] EncryptedExtensions", style="green")
    out = printed(line, color=True)
    assert "\x1b[1m" in out and "\x1b[32m" in out
    assert not [row for row in out.splitlines() if ESCAPE.sub("", row).endswith(" ")]


def test_no_line_ends_in_a_blank() -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column()
    grid.add_row("result", "handshake complete")
    grid.add_row("states", "client CONNECTED, established │ server CONNECTED, established")
    for color in (False, True):
        out = printed(grid, width=60, color=color)  # type: ignore[arg-type]
        assert out.count("\n") >= 2
        assert not [row for row in out.splitlines() if row.endswith(" ")], repr(out)


def test_strip_trailing_blanks() -> None:
    assert strip_trailing_blanks("a  \nb\n") == "a\nb\n"
    assert strip_trailing_blanks("x   y\n") == "x   y\n"  # blanks inside a line stay
    assert strip_trailing_blanks("prompt ") == "prompt "  # no newline: a line still open
    styled = "→ \x1b[0m\x1b[1;35m     \x1b[0m\n"  # blanks on both sides of a style change
    assert strip_trailing_blanks(styled) == "→\x1b[0m\x1b[1;35m\x1b[0m\n"
