"""``tlsstep handshake``: one run of the handshake plan (tlsstep.plan), shown step by step."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import click

from tlsstep.commands.options import build_config, check_writable, pair_options, write_html

if TYPE_CHECKING:
    from tlsstep.config import PairConfig
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.identity import Identity
    from tlsstep.run_report import RunReport
    from tlsstep.session import Observer, Session
    from tlsstep.state_watch import StepStates
    from tlsstep.summary import Summary


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """How the run is shown: paused, with states, notes, a ladder, exported diagrams."""

    step_mode: bool = False
    states: bool = False
    explain: bool = False
    ladder: bool = False
    svg_path: str | None = None
    html_path: str | None = None
    full_data: bool = False  # application data in full, not a 64-byte preview


EPILOG = """\b
Examples:
  tlsstep handshake                          TLS 1.3 with a trustme certificate
  tlsstep handshake --tls-version 1.2 --json
  tlsstep handshake --server-group prime256v1 (a HelloRetryRequest)
  tlsstep handshake --server-name wrong.test  (hostname mismatch: exits 1)
  tlsstep handshake --client-cert --alpn h2,http/1.1 --resume -v
  tlsstep handshake --server-cert-problem expired --certs  (why it fails: exits 1)
  tlsstep handshake --chain-depth 2 --tls-version 1.2 --certs --json
  tlsstep handshake --tls-version 1.2 --key-type rsa --cipher ECDHE-RSA-AES128-GCM-SHA256
  tlsstep handshake --server-group prime256v1 --html hrr.html  (a page to teach from)
"""


@click.command(
    "handshake", short_help="Run one handshake between a real client and server.", epilog=EPILOG
)
@pair_options
@click.option(
    "--resume", is_flag=True, help="After the handshake, run a second one that resumes its session."
)
@click.option(
    "--data",
    metavar="TEXT",
    default=None,
    help="After the handshake the client writes TEXT and the server echoes it back.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document (summary, events, facts) instead.",
)
@click.option(
    "--save",
    "save_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write the run as a scenario file (TOML) whose expectations are what happened, "
    "to replay later with tlsstep replay.",
)
@click.option(
    "--step",
    "step_mode",
    is_flag=True,
    help="Pause after each operation with both sides' states, what happened and what comes "
    "next: Enter goes on, c runs to the end, q quits. Needs a terminal.",
)
@click.option(
    "--states",
    is_flag=True,
    help="Run the handshake one operation at a time and show both sides' states after each.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Add a short plain-language note to each message and outcome (implies --states).",
)
@click.option("--ladder", is_flag=True, help="Also draw the conversation as a ladder diagram.")
@click.option(
    "--svg",
    "svg_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the ladder diagram to FILE as SVG.",
)
@click.option(
    "--html",
    "html_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the run to FILE as one self-contained HTML page that teaches it: the ladder "
    "(click an arrow), a step player with both sides' states, each record's bytes and fields, "
    "its decryption (secret, key, IV, nonce, tag), the Finished recomputation, the key "
    "schedule and the certificates. The page embeds the run's secrets and keys, so it is "
    "written with mode 0600; it loads nothing from the network.",
)
@click.option(
    "--certs",
    "show_certs",
    is_flag=True,
    help="Show each certificate chain sent, both verifiers' verdicts and why one failed "
    '(with --json: a "certificates" list with PEM and parsed fields).',
)
@click.option(
    "--pcap",
    "pcap_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    metavar="FILE",
    help="Also write the run to FILE as pcapng (a synthetic TCP connection) for Wireshark, "
    "with the TLS secrets inside so that it opens decrypted; the file is therefore created "
    "with mode 0600 (see --discard-secrets).",
)
@click.option(
    "--discard-secrets",
    is_flag=True,
    help="Write the --pcap file without the TLS secrets (mode 0644, safe to share): "
    "Wireshark then shows the protected records still encrypted.",
)
@click.option(
    "--keylog",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write the TLS secrets to FILE in the NSS key log format, for Wireshark "
    "and other tools (the file is created with mode 0600).",
)
@click.option(
    "--full-data",
    is_flag=True,
    help="Show application data in full in the text view (by default: its first 64 bytes "
    "and how many more; -vv shows it all too; --json always has all of it).",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="-v adds the decoded fields of every message and every SSLObject fact of both sides; "
    "-vv adds each field's offset and bytes in hex, and all details (with --json: each "
    "record's bytes and decryption, the Finished recomputation, the key schedule and the "
    "notes, as the --html page shows them; these include the run's secrets).",
)
def handshake_command(
    resume: bool,
    data: str | None,
    as_json: bool,
    save_path: str | None,
    show_certs: bool,
    verbose: int,
    step_mode: bool,
    states: bool,
    explain: bool,
    ladder: bool,
    svg_path: str | None,
    html_path: str | None,
    pcap_path: str | None,
    discard_secrets: bool,
    keylog: str | None,
    full_data: bool,
    **opts: Any,
) -> None:
    """Run a TLS handshake between a real OpenSSL client and server in this process.

    tlsstep carries every byte between the two sides itself, so it shows each
    operation (server.do_handshake() -> want read), each delivery with the
    records it carried, and a summary. A failed handshake shows which side
    failed and why, and exits with status 1.
    """
    if step_mode and as_json:
        raise click.UsageError("--step pauses for a person; it cannot be combined with --json")
    if step_mode and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError(
            "--step needs a terminal: it waits for Enter between operations. "
            "To script steps, pipe them into 'tlsstep shell'."
        )
    for path, option in (
        (svg_path, "--svg"),
        (html_path, "--html"),
        (pcap_path, "--pcap"),
        (save_path, "--save"),
    ):
        check_writable(path, option)  # before the run, not after it
    config, identity = build_config(opts)
    from tlsstep.preflight import config_notes

    notes = config_notes(config, resume=resume)
    if not as_json:  # before the run; with --json they are the document's "notes"
        for note in notes:
            click.echo(f"note: {note}", err=True)

    from tlsstep.crypto.unprotector import KeyLogCrypto

    # Decryption (issue 5): the key log lives in the private directory and is
    # deleted by close(), also when an error or Ctrl-C unwinds; --keylog gets a copy.
    try:
        crypto = KeyLogCrypto(export=keylog)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {keylog}: {exc.strerror}", param_hint="'--keylog'"
        ) from None
    try:
        _run(
            config,
            identity,
            crypto,
            resume=resume,
            data=data,
            as_json=as_json,
            show_certs=show_certs,
            verbose=verbose,
            pcap_path=pcap_path,
            discard_secrets=discard_secrets,
            save_path=save_path,
            notes=notes,
            view=View(
                step_mode=step_mode,
                states=states,
                explain=explain,
                ladder=ladder,
                svg_path=svg_path,
                html_path=html_path,
                full_data=full_data,
            ),
        )
    finally:
        crypto.close()
        if crypto.export_error is not None:
            raise click.ClickException(
                f"could not write {keylog}: {crypto.export_error.strerror}"
            ) from None


def _run(
    config: PairConfig,
    identity: Identity,
    crypto: KeyLogCrypto,
    *,
    resume: bool,
    data: str | None,
    as_json: bool,
    show_certs: bool,
    verbose: int,
    pcap_path: str | None,
    save_path: str | None,
    view: View,
    discard_secrets: bool = False,
    notes: list[str] | None = None,
) -> None:
    """Steps -> session -> render, with the crypto hooks decrypting every record."""
    step_mode, states, explain = view.step_mode, view.states, view.explain
    from tlsstep.errors import TlsstepError
    from tlsstep.plan import handshake_plan
    from tlsstep.session import Session

    plan = handshake_plan(
        data=data.encode() if data is not None else None,
        resume=resume,
        post_handshake_auth=config.client.post_handshake_auth,
    )
    try:
        session = Session(config, identity, crypto=crypto)
    except TlsstepError as exc:
        raise click.UsageError(str(exc)) from None
    recorder = None
    if save_path:
        from tlsstep.scenario import Recorder

        recorder = session.subscribe(Recorder())  # every step, whoever runs it
    one_by_one = step_mode or states or explain
    watch = None
    if one_by_one or view.html_path:  # the page shows both sides' states after each step
        quiet = as_json or not one_by_one
        watch = _watch(session, pause=step_mode, explain=explain, quiet=quiet)
    if not session.drive(plan):  # q at a --step pause
        return
    step_states = watch.log if watch is not None else None

    if save_path and recorder is not None:
        _save(save_path, config, recorder)
    if pcap_path is not None:
        _write_pcap(pcap_path, session, discard_secrets=discard_secrets)

    summary = show_result(
        session,
        as_json=as_json,
        show_certs=show_certs,
        verbose=verbose,
        view=view,
        one_by_one=one_by_one,
        step_states=step_states,
        notes=notes,
    )
    if not summary.ok:
        sys.exit(1)


def show_result(
    session: Session,
    *,
    as_json: bool,
    show_certs: bool,
    verbose: int,
    view: View,
    one_by_one: bool,
    step_states: list[dict[str, Any]] | None,
    extra: dict[str, Any] | None = None,
    title: str = "tlsstep handshake",
    compact: bool = False,
    notes: list[str] | None = None,
) -> Summary:
    """Show a finished run with every view asked for; shared with ``connect`` and ``serve``.

    Args:
        one_by_one: the transcript was printed operation by operation as it ran.
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
        certificates=show_certs or bool(view.html_path),
        notes=notes,
        details=(as_json and verbose >= 2) or bool(view.html_path),
    )
    if as_json:
        _print_json(
            report,
            states=one_by_one,
            certs=show_certs,
            details=verbose >= 2,
            extra=extra,
            compact=compact,
        )
    else:
        from rich.text import Text

        from tlsstep.render.terminal import facts_table, make_console, report_view, summary_table

        console = make_console()
        if one_by_one:  # the transcript was printed as it went
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
        if show_certs and report.certificates is not None:
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
    *,
    states: bool,
    certs: bool,
    details: bool,
    extra: dict[str, Any] | None,
    compact: bool,
) -> None:
    """The run's JSON document: the report, with what this run's options asked for."""
    import dataclasses

    from tlsstep.render.json import report_dict
    from tlsstep.render.json_out import dump

    shown = dataclasses.replace(
        report,
        step_states=report.step_states if states else None,
        certificates=report.certificates if certs else None,
    )
    document = report_dict(shown)
    if extra:  # after the run's own keys, before the certificates (as before)
        certificates = document.pop("certificates", None)
        document.update(extra)
        if certificates is not None:
            document["certificates"] = certificates
    if details:  # what the --html page shows: bytes, decryption, keys, notes
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


def _watch(
    session: Session,
    *,
    pause: bool,
    explain: bool,
    quiet: bool,
    wrap: Callable[[Observer], Observer] | None = None,
) -> StepStates:
    """The observer of a one-by-one run: states only (``--json``), or printed as it goes.

    ``wrap`` puts an observer between it and the session (``connect``'s DecryptLater).
    """
    watch: StepStates
    if quiet:
        from tlsstep.state_watch import StepStates

        watch = StepStates()
    else:
        from tlsstep.commands.stepper import Stepper
        from tlsstep.render.terminal import make_console

        watch = Stepper(make_console(), pause=pause, explain=explain)
    session.subscribe(wrap(watch) if wrap is not None else watch)
    return watch


def _save(path: str, config: Any, recorder: Any) -> None:
    """Write the recorded steps as a scenario named after the file."""
    import shlex
    from pathlib import Path

    from tlsstep.scenario import dump

    command = shlex.join(["tlsstep", *sys.argv[1:]])
    text = dump(
        config,
        recorder.steps,
        name=Path(path).stem,
        description=f"Recorded by: {command}",
        comments=unsaved_notes(click.get_current_context()),
    )
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--save"
        ) from None


# Options of handshake that a scenario file does not hold, and why (issue 16, item 2).
# Every other option is a configuration key or a step, and round-trips through --save.
NOT_SAVED: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "they choose how the run is shown, not what happens",
        (
            "as_json",
            "verbose",
            "full_data",
            "step_mode",
            "states",
            "explain",
            "ladder",
            "show_certs",
        ),
    ),
    (
        "files this run wrote",
        ("svg_path", "html_path", "pcap_path", "discard_secrets", "keylog", "save_path"),
    ),
    ("certificates are made by each run, not kept in the file", ("fresh_certs",)),
    (
        "scenario files hold no key material; replay uses its own generated certificates",
        ("cert", "key", "key_password", "ca"),
    ),
)


def unsaved_notes(ctx: click.Context) -> list[str]:
    """One comment line per reason, naming the options given that --save cannot keep."""
    from click.core import ParameterSource

    given = {
        p.name: p.opts[-1]
        for p in ctx.command.params
        if p.name and ctx.get_parameter_source(p.name) is not ParameterSource.DEFAULT
    }
    notes = []
    for reason, names in NOT_SAVED:
        options = [given[n] for n in names if n in given]
        if options:
            notes.append(f"Not saved ({reason}): {', '.join(options)}")
    return notes


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


def _write_pcap(path: str, session: Any, *, discard_secrets: bool = False) -> None:
    """Export the run; the key log goes in (file 0600) when the session's crypto hooks
    wrote one, unless ``discard_secrets``."""
    from tlsstep.pcap.writer import session_keylog, write_session_pcapng

    keylog = b"" if discard_secrets else session_keylog(session)
    try:
        packets = write_session_pcapng(path, session, keylog)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--pcap"
        ) from None
    secrets = (
        "with its TLS key log (mode 0600)"
        if keylog
        else "without secrets (--discard-secrets)"
        if discard_secrets
        else "without secrets (no key log in this run)"
    )
    click.echo(f"wrote {path}: {packets} packets, {secrets}", err=True)
