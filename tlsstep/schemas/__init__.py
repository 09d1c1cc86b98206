"""JSON Schemas of every ``--json`` output, shipped in the package (issue 16 item 17).

One file per output (``handshake.schema.json`` ...), JSON Schema 2020-12. The tests
validate real output of many runs against them, and README's schema sections are their
outline (:mod:`tlsstep.schemas.outline`), so the three cannot disagree. Schemas refer to
each other by ``$id`` (``urn:tlsstep:schema:NAME``): give a validator all of them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Final

PREFIX: Final = "urn:tlsstep:schema:"

# name -> the output it describes, in the order README and `tlsstep schema` list them.
NAMES: Final[dict[str, str]] = {
    "handshake": "tlsstep handshake --json",
    "connect": "tlsstep connect --json",
    "serve": "tlsstep serve --json, one line",
    "decode": "tlsstep decode --json",
    "decode-line": "tlsstep decode --jsonl, one line",
    "replay": "tlsstep replay --json",
    "shell-line": "tlsstep shell --json, one line",
    "cache": "tlsstep cache list --json",
}


def text(name: str) -> str:
    """The schema file ``name`` as shipped."""
    if name not in NAMES:
        raise KeyError(name)
    return resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")


def load(name: str) -> dict[str, Any]:
    """The schema ``name``, parsed."""
    schema: dict[str, Any] = json.loads(text(name))
    return schema


def load_all() -> dict[str, dict[str, Any]]:
    """Every schema by name, for a validator's registry (they refer to each other)."""
    return {name: load(name) for name in NAMES}
