"""Observers that follow a run with the state tracker (no rich: ``--json --states`` uses them).

:class:`StateWatch` feeds every operation's entries to one
:class:`~tlsstep.states.Tracker` and keeps what the last operation and the last step
did to both sides' machines; :class:`StepStates` adds the JSON-ready list of both
sides' states after each single operation (``step_states`` in ``--json --states``).
"""

from __future__ import annotations

from typing import Any

from tlsstep.events import Side
from tlsstep.session import Observer, Operation, Session, StepOutcome
from tlsstep.states.machine import Move
from tlsstep.states.tracker import SideState, Tracker, moves_json, states_json
from tlsstep.steps import Step, step_line

Moves = list[tuple[Side, Move]]


class StateWatch(Observer):
    """Both sides' states after every operation, and the moves that led there."""

    def __init__(self) -> None:
        self.tracker = Tracker()
        self.moves: Moves = []  # made by the last operation
        self.step_moves: Moves = []  # made by the last whole step
        self._pending: Moves = []
        self.snapshot: dict[Side, SideState] | None = None
        self._taken: tuple[int, int] | None = None  # (pair, its events) at the snapshot

    def operation(self, session: Session, done: Operation) -> None:
        self.moves = list(self.tracker.follow(done.entries))
        self._pending += self.moves
        self._snap(session, fresh=True)  # the machines moved

    def step(self, session: Session, outcome: StepOutcome) -> None:
        self.step_moves, self._pending = self._pending, []
        self._snap(session)

    def now(self, session: Session) -> dict[Side, SideState]:
        """Both sides' states now."""
        return self._snap(session)

    def _snap(self, session: Session, *, fresh: bool = False) -> dict[Side, SideState]:
        # A snapshot reads the machines (moved only in operation) and the pair's facts
        # (changed only by calls, each of which logs an event): with no new event since
        # the last one it is the same, and the shell asks three times a command.
        pair = session.pair
        taken = (id(pair), len(pair.events))
        if fresh or self.snapshot is None or taken != self._taken:
            self.snapshot, self._taken = self.tracker.snapshot(pair), taken
        return self.snapshot

    @property
    def version(self) -> str | None:
        """The protocol version the machines saw chosen, as text (for notes)."""
        version = self.tracker.version
        return version.label if version else None


class StepStates(StateWatch):
    """Also keeps ``{"step", "line", "states"}`` after every single operation.

    What each operation left is kept as the values it is (states are frozen), and made
    JSON only when :attr:`log` is read: a text shell or ``--states`` run reads it at
    most once, at the end, and building it per operation was most of a shell
    command's own time (issue 14).
    """

    def __init__(self) -> None:
        super().__init__()
        self._kept: list[tuple[int, Step, int, int | None, dict[Side, SideState], Moves]] = []
        self._log: list[dict[str, Any]] = []

    def operation(self, session: Session, done: Operation) -> None:
        super().operation(session, done)
        assert self.snapshot is not None
        last = done.entries[-1].event if done.entries else None
        self._kept.append(
            (
                done.index,
                done.step,
                # The operation's last event: a whole handshake's turns share a step.
                last.connection if last else session.current.number,
                last.index if last else None,
                self.snapshot,
                self.moves,
            )
        )

    @property
    def log(self) -> list[dict[str, Any]]:
        """Each operation's ``{"step", "line", "connection", "event", "states",
        "transitions"}``, in order."""
        for index, step, connection, event, snapshot, moves in self._kept[len(self._log) :]:
            self._log.append(
                {
                    "step": index,
                    "line": step_line(step),
                    "connection": connection,
                    "event": event,
                    "states": states_json(snapshot),
                    "transitions": moves_json(moves),
                }
            )
        return self._log
