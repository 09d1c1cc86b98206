"""One side's place in the handshake, moved only by messages.

Theory of operation
-------------------
A :class:`Machine` follows one side. Its only inputs are handshake messages that
side has *sent* or *received*, by name (``"ServerHello"``), plus
``"ChangeCipherSpec"`` (a record, not a handshake message, but it is a step of the
TLS 1.2 flow). Every allowed move is one row of :data:`~tlsstep.states.table.TRANSITIONS`;
a message with no row is kept as a *problem* (RFC 8446 §6.2 would answer it with
unexpected_message) and the state does not move.

Until a ServerHello says which version was chosen, a machine uses the TLS 1.3 table
(the client offers 1.3 first). When the version turns out to be TLS 1.2 it replays
what it has seen through the TLS 1.2 table, so early states get their TLS 1.2 names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.states.table import (
    _STICKY,
    CCS,
    Direction,
    State,
    Transition,
    transitions,
)
from tlsstep.wire.enums import ProtocolVersion


@frozen
class Input:
    """A message a side sent or received, with tags the guards read."""

    direction: Direction
    message: str
    tags: frozenset[str] = frozenset()
    version: ProtocolVersion | None = None  # a ServerHello / HelloRetryRequest names the version


@frozen
class Move:
    """What one input did: the row taken, or why none was."""

    input: Input
    source: State
    target: State
    transition: Transition | None = None
    problem: str | None = None


class Machine:
    """One side's handshake state, moved only by messages (h11-style, one table)."""

    def __init__(self, role: Side, version: ProtocolVersion | None = None) -> None:
        self.role = role
        self.version = version
        self.state = State.START
        self.moves: list[Move] = []
        # Tags that hold for the rest of the handshake once seen (PSK from ServerHello).
        self.flags: set[str] = set()

    @property
    def table_version(self) -> ProtocolVersion:
        return self.version or ProtocolVersion.tls13

    def feed(
        self,
        direction: Direction | str,
        message: str,
        tags: Iterable[str] = (),
        version: ProtocolVersion | None = None,
    ) -> Move:
        """Move on one message; an input with no row leaves the state and says why."""
        item = Input(
            direction=Direction(direction), message=message, tags=frozenset(tags), version=version
        )
        if version is not None and version is not self.version:
            self._switch(version)
        move = self._step(item)
        self.moves.append(move)
        return move

    def _switch(self, version: ProtocolVersion) -> None:
        # The table was a guess until now: replay what was seen through the right one.
        seen = [m.input for m in self.moves]
        self.version, self.state, self.moves = version, State.START, []
        self.flags = set()
        for item in seen:
            self.moves.append(self._step(item))

    def _step(self, item: Input) -> Move:
        source = self.state
        self.flags |= item.tags & _STICKY
        if item.message == CCS and self.table_version is ProtocolVersion.tls13:
            # RFC 8446 Appendix D.4: a TLS 1.3 ChangeCipherSpec is only for middleboxes.
            return Move(input=item, source=source, target=source)
        for row in transitions(self.table_version, self.role):
            if (
                row.source is source
                and row.direction is item.direction
                and row.message == item.message
                and (row.when is None or row.when in item.tags or row.when in self.flags)
            ):
                self.state = row.target
                return Move(input=item, source=source, target=row.target, transition=row)
        problem = (
            f"{self.role} {item.direction} {item.message} in {source}: no such step in "
            f"{self.table_version.label}'s flow (a peer answers unexpected_message, RFC 8446 §6.2)"
        )
        return Move(input=item, source=source, target=source, problem=problem)

    def run(
        self, inputs: Iterable[tuple[str, str] | tuple[str, str, Iterable[str]]]
    ) -> list[State]:
        """Feed ``(direction, message[, tags])`` items; the state after each."""
        out: list[State] = []
        for item in inputs:
            tags: list[str] = list(item[2]) if len(item) == 3 else []
            version = _version_tag(tags)
            self.feed(item[0], item[1], [t for t in tags if t not in _VERSION_TAGS], version)
            out.append(self.state)
        return out


_VERSION_TAGS: Final = {"tls12": ProtocolVersion.tls12, "tls13": ProtocolVersion.tls13}


def _version_tag(tags: Iterable[str]) -> ProtocolVersion | None:
    for tag in tags:
        if tag in _VERSION_TAGS:
            return _VERSION_TAGS[tag]
    return None
