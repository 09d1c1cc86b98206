"""One set of ranges for options, scenario keys and shell words (issue 16 item 8,
issue 17 items 1, 2, 5, 14); the broken scenario files in tests/scenario/broken
check each key's FILE:LINE message."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.helpers import tlsstep
from tlsstep import limits
from tlsstep.cli import main
from tlsstep.commands.handshake import handshake_command
from tlsstep.errors import ScenarioError
from tlsstep.scenario import loads
from tlsstep.steps import StepError, parse_line

HANDSHAKE = '\n[[step]]\nop = "handshake"\n'


@pytest.mark.parametrize(
    ("option", "name"), [("tickets", "num_tickets"), ("chain_depth", "chain_depth")]
)
def test_cli_and_scenario_share_a_range(option: str, name: str) -> None:
    param = next(p for p in handshake_command.params if p.name == option)
    assert isinstance(param.type, click.IntRange)
    bounds = limits.RANGES[name]
    assert (param.type.min, param.type.max) == (bounds.low, bounds.high)
    table = "[server]\n" if name == "num_tickets" else ""
    for good in (bounds.low, bounds.high):
        loads(f"{table}{name} = {good}{HANDSHAKE}")
    for bad in (bounds.low - 1, bounds.high + 1):
        with pytest.raises(ScenarioError, match=f"must be {bounds.low} to {bounds.high}"):
            loads(f"{table}{name} = {bad}{HANDSHAKE}")


def test_every_integer_step_key_has_a_range() -> None:
    from tlsstep.steps import OPS, _int, _pair

    for op, spec in OPS.items():
        for key, kind in spec.keys.items():
            if kind in (_int, _pair):
                assert f"{op}.{key}" in limits.RANGES, f"{op} {key} has no range"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("deliver client bytes=-3", "deliver bytes must be 0 to"),
        ("read client size=-5", "read size must be 0 to"),
        ("write client x repeat=0", "write repeat must be 1 to"),
        (f"write client {'y' * 100} repeat=1048576", "at most 67,108,864 bytes"),
        ("tamper client flip=18446744073709551616", "not 18446744073709551616"),
    ],
)
def test_shell_words_have_the_same_ranges(line: str, message: str) -> None:
    with pytest.raises(StepError, match=message):
        parse_line(line)


def test_a_write_of_exactly_the_limit_is_allowed() -> None:
    step = parse_line(f"write client hex={'00' * 64} repeat=1048576")
    assert len(step.data) == limits.MAX_WRITE_BYTES  # type: ignore[attr-defined]


def test_alpn_option_with_a_300_character_name_is_a_usage_error() -> None:
    result = tlsstep("handshake", "--alpn", "a" * 300)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--alpn" in result.stderr and "1 to 255 bytes, not 300" in result.stderr
    many = ",".join(f"p{i}" for i in range(100))
    result = tlsstep("handshake", "--server-alpn", many)
    assert result.returncode == 2 and "at most 32 protocol names" in result.stderr


def test_errors_quote_a_few_characters_of_a_huge_value(tmp_path: Path) -> None:
    huge = "g" * 3_000_000
    with pytest.raises(ScenarioError) as caught:
        loads(f'[server]\nnum_tickets = "{huge}"{HANDSHAKE}', path="s.toml")
    assert len(str(caught.value)) < 300
    assert "(3,000,000 characters)" in str(caught.value)
    # A value only OpenSSL can judge fails when the pair is made: the same short quote.
    scenario = tmp_path / "group.toml"
    scenario.write_text(f'[server]\ngroup = "{huge}"{HANDSHAKE}')
    result = CliRunner().invoke(main, ["replay", str(scenario)])
    assert result.exit_code == 2
    assert len(result.output) < 5_000, len(result.output)
    assert "(3,000,000 characters)" in result.output


def test_quote() -> None:
    assert limits.quote("ab'c") == "'ab\\'c'"
    assert limits.quote("\x1b[2J") == "'\\x1b[2J'"
    long = limits.quote("x" * 1000)
    assert long.startswith("'" + "x" * 80 + "…'") and long.endswith("(1,000 characters)")
    assert limits.quote(list(range(100))) == "a list of 100 items"
    assert limits.quote(2**1000) == "a number of 1001 bits"
    assert limits.quote(True) == "True"
