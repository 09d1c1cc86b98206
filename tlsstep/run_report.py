"""One run, as one value: built once from a session, then only formatted.

``tlsstep handshake`` (and any front end that shows a whole run) builds a
:class:`RunReport` once, after the run; the JSON document
(:func:`tlsstep.render.json.report_dict`), the terminal view
(:func:`tlsstep.render.terminal.report_view`), the ladder and the HTML page format
it and compute nothing, so they cannot disagree. Each side's facts are read once,
here, at the end of the run (``SSLObject`` facts are read live: every read of them
is a moment), and the summary is made from those same facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tlsstep.events import Side, SideFacts
from tlsstep.frozen import frozen
from tlsstep.session import Entry, Session, StepOutcome
from tlsstep.states.tracker import SideState, derive
from tlsstep.summary import Summary, summarize

if TYPE_CHECKING:
    from tlsstep.certs.chain_report import ChainReport
    from tlsstep.crypto.keys_used import KeysUsed


@frozen
class RunReport:
    """Everything a run did and came to.

    ``entries``: every event with the records it carried, in order (all connections).
    ``outcomes``: every step with its result. ``facts`` and ``states``: both sides at
    the end of the run (the current connection). ``step_states``: both sides after
    each single operation, when the run tracked them (``--states``, ``--html``).
    ``certificates``: each chain sent and both verifiers' verdicts, when asked for.
    ``notes``: settings that had no effect, said before the run (``tlsstep.preflight``).
    ``keys_used``: what each connection's decryption used (suite, Finished checks, key
    log secrets), by connection number, when asked for (``--json -vv``, the page).
    """

    summary: Summary
    entries: tuple[Entry, ...]
    outcomes: tuple[StepOutcome, ...]
    facts: dict[Side, SideFacts]
    states: dict[Side, SideState]
    step_states: tuple[dict[str, Any], ...] | None = None
    certificates: tuple[ChainReport, ...] | None = None
    notes: tuple[str, ...] = ()
    keys_used: dict[int, KeysUsed] | None = None


def build_report(
    session: Session,
    *,
    step_states: list[dict[str, Any]] | None = None,
    certificates: bool = False,
    notes: list[str] | None = None,
    details: bool = False,
) -> RunReport:
    """Read ``session`` once: its log, both sides' facts and states, the summary (and,
    with ``details``, what each connection's decryption used)."""
    facts = {side: session.facts(side) for side in Side}
    chains = None
    if certificates:
        from tlsstep.run_certs import session_chain_reports

        chains = tuple(session_chain_reports(session))
    return RunReport(
        summary=summarize(session, facts=facts),
        entries=tuple(session.entries),
        outcomes=tuple(session.outcomes),
        facts=facts,
        states=derive(session),
        step_states=tuple(step_states) if step_states is not None else None,
        certificates=chains,
        notes=tuple(notes or ()),
        keys_used=_keys_used(session) if details else None,
    )


def _keys_used(session: Session) -> dict[int, KeysUsed]:
    """Each connection's :class:`KeysUsed`, with every secret OpenSSL has logged by now."""
    from tlsstep.crypto.keys_used import keys_used
    from tlsstep.crypto.unprotector import KeyLogCrypto

    crypto = session.crypto
    if not isinstance(crypto, KeyLogCrypto):
        return {}
    session.catch_up()  # the unprotectors learn what they used by decoding
    crypto.refresh()
    return {number: keys_used(u) for number, u in crypto.unprotectors.items()}
