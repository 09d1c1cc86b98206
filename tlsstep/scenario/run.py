"""Running a scenario: its steps through one :class:`Session`, checking each step's ``expect``.

A scenario stops at the first step whose checks fail (later steps were written
for the conversation the failed check described); the caller goes on with the
next scenario. Certificates come from :func:`tlsstep.identity.default_identity`,
made once per process and shared by every scenario of a replay.
"""

from __future__ import annotations

import dataclasses
import ssl
import time
from collections.abc import Callable
from typing import Any, Final

from tlsstep.config import ContextInputs, PairConfig, build_side_context, context_inputs
from tlsstep.errors import ScenarioError, TlsstepError
from tlsstep.events import Result, Side
from tlsstep.identity import Identity, default_identity
from tlsstep.session import CryptoHooks, Observer, Session, StepOutcome
from tlsstep.steps import (
    Handshake,
    Read,
    Step,
    Unwrap,
    VerifyClientPostHandshake,
    Write,
    _printable,
)

from .expect import Actual, check, step_side
from .load import Scenario
from .result import Mismatch, ScenarioResult, StepReport

# Contexts by what they are made from, shared by the scenarios of one run: building one
# (loading a key, a chain and the CA) costs more than a handshake. Each side's context
# is kept by its config.context_inputs (the side's own settings, the trust, the
# credential the pair-wide settings choose, the client certificate request), so
# scenarios that differ only in the client share the server's context, a server
# certificate problem leaves the client's alone, and so on. Sharing is safe for the
# outcome: a connection resumes only the session its step hands it, and a context
# keeps no other state a later handshake reads.
# The key holds the crypto hooks themselves, not their key log path: a key log path
# (/proc/self/fd/N, tlsstep.secrets_dir) names another file once its hooks are closed.
_CONTEXTS: dict[tuple[ContextInputs, CryptoHooks | None], ssl.SSLContext] = {}
MAX_SHARED_CONTEXTS: Final = 64


def _contexts(
    config: PairConfig, identity: Identity, crypto: CryptoHooks | None
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    keylog_path = crypto.keylog_path if crypto else None
    if len(_CONTEXTS) > MAX_SHARED_CONTEXTS - 2:
        _CONTEXTS.clear()  # before this pair's are made, so that both of them are kept
    made: list[ssl.SSLContext] = []
    for side in (Side.client, Side.server):  # the order build_contexts makes them in
        inputs = context_inputs(config, side, identity)
        key = (inputs, crypto)
        found = _CONTEXTS.get(key)
        if found is None:
            found = _CONTEXTS[key] = build_side_context(
                config, side, keylog_path=keylog_path, inputs=inputs
            )
        made.append(found)
    return made[0], made[1]


def run(
    scenario: Scenario,
    *,
    identity: Identity | None = None,
    crypto: CryptoHooks | None = None,
    report: bool = False,
    after: Callable[[Session], None] | None = None,
    views_decode: bool = False,
) -> ScenarioResult:
    """Run every step of ``scenario`` on a new session and check its expectations.

    Args:
        identity: the certificates (default: the process's, made once).
        crypto: the crypto layer's hooks, shared by the scenarios of a replay: one
            key log file, so contexts are shared as well (by configuration).
        report: also build the run's :class:`~tlsstep.run_report.RunReport` (with its
            certificates and the keys each connection used: what a page shows).
        after: called with the session once the run is over, before this returns
            (the shared key log's unprotectors are still this scenario's): for what
            needs the live run, such as writing its pcapng. The result holds no session.
        views_decode: what crossed will be decoded for a view anyway (text, JSON, a
            page): checks on sent messages and alerts decode it too, rather than also
            reading OpenSSL's reports (:mod:`tlsstep.scenario.reported`).
    """
    identity = identity or default_identity()
    start = time.perf_counter()
    dialer = None
    try:
        if scenario.config.server.remote or scenario.config.client.remote:
            from tlsstep.net.scenario_remote import remote_session

            session, dialer = remote_session(scenario, identity, crypto)
        else:
            contexts = _contexts(scenario.config, identity, crypto)
            session = Session(scenario.config, identity, crypto=crypto, contexts=contexts)
    except REFUSED as exc:
        message = _message(exc)
        where = _culprit(scenario, identity, message)
        if where and not isinstance(exc, TlsstepError):
            message = f"{'.'.join(where)}: {message}"  # tlsstep's own errors name it already
        return ScenarioResult(
            scenario=scenario,
            steps=(),
            seconds=time.perf_counter() - start,
            connections=0,
            error=ScenarioError(message, path=scenario.path, line=scenario.line(*where)),
        )
    reports, error = _run_steps(
        scenario, session, remote=dialer is not None, from_reports=not views_decode
    )
    if dialer is not None:
        dialer.close()
        session.redecode()  # the remote server's records, with every secret logged now
    seconds = time.perf_counter() - start
    if after is not None:
        after(session)
    run_report = None
    if report:
        from tlsstep.run_report import build_report

        run_report = build_report(session, certificates=True, details=True)
    return ScenarioResult(
        scenario=scenario,
        steps=tuple(reports),
        seconds=seconds,
        connections=len(session.connections),
        error=error,
        report=run_report,
    )


def _run_steps(
    scenario: Scenario, session: Session, *, remote: bool, from_reports: bool = True
) -> tuple[list[StepReport], ScenarioError | None]:
    """Each step in turn, checked, up to the first whose checks fail."""
    reports: list[StepReport] = []
    for index, step in enumerate(scenario.steps):
        try:
            outcome = session.run(step)
        except REFUSED as exc:
            # The session turns OpenSSL's errors into values; what is left is a value
            # Python refuses outright (a size it cannot allocate): the file is at fault.
            error = ScenarioError(
                f"step {index + 1}: cannot run it: {_message(exc)}",
                path=scenario.path,
                line=step.line,
            )
            return reports, error
        if remote:
            session.redecode()  # a remote server's records open once the client read them
        mismatches = check(session, outcome, reports=from_reports)
        found = tuple(_placed(scenario, outcome.index, m) for m in mismatches)
        reports.append(StepReport(outcome=outcome, mismatches=found))
        if found:
            break
    return reports, None


# What making a pair or running a step may raise for a value the file gave: tlsstep's
# own errors, and Python's refusals (a negative ticket count, an empty ALPN name, a
# server name with a NUL, a read size it cannot allocate).
REFUSED: Final = (TlsstepError, ssl.SSLError, ValueError, TypeError, OverflowError, MemoryError)


def _message(exc: BaseException) -> str:
    if isinstance(exc, TlsstepError):
        return str(exc)
    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    return f"Python's ssl refused it: {text or type(exc).__name__}"


def _culprit(scenario: Scenario, identity: Identity, message: str) -> tuple[str, ...]:
    """The setting a configuration error is about (``("server", "group")``), or ``()``.

    Only the error path pays for this: each setting the file changed is put back to
    its default in turn, and the one whose reset changes the error is the culprit.
    """
    config = scenario.config
    candidates: list[tuple[tuple[str, ...], PairConfig]] = []
    for side in ("client", "server"):
        side_config = getattr(config, side)
        default_side = type(side_config)()
        for f in dataclasses.fields(side_config):
            if getattr(side_config, f.name) != getattr(default_side, f.name):
                reset = dataclasses.replace(side_config, **{f.name: getattr(default_side, f.name)})
                candidates.append(((side, f.name), dataclasses.replace(config, **{side: reset})))
    default = PairConfig()
    for f in dataclasses.fields(config):
        if f.name not in ("client", "server") and getattr(config, f.name) != getattr(
            default, f.name
        ):
            reset_config = dataclasses.replace(config, **{f.name: getattr(default, f.name)})
            candidates.append(((f.name,), reset_config))
    for where, candidate in candidates:
        try:
            Session(candidate, identity)
        except REFUSED as exc:
            if _message(exc) == message:
                continue
        return where
    return ()


def _placed(scenario: Scenario, index: int, mismatch: Mismatch) -> Mismatch:
    """Point a mismatch at the line of its check rather than its step's header."""
    path = mismatch.check.split(".") if mismatch.check != "step" else []
    line = scenario.line("step", index, *path) or mismatch.line
    return Mismatch(
        step=mismatch.step,
        line=line,
        check=mismatch.check,
        expected=mismatch.expected,
        actual=mismatch.actual,
    )


# -- recording: expectations from what happened (``handshake --save``) -------------


def expectations_from(session: Session, outcome: StepOutcome) -> tuple[tuple[str, Any], ...]:
    """Checks that hold for ``outcome`` now, as a step's ``expect`` (for ``--save``).

    Only values that are the same on every run of the same OpenSSL are recorded:
    results, errors, alerts, version, cipher, ALPN, resumption, messages, data read,
    and the peer certificate's subject (the test identity's names are fixed).
    """
    checks, data = _expectations(session, outcome)
    return checks + _data_checks(data)


def _data_checks(data: bytes | None) -> tuple[tuple[str, Any], ...]:
    """A read's ``data`` (text) or ``data_hex`` check: the last of its checks."""
    if not data:
        return ()
    text = _printable(data)
    return (("data", text),) if text is not None else (("data_hex", data.hex()),)


def _expectations(
    session: Session, outcome: StepOutcome
) -> tuple[tuple[tuple[str, Any], ...], bytes | None]:
    """The checks of ``outcome`` but the data a read returned, and that data (the
    recorder keeps the bytes the read returned, and makes its check's text when asked)."""
    step = outcome.step
    actual = Actual(session, outcome)
    if outcome.problem:
        return (("result", "error"), ("error", "UsageProblem")), None
    if isinstance(step, Handshake) and step.side is None:
        out: list[tuple[str, Any]] = _call_checks(actual, None)
        for each in Side:
            sub = _call_checks(actual, each) if outcome.result is Result.error else []
            sub += _state_checks(session, actual, each)
            if sub:
                out.append((str(each), tuple(sub)))
        return tuple(out), None
    side = step_side(step)
    if not isinstance(step, Handshake | Write | Read | Unwrap | VerifyClientPostHandshake):
        return (), None
    out = _call_checks(actual, None)
    if side is None:
        return tuple(out), None
    received = actual.alerts(side, sent=False)
    if received and outcome.result is Result.error:
        out.append(("alert_received", received[-1]))
    if isinstance(step, Read):
        return tuple(out), actual.read_data(side)
    if isinstance(step, Unwrap):
        out.append(("closed", session.pair.closed[side]))
    if isinstance(step, Handshake) and outcome.result is Result.done:
        out += _state_checks(session, actual, side, messages=False)
    return tuple(out), None


def _call_checks(actual: Actual, side: Side | None) -> list[tuple[str, Any]]:
    result = actual.value("result", side)
    if result is None:
        return []
    out: list[tuple[str, Any]] = [("result", result)]
    if actual.value("error", side):
        out += _truthy(actual, side, ("error", "reason", "verify_message"))
    return out


def _truthy(actual: Actual, side: Side | None, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The checks ``names`` whose actual value is something (not "" or None)."""
    values = ((name, actual.value(name, side)) for name in names)
    return [(name, value) for name, value in values if value]


def _state_checks(
    session: Session, actual: Actual, side: Side, *, messages: bool = True
) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if actual.facts(side).version:  # no cipher or resumption to record before a version
        out += _truthy(actual, side, ("version", "cipher"))
    out += _truthy(actual, side, ("alpn", "peer_subject"))
    if session.current.number > 1 and actual.facts(side).version:
        out.append(("session_reused", actual.value("session_reused", side)))
    for key, sent in (("alert_sent", True), ("alert_received", False)):
        alerts = actual.alerts(side, sent=sent)
        if alerts:
            out.append((key, alerts[-1]))
    if messages:
        names = session.sent_messages(side)
        if names:
            out.append((f"{side}_sent", tuple(names)))
    return out


class Recorder(Observer):
    """Keeps the steps run on a session, each with the checks of what it did (``--save``).

    An observer (``session.subscribe(Recorder())``): expectations must be taken
    right after their step, because facts and message lists describe the current
    connection, which later steps (``resume``) change; the session tells the
    recorder of each step as soon as it finished, whoever ran it (the plan,
    ``--step``, the shell). Steps that could not be done at all are not kept.
    """

    def __init__(self) -> None:
        # Each step with its checks, and the bytes a read returned: their check's text is
        # made when the steps are asked for (a 10 MB read kept once, not again as text).
        self._kept: list[tuple[Step, bytes | None]] = []

    @property
    def steps(self) -> list[Step]:
        """The steps kept so far, each with its ``expect``."""
        return [
            step
            if data is None
            else dataclasses.replace(step, expect=step.expect + _data_checks(data))
            for step, data in self._kept
        ]

    def step(self, session: Session, outcome: StepOutcome) -> None:
        if outcome.problem:
            return
        expect, data = _expectations(session, outcome)
        step = dataclasses.replace(outcome.step, expect=expect, line=None)
        self._kept.append((step, data or None))
