"""Piped output skips rich's rendering (render/out.py) and must read exactly as rich
prints it when nothing needs wrapping (issue 14: content, not speed, is what we check)."""

from __future__ import annotations

import io

import pytest

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
    from tlsstep.render.terminal import record_line, record_plain

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
