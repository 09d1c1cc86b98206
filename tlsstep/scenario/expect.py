"""Checking a step's ``expect`` table against what really happened.

The checks themselves - their names, the side each is about, how the file's value
is read, where the actual value comes from and when it passes - are one table,
:data:`tlsstep.checks.CHECKS`. This module is the runner's half: :class:`Actual`
reads one step's run (actual values come from the session, never from text) and
:func:`check` compares each check of the step's ``expect`` with it.

Where the values come from:

* the step's SSLObject calls (``Event.result`` and ``SSLErrorInfo``) for ``result``
  and the errors; a step that could not be done at all (an offset outside the
  queue) has result ``error``, error ``UsageProblem`` and the problem as its reason;
* alerts: the alert records that crossed on the current connection
  (``RecordView.alert``: plaintext, or decrypted once keys are known) and the alert
  OpenSSL names in an error (``SSLErrorInfo.alert_received``; the peer's received
  alert is this side's sent one);
* ``facts(side)`` now, for version, cipher, ALPN, resumption and the peer's subject;
* the decoder's sent messages of the current connection, this step's reads and
  deliveries, and ``Pair.closed``.

Sent messages and alerts are taken from each side's own OpenSSL reports instead of
decoding what crossed wherever the connection shows that both are the same
(:mod:`tlsstep.scenario.reported`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from tlsstep.checks import BY_NAME, planned
from tlsstep.events import Event, Result, Side, SideFacts, SSLErrorInfo
from tlsstep.session import Connection, Session, StepOutcome
from tlsstep.steps import Step

from .reported import reported
from .result import Mismatch


def step_side(step: Step) -> Side | None:
    """The side a step's top-level checks are about, or None for whole-pair steps."""
    return step.checked_side()


class Actual:
    """One step's run as the checks read it (a :class:`tlsstep.checks.Observed`),
    computed lazily (facts are not free)."""

    def __init__(self, session: Session, outcome: StepOutcome, *, reports: bool = True) -> None:
        """``reports``: take sent messages and alerts from OpenSSL's reports where they
        equal what crossed (:mod:`.reported`); False where the records will be decoded
        anyway (a view shows them), so that the reports are not read as well."""
        self.session = session
        self.outcome = outcome
        self._facts: dict[Side, SideFacts] = {}
        self._reports = reports

    def facts(self, side: Side) -> SideFacts:
        if side not in self._facts:
            self._facts[side] = self.session.facts(side)
        return self._facts[side]

    def calls(self, side: Side | None) -> list[Event]:
        return [
            e.event
            for e in self.outcome.entries
            if e.event.op.is_call and (side is None or e.event.side is side)
        ]

    def error(self, side: Side | None) -> SSLErrorInfo | None:
        return next((c.error for c in self.calls(side) if c.error is not None), None)

    def failure(self, side: Side | None) -> tuple[str, str, str] | None:
        if side is None and self.outcome.problem:
            return ("UsageProblem", self.outcome.problem, "")
        error = self.error(side)
        if error is None:
            return None
        return (error.exception, error.reason or "", error.verify_message or "")

    def result(self, side: Side | None) -> str | None:
        if side is None:
            result = self.outcome.result
            return str(result) if result is not None else None
        calls = self.calls(side)
        if not calls:
            return None
        failed = [c for c in calls if c.result is Result.error]
        return str(failed[0].result if failed else calls[-1].result)

    def alerts(self, side: Side, *, sent: bool) -> list[str]:
        """Alerts ``side`` sent (or received) on the current connection so far.

        The shell and ``--save`` ask this after every step: entries already scanned are
        not scanned again (issue 14: a rescan per step made 3,000 steps quadratic).
        """
        sender = side if sent else side.peer
        found = reported(self.session.current) if self._reports else None
        if found is not None:  # what crossed, from OpenSSL's reports: no record opened
            return list(found.alerts[sender])
        return list(_alert_index(self.session.current).names[sender])

    def sent_messages(self, side: Side) -> tuple[str, ...]:
        found = reported(self.session.current) if self._reports else None
        if found is not None:
            return tuple(found.sent[side])
        return tuple(self.session.sent_messages(side))

    def records(self) -> int:
        return sum(len(e.records) for e in self.outcome.entries)

    def closed(self, side: Side) -> bool:
        return self.session.pair.closed[side]

    def read_data(self, side: Side) -> bytes | None:
        reads = [c.data for c in self.calls(side) if c.data is not None]
        return b"".join(reads) if reads else None

    def value(self, name: str, side: Side | None) -> Any:
        """The actual value of check ``name`` about ``side`` (None: the step as a whole)."""
        return BY_NAME[name].actual(self, side)


def check(session: Session, outcome: StepOutcome, *, reports: bool = True) -> list[Mismatch]:
    """Every check of ``outcome.step``'s ``expect`` that does not hold (``reports``: see
    :class:`Actual`)."""
    step = outcome.step
    actual = Actual(session, outcome, reports=reports)
    out: list[Mismatch] = []
    for each in planned(step.expect, step.checked_side()):
        value = each.check.actual(actual, each.side)
        if not each.check.matches(each.expected, value):
            out.append(
                Mismatch(
                    step=outcome.index,
                    line=step.line,
                    check=f"expect.{each.path}",
                    expected=each.expected,
                    actual=value,
                )
            )
    if outcome.problem and not any(k == "result" for k, _ in step.expect):
        # A step that could not be done at all fails the scenario unless it was expected.
        out.append(
            Mismatch(
                step=outcome.index,
                line=step.line,
                check="step",
                expected="the step to run",
                actual=outcome.problem,
            )
        )
    return out


@dataclass(slots=True)
class _AlertIndex:
    """The alerts each side sent on one connection, from its first ``scanned`` entries."""

    scanned: int = 0
    names: dict[Side, dict[str, None]] = field(default_factory=lambda: {s: {} for s in Side})


# Each connection's index, kept as long as the connection: sessions that alternate (two
# shells, a replay's scenarios) must not evict each other's and rescan (issue 14).
_index: weakref.WeakKeyDictionary[Connection, _AlertIndex] = weakref.WeakKeyDictionary()


def _alert_index(connection: Connection) -> _AlertIndex:
    index = _index.get(connection)
    if index is None:
        index = _index[connection] = _AlertIndex()
    entries = connection.entries
    for entry in entries[index.scanned :]:
        for view in entry.records:
            if view.alert is not None:
                index.names[view.sender][view.alert.description_name] = None
        error = entry.event.error
        # An alert OpenSSL names in an error was received by that side, so sent by its peer.
        if error is not None and error.alert_received:
            index.names[entry.event.side.peer][error.alert_received] = None
    index.scanned = len(entries)
    return index
