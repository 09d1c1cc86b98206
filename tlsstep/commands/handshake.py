"""``tlsstep handshake``: one run of the handshake plan (tlsstep.plan), shown step by step."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Final

import click

from tlsstep.commands.options import (
    View,
    build_config,
    check_writable,
    pair_options,
    run_crypto,
    shared_options,
    view_from,
)

if TYPE_CHECKING:
    from tlsstep.config import PairConfig
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.identity import Identity


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
@shared_options(
    resume="After the handshake, run a second one that resumes its session.",
    data="After the handshake the client writes TEXT and the server echoes it back.",
    as_json="Print one JSON document (summary, events, facts) instead.",
)
@click.option(
    "--save",
    "save_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write the run as a scenario file (TOML) whose expectations are what happened, "
    "to replay later with tlsstep replay.",
)
@shared_options(
    step_mode="Pause after each operation with both sides' states, what happened and what "
    "comes next: Enter goes on, c runs to the end, q quits. Needs a terminal.",
    states="Run the handshake one operation at a time and show both sides' states after each.",
    explain="Add a short plain-language note to each message and outcome (implies --states).",
    ladder="Also draw the conversation as a ladder diagram.",
    svg_path="Write the ladder diagram to FILE as SVG.",
    html_path="Write the run to FILE as one self-contained HTML page that teaches it: the "
    "ladder (click an arrow), a step player with both sides' states, each record's bytes and "
    "fields, its decryption (secret, key, IV, nonce, tag), the Finished recomputation, the "
    "key schedule and the certificates. The page embeds the run's secrets and keys, so it is "
    "written with mode 0600; it loads nothing from the network.",
    show_certs="Show each certificate chain sent, both verifiers' verdicts and why one failed "
    '(with --json: a "certificates" list with PEM and parsed fields).',
    pcap_path="Also write the run to FILE as pcapng (a synthetic TCP connection) for "
    "Wireshark, with the TLS secrets inside so that it opens decrypted; the file is therefore "
    "created with mode 0600 (see --discard-secrets).",
)
@click.option(
    "--discard-secrets",
    is_flag=True,
    help="Write the --pcap file without the TLS secrets (mode 0644, safe to share): "
    "Wireshark then shows the protected records still encrypted.",
)
@shared_options(
    keylog="Also write the TLS secrets to FILE in the NSS key log format, for Wireshark "
    "and other tools (the file is created with mode 0600).",
    full_data="Show application data in full in the text view (by default: its first 64 "
    "bytes and how many more; -vv shows it all too; --json always has all of it).",
    verbose="-v adds the decoded fields of every message and every SSLObject fact of both "
    "sides; -vv adds each field's offset and bytes in hex, and all details (with --json: "
    "each record's bytes and decryption, the Finished recomputation, the key schedule and "
    "the notes, as the --html page shows them; these include the run's secrets).",
)
def handshake_command(
    resume: bool,
    data: str | None,
    save_path: str | None,
    discard_secrets: bool,
    **opts: Any,
) -> None:
    """Run a TLS handshake between a real OpenSSL client and server in this process.

    tlsstep carries every byte between the two sides itself, so it shows each
    operation (server.do_handshake() -> want read), each delivery with the
    records it carried, and a summary. A failed handshake shows which side
    failed and why, and exits with status 1.
    """
    view = view_from(opts)
    check_writable(save_path, "--save")  # before the run, not after it
    config, identity = build_config(opts)
    from tlsstep.preflight import config_notes

    notes = config_notes(config, resume=resume)
    if not view.as_json:  # before the run; with --json they are the document's "notes"
        for note in notes:
            click.echo(f"note: {note}", err=True)
    with run_crypto(view.keylog) as crypto:
        _run(
            config,
            identity,
            crypto,
            view,
            resume=resume,
            data=data,
            discard_secrets=discard_secrets,
            save_path=save_path,
            notes=notes,
        )


def _run(
    config: PairConfig,
    identity: Identity,
    crypto: KeyLogCrypto,
    view: View,
    *,
    resume: bool,
    data: str | None,
    save_path: str | None,
    discard_secrets: bool = False,
    notes: list[str] | None = None,
) -> None:
    """Steps -> session -> render, with the crypto hooks decrypting every record."""
    from tlsstep.commands.show import show_result, watch
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
    watched = None
    if view.one_by_one or view.html_path:  # the page shows both sides' states after each step
        watched = watch(session, view, quiet=view.as_json or not view.one_by_one)
    if not session.drive(plan):  # q at a --step pause
        return

    if save_path and recorder is not None:
        _save(save_path, config, recorder)
    if view.pcap_path is not None:
        _write_pcap(view.pcap_path, session, discard_secrets=discard_secrets)

    summary = show_result(
        session,
        view,
        step_states=watched.log if watched is not None else None,
        notes=notes,
    )
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
