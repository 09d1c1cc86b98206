"""Scenario files: TOML -> a :class:`Scenario` (configuration + steps), or FILE:LINE errors.

A scenario file is data (DESIGN.md, "habits for safety"): it is parsed with
``tomllib`` and nothing in it is evaluated. Its tables map onto the values the
rest of tlsstep already uses:

* top-level pair keys (``server_name``, ``client_cert``, ...) -> :class:`PairConfig` fields;
* ``[client]`` / ``[server]`` -> :class:`SideConfig` fields;
* each ``[[step]]`` -> :func:`tlsstep.steps.parse_step`, the one step parser.

Which keys exist is read from the dataclasses themselves, so a field added to
``PairConfig`` or ``SideConfig`` (certificate problems, say) becomes a scenario key
without a change here, provided its type is one TOML can spell (text, whole
number, true/false, a list of text, or a choice such as ``ClientCert``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import sys
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from tlsstep import limits
from tlsstep.bounded_read import FileProblem, read_file
from tlsstep.config import VERSIONS, PairConfig, SideConfig
from tlsstep.errors import ScenarioError
from tlsstep.frozen import frozen
from tlsstep.spelling import suggest
from tlsstep.steps import Step, StepError, parse_step

from .source import KeyLines, TooDeep, key_lines

# Keys of the file itself, beside the configuration keys read from PairConfig.
FILE_KEYS: Final = ("name", "description", "client", "server", "step")
# Fields a file cannot set: key material comes from the identity, not from scenario text.
UNSETTABLE: Final = frozenset({"credential", "trust_pem"})


@frozen
class Scenario:
    """One scenario file, parsed and checked."""

    path: str
    name: str
    description: str
    config: PairConfig
    steps: tuple[Step, ...]
    # Where each key was written, for reporting problems found while running.
    lines: KeyLines = field(default_factory=KeyLines, compare=False, repr=False)

    def line(self, *path: str | int) -> int | None:
        return self.lines.line(tuple(path))


# -- configuration keys, read from the dataclasses --------------------------------

Convert = Callable[[Any, str], Any]


def _text(value: Any, key: str) -> str:
    if isinstance(value, str):
        return value
    raise _Bad(f"{key} must be a string, not {limits.quote(value)}")


def _version(value: Any, key: str) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise _Bad(
            f'{key} must be a quoted string like "1.3", not the number {limits.quote(value)}'
        )
    text = _text(value, key)
    if text not in VERSIONS:
        raise _Bad(
            f"{key}: unknown TLS version {limits.quote(text)}; use one of {', '.join(VERSIONS)}"
        )
    return text


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _Bad(f"{key} must be true or false, not {limits.quote(value)}")


def _int(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Bad(f"{key} must be a whole number, not {limits.quote(value)}")


def _texts(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _Bad(
        f'{key} must be a list of strings like ["h2", "http/1.1"], not {limits.quote(value)}'
    )


def _choice(kind: type[enum.Enum]) -> Convert:
    names = [m.value for m in kind]

    def convert(value: Any, key: str) -> Any:
        if isinstance(value, str) and value in names:
            return kind(value)
        raise _Bad(
            f"{key} must be one of {', '.join(names)}, not {limits.quote(value)}{suggest(str(value), names)}"
        )

    return convert


class _Bad(Exception):
    """A value problem; the loader adds the file and line."""


def _converter(hint: Any) -> Convert | None:
    """How to read a field of type ``hint`` from TOML, or None when TOML cannot spell it."""
    if isinstance(hint, str):
        return _spelled(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        # ``CertProblem | str``: the choice validates, the plain string is for Python callers.
        choices = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
        if choices:
            return _choice(choices[0])
        if str in args:
            return _text
        return _converter(args[0]) if len(args) == 1 else None
    if hint is bool:
        return _bool
    if hint is int:
        return _int
    if hint is str:
        return _text
    if typing.get_origin(hint) is tuple and typing.get_args(hint) == (str, ...):
        return _texts
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _choice(hint)
    return None


def _spelled(annotation: str) -> Convert | None:
    """A converter from an annotation that names a type imported only for type checking."""
    parts = {p.strip() for p in annotation.split("|")} - {"None"}
    for name, convert in (("str", _text), ("int", _int), ("bool", _bool)):
        if name in parts:
            return convert
    return None


def _hints(cls: type) -> dict[str, Any]:
    """Field types of ``cls``; names imported only under TYPE_CHECKING stay strings."""
    try:
        return typing.get_type_hints(cls)
    except NameError:
        module = vars(sys.modules[cls.__module__])
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            try:
                out[f.name] = typing.get_type_hints(
                    type("_One", (), {"__annotations__": {f.name: f.type}}), module
                )[f.name]
            except NameError:
                out[f.name] = f.type
        return out


@functools.cache
def settable(cls: type) -> dict[str, Convert]:
    """The fields of ``cls`` a scenario may set, with their converters."""
    hints = _hints(cls)
    out: dict[str, Convert] = {}
    for f in dataclasses.fields(cls):
        if f.name in UNSETTABLE or f.name in FILE_KEYS:
            continue
        if f.name.endswith("_version"):
            convert: Convert | None = _version
        elif f.name.endswith("_cert_problem"):
            convert = _cert_problem  # CertProblem is imported only for type checking there
        else:
            convert = _converter(hints[f.name])
        if convert is not None:
            out[f.name] = _bounded(f.name, convert)
    return out


def _cert_problem(value: Any, key: str) -> Any:
    from tlsstep.cert_problems import CertProblem

    return _choice(CertProblem)(value, key)


def _bounded(name: str, convert: Convert) -> Convert:
    """``convert``, then the value checked against tlsstep.limits (the CLI's ranges)."""

    def checked(value: Any, key: str) -> Any:
        out = convert(value, key)
        if isinstance(out, int) and not isinstance(out, bool):
            problem = limits.range_problem(name, out, key)
        elif name == "alpn":
            problem = limits.alpn_problem(out, key)
        elif name == "server_name" and isinstance(out, str):
            from tlsstep.hostname import host_name_problem

            problem = host_name_problem(out)
            problem = f"{key}: {problem}" if problem else None
        else:
            problem = None
        if problem:
            raise _Bad(problem)
        return out

    return checked


# -- loading -----------------------------------------------------------------------

_TOML_LINE: Final = re.compile(r"\(at line (\d+), column \d+\)$")


def load(path: str | Path) -> Scenario:
    """Read and check one scenario file (a regular file of at most 4 MiB of UTF-8 TOML).

    Raises:
        ScenarioError: unreadable file, not text, bad TOML, unknown key, wrong type,
            unknown step or missing value; ``line`` (or ``offset``) says where.
    """
    name = str(path)
    try:
        raw = read_file(path, limit=limits.MAX_SCENARIO_BYTES, what="a scenario")
    except FileProblem as exc:
        raise ScenarioError(exc.reason, path=name) from None
    return loads(decode_source(raw, name), path=name)


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_source(raw: bytes, path: str) -> str:
    """A scenario file's bytes as text, or where they stop being UTF-8 text.

    Raises:
        ScenarioError: UTF-16, binary data or bytes that are not UTF-8, at ``FILE:@OFFSET``.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(
            "UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8",
            path=path,
            offset=0,
        )
    nul = raw.find(b"\0")
    if nul >= 0:
        raise ScenarioError(
            f"binary data, not TOML text: a NUL byte on line {_line_of(raw, nul)}",
            path=path,
            offset=nul,
        )
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {_line_of(raw, exc.start)}",
            path=path,
            offset=exc.start,
        ) from None


# Where tomllib's recursion gave up: the first long run of opening brackets.
_DEEP: Final = re.compile(rf"[\[{{](?:[ \t]*[\[{{]){{{limits.MAX_TOML_DEPTH}}}")


def loads(source: str, *, path: str = "<scenario>") -> Scenario:
    """Parse scenario ``source`` (the text of a file called ``path``).

    Raises:
        ScenarioError: as :func:`load`.
    """
    if not source.strip():
        raise ScenarioError(
            'empty file: a scenario needs at least one [[step]] table, e.g. [[step]] then op = "handshake"',
            path=path,
            line=1,
        )
    try:
        # First: tomllib's work grows with the square of a dotted key's depth.
        lines = key_lines(source, max_depth=limits.MAX_TOML_DEPTH)
    except TooDeep as exc:
        raise _too_deep(path, exc.line) from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_LINE.search(message)
        line = int(match.group(1)) if match else None
        message = _TOML_LINE.sub("", message).strip()
        raise ScenarioError(
            f"not valid TOML: {quote_toml(message)}", path=path, line=line
        ) from None
    except RecursionError:
        deep = _DEEP.search(source)
        raise _too_deep(path, source.count("\n", 0, deep.start()) + 1 if deep else None) from None
    return _Loader(path, lines, end_line=max(1, len(source.splitlines()))).scenario(data)


def quote_toml(message: str) -> str:
    """tomllib's message, cut short: it may quote the bad text."""
    return message if len(message) <= 200 else message[:200] + "…"


def _too_deep(path: str, line: int | None) -> ScenarioError:
    return ScenarioError(
        f"nested too deeply: a scenario nests tables and lists at most "
        f"{limits.MAX_TOML_DEPTH} levels deep",
        path=path,
        line=line,
    )


@dataclass(slots=True)
class _Loader:
    path: str
    lines: KeyLines
    end_line: int | None = None  # where a missing [[step]] would go

    def error(self, message: str, *where: str | int) -> ScenarioError:
        return ScenarioError(message, path=self.path, line=self.lines.line(where))

    def scenario(self, data: Mapping[str, Any]) -> Scenario:
        pair = self.settings(
            data, settable(PairConfig), unknown="unknown key", listed="a scenario has"
        )
        name = data.get("name", Path(self.path).stem)
        description = data.get("description", "")
        for key, value in (("name", name), ("description", description)):
            if not isinstance(value, str):
                raise self.error(f"{key} must be a string, not {limits.quote(value)}", key)
        for side in ("client", "server"):
            pair[side] = self.side(side, data.get(side, {}))
        self.check_remote(pair["client"], pair["server"])
        steps = self.steps(data.get("step"))
        return Scenario(
            path=self.path,
            name=name,
            description=description.strip(),
            config=PairConfig(**pair),
            steps=steps,
            lines=self.lines,
        )

    def check_remote(self, client: SideConfig, server: SideConfig) -> None:
        """Only the server can be remote; its ``remote_ca`` file is read now (once more
        when the scenario runs), so a bad one is reported at its line."""
        for key in ("remote", "remote_ca"):
            if getattr(client, key) is not None:
                raise self.error(
                    f"client.{key}: only the server can be remote in a scenario "
                    f"(write it under [server])",
                    "client",
                    key,
                )
        if server.remote_ca is None:
            return
        if server.remote is None:
            raise self.error(
                'server.remote_ca: it says whom to trust for a real server; add remote = "HOST:PORT"',
                "server",
                "remote_ca",
            )
        from tlsstep.errors import TlsstepError
        from tlsstep.net.trust import SYSTEM_TRUST, ca_path, read_ca_file

        if server.remote_ca == SYSTEM_TRUST:
            return

        try:
            read_ca_file(ca_path(self.path, server.remote_ca))
        except TlsstepError as exc:
            raise self.error(
                f"server.remote_ca: {exc} (a PEM file, relative to the scenario file, "
                f'or "{SYSTEM_TRUST}" for the system trust store)',
                "server",
                "remote_ca",
            ) from None

    def convert(self, convert: Convert, value: Any, *where: str | int) -> Any:
        try:
            return convert(value, ".".join(str(w) for w in where))
        except _Bad as exc:
            raise self.error(str(exc), *where) from None

    def side(self, side: str, table: Any) -> SideConfig:
        if not isinstance(table, Mapping):
            raise self.error(f"{side} must be a table ([{side}]), not {limits.quote(table)}", side)
        values = self.settings(
            table, settable(SideConfig), side, unknown=f"[{side}] has no key", listed="it takes"
        )
        return SideConfig(**values)

    def settings(
        self,
        table: Mapping[str, Any],
        keys: Mapping[str, Convert],
        *where: str,
        unknown: str,
        listed: str,
    ) -> dict[str, Any]:
        """Converted values of ``table``'s configuration keys; the file's own keys pass at top."""
        allowed = [*keys] if where else [*FILE_KEYS, *keys]
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in allowed:
                raise self.error(
                    f"{unknown} {limits.quote(key)}{suggest(key, allowed)}; {listed} {', '.join(allowed)}",
                    *where,
                    key,
                )
            if key in keys:
                values[key] = self.convert(keys[key], value, *where, key)
        return values

    def steps(self, tables: Any) -> tuple[Step, ...]:
        if tables is None:
            raise ScenarioError(
                'no steps: add [[step]] tables, e.g. [[step]] then op = "handshake"',
                path=self.path,
                line=self.end_line,
            )
        if not isinstance(tables, list):
            raise self.error("step must be written as [[step]] tables", "step")
        out: list[Step] = []
        for index, table in enumerate(tables):
            if not isinstance(table, Mapping):
                raise self.error("each step must be a table with op = ...", "step", index)
            try:
                out.append(parse_step(table, line=self.lines.line(("step", index))))
            except StepError as exc:
                where = (exc.key or "").split(".") if exc.key else []
                raise self.error(
                    f"step {index + 1}: {exc.message}", "step", index, *where
                ) from None
        return tuple(out)


def find_files(paths: list[str]) -> list[Path]:
    """The scenario files named by ``paths``: files as given, directories' ``*.toml`` sorted."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(path.glob("*.toml")))
        else:
            out.append(path)
    return out
