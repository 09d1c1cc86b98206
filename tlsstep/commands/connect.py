"""``tlsstep connect HOST[:PORT]``: tlsstep's client against a real server.

The client is an ``SSLObject`` on memory BIOs as in ``tlsstep handshake``; the server
is a remote endpoint (``tlsstep.net.remote``) whose bytes tlsstep carries over a TCP
socket, so every view of ``handshake`` works unchanged.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.options import TLS_VERSIONS, _csv, _tls13_suites

if TYPE_CHECKING:
    from tlsstep.commands.handshake import View
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.net.connect_setup import ConnectSetup
    from tlsstep.net.link import NetRun
    from tlsstep.net.sessions import Dialer
    from tlsstep.session import Session

INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
STARTTLS = click.Choice(["smtp", "imap", "pop3", "ftp", "postgres"])

EPILOG = """\b
Examples:
  tlsstep connect example.com                    TLS to port 443, verified against the system CAs
  tlsstep connect 127.0.0.1:4433 --ca ca.pem --states
  tlsstep connect mail.example.com:587 --starttls smtp --certs
  tlsstep connect db.example.com:5432 --starttls postgres --no-verify -v
  tlsstep connect example.com --alpn h2,http/1.1 --resume --json
  tlsstep connect example.com --keylog keys.log --pcap run.pcapng

\b
Exit status: 0 the handshake (and --data, --resume) succeeded; 1 TLS failed (an
alert, a certificate that does not verify); 2 a usage error; 3 a network failure
(name not found, refused, timeout, the peer closed, the peer does not speak TLS).
"""


class Seconds(click.ParamType[float]):
    """A positive number of seconds, at most an hour."""

    name = "SECONDS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not 0 < seconds <= 3600:
            self.fail(f"{value!r} must be more than 0 and at most 3600 seconds", param, ctx)
        return seconds


def connect_options(fn: Any) -> Any:
    """The client's options: where ``handshake`` has the same option, it means the same."""
    options = [
        click.argument("target", metavar="HOST[:PORT]"),
        click.option(
            "--server-name",
            metavar="NAME",
            default=None,
            help="The name the client sends (SNI) and checks the certificate against. "
            "Default: HOST, or for an IP address no SNI and a check against the "
            "certificate's IP addresses. '' sends none and checks none (with --no-verify).",
        ),
        click.option(
            "--ca",
            type=click.Path(dir_okay=False),
            default=None,
            help="Trust only the CA certificates in FILE (PEM) instead of the system trust store.",
        ),
        click.option(
            "--no-verify",
            is_flag=True,
            help="Do not verify the server's certificate (its chain is still shown with --certs).",
        ),
        click.option(
            "--client-cert",
            "client_cert_file",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Mutual TLS: the client's certificate chain, PEM, leaf first, sent when the "
            "server asks ('handshake --client-cert' is a flag: both sides are tlsstep's there).",
        ),
        click.option(
            "--client-key",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="The private key of --client-cert, PEM (default: the key is in --client-cert).",
        ),
        click.option(
            "--key-password",
            metavar="PASSWORD",
            default=None,
            help="Passphrase of an encrypted --client-key (asked for on a terminal when needed).",
        ),
        click.option(
            "--tls-version",
            type=TLS_VERSIONS,
            default=None,
            help="Offer only this TLS version. Default: OpenSSL's range (TLS 1.2 and 1.3).",
        ),
        click.option(
            "--cipher",
            "ciphers",
            metavar="STRING",
            default=None,
            help="OpenSSL cipher string for TLS 1.2 and below, e.g. ECDHE-RSA-AES128-GCM-SHA256.",
        ),
        click.option(
            "--group",
            metavar="NAME",
            default=None,
            help="The one key-exchange group the client offers (Python's set_ecdh_curve), "
            "e.g. prime256v1.",
        ),
        click.option(
            "--alpn",
            metavar="LIST",
            callback=_csv,
            default=None,
            help="Comma-separated ALPN protocols the client offers, e.g. h2,http/1.1.",
        ),
        click.option(
            "--timeout",
            type=Seconds(),
            default=10.0,
            show_default=True,
            help="How long to wait for the TCP connection and for each receive from the server.",
        ),
        click.option(
            "--starttls",
            type=STARTTLS,
            default=None,
            help="Speak this protocol's plaintext preamble first (shown as steps), then TLS.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def view_options(fn: Any) -> Any:
    """The views of a run with a real peer: as ``tlsstep handshake``'s, same names."""
    options = [
        click.option(
            "--data",
            metavar="TEXT",
            default=None,
            help="After the handshake the client writes TEXT and reads the answer.",
        ),
        click.option(
            "--resume",
            is_flag=True,
            help="After the first connection, make a second that resumes its session.",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help='Print one JSON document (summary, events, facts, and "network": addresses, '
            "preamble, problem) instead.",
        ),
        click.option(
            "--step",
            "step_mode",
            is_flag=True,
            help="Pause after each operation (receives included): Enter goes on, c runs to "
            "the end, q quits. Needs a terminal.",
        ),
        click.option(
            "--states",
            is_flag=True,
            help="Show the run one operation at a time with both sides' states after each.",
        ),
        click.option(
            "--explain",
            is_flag=True,
            help="Add a short plain-language note to each message and outcome (implies --states).",
        ),
        click.option("--ladder", is_flag=True, help="Also draw the conversation as a ladder."),
        click.option(
            "--svg",
            "svg_path",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write the ladder diagram to FILE as SVG.",
        ),
        click.option(
            "--html",
            "html_path",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write the ladder diagram to FILE as an HTML page.",
        ),
        click.option(
            "--certs",
            "show_certs",
            is_flag=True,
            help="Show the chain the peer sent, OpenSSL's verdict, the independent one, and "
            "why a check failed.",
        ),
        click.option(
            "--pcap",
            "pcap_path",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Also write the run to FILE as pcapng, with the real addresses and ports and "
            "the TLS key log (mode 0600), for Wireshark.",
        ),
        click.option(
            "--keylog",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Also write tlsstep's TLS secrets to FILE in the NSS key log format (mode 0600).",
        ),
        click.option(
            "--tls13-ciphersuites",
            metavar="LIST",
            callback=_tls13_suites,
            default=None,
            help="Offer only these TLS 1.3 cipher suites, colon-separated.",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            help="-v adds every decoded field and SSLObject fact; -vv adds offsets and bytes.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command(
    "connect",
    short_help="Run a handshake with a real server: tlsstep is the client.",
    epilog=EPILOG,
)
@connect_options
@view_options
def connect_command(
    target: str,
    data: str | None,
    resume: bool,
    as_json: bool,
    step_mode: bool,
    states: bool,
    explain: bool,
    ladder: bool,
    svg_path: str | None,
    html_path: str | None,
    show_certs: bool,
    pcap_path: str | None,
    keylog: str | None,
    tls13_ciphersuites: tuple[str, ...] | None,
    verbose: int,
    **opts: Any,
) -> None:
    """Connect to HOST[:PORT] (default 443) and show the TLS handshake, byte by byte.

    tlsstep's client is a real OpenSSL SSLObject on memory buffers; tlsstep carries
    its bytes to the server's socket and back, so each call, each receive from the
    server and each record is shown, decoded and decrypted in both directions (with
    the client's key log). The server's certificate is verified against the system
    trust store (--ca to replace it) by OpenSSL and independently (--certs).
    """
    from tlsstep.commands.handshake import View
    from tlsstep.commands.options import check_writable

    if step_mode and as_json:
        raise click.UsageError("--step pauses for a person; it cannot be combined with --json")
    if step_mode and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError("--step needs a terminal: it waits for Enter between operations.")
    for path, option in ((svg_path, "--svg"), (html_path, "--html"), (pcap_path, "--pcap")):
        check_writable(path, option)
    setup = _setup(target, {**opts, "tls13_ciphersuites": tls13_ciphersuites})
    view = View(
        step_mode=step_mode,
        states=states,
        explain=explain,
        ladder=ladder,
        svg_path=svg_path,
        html_path=html_path,
    )
    from tlsstep.crypto.unprotector import KeyLogCrypto

    try:
        crypto = KeyLogCrypto(export=keylog)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {keylog}: {exc.strerror}", param_hint="'--keylog'"
        ) from None
    try:
        status = _run(
            setup,
            crypto,
            view,
            data=data.encode() if data is not None else None,
            resume=resume,
            as_json=as_json,
            show_certs=show_certs,
            verbose=verbose,
            pcap_path=pcap_path,
        )
    finally:
        crypto.close()
    sys.exit(status)


def _setup(target: str, opts: dict[str, Any]) -> ConnectSetup:
    """Every option checked and every file read before the first byte is sent."""
    from tlsstep.errors import TlsstepError
    from tlsstep.net.connect_setup import connect_setup

    try:
        return connect_setup(
            target=target,
            server_name=opts.get("server_name"),
            ca=opts.get("ca"),
            no_verify=bool(opts.get("no_verify")),
            client_cert=opts.get("client_cert_file"),
            client_key=opts.get("client_key"),
            key_password=opts.get("key_password"),
            tls_version=opts.get("tls_version"),
            ciphers=opts.get("ciphers"),
            group=opts.get("group"),
            alpn=tuple(opts.get("alpn") or ()),
            tls13_ciphersuites=tuple(opts.get("tls13_ciphersuites") or ()),
            timeout=float(opts["timeout"]),
            starttls=opts.get("starttls"),
        )
    except TlsstepError as exc:
        raise click.UsageError(str(exc)) from None


def _run(
    setup: ConnectSetup,
    crypto: KeyLogCrypto,
    view: View,
    *,
    data: bytes | None,
    resume: bool,
    as_json: bool,
    show_certs: bool,
    verbose: int,
    pcap_path: str | None,
) -> int:
    """Dial, drive the handshake plan against the server, show it; the exit status."""
    from tlsstep.commands.handshake import _watch, show_result
    from tlsstep.errors import TlsstepError
    from tlsstep.exit_status import ExitStatus
    from tlsstep.net.connect_setup import client_context
    from tlsstep.net.live import DecryptLater
    from tlsstep.net.plans import connect_plan
    from tlsstep.net.sessions import Dialer, NetworkFailure
    from tlsstep.render.net_view import net_dict
    from tlsstep.session import Session

    try:
        context = client_context(setup, crypto.keylog_path)
    except TlsstepError as exc:
        raise click.UsageError(str(exc)) from None
    dialer = Dialer(setup, context)
    try:
        try:
            session = Session(setup.config, setup.identity, crypto=crypto, pairs=dialer)
        except NetworkFailure:
            return _failed_before_tls(dialer, as_json)
        one_by_one = view.step_mode or view.states or view.explain
        console = None
        if not as_json:
            from tlsstep.render.net_view import link_lines
            from tlsstep.render.terminal import make_console

            console = make_console()
            console.print(link_lines(dialer.net_run(False)))
        watch = (
            _watch(
                session,
                pause=view.step_mode,
                explain=view.explain,
                quiet=as_json,
                wrap=DecryptLater,
            )
            if one_by_one
            else None
        )
        plan = connect_plan(session, timeout=setup.timeout, data=data, resume=resume)
        interrupted = False
        try:
            if not session.drive(plan):
                return ExitStatus.success  # q at a --step pause
        except KeyboardInterrupt:
            # Ctrl-C while waiting for the server: show and save what happened so far.
            interrupted = True
        session.redecode()  # the server's records, now that the client has logged its secrets
        net = dialer.net_run(session.handshake_ok(), tls_failed=_tls_failed(session))
        if pcap_path is not None:
            _write_pcap(pcap_path, session, net)
        summary = show_result(
            session,
            as_json=as_json,
            show_certs=show_certs,
            verbose=verbose,
            view=view,
            one_by_one=watch is not None,
            step_states=watch.log if watch is not None else None,
            extra={"network": net_dict(net)},
            title=f"tlsstep connect {setup.target}",
        )
    finally:
        dialer.close()
    if interrupted:
        click.echo("tlsstep: interrupted (Ctrl-C); the run above is what happened so far", err=True)
        return INTERRUPTED
    if net.problem is not None:
        click.echo(f"tlsstep: {net.problem.message}", err=True)
        return ExitStatus.network
    return ExitStatus.success if summary.ok else ExitStatus.tls_failure


def _tls_failed(session: Session) -> bool:
    """A local side failed in TLS (OpenSSL's error, not the socket's)."""
    return any(
        e.event.error is not None and e.event.error.library != "socket" for e in session.entries
    )


def _failed_before_tls(dialer: Dialer, as_json: bool) -> int:
    """The first connection or its preamble failed: say why (exit status 3)."""
    from tlsstep.exit_status import ExitStatus

    net = dialer.net_run(False)
    assert net.problem is not None
    if as_json:
        import json

        from tlsstep import __version__
        from tlsstep.render.net_view import net_dict

        json.dump({"tlsstep": __version__, "network": net_dict(net)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif net.failed_preamble:
        from tlsstep.render.net_view import link_lines
        from tlsstep.render.terminal import make_console

        make_console().print(link_lines(net))
    click.echo(f"tlsstep: {net.problem.message}", err=True)
    return ExitStatus.network


def _write_pcap(path: str, session: Session, net: NetRun) -> None:
    """The run as pcapng with the real addresses, ports and key log (tlsstep.net.capture)."""
    from tlsstep.net.capture import write_runs_pcapng

    try:
        packets = write_runs_pcapng(path, [(session, net)])
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--pcap"
        ) from None
    click.echo(f"wrote {path}: {packets} packets, with the real addresses and key log", err=True)
