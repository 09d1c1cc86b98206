"""A JSON Schema of tlsstep's as a short outline for people: README's schema sections.

The schema files are the truth; README shows this outline of them (written by
``tools/readme_schemas.py``, checked by a test), so the documentation cannot drift from
what the tests validate the real output against. Notation: ``"key"?`` may be absent,
``A | B`` either, ``[T]`` a list of T, ``{string: T}`` a map, ``# ...`` what the key above
or to the left means, and a name (``event``) a shape defined below the document.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Final

from tlsstep.schemas import PREFIX, load

WIDTH: Final = 100
INDENT: Final = "  "
_SCALARS: Final = {"integer": "int", "boolean": "bool", "string": "string", "null": "null"}


class _Outline:
    def __init__(self, name: str) -> None:
        self.name = name
        self.root = load(name)
        self.defs: dict[str, Any] = self.root.get("$defs", {})
        self.named: list[str] = []  # defs shown below the document, in first-use order

    def ref(self, target: str, depth: int) -> str:
        where, _, pointer = target.partition("#")
        key = pointer.rsplit("/", 1)[1] if pointer else ""
        if where and where != self.root["$id"]:
            other = where.removeprefix(PREFIX)
            theirs = load(other).get("$defs", {}).get(key, {})
            if key and "title" not in theirs and "$ref" not in json.dumps(theirs):
                return self.shape(theirs, depth)  # a small shape (side): shown as is
            return f"{other}.{key}" if key else other
        schema = self.defs[key]
        if "title" not in schema:
            return self.shape(schema, depth)
        if key not in self.named:
            self.named.append(key)
        return str(schema["title"])

    def shape(self, schema: Any, depth: int) -> str:
        """``schema`` as text at ``depth`` (inline when it fits and explains nothing)."""
        if schema is True or schema == {} or set(schema) <= {"description"}:
            return "any"
        if "$ref" in schema:
            base = self.ref(schema["$ref"], depth)
            extra = {k: v for k, v in schema.items() if k in ("properties", "required")}
            if extra.get("properties"):
                return f"{base} + " + self.shape({"type": "object", **extra}, depth)
            return base
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return " | ".join(self.shape(s, depth) for s in schema[key])
        if "const" in schema:
            return json.dumps(schema["const"])
        if "enum" in schema:
            return " | ".join(json.dumps(v) for v in schema["enum"])
        kinds = schema.get("type", "object")
        if isinstance(kinds, list):
            return " | ".join(self.shape({**schema, "type": k}, depth) for k in kinds)
        if kinds == "array":
            if "prefixItems" in schema:
                return "[" + ", ".join(self.shape(s, depth) for s in schema["prefixItems"]) + "]"
            return "[" + self.shape(schema.get("items", {}), depth) + "]"
        if kinds == "object":
            return self.object(schema, depth)
        return _SCALARS.get(kinds, str(kinds))

    def object(self, schema: dict[str, Any], depth: int) -> str:
        props: dict[str, Any] = schema.get("properties", {})
        if not props:
            values = schema.get("additionalProperties")
            return "{string: " + self.shape(values, depth) + "}" if values else "{...}"
        required = set(schema.get("required", ()))
        members = [
            (f"{json.dumps(k)}{'' if k in required else '?'}: ", v) for k, v in props.items()
        ]
        inline = "{" + ", ".join(key + self.shape(v, depth + 1) for key, v in members) + "}"
        explained = any("description" in v for v in props.values())
        if not explained and len(inline) + len(INDENT) * depth <= WIDTH - 16:
            return inline
        pad = INDENT * (depth + 1)
        lines = ["{"]
        for i, (key, v) in enumerate(members):
            line = pad + key + self.shape(v, depth + 1) + ("," if i < len(members) - 1 else "")
            lines.extend(_with_comment(line, v.get("description"), pad))
        lines.append(INDENT * depth + "}")
        return "\n".join(lines)

    def text(self) -> str:
        out = [f"# {self.root['title']}: {self.root['description']}"]
        out = _wrap(out[0], "", "# ")
        out.append(self.shape(self.root, 0))
        shown = 0
        while shown < len(self.named):  # a def may name further defs
            key = self.named[shown]
            shown += 1
            schema = self.defs[key]
            out.append("")
            if "description" in schema:
                out.extend(_wrap(f"# {schema['description']}", "", "# "))
            body = {k: v for k, v in schema.items() if k not in ("title", "description")}
            out.append(f"{schema['title']} = " + self.shape(body, 0))
        return "\n".join(out)


def _wrap(text: str, pad: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad + rest)


def _wrap_choices(line: str, pad: str) -> str:
    """``line`` broken after a `` |`` wherever it would pass :data:`WIDTH`."""
    parts = line.split(" | ")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + len(part) + 3 > WIDTH:
            lines[-1] += " |"
            lines.append(pad + part)
        else:
            lines[-1] += " | " + part
    return "\n".join(lines)


def _with_comment(line: str, comment: str | None, pad: str) -> list[str]:
    if "\n" not in line and len(line) > WIDTH and " | " in line:  # a long choice: wrapped
        line = _wrap_choices(line, pad + INDENT * 2)
    if not comment:
        return [line]
    if "\n" not in line and len(line) + len(comment) + 4 <= WIDTH:
        return [f"{line}  # {comment}"]
    return [*_wrap(f"# {comment}", pad, "# "), line]


def outline(name: str) -> str:
    """The schema ``name`` (see :data:`tlsstep.schemas.NAMES`) as README shows it."""
    return _Outline(name).text()
