"""Every check in every bundled scenario can fail: change its expected value, and replay notices."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tlsstep.checks import SIDES as EXPECT_SIDES
from tlsstep.scenario import Scenario, load, run

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.toml"))


def wrong(key: str, value: Any) -> Any:
    """A value that must not match what the scenario saw."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, tuple):
        return (*value, "KeyUpdate")  # never sent by any bundled scenario
    if key == "result":
        return "stalled" if value != "stalled" else "done"
    if key in ("alert_sent", "alert_received"):
        return "unknown_psk_identity" if value else "close_notify"
    return value + "zz" if value else "something"


def mutations(scenario: Scenario) -> Iterator[tuple[str, Scenario]]:
    for index, step in enumerate(scenario.steps):
        for i, (key, value) in enumerate(step.expect):
            subs = value if key in EXPECT_SIDES else ((None, value),)
            for j, (sub, v) in enumerate(subs):
                if sub is None:
                    new: Any = wrong(key, v)
                else:
                    changed = list(value)
                    changed[j] = (sub, wrong(sub, v))
                    new = tuple(changed)
                expect = list(step.expect)
                expect[i] = (key, new)
                steps = list(scenario.steps)
                steps[index] = dataclasses.replace(step, expect=tuple(expect))
                path = f"expect.{key}" + (f".{sub}" if sub else "")
                yield f"{index}:{path}", dataclasses.replace(scenario, steps=tuple(steps))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_each_check_can_fail(path: Path) -> None:
    scenario = load(path)
    count = 0
    for where, mutated in mutations(scenario):
        count += 1
        result = run(mutated)
        assert result.status == "fail", f"{path.name} {where}: a changed check still passes"
        first = result.mismatches[0]
        assert f"{first.step}:{first.check}" == where
    assert count > 0, f"{path.name} checks nothing"
