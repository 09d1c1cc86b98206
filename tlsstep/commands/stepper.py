"""``tlsstep handshake --states/--explain/--step``: print each operation as the driver runs it.

An observer of the session (it drives nothing): after every single operation it
prints what happened with both sides' states; with ``--step`` it pauses before the
next operation, so the pause can say what comes next (``next: deliver server``).
Enter goes on, ``c`` runs to the end without pausing, ``q`` halts the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from tlsstep.notes import for_event, for_record
from tlsstep.session import Operation, Session
from tlsstep.state_watch import StepStates
from tlsstep.steps import Step, step_line

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

PAUSE_PROMPT: Final = "[Enter] next · c: run to the end · q: quit > "


class Stepper(StepStates):
    """Prints each operation with both sides' states; pauses between them if asked."""

    def __init__(
        self,
        console: Console,
        *,
        pause: bool = False,
        explain: bool = False,
        full_data: bool = False,
        ask: Callable[[str], str] = input,
    ) -> None:
        super().__init__()
        self.full_data = full_data  # application data in full, not a 64-byte preview
        self.console = console
        self.pause = pause
        self.explain = explain
        self.ask = ask
        self.seen: set[str] = set()  # each note once per run
        self._shown: list[RenderableType] | None = None  # the last operation, not yet paused on

    def operation(self, session: Session, done: Operation) -> None:
        from rich.console import Group

        from tlsstep.render.states_view import moves_summary, moves_view, states_line

        super().operation(session, done)
        assert self.snapshot is not None
        parts = self._parts(done)
        if not self.pause:
            self.console.print(Group(*parts, moves_summary(self.moves), states_line(self.snapshot)))
            return
        self._shown = [*parts, moves_view(self.moves)]

    def before(self, session: Session, step: Step) -> None:
        if self._shown is not None and self.pause:
            self._pause(session, step)

    def finish(self, session: Session) -> None:
        """The run is over: show the last pause, with nothing next."""
        if self._shown is not None and self.pause and not session.halted:
            self._pause(session, None)

    def _pause(self, session: Session, upcoming: Step | None) -> None:
        from tlsstep.render.states_view import pause_view

        assert self._shown is not None and self.snapshot is not None
        line = step_line(upcoming) if upcoming is not None else None
        self.console.print(pause_view(self._shown, self.snapshot, line))
        self._shown = None
        if upcoming is None:
            return
        try:
            answer = self.ask(PAUSE_PROMPT).strip().lower()
        except EOFError:
            answer = "q"
        if answer.startswith("q"):
            session.halt()
        elif answer.startswith("c"):
            self.pause = False

    def _parts(self, done: Operation) -> list[RenderableType]:
        from rich.text import Text

        from tlsstep.render.states_view import notes_view
        from tlsstep.render.terminal import entry_lines

        parts: list[RenderableType] = []
        version = self.version
        for entry in done.entries:
            parts.extend(entry_lines(entry, full_data=self.full_data))
            if self.explain:
                notes = [n for r in entry.records for n in for_record(r, version, self.seen)]
                parts.append(notes_view(notes + for_event(entry.event, version, self.seen)))
        if done.problem:
            parts.append(Text(f"error: {done.problem}", style="tlsstep.error"))
        return parts
