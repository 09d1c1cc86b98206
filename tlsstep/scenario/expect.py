"""Checking a step's ``expect`` table against what really happened.

Which side a check is about (one rule, documented in README.md, "Expectations"):

* checks at the top of ``expect`` are about the step's own side (``read client``
  -> the client; ``verify_client_post_handshake`` -> the server);
* ``expect.client`` / ``expect.server`` sub-tables hold the same checks about that
  side, so one step can check both ends (``handshake`` failing on the server and
  the client receiving the alert);
* ``result``, ``error``, ``reason`` and ``verify_message`` at the top describe the
  step as a whole (the step's result, its first error); in a sub-table they
  describe that side's calls during the step.

What each check compares (actual values come from the session, never from text):

* ``result``/``error``/``reason``/``verify_message``: the step's SSLObject calls
  (``Event.result`` and ``SSLErrorInfo``); ``""`` expects no error. A step that
  could not be done at all (an offset outside the queue) has result ``error``,
  error ``UsageProblem`` and the problem as its reason.
* ``alert_sent``/``alert_received``: alerts seen so far on the current connection,
  from the alert records that crossed (``RecordView.alert``: plaintext, or
  decrypted once keys are known) and from the alert OpenSSL names in an error
  (``SSLErrorInfo.alert_received``; the peer's received alert is this side's sent
  one). Passes when the expected alert is among them; ``""`` expects none.
* ``version``/``cipher``/``alpn``/``session_reused``/``peer_subject``: ``facts(side)``
  now; ``""`` is "none" (no version yet, no ALPN agreed).
* ``client_sent``/``server_sent``: the handshake messages sent so far on the current
  connection must contain the expected names in that order (others may be between:
  which messages are visible grows as decryption lands).
* ``data``/``data_hex``/``data_size``: what this step's ``read`` returned on that side.
* ``records``: how many whole records this step's deliveries carried (any direction).
* ``closed``: whether the side has seen or completed a close (``Pair.closed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tlsstep.events import Event, Result, Side, SideFacts, SSLErrorInfo
from tlsstep.frozen import frozen
from tlsstep.session import Connection, Session, StepOutcome
from tlsstep.steps import EXPECT_SIDES, STEP_EXPECT_KEYS, Step, VerifyClientPostHandshake
from tlsstep.subject import legacy_to_rfc4514, name_rdns, rfc4514


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


def step_side(step: Step) -> Side | None:
    """The side a step's top-level checks are about, or None for whole-pair steps."""
    if isinstance(step, VerifyClientPostHandshake):
        return Side.server
    side = getattr(step, "side", None)
    return side if isinstance(side, Side) else None


class Actual:
    """Actual values for one step's checks, computed lazily (facts are not free)."""

    def __init__(self, session: Session, outcome: StepOutcome) -> None:
        self.session = session
        self.outcome = outcome
        self._facts: dict[Side, SideFacts] = {}

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
        return list(_alert_index(self.session.current).names[side if sent else side.peer])

    def read_data(self, side: Side) -> bytes | None:
        reads = [c.data for c in self.calls(side) if c.data is not None]
        return b"".join(reads) if reads else None

    def value(self, key: str, side: Side | None, *, whole_step: bool) -> Any:
        """The actual value of check ``key`` about ``side`` (None side: the whole step)."""
        scope = None if whole_step else side
        if key == "result":
            return self.result(scope)
        if key in ("error", "reason", "verify_message"):
            if scope is None and self.outcome.problem:
                return {"error": "UsageProblem", "reason": self.outcome.problem}.get(key, "")
            error = self.error(scope)
            if error is None:
                return ""
            return {
                "error": error.exception,
                "reason": error.reason or "",
                "verify_message": error.verify_message or "",
            }[key]
        if key in ("client_sent", "server_sent"):
            return tuple(self.session.sent_messages(Side(key.removesuffix("_sent"))))
        if key == "records":
            return sum(len(e.records) for e in self.outcome.entries)
        assert side is not None  # parse_expect refuses side checks on sideless steps
        if key == "alert_sent":
            return tuple(self.alerts(side, sent=True))
        if key == "alert_received":
            return tuple(self.alerts(side, sent=False))
        if key == "closed":
            return self.session.pair.closed[side]
        if key in ("data", "data_hex", "data_size"):
            data = self.read_data(side)
            if data is None:
                return None
            if key == "data_size":
                return len(data)
            return data.hex() if key == "data_hex" else data.decode("utf-8", "replace")
        facts = self.facts(side)
        if key == "version":
            return facts.version or ""
        if key == "cipher":
            return facts.cipher[0] if facts.cipher else ""
        if key == "alpn":
            return facts.selected_alpn_protocol or ""
        if key == "session_reused":
            return facts.session_reused
        if key == "peer_subject":
            return peer_subject(facts)
        raise KeyError(key)


def peer_subject(facts: SideFacts) -> str:
    """The peer certificate's subject as RFC 4514 text, or "" when there is none."""
    if facts.peer_certificate_der is None:
        return ""
    from cryptography import x509  # only scenarios that check a subject pay for it

    cert = x509.load_der_x509_certificate(facts.peer_certificate_der)
    return rfc4514(name_rdns(cert.subject))


def matches(key: str, expected: Any, actual: Any) -> bool:
    if key in ("alert_sent", "alert_received"):
        return not actual if expected == "" else expected in actual
    if key in ("client_sent", "server_sent"):
        return _in_order(tuple(expected), tuple(actual))
    if key == "peer_subject" and isinstance(actual, str) and isinstance(expected, str):
        # The pre-issue-12 JSON spelling (O=..., CN=...) is accepted for old scenarios.
        if not expected:
            return actual == ""
        return expected in actual or legacy_to_rfc4514(expected) in actual
    if key == "verify_message" and isinstance(actual, str):
        return expected in actual if expected else actual == ""
    return bool(expected == actual)


def _in_order(wanted: tuple[str, ...], seen: tuple[str, ...]) -> bool:
    it = iter(seen)
    return all(name in it for name in wanted)


def check(session: Session, outcome: StepOutcome) -> list[Mismatch]:
    """Every check of ``outcome.step``'s ``expect`` that does not hold."""
    step = outcome.step
    actual = Actual(session, outcome)
    # (path in the file, check, expected value, side it is about, about the whole step)
    flat: list[tuple[str, str, Any, Side | None, bool]] = []
    for key, expected in step.expect:
        if key in EXPECT_SIDES:
            flat += [(f"{key}.{sub}", sub, value, Side(key), False) for sub, value in expected]
        else:
            flat.append((key, key, expected, step_side(step), key in STEP_EXPECT_KEYS))
    out: list[Mismatch] = []
    for path, key, expected, side, whole in flat:
        value = actual.value(key, side, whole_step=whole)
        if not matches(key, expected, value):
            out.append(
                Mismatch(
                    step=outcome.index,
                    line=step.line,
                    check=f"expect.{path}",
                    expected=expected,
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

    connection: Connection
    scanned: int = 0
    names: dict[Side, dict[str, None]] = field(default_factory=lambda: {s: {} for s in Side})


# One connection's index: the current one, the only one asked about; replaced (and the
# old connection let go) when another is asked about.
_index: list[_AlertIndex] = []


def _alert_index(connection: Connection) -> _AlertIndex:
    if not _index or _index[0].connection is not connection:
        _index[:] = [_AlertIndex(connection=connection)]
    index = _index[0]
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
