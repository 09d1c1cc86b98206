"""Writing JSON documents fast, still readable.

``json.dump(doc, fp, indent=2)`` runs the pure-Python encoder (the C encoder serves only
``dumps`` without ``indent``): about 4 ms for one handshake's document (issue 14). Here
the outer levels are laid out one member per line and everything deeper is one line
from the C encoder, so an event, a record or a certificate reads as one line.
"""

from __future__ import annotations

import json
from typing import IO, Any


def dumps(value: Any, *, levels: int = 2, indent: str = "  ", _depth: int = 0) -> str:
    """``value`` as JSON, its first ``levels`` levels of objects and arrays spread one
    member per line, the rest compact."""
    if levels <= 0 or not isinstance(value, dict | list) or not value:
        return json.dumps(value)
    inner = indent * (_depth + 1)
    if isinstance(value, dict):
        members = [
            f"{inner}{json.dumps(str(k))}: "
            + dumps(v, levels=levels - 1, indent=indent, _depth=_depth + 1)
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(members) + "\n" + indent * _depth + "}"
    items = [inner + dumps(v, levels=levels - 1, indent=indent, _depth=_depth + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + indent * _depth + "]"


def dump(value: Any, out: IO[str], *, levels: int = 2) -> None:
    """Write ``value`` (see :func:`dumps`) and a newline to ``out``."""
    out.write(dumps(value, levels=levels) + "\n")
