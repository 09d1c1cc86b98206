"""What running a step made: values every view reads (no session, no pair in here).

:class:`Entry` is one pair event with the records it carried; :class:`StepOutcome`
one step with its entries and why it could not go on; :class:`Operation` one single
operation of the driver (``Session.run``), as observers are told of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tlsstep.decode import RecordView
from tlsstep.events import Event, Result, Side, SSLErrorInfo, Wait
from tlsstep.frozen import frozen
from tlsstep.steps import Step


@frozen
class Entry:
    """One pair event, with the records it carried when bytes crossed.

    ``records`` is decoded when first read (:class:`tlsstep.decode.Delivered`): a run
    whose checks and views never look inside what crossed never decrypts it.
    """

    event: Event
    records: Sequence[RecordView] = ()
    step: int = 0  # index of the step that caused it


@frozen
class StepOutcome:
    """What one step did: its entries, and why it could not go on if it could not.

    ``problem``: the step could not be done at all (a bad offset, a side that cannot
    do that): a local error, the caller's. ``stalled``: a whole handshake in which
    neither side can go on; who waits for what.
    """

    step: Step
    index: int
    entries: tuple[Entry, ...]
    problem: str | None = None
    stalled: tuple[Wait, ...] = ()

    @property
    def result(self) -> Result | None:
        """The result of the step's first failed call, else its last call (deliveries aside)."""
        if self.stalled:
            return Result.stalled
        calls = [e.event for e in self.entries if e.event.op.is_call]
        if not calls:
            return Result.error if self.problem else Result.done
        failed = [c for c in calls if c.result is Result.error]
        return failed[0].result if failed else calls[-1].result

    @property
    def failed(self) -> bool:
        """The step could not be done, or an SSLObject call in it failed."""
        return bool(self.problem) or any(e.event.error for e in self.entries)

    @property
    def error(self) -> SSLErrorInfo | None:
        """The first OpenSSL error of the step, as a value."""
        return next((e.event.error for e in self.entries if e.event.error), None)

    @property
    def failed_side(self) -> Side | None:
        return next((e.event.side for e in self.entries if e.event.error), None)


@frozen
class Operation:
    """One single operation the driver ran: a step of a plan, or a turn of a whole handshake.

    ``index`` is the step it belongs to (a whole handshake's turns share one);
    ``problem`` says why it could not be done at all.
    """

    step: Step
    index: int
    entries: tuple[Entry, ...]
    problem: str | None = None
