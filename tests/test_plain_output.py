"""Piped output skips rich's rendering (render/out.py) and must read exactly as rich
prints it when nothing needs wrapping (issue 14: content, not speed, is what we check)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT, run_lines
from tlsstep.config import PairConfig, SideConfig
from tlsstep.render.out import emit
from tlsstep.render.replay import scenario_view
from tlsstep.render.states_view import states_line
from tlsstep.render.terminal import make_console, report_view
from tlsstep.run_report import build_report
from tlsstep.scenario import find_files, load, run
from tlsstep.session import Session
from tlsstep.states.tracker import derive


def both(renderable: object) -> tuple[str, str]:
    """(rich's rendering, emit's) on a console too wide to wrap anything."""
    rich_out, plain_out = io.StringIO(), io.StringIO()
    make_console(width=2000, color=False, file=rich_out).print(renderable)
    emit(make_console(width=2000, color=False, file=plain_out), renderable)  # type: ignore[arg-type]
    return rich_out.getvalue(), plain_out.getvalue()


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("verbosity", [0, 1, 2])
def test_run_view_reads_the_same(version: str, verbosity: int) -> None:
    side = SideConfig(min_version=version, max_version=version)
    session = Session(PairConfig(client=side, server=side))
    run_lines(session, "handshake", 'write client data="hello"', "deliver client", "read server")
    rich_text, plain_text = both(report_view(build_report(session), verbosity=verbosity))
    assert plain_text == rich_text
    rich_text, plain_text = both(states_line(derive(session), label="states"))
    assert plain_text == rich_text


def test_every_scenario_view_reads_the_same() -> None:
    for path in find_files([str(ROOT / "scenarios")])[:12]:
        result = run(load(path))
        rich_text, plain_text = both(scenario_view(result))
        assert plain_text == rich_text, path


def test_record_plain_is_record_line_without_styles() -> None:
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.render.record_text import record_plain
    from tlsstep.render.terminal import record_line

    crypto = KeyLogCrypto()
    session = Session(PairConfig(), crypto=crypto)
    datas = ['data="hi"', 'hex="00ff"', 'hex="' + "ab" * 30 + '"', 'hex="' + "cd" * 31 + '"']
    datas += ['data="' + "x" * 60 + '"', 'data="' + "y" * 61 + '"', 'data="a\\tb"']
    run_lines(session, "handshake", *(f"write client {d}" for d in datas), "deliver client")
    views = [v for e in session.entries for v in e.records]
    crypto.close()
    assert sum(v.application_data is not None for v in views) == len(datas)
    for view in views:
        assert record_plain(view) == record_line(view).plain
    shown = [record_plain(v) for v in views if v.application_data is not None]
    assert shown[2].endswith("'" + "ab" * 30 + "'")  # 60 hex digits: whole
    assert shown[3].endswith("'" + ("cd" * 31)[:57] + "...'")  # 62: cut, only 29 bytes made hex
    assert shown[5].endswith("'" + "y" * 57 + "...'")


def test_empty_grid_prints_nothing_either_way() -> None:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=6, no_wrap=True)
    grid.add_column()
    rich_text, plain_text = both(Group(Text("a"), grid, Text("b")))
    assert plain_text == rich_text == "a\nb\n"


def _whole_text(data: bytes) -> str | None:
    """data_text's rule, applied to all of ``data`` at once (its definition)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if all(c.isprintable() or c in "\r\n\t" for c in text):
        return text
    return None


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from(["a", "é", "€", "😀", "\n", "\t", "\x01", "\u200b"]))
        .map(lambda s: s.encode())
        .flatmap(lambda b: st.integers(0, len(b)).map(lambda cut: b[:cut] + b"x" * 70)),
    )
)
def test_data_text_tells_binary_by_its_start_as_the_whole_would(data: bytes) -> None:
    # Binary data is told from its first bytes (a 16 KB record is not decoded whole):
    # the answer is the one the whole data gives, also when a character is cut there.
    from tlsstep.render.record_text import data_text

    assert data_text(data) == _whole_text(data)
