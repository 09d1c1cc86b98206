"""A narrow terminal (issue 16 item 11): lines wrap at its width, and a transcript line's
continuation keeps its indentation (a hanging indent), never falling back to column 0.

Runs on a real pseudo-terminal 60 columns wide (COLUMNS=60 too, as the issue reports it).
"""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from tests.output.terminal import ESCAPE, environment, on_terminal, piped

WIDTH = 60
STEP = re.compile(r"^[ \d]{2}\d  \S")  # "  3  server.do_handshake() ..."
RECORD = re.compile(r"^ {6}(?:handshake|application_data|change_cipher_spec|alert)\b")
MARK = re.compile(r"^ {5}([↳⇒ℹ]) ")


def narrow(*args: str) -> list[str]:
    code, out = on_terminal(*args, columns=WIDTH, env=environment(COLUMNS=str(WIDTH)))
    assert code == 0, out
    return ESCAPE.sub("", out).splitlines()


def words(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    text = re.sub(r"[0-9a-f]{6,}", "#", text)
    return re.sub(r"[0-9]+", "0", text).split()


def transcript(lines: list[str]) -> list[str]:
    """The lines before the summary (the first blank line)."""
    return lines[: lines.index("")] if "" in lines else lines


@pytest.mark.parametrize("options", [(), ("--states",), ("--explain",), ("--tls-version", "1.2")])
def test_continuations_keep_their_indent(options: tuple[str, ...]) -> None:
    lines = narrow("handshake", *options)
    assert max(map(cell_len, lines)) <= WIDTH
    assert not [line for line in lines if line.endswith(" ")]  # nor padded on a terminal
    body = transcript(lines)
    wrapped = 0
    owner = body[0]  # the line the next continuation belongs to
    for line in body[1:]:
        if line.startswith("connection "):
            continue
        assert line.startswith(" "), f"at column 0 after {owner!r}: {line!r}"
        if STEP.match(line) or RECORD.match(line) or MARK.match(line):
            owner = line
            continue
        # A continuation: under the text of the line it continues, or deeper.
        wrapped += 1
        if RECORD.match(owner):
            assert line.startswith(" " * 8) and line[8] != " ", line
        elif STEP.match(owner):
            assert line.startswith(" " * 5) and line[5] != " ", line
        elif MARK.match(owner):
            assert line.startswith(" " * 7) and line[7] != " ", line
    assert wrapped, "nothing wrapped at 60 columns: the test shows nothing"
    # Nothing lost or reordered by the wrapping: the same words as on a pipe.
    code, out = piped("handshake", *options)
    assert code == 0
    assert words(lines) == words(out.splitlines())


def test_a_record_continues_under_itself() -> None:
    """The issue's own example: the message name no longer alone at column 0."""
    lines = narrow("handshake")
    at = next(i for i, line in enumerate(lines) if "application_data → handshake" in line)
    assert lines[at].startswith("      application_data → handshake TLS 1.2")
    assert lines[at + 1].strip() in ("[handshake] EncryptedExtensions", "EncryptedExtensions")
    assert lines[at + 1].startswith("        ")
