"""``tlsstep handshake``: one run of the canned step sequence, shown step by step."""

from __future__ import annotations

import sys
from typing import Any

import click

from tlsstep.commands.options import build_config, pair_options

EPILOG = """\b
Examples:
  tlsstep handshake                          TLS 1.3 with a trustme certificate
  tlsstep handshake --tls-version 1.2 --json
  tlsstep handshake --server-group prime256v1 (a HelloRetryRequest)
  tlsstep handshake --server-name wrong.test  (hostname mismatch: exits 1)
  tlsstep handshake --client-cert --alpn h2,http/1.1 --resume -v
  tlsstep handshake --server-cert-problem expired --certs
  tlsstep handshake --chain-depth 2 --tls-version 1.2 --certs --json
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
    help="Also write the run to FILE as pcapng (a synthetic TCP connection) for Wireshark.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="-v adds the decoded fields of every message and every SSLObject fact of both sides; "
    "-vv adds each field's offset and bytes in hex, and all details.",
)
def handshake_command(
    resume: bool,
    data: str | None,
    as_json: bool,
    save_path: str | None,
    show_certs: bool,
    verbose: int,
    pcap_path: str | None,
    **opts: Any,
) -> None:
    """Run a TLS handshake between a real OpenSSL client and server in this process.

    tlsstep carries every byte between the two sides itself, so it shows each
    operation (server.do_handshake() -> want read), each delivery with the
    records it carried, and a summary. A failed handshake shows which side
    failed and why, and exits with status 1.
    """
    config, identity = build_config(opts)

    from tlsstep.canned import handshake_steps
    from tlsstep.errors import TlsstepError
    from tlsstep.session import Session

    steps = handshake_steps(
        data=data.encode() if data is not None else None,
        resume=resume,
        post_handshake_auth=config.client.post_handshake_auth,
    )
    try:
        session = Session(config, identity)
    except TlsstepError as exc:
        raise click.UsageError(str(exc)) from None
    from tlsstep.scenario import Recorder

    recorder = Recorder(session)
    for step in steps:
        outcome = recorder.run(step)
        if outcome.problem or any(e.event.error for e in outcome.entries):
            break  # later steps of the canned run assume the earlier ones worked

    if save_path:
        _save(save_path, config, recorder)
    if pcap_path is not None:
        _write_pcap(pcap_path, session)

    from tlsstep.report import summarize

    summary = summarize(session)
    if as_json:
        import json

        from tlsstep.render.json import run_dict

        document = run_dict(session)
        if show_certs:
            from tlsstep.certs.report import chain_reports
            from tlsstep.render.certs_view import reports_dicts

            document["certificates"] = reports_dicts(chain_reports(session))
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from tlsstep.render.terminal import make_console, run_view

        console = make_console()
        console.print(run_view(session, verbosity=verbose))
        if show_certs:
            from rich.text import Text

            from tlsstep.certs.report import chain_reports
            from tlsstep.render.certs_view import reports_view

            console.print(Text(""))
            console.print(reports_view(chain_reports(session), full=verbose >= 1))
    if not summary.ok:
        sys.exit(1)


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
    )
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--save"
        ) from None


def _write_pcap(path: str, session: Any) -> None:
    """Export the run; the key log goes in when the session's crypto hooks wrote one."""
    from tlsstep.pcap.writer import session_keylog, write_session_pcapng

    keylog = session_keylog(session)
    try:
        packets = write_session_pcapng(path, session, keylog)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None
    secrets = "with its TLS key log" if keylog else "without secrets (no key log in this run)"
    click.echo(f"wrote {path}: {packets} packets, {secrets}", err=True)
