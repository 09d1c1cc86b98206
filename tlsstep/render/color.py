"""Whether output is coloured: ``--color auto|always|never``, NO_COLOR, FORCE_COLOR (issue 16 item 10).

One decision, made here, for every console the process makes (render/terminal.py's
``make_console``): the command line's ``--color`` wins; under ``auto`` a non-empty
``NO_COLOR`` (https://no-color.org) turns colour off, then a non-empty ``FORCE_COLOR``
(https://force-color.org) turns it on, and otherwise output is coloured only on a terminal
that is not ``TERM=dumb``. "Off" means no escape sequence at all, not even bold.

Colour and layout are separate: a pipe gets colour with ``--color always`` but is still
laid out as a pipe (nothing wrapped, nothing padded), and a terminal with ``--color never``
is still wrapped at its width. Only the standard library is imported here (``--help``).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from typing import TextIO

from tlsstep.cheap_enum import CheapEnumType


class ColorChoice(enum.StrEnum, metaclass=CheapEnumType):
    """The values of ``--color``."""

    auto = "auto"
    always = "always"
    never = "never"


_chosen = ColorChoice.auto


def choose(choice: ColorChoice | str) -> None:
    """Set the process's ``--color`` (the command line does, once per command)."""
    global _chosen
    _chosen = ColorChoice(choice)


def chosen() -> ColorChoice:
    """The ``--color`` in force (``auto`` until the command line says otherwise)."""
    return _chosen


def wants_color(choice: ColorChoice, environ: Mapping[str, str], *, terminal: bool) -> bool:
    """Whether to colour output going to a terminal (``terminal``) or not.

    Args:
        choice: ``--color``; ``always`` and ``never`` overrule the environment.
        environ: the environment (NO_COLOR, FORCE_COLOR and TERM are read).
        terminal: whether the output is a terminal.
    """
    if choice is not ColorChoice.auto:
        return choice is ColorChoice.always
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return terminal and environ.get("TERM", "").lower() not in ("dumb", "unknown")


def is_terminal(file: TextIO) -> bool:
    """Whether ``file`` is a terminal (False for a closed file or one without isatty)."""
    try:
        return file.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def plain_pipe(file: TextIO) -> bool:
    """Whether what is written to ``file`` is plain text: not a terminal, no colour asked
    for. Writers that lay text out as rich would (no styles to render) check this."""
    return not is_terminal(file) and not wants_color(chosen(), os.environ, terminal=False)
