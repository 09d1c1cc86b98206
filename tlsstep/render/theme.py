"""Named styles, defined once (rich's default_styles pattern)."""

from __future__ import annotations

from typing import Final

STYLES: Final[dict[str, str]] = {
    "tlsstep.client": "bold cyan",
    "tlsstep.server": "bold magenta",
    "tlsstep.op": "bold",
    "tlsstep.done": "green",
    "tlsstep.want": "yellow",
    "tlsstep.closed": "blue",
    "tlsstep.error": "bold red",
    "tlsstep.stalled": "bold red",
    "tlsstep.dim": "dim",
    "tlsstep.record": "white",
    "tlsstep.message": "bold green",
    "tlsstep.protected": "italic yellow",
    "tlsstep.alert": "bold red",
    "tlsstep.key": "bold",
    "tlsstep.ok": "bold green",
    "tlsstep.fail": "bold red",
}


def theme() -> object:
    from rich.theme import Theme

    return Theme(STYLES)
