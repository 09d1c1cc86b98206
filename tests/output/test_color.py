"""Colour switches (issue 16 item 10): --color auto|always|never, NO_COLOR, FORCE_COLOR.

Run on a real pseudo-terminal (tests/output/terminal.py) and on a pipe; what is checked
is whether escape sequences reach the output at all."""

from __future__ import annotations

import pytest

from tests.output.terminal import ESCAPE, environment, on_terminal, piped
from tlsstep.render.color import ColorChoice, wants_color


def coloured(output: str) -> bool:
    return ESCAPE.search(output) is not None


def test_a_terminal_is_coloured_by_default() -> None:
    code, out = on_terminal("handshake")
    assert code == 0 and "handshake complete" in out
    assert coloured(out)


@pytest.mark.parametrize("value", ["1", "0", "false", "yes"])
def test_no_color_on_a_terminal_means_no_escape_at_all(value: str) -> None:
    """Any non-empty NO_COLOR (https://no-color.org), even "0"; not even bold is sent."""
    code, out = on_terminal("handshake", env=environment(NO_COLOR=value))
    assert code == 0 and "handshake complete" in out
    assert not coloured(out), repr(out[:300])


def test_an_empty_no_color_is_not_set() -> None:
    assert coloured(on_terminal("handshake", env=environment(NO_COLOR=""))[1])


@pytest.mark.parametrize(
    "args",
    [
        ("--color", "never", "handshake"),
        ("handshake", "--color", "never"),
        ("--color", "always", "handshake", "--color", "never"),  # the command's own wins
    ],
)
def test_color_never_on_a_terminal(args: tuple[str, ...]) -> None:
    code, out = on_terminal(*args)
    assert code == 0 and "handshake complete" in out
    assert not coloured(out)


def test_a_pipe_is_plain_by_default() -> None:
    code, out = piped("handshake")
    assert code == 0 and "handshake complete" in out and not coloured(out)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--color", "always", "handshake"), {}),
        (("handshake", "--color", "always", "--states", "--certs"), {}),
        (("handshake",), {"FORCE_COLOR": "1"}),
        (("--color", "always", "handshake"), {"NO_COLOR": "1"}),  # the command line wins
    ],
)
def test_colour_on_a_pipe_when_asked(args: tuple[str, ...], env: dict[str, str]) -> None:
    code, out = piped(*args, env=environment(**env))
    assert code == 0 and coloured(out)
    plain = ESCAPE.sub("", out)
    assert "handshake complete" in plain
    # Laid out as a pipe still: nothing padded, nothing wrapped at 80 columns.
    assert not [line for line in plain.splitlines() if line.endswith(" ")]
    assert max(map(len, plain.splitlines())) > 80


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("handshake",), {"FORCE_COLOR": "1", "NO_COLOR": "1"}),  # NO_COLOR wins
        (("--color", "never", "handshake"), {"FORCE_COLOR": "1"}),
        (("handshake",), {"FORCE_COLOR": ""}),  # empty: not set
    ],
)
def test_no_colour_on_a_pipe(args: tuple[str, ...], env: dict[str, str]) -> None:
    code, out = piped(*args, env=environment(**env))
    assert code == 0 and "handshake complete" in out and not coloured(out)


def test_a_dumb_terminal_gets_colour_only_when_asked() -> None:
    assert not coloured(on_terminal("handshake", env=environment(TERM="dumb"))[1])
    assert coloured(on_terminal("--color", "always", "handshake", env=environment(TERM="dumb"))[1])


@pytest.mark.parametrize(
    "command", ["replay", "decode", "shell", "connect", "serve", "cache", "cache list"]
)
def test_every_command_takes_color(command: str) -> None:
    code, out = piped(*command.split(), "--help")
    assert code == 0 and "--color auto|always|never" in out and "NO_COLOR" in out
    code, out = piped("--color", "sometimes", *command.split())
    assert code == 2 and "--color" not in out  # a usage error, on standard error


def test_top_level_help_teaches_color() -> None:
    code, out = piped("--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--color [auto|always|never]" in text
    assert "NO_COLOR" in text and "FORCE_COLOR" in text


def test_the_shell_on_a_terminal() -> None:
    steps = "handshake\nshow state\nquit\n"
    code, out = on_terminal("shell", input=steps)
    assert code == 0 and "Finished" in ESCAPE.sub("", out) and coloured(out)
    for env, args in [({"NO_COLOR": "1"}, ("shell",)), ({}, ("shell", "--color", "never"))]:
        code, out = on_terminal(*args, env=environment(**env), input=steps)
        assert code == 0 and "Finished" in out, out
        assert not coloured(out), repr(out[:300])


@pytest.mark.parametrize(
    ("choice", "env", "terminal", "expected"),
    [
        (ColorChoice.auto, {}, True, True),
        (ColorChoice.auto, {}, False, False),
        (ColorChoice.auto, {"NO_COLOR": "1"}, True, False),
        (ColorChoice.auto, {"NO_COLOR": ""}, True, True),
        (ColorChoice.auto, {"FORCE_COLOR": "1"}, False, True),
        (ColorChoice.auto, {"FORCE_COLOR": "0"}, False, True),  # force-color.org: any value
        (ColorChoice.auto, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),
        (ColorChoice.auto, {"TERM": "dumb"}, True, False),
        (ColorChoice.always, {"NO_COLOR": "1", "TERM": "dumb"}, False, True),
        (ColorChoice.never, {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_the_decision(
    choice: ColorChoice, env: dict[str, str], terminal: bool, expected: bool
) -> None:
    assert wants_color(choice, env, terminal=terminal) is expected
