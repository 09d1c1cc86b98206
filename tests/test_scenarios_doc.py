"""docs/scenarios.md against the loader's own tables, and every example in it run (#16 item 18).

The page documents every top-level key, every ``[client]``/``[server]`` key, every step with
its keys, every expectation and every fault. Here its tables are compared with what the
loader accepts (:func:`tlsstep.scenario.load.settable` over the config dataclasses,
:data:`tlsstep.steps.STEPS`, the expectation table, :data:`tlsstep.steps.FAULT_KEYS`): a key
added to the code without a row on the page fails, and so does a row for a key that is gone.
Every ```toml block is a whole scenario: it must load, the blocks together must use every
key, step, check and fault, and each runs as ``tlsstep replay`` runs it and must pass (those
with ``[server] remote`` against a real ``openssl s_server``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from tests.helpers import ROOT
from tests.net.peers import LOOPBACK, example_test_server
from tlsstep.config import PairConfig, SideConfig
from tlsstep.events import Side
from tlsstep.scenario import loads, run
from tlsstep.scenario.load import FILE_KEYS, settable
from tlsstep.steps import FAULT_KEYS, STEPS

PAGE = ROOT / "docs" / "scenarios.md"
TEXT = PAGE.read_text("utf-8")
EXAMPLE = re.compile(r"^```toml\n(.*?)^```$", re.S | re.M)
REMOTE_IN_PAGE = "127.0.0.1:4433"  # the examples' server address, replaced by a real one
EXPECT_SIDES = tuple(str(side) for side in Side)  # expect.client, expect.server


def expectations() -> set[str]:
    """Every check an ``expect`` may hold, from the code's one table of them."""
    from tlsstep.checks import CHECKS

    return {check.name for check in CHECKS}


def section(title: str, level: int = 2) -> str:
    """The text under the heading ``title`` up to the next heading of its level or above."""
    marks = "#" * level
    start = TEXT.index(f"\n{marks} {title}\n")
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(TEXT, start + level + 2)
    return TEXT[start : end.start() if end else len(TEXT)]


def documented(text: str) -> set[str]:
    """The names a section's table rows document: each backticked name in the first column
    (`` `min_version`, `max_version` ``, `` `flip = OFFSET`, optional `bit = 0..7` ``)."""
    names = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names |= set(re.findall(r"`([a-z_0-9]+)", first))
    return names


def examples() -> list[tuple[int, str]]:
    """Every ```toml block on the page with its line."""
    return [(TEXT.count("\n", 0, m.start()) + 2, m[1]) for m in EXAMPLE.finditer(TEXT)]


def expect_keys(expect: Any) -> Iterator[str]:
    if isinstance(expect, Mapping):
        for key, value in expect.items():
            if key in EXPECT_SIDES:
                yield from expect_keys(value)
            else:
                yield key


# -- the page against the tables -----------------------------------------------------------


def test_every_top_level_key() -> None:
    assert documented(section("Top-level keys")) == {*FILE_KEYS, *settable(PairConfig)}


def test_every_side_key() -> None:
    assert documented(section("`[client]` and `[server]`")) == set(settable(SideConfig))


def test_every_step_with_its_keys() -> None:
    steps = section("Steps")
    titled = re.findall(r"^### `([a-z_]+)`$", steps, re.M)
    assert titled == list(STEPS), "one ### section per step, in the order of tlsstep.steps"
    faults = documented(section("Faults"))
    for op, cls in STEPS.items():
        keys = documented(section(f"`{op}`", 3))
        if op == "tamper":
            keys |= faults  # the faults have their own section
        assert keys == set(cls.spec.keys), op


def test_every_fault() -> None:
    tamper = set(STEPS["tamper"].spec.keys) - {"side"}
    documented_faults = documented(section("Faults"))
    assert documented_faults == tamper
    assert set(FAULT_KEYS) <= documented_faults


def test_every_expectation() -> None:
    assert documented(section("Expectations")) == expectations()


def test_which_checks_a_step_without_a_side_takes() -> None:
    """The page's list of checks allowed at the top of a side-less step is the code's."""
    from tlsstep.checks import CHECKS, Scope

    text = section("Expectations").split("takes at its top only", 1)[1].split(";", 1)[0]
    listed = set(re.findall(r"`([a-z_]+)`", text))
    assert listed == {c.name for c in CHECKS if c.scope in (Scope.step, Scope.named)}


# -- the examples --------------------------------------------------------------------------


def test_the_examples_use_every_key_step_check_and_fault() -> None:
    top: set[str] = set()
    side: set[str] = set()
    ops: set[str] = set()
    checks: set[str] = set()
    step_keys: set[str] = set()
    for _, source in examples():
        data = tomllib.loads(source)
        top |= set(data)
        for name in EXPECT_SIDES:
            side |= set(data.get(name, {}))
        for step in data["step"]:
            ops.add(step["op"])
            step_keys |= {f"{step['op']}.{k}" for k in step if k not in ("op", "expect")}
            checks |= set(expect_keys(step.get("expect", {})))
    assert top == {*FILE_KEYS, *settable(PairConfig)}
    assert side == set(settable(SideConfig))
    assert ops == set(STEPS)
    assert checks == expectations()
    wanted = {f"{op}.{key}" for op, cls in STEPS.items() for key in cls.spec.keys}
    assert wanted - step_keys == set(), "a step key without an example"


@pytest.fixture(scope="module")
def remote_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with example_test_server(tmp_path_factory.mktemp("remote")) as port:
        yield port


@pytest.mark.parametrize(("line", "source"), examples(), ids=[str(n) for n, _ in examples()])
def test_each_example_loads_and_passes(
    line: int, source: str, request: pytest.FixtureRequest
) -> None:
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.render.scenario_results import failure_text

    if REMOTE_IN_PAGE in source:
        port = request.getfixturevalue("remote_server")
        source = source.replace(REMOTE_IN_PAGE, f"{LOOPBACK}:{port}")
    scenario = loads(source, path=f"docs/scenarios.md:{line}")
    crypto = KeyLogCrypto()  # as replay runs scenarios: protected records decrypted
    try:
        result = run(scenario, crypto=crypto)
    finally:
        crypto.close()
    assert result.status == "pass", failure_text(result)


def test_the_page_is_linked() -> None:
    from click.testing import CliRunner

    from tlsstep.cli import main

    assert "docs/scenarios.md" in (ROOT / "README.md").read_text("utf-8")
    assert "docs/scenarios.md" in CliRunner().invoke(main, ["replay", "--help"]).output
