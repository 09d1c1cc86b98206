"""Decoded-field trees written without rich on a pipe are the characters rich prints.

Every record of real runs (TLS 1.3 and 1.2, a HelloRetryRequest, resumption, a client
certificate, application data) at -v and -vv, and trees made to be awkward (long words
that fold, wide characters, control characters, deep nesting), are rendered both ways
at several widths and compared exactly.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from rich.tree import Tree

from tests.helpers import run_lines
from tlsstep.config import ClientCert, PairConfig, SideConfig
from tlsstep.crypto.unprotector import KeyLogCrypto
from tlsstep.render.plain_tree import padded_trees_text
from tlsstep.render.terminal import make_console
from tlsstep.render.wire_view import record_fields
from tlsstep.session import Session

WIDTHS = (30, 57, 80, 100, 160)


def by_rich(renderable: Padding, width: int) -> str:
    out = io.StringIO()
    make_console(width=width, file=out).print(renderable)
    return out.getvalue()


def by_us(renderable: Padding, width: int) -> str | None:
    return padded_trees_text(make_console(width=width, file=io.StringIO()), renderable)


def runs() -> list[Session]:
    configs = [
        PairConfig(),
        PairConfig(client=SideConfig(max_version="1.2")),
        PairConfig(server=SideConfig(group="prime256v1")),  # HelloRetryRequest
        PairConfig(
            client_cert=ClientCert.required,
            client=SideConfig(alpn=("h2", "http/1.1")),
            server=SideConfig(alpn=("h2",)),
        ),
    ]
    sessions = []
    for config in configs:
        with KeyLogCrypto() as crypto:
            session = Session(config, crypto=crypto)
            run_lines(session, "handshake", "write client data=hello", "deliver client")
        sessions.append(session)
    return sessions


def test_every_record_of_real_runs_matches_rich() -> None:
    compared = 0
    for session in runs():
        for entry in session.entries:
            for view in entry.records:
                for show_bytes in (False, True):
                    renderable = record_fields(view, show_bytes=show_bytes)
                    assert isinstance(renderable, Padding)
                    for width in WIDTHS:
                        ours = by_us(renderable, width)
                        if ours is None:  # left to rich (a shape we do not lay out)
                            continue
                        assert ours == by_rich(renderable, width), (width, show_bytes)
                        compared += 1
    assert compared > 200  # nearly every record was laid out here, not by rich


def _tree(labels: list[str]) -> Tree:
    root = Tree(Text(labels[0]), guide_style="tlsstep.dim")
    node = root
    for i, label in enumerate(labels[1:]):
        child = node.add(Text(label))
        node.add(Text(f"sibling {i} " + "x" * i))
        node = child
    return root


@pytest.mark.parametrize(
    "labels",
    [
        ["title", "a", "b"],
        ["ClientHello  512 bytes from stream offset 5", "random: " + "ab" * 40 + "  @6+32"],
        ["a" * 150, "word " * 40, "x" * 77 + " tail"],
        ["wide 🔒 chars", "🔒" * 50, "…" * 90, "mixed 🔒 " * 12],
        ["control \x1b[31m red \x07 bell", "c1 \x9b2J and \u202e bidi"],
        ["tabs\there", "left to rich"],
        ["deep"] + [f"level {i} " + "w" * (i * 3) for i in range(12)],
        ["trailing spaces    ", "   leading", "a  b   c    d" * 8],
    ],
)
def test_awkward_trees_match_rich_or_are_left_to_it(labels: list[str]) -> None:
    for indent in (0, 2, 8):
        trees = Group(_tree(labels), _tree(list(reversed(labels))))
        renderable = Padding(trees, (0, 0, 0, indent), expand=False)
        for width in (*WIDTHS, 12, 20):
            ours = by_us(renderable, width)
            if ours is not None:
                assert ours == by_rich(renderable, width), (width, indent)


def test_terminal_and_other_shapes_are_left_to_rich() -> None:
    tree = Padding(Group(_tree(["a", "b"])), (0, 0, 0, 8), expand=False)
    terminal = make_console(width=80, file=io.StringIO())
    terminal._force_terminal = True
    assert padded_trees_text(terminal, tree) is None
    assert by_us(Padding(Group(Text("not a tree")), (0, 0, 0, 8)), 80) is None
    assert by_us(Padding(Group(_tree(["a", "b"])), (1, 0, 0, 8)), 80) is None
    hidden = _tree(["a", "b"])
    hidden.hide_root = True
    assert by_us(Padding(Group(hidden), (0, 0, 0, 8)), 80) is None


def test_trailing_blanks_stripped_as_the_regular_expression_says() -> None:
    """render/layout.strip_trailing_blanks reads each line from its end; its meaning is
    still this expression's: blanks and style changes before a newline, styles kept."""
    import random
    import re

    from tlsstep.render.layout import strip_trailing_blanks

    trailing = re.compile(r"(?: |\x1b\[[0-9;]*m)+(?=\n)")
    style = re.compile(r"\x1b\[[0-9;]*m")

    def meant(text: str) -> str:
        return trailing.sub(lambda blanks: "".join(style.findall(blanks.group())), text)

    atoms = [" ", "  ", "a", "m", "\n", "\x1b[0m", "\x1b[1;35m", "\x1b[", "x\x1b[m", ";", "é"]
    rnd = random.Random(14)
    for _ in range(20_000):
        text = "".join(rnd.choice(atoms) for _ in range(rnd.randint(0, 14)))
        assert strip_trailing_blanks(text) == meant(text), repr(text)
    padded = ("key" + " " * 70 + "value" + " " * 60 + "\n") * 50
    assert strip_trailing_blanks(padded) == meant(padded)


def test_emoji_codes_in_data_stay_text() -> None:
    """A name from the wire or a file that looks like an emoji code is shown as written."""
    from rich.table import Table

    table = Table.grid()
    table.add_row("server_name", ":lock: and :smile:")
    out = io.StringIO()
    make_console(width=80, file=out).print(table)
    assert ":lock: and :smile:" in out.getvalue()
