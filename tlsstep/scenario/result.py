"""What running a scenario came to, as values: what replay's views and JUnit format.

Nothing here holds a live session or pair: a :class:`ScenarioResult` carries the
scenario, each step's outcome and failed checks, and (when asked for) the run's
:class:`~tlsstep.run_report.RunReport`. ``tlsstep.render`` reads these and never the
runner (:mod:`tlsstep.scenario.run`) or a session; the layering test checks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tlsstep.frozen import frozen
from tlsstep.outcome import StepOutcome

if TYPE_CHECKING:
    from tlsstep.errors import ScenarioError
    from tlsstep.run_report import RunReport

    from .load import Scenario


@frozen
class Mismatch:
    """One failed check: ``check`` is its path in the file (``expect.client.version``)."""

    step: int  # index of the step, 0-based
    line: int | None
    check: str
    expected: Any
    actual: Any

    @property
    def message(self) -> str:
        return f"{self.check}: expected {_show(self.expected)}, got {_show(self.actual)}"


def _show(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


@frozen
class StepReport:
    """One step as it ran, and the checks of its ``expect`` that failed."""

    outcome: StepOutcome
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.mismatches


@frozen
class ScenarioResult:
    """What running one scenario came to: values only (no session), so views format it."""

    scenario: Scenario
    steps: tuple[StepReport, ...]
    seconds: float
    connections: int  # handshakes attempted: 1 + the number of resumes done
    error: ScenarioError | None = None  # a setting OpenSSL refused: the file is invalid
    report: RunReport | None = None  # the whole run, when asked for (run(report=True))

    @property
    def status(self) -> str:
        """``pass``, ``fail`` (a check did not hold) or ``invalid``."""
        if self.error is not None:
            return "invalid"
        return "fail" if self.mismatches else "pass"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def mismatches(self) -> tuple[Mismatch, ...]:
        return tuple(m for s in self.steps for m in s.mismatches)

    @property
    def skipped(self) -> int:
        """Steps not run because an earlier one failed."""
        return len(self.scenario.steps) - len(self.steps)
