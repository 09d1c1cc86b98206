"""``tlsstep connect HOST[:PORT]``: tlsstep's client against a real server.

The client is an ``SSLObject`` on memory BIOs as in ``tlsstep handshake``; the server
is a remote endpoint (``tlsstep.net.remote``) whose bytes tlsstep carries over a TCP
socket, so every view of ``handshake`` works unchanged.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.options import shared_options

if TYPE_CHECKING:
    from tlsstep.commands.options import View
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.net.connect_setup import ConnectSetup
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
        shared_options(
            ca="Trust only the CA certificates in FILE (PEM) instead of the system trust store."
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
        shared_options(
            key_password="Passphrase of an encrypted --client-key (asked for on a terminal "
            "when needed).",
            tls_version="Offer only this TLS version. Default: OpenSSL's range (TLS 1.2 and 1.3).",
            ciphers="OpenSSL cipher string for TLS 1.2 and below, e.g. "
            "ECDHE-RSA-AES128-GCM-SHA256.",
            group="The one key-exchange group the client offers (Python's set_ecdh_curve), "
            "e.g. prime256v1.",
            alpn="Comma-separated ALPN protocols the client offers, e.g. h2,http/1.1.",
            timeout="How long to wait for the TCP connection and for each receive from the server.",
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


# The views of a run with a real peer: as ``tlsstep handshake``'s, same names.
view_options = shared_options(
    data="After the handshake the client writes TEXT and reads the answer.",
    resume="After the first connection, make a second that resumes its session.",
    as_json='Print one JSON document (summary, events, facts, and "network": addresses, '
    "preamble, problem) instead.",
    step_mode="Pause after each operation (receives included): Enter goes on, c runs to the "
    "end, q quits. Needs a terminal.",
    states="Show the run one operation at a time with both sides' states after each.",
    explain="Add a short plain-language note to each message and outcome (implies --states).",
    ladder="Also draw the conversation as a ladder.",
    svg_path="Write the ladder diagram to FILE as SVG.",
    html_path="Write the ladder diagram to FILE as an HTML page.",
    show_certs="Show the chain the peer sent, OpenSSL's verdict, the independent one, and "
    "why a check failed.",
    pcap_path="Also write the run to FILE as pcapng, with the real addresses and ports and "
    "the TLS key log (mode 0600), for Wireshark.",
    keylog="Also write tlsstep's TLS secrets to FILE in the NSS key log format (mode 0600).",
    tls13_ciphersuites="Offer only these TLS 1.3 cipher suites, colon-separated.",
    full_data="Show application data in full in the text view (by default: its first 64 "
    "bytes and how many more; --json always has all of it).",
    verbose="-v adds every decoded field and SSLObject fact; -vv adds offsets and bytes.",
)


@click.command(
    "connect",
    short_help="Run a handshake with a real server: tlsstep is the client.",
    epilog=EPILOG,
)
@connect_options
@view_options
def connect_command(target: str, data: str | None, resume: bool, **opts: Any) -> None:
    """Connect to HOST[:PORT] (default 443) and show the TLS handshake, byte by byte.

    tlsstep's client is a real OpenSSL SSLObject on memory buffers; tlsstep carries
    its bytes to the server's socket and back, so each call, each receive from the
    server and each record is shown, decoded and decrypted in both directions (with
    the client's key log). The server's certificate is verified against the system
    trust store (--ca to replace it) by OpenSSL and independently (--certs).
    """
    from tlsstep.commands.options import run_crypto, view_from

    view = view_from(opts)
    setup = _setup(target, opts)
    with run_crypto(view.keylog) as crypto:
        status = _run(
            setup,
            crypto,
            view,
            data=data.encode() if data is not None else None,
            resume=resume,
        )
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
) -> int:
    """Dial, drive the handshake plan against the server, show it; the exit status."""
    from tlsstep.commands.peer import run_with_peer, write_pcap
    from tlsstep.errors import TlsstepError
    from tlsstep.exit_status import ExitStatus
    from tlsstep.net.connect_setup import client_context
    from tlsstep.net.plans import connect_plan
    from tlsstep.net.sessions import Dialer, NetworkFailure
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
            return _failed_before_tls(dialer, view.as_json)
        run = run_with_peer(
            session,
            view,
            connect_plan(session, timeout=setup.timeout, data=data, resume=resume),
            network=lambda: dialer.net_run(session.handshake_ok(), _tls_failed(session)),
            title=f"tlsstep connect {setup.target}",
        )
        if run.summary is None:
            return ExitStatus.success  # q at a --step pause
        if view.pcap_path is not None:
            written = write_pcap(view.pcap_path, [(session, run.net)])
            click.echo(f"{written}, with the real addresses and key log", err=True)
    finally:
        dialer.close()
    if run.interrupted:
        click.echo("tlsstep: interrupted (Ctrl-C); the run above is what happened so far", err=True)
        return INTERRUPTED
    if run.net.problem is not None:
        click.echo(f"tlsstep: {run.net.problem.message}", err=True)
        return ExitStatus.network
    return ExitStatus.success if run.summary.ok else ExitStatus.tls_failure


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
