"""Writing a scenario file: the encoder beside :mod:`tlsstep.scenario.load` (STYLE.md rule 6).

``dump(config, steps)`` gives TOML that :func:`~tlsstep.scenario.load.loads` reads
back as the same configuration and steps (expectations included). Steps are
encoded by :func:`tlsstep.steps.step_table`, the parser's own encoder. Only what
differs from the defaults is written, so a saved file shows what is special about
the run. The standard library reads TOML but cannot write it; the few value kinds
a scenario holds (text, numbers, booleans, lists, small tables) are written here.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any

from tlsstep.config import PairConfig, SideConfig
from tlsstep.steps import Step, step_table

from .load import settable

# An expect table this short stays on its step's lines as an inline table.
INLINE_WIDTH = 88


def _key(name: str) -> str:
    bare = name and all(c.isalnum() or c in "_-" for c in name)
    return name if bare else json.dumps(name)


def value(v: Any) -> str:
    """One TOML value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, enum.Enum):
        return value(v.value)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(v), repr(v))
    if isinstance(v, str):
        # JSON string escapes are valid TOML basic-string escapes, except that
        # JSON may write \u escapes for characters TOML also accepts that way.
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} as TOML")


def _changed(config: Any, cls: type) -> dict[str, Any]:
    """Fields of ``config`` a scenario can set that differ from ``cls()``'s."""
    default = cls()
    keys = settable(cls)
    return {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(cls)
        if f.name in keys and getattr(config, f.name) != getattr(default, f.name)
    }


def _multiline(text: str) -> str:
    if "\n" not in text:
        return value(text)
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return '"""\n' + body + '\n"""'


def dump(
    config: PairConfig,
    steps: Iterable[Step],
    *,
    name: str,
    description: str = "",
    comments: Iterable[str] = (),
) -> str:
    """The text of a scenario file for ``config`` and ``steps``.

    ``comments`` become ``#`` lines under the description (what was not saved, and why).
    """
    lines = [f"name = {value(name)}", f"description = {_multiline(description)}"]
    lines += [f"# {c}" for c in comments]
    skipped = [
        f"{where}.{f}"
        for where, cfg in (("client", config.client), ("server", config.server))
        for f in ("credential",)
        if getattr(cfg, f) is not None
    ] + (["trust_pem"] if config.trust_pem is not None else [])
    if skipped:
        lines.append("# Not saved (scenario files hold no key material): " + ", ".join(skipped))
    for key, v in _changed(config, PairConfig).items():
        if key not in ("client", "server"):
            lines.append(f"{key} = {value(v)}")
    for side in ("client", "server"):
        changed = _changed(getattr(config, side), SideConfig)
        if changed:
            lines += ["", f"[{side}]"] + [f"{k} = {value(v)}" for k, v in changed.items()]
    for step in steps:
        lines += ["", "[[step]]"]
        table = step_table(step)
        expect = table.pop("expect", None)
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
        if expect is None:
            continue
        inline = f"expect = {value(expect)}"
        if len(inline) <= INLINE_WIDTH and not any(isinstance(v, Mapping) for v in expect.values()):
            lines.append(inline)
            continue
        top = {k: v for k, v in expect.items() if not isinstance(v, Mapping)}
        if top:
            lines += ["[step.expect]"] + [f"{k} = {value(v)}" for k, v in top.items()]
        for side, sub in expect.items():
            if isinstance(sub, Mapping):
                lines += [f"[step.expect.{side}]"] + [f"{k} = {value(v)}" for k, v in sub.items()]
    return "\n".join(lines) + "\n"
