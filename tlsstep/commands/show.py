"""Showing a finished run, the one path of ``handshake``, ``connect`` and ``serve``.

Each command runs its plan, then hands the session and its :class:`View` (the shared
view options) to :func:`show_result`, which builds the run's report once and formats
it: terminal or JSON, certificates, ladder, SVG and the HTML page. ``watch`` is the
observer of a run printed one operation at a time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.options import View, write_html

if TYPE_CHECKING:
    from tlsstep.run_report import RunReport
    from tlsstep.session import Observer, Session
    from tlsstep.state_watch import StepStates
    from tlsstep.summary import Summary


def show_result(
    session: Session,
    view: View,
    *,
    step_states: list[dict[str, Any]] | None,
    extra: dict[str, Any] | None = None,
    title: str = "tlsstep handshake",
    compact: bool = False,
    notes: list[str] | None = None,
) -> Summary:
    """Show a finished run with every view asked for; its summary.

    Args:
        step_states: both sides' states after each operation, when they were watched.
        extra: more top-level keys of the JSON document (``"network"``).
        title: the ladder's title.
        compact: the JSON document on one line (``serve --json`` writes JSON Lines).
        notes: settings with no effect, said before the run (tlsstep.preflight).
    """
    from tlsstep.events import Side
    from tlsstep.run_report import build_report

    # The run as one value, read once: every output below only formats it.
    report = build_report(
        session,
        step_states=step_states,
        certificates=view.show_certs or bool(view.html_path),
        notes=notes,
        details=(view.as_json and view.verbose >= 2) or bool(view.html_path),
    )
    verbose = view.verbose
    if view.as_json:
        _print_json(report, view, extra=extra, compact=compact)
    else:
        from rich.text import Text

        from tlsstep.render.out import output
        from tlsstep.render.terminal import facts_table, report_view, summary_table

        console = output()  # on a plain pipe, a rich console only if something needs one
        if view.one_by_one:  # the transcript was printed as it went
            console.print(Text(""), summary_table(report.summary))
            if verbose:
                facts = report.facts
                console.print(
                    facts_table(facts[Side.client], facts[Side.server], full=verbose >= 2)
                )
        else:
            from tlsstep.render.out import emit
            from tlsstep.render.states_view import states_text

            final = states_text(report.states)
            emit(
                console,
                report_view(report, verbosity=verbose, full_data=view.full_data, states=final),
            )
        if view.show_certs and report.certificates is not None:
            from tlsstep.render.certs_view import reports_view

            console.print(Text(""))
            console.print(reports_view(report.certificates, full=verbose >= 1))
        if view.ladder:
            from tlsstep.render.ladder import build_ladder, ladder_view

            console.print(Text(""), ladder_view(build_ladder(report.entries)))
    if view.svg_path:
        _export_ladder(report, view.svg_path, title)
    if view.html_path:
        _write_html(view.html_path, report, extra=extra)
    return report.summary


def _print_json(
    report: RunReport,
    view: View,
    *,
    extra: dict[str, Any] | None,
    compact: bool,
) -> None:
    """The run's JSON document: the report, with what this run's options asked for."""
    import dataclasses

    from tlsstep.render.json import report_dict
    from tlsstep.render.json_out import dump

    shown = dataclasses.replace(
        report,
        step_states=report.step_states if view.one_by_one else None,
        certificates=report.certificates if view.show_certs else None,
    )
    document = report_dict(shown)
    if extra:  # after the run's own keys, before the certificates (as before)
        certificates = document.pop("certificates", None)
        document.update(extra)
        if certificates is not None:
            document["certificates"] = certificates
    if view.verbose >= 2:  # what the --html page shows: bytes, decryption, keys, notes
        from tlsstep.render.details import add_details

        add_details(document, report)
    if not compact:
        dump(document, sys.stdout)
        return
    # One JSON Line per connection, as it ends, and never torn: a Ctrl-C that comes
    # while the line waits for a full pipe (serve --json) is held until it is out.
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        dump(document, sys.stdout, levels=0)
        sys.stdout.flush()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def watch(
    session: Session,
    view: View,
    *,
    quiet: bool | None = None,
    wrap: Callable[[Observer], Observer] | None = None,
) -> StepStates:
    """The observer of a one-by-one run: states only (``quiet``, default ``--json``), or
    printed as it goes (paused with ``--step``).

    ``wrap`` puts an observer between it and the session (``connect``'s DecryptLater).
    """
    observer: StepStates
    if view.as_json if quiet is None else quiet:
        from tlsstep.state_watch import StepStates

        observer = StepStates()
    else:
        from tlsstep.commands.stepper import Stepper
        from tlsstep.render.terminal import make_console

        observer = Stepper(
            make_console(),
            pause=view.step_mode,
            explain=view.explain,
            # As the whole-run view shows it: in full with --full-data or -vv.
            full_data=view.full_data or view.verbose >= 2,
        )
    session.subscribe(wrap(observer) if wrap is not None else observer)
    return observer


def _export_ladder(report: RunReport, svg_path: str, title: str = "tlsstep handshake") -> None:
    from tlsstep.render.ladder import build_ladder, ladder_svg

    diagram = build_ladder(report.entries, title=title)
    try:
        with open(svg_path, "w", encoding="utf-8") as fh:
            fh.write(ladder_svg(diagram))
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {svg_path}: {exc.strerror}", param_hint="--svg"
        ) from None


def _write_html(path: str, report: RunReport, *, extra: dict[str, Any] | None = None) -> None:
    """The run's page (render/page.py), made from the run's JSON document (with ``extra``,
    e.g. connect's ``"network"``)."""
    import shlex

    from tlsstep.render.details import run_document

    document = run_document(report)
    document.update(extra or {})
    write_html(path, document, shlex.join(["tlsstep", *sys.argv[1:]]))
