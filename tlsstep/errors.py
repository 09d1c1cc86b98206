"""Errors that carry fields, under one base class (STYLE.md rule 8).

OpenSSL's own exceptions never travel up as exceptions: the pair turns them into
:class:`tlsstep.events.SSLErrorInfo` values. These classes are for tlsstep's own
inputs (scenario files, options, captures).
"""

from __future__ import annotations


class TlsstepError(Exception):
    """Base class of every error tlsstep raises on purpose."""


class UsageProblem(TlsstepError):
    """The caller asked for something impossible (bad side, bad offset, no such record)."""


class StepError(TlsstepError):
    """A step (or its ``expect``) that cannot be understood; ``key`` names the part at fault."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


class DecodeError(TlsstepError):
    """Bytes could not be decoded; ``offset`` says where."""

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(f"{message} (at byte offset {offset})")
        self.message = message
        self.offset = offset


class ScenarioError(TlsstepError):
    """A scenario file is invalid; ``path`` and ``line`` say where, or ``offset`` (a byte
    offset, written ``FILE:@OFFSET:``) where the file is not text at all."""

    def __init__(
        self, message: str, *, path: str, line: int | None = None, offset: int | None = None
    ) -> None:
        if line is not None:
            where = f"{path}:{line}"
        elif offset is not None:
            where = f"{path}:@{offset}"
        else:
            where = path
        super().__init__(f"{where}: {message}")
        self.message = message
        self.path = path
        self.line = line
        self.offset = offset
