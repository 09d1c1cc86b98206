"""Scenario files: every bundled one passes; every broken one fails with FILE:LINE, exit 2."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tlsstep.cli import main
from tlsstep.errors import ScenarioError
from tlsstep.scenario import dump, find_files, load, loads, run

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.toml"))
BROKEN = sorted((Path(__file__).parent / "broken").glob("*.toml"))
# Each broken file starts with "# error: LINE: text the message must contain"; LINE is
# @OFFSET for a file that is not UTF-8 text (FILE:@OFFSET: in the message).
HEADER = re.compile(rb"^# error: (@?\d*): (.+)$", re.MULTILINE)


def test_enough_bundled_scenarios() -> None:
    assert len(BUNDLED) >= 20
    assert len([p for p in BUNDLED if p.name.startswith("cert-")]) >= 9  # each problem
    for path in BUNDLED:
        scenario = load(path)
        assert len(scenario.description) > 100, f"{path.name}: a description that teaches"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenario_passes(path: Path) -> None:
    result = run(load(path))
    assert result.status == "pass", [m.message for m in result.mismatches] or result.error
    assert result.skipped == 0


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_dump_reads_back_the_same(path: Path) -> None:
    scenario = load(path)
    text = dump(
        scenario.config, scenario.steps, name=scenario.name, description=scenario.description
    )
    again = loads(text, path="dumped.toml")
    assert again.config == scenario.config
    assert again.name == scenario.name and again.description == scenario.description
    strip = [(type(s), s.expect, _fields(s)) for s in scenario.steps]
    assert [(type(s), s.expect, _fields(s)) for s in again.steps] == strip


def _fields(step: object) -> tuple[object, ...]:
    names = [f.name for f in dataclasses.fields(step)]  # type: ignore[arg-type]
    return tuple(getattr(step, n) for n in names if n not in ("line", "expect"))


def _expected(path: Path) -> tuple[int | str | None, str]:
    match = HEADER.search(path.read_bytes())
    assert match, f"{path.name} needs a '# error: LINE: text' first line"
    where = match.group(1).decode()
    line = where if where.startswith("@") else int(where) if where else None
    return line, match.group(2).decode()


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_file_names_its_line(path: Path) -> None:
    line, text = _expected(path)
    try:
        scenario = load(path)
    except ScenarioError as exc:
        error = exc
    else:
        # Settings only OpenSSL can judge (a group name) are found when the pair is made.
        found = run(scenario).error
        assert found is not None, f"{path.name} loaded and ran"
        error = found
    if isinstance(line, str):
        assert error.offset == int(line[1:])
    else:
        assert error.line == line
    assert text in error.message
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(error).startswith(where)


@pytest.mark.parametrize("path", BROKEN[:6] + BROKEN[-6:], ids=lambda p: p.stem)
def test_replay_exits_2_on_a_broken_file(path: Path) -> None:
    line, text = _expected(path)
    result = CliRunner().invoke(main, ["replay", "-q", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert text in result.stderr
    assert f"{path}:{line}:" in result.stderr if line else f"{path}:" in result.stderr


def test_find_files_takes_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text("")
    (tmp_path / "a.toml").write_text("")
    (tmp_path / "notes.txt").write_text("")
    single = tmp_path / "x.toml"
    assert find_files([str(tmp_path), str(single)]) == [
        tmp_path / "a.toml",
        tmp_path / "b.toml",
        single,
    ]
