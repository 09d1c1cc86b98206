"""``tlsstep serve``: tlsstep's server for real clients (curl, openssl s_client, browsers).

The server is an ``SSLObject`` on memory BIOs as in ``tlsstep handshake``; each client
that connects is a remote endpoint (``tlsstep.net.remote``), and each connection is
shown with the same views as ``handshake``, decrypted with the server's key log.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.connect import Seconds
from tlsstep.commands.options import CERT_PROBLEMS, TLS_VERSIONS, _csv

if TYPE_CHECKING:
    from tlsstep.commands.handshake import View
    from tlsstep.config import PairConfig
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.identity import Identity
    from tlsstep.net.carrier import Listener
    from tlsstep.net.link import NetRun
    from tlsstep.session import Session

EPILOG = """\b
Examples:
  tlsstep serve --port 4433                      echo server with a certificate for example.test
  tlsstep serve --port 4433 --once --states      one connection, one operation at a time
  tlsstep serve --server-cert-problem expired    see a real client refuse it, from both ends
  tlsstep serve --client-cert --json             require client certificates; JSON Lines
  tlsstep serve --respond answer.http            answer each request with a canned HTTP reply

\b
Exit status: 0 after Ctrl-C (or, with --once, a connection that succeeded); 1 the
--once connection failed in TLS; 2 a usage error; 3 the address is in use or the
--once connection failed on the network.
"""


def _server_options(fn: Any) -> Any:
    options = [
        click.option(
            "--host",
            default="127.0.0.1",
            show_default=True,
            help="The address to listen on. Only loopback by default: give another address "
            "(or 0.0.0.0) to let other machines connect.",
        ),
        click.option(
            "--port",
            type=click.IntRange(0, 65535),
            default=4433,
            show_default=True,
            help="The TCP port to listen on; 0 picks a free one (printed at start).",
        ),
        click.option("--once", is_flag=True, help="Serve one connection, then exit."),
        click.option(
            "--respond",
            "respond_file",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Answer a client's first request with the bytes of FILE (e.g. a canned HTTP "
            "response), then close; without it, every request is echoed back.",
        ),
        click.option(
            "--timeout",
            type=Seconds(),
            default=10.0,
            show_default=True,
            help="How long to wait for each receive from a client before closing it.",
        ),
        click.option(
            "--ca-out",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write the CA certificate clients should trust to FILE (default: a file in "
            "the temporary directory, removed at exit).",
        ),
        click.option(
            "--tls-version",
            type=TLS_VERSIONS,
            default=None,
            help="Accept only this TLS version.",
        ),
        click.option(
            "--cipher",
            "ciphers",
            metavar="STRING",
            default=None,
            help="OpenSSL cipher string for TLS 1.2 and below.",
        ),
        click.option(
            "--group", metavar="NAME", default=None, help="The server's one key-exchange group."
        ),
        click.option(
            "--alpn",
            metavar="LIST",
            callback=_csv,
            default=None,
            help="Comma-separated ALPN protocols the server accepts.",
        ),
        click.option(
            "--client-cert",
            type=click.Choice(["required", "optional"]),
            is_flag=False,
            flag_value="required",
            default=None,
            help="Ask clients for a certificate: --client-cert requires one, "
            "--client-cert optional asks without requiring ('handshake --client-cert' "
            "is the same request with tlsstep's own client answering).",
        ),
        click.option(
            "--tickets",
            type=click.IntRange(0, 16),
            default=None,
            help="How many TLS 1.3 session tickets to send after a handshake (OpenSSL: 2).",
        ),
        click.option(
            "--cert",
            type=click.Path(dir_okay=False),
            default=None,
            help="The server's certificate chain, PEM, leaf first (default: a certificate for "
            "example.test from tlsstep's test CA).",
        ),
        click.option(
            "--key",
            type=click.Path(dir_okay=False),
            default=None,
            help="The private key of --cert, PEM (default: in --cert).",
        ),
        click.option(
            "--key-password", metavar="PASSWORD", default=None, help="Passphrase of --key."
        ),
        click.option(
            "--ca",
            type=click.Path(dir_okay=False),
            default=None,
            help="CA certificates, PEM, that client certificates are checked against "
            "(default: tlsstep's test CA).",
        ),
        click.option(
            "--server-cert-problem",
            type=CERT_PROBLEMS,
            default=None,
            help="Serve a certificate with this problem, to see how real clients refuse it.",
        ),
        click.option(
            "--chain-depth",
            type=click.IntRange(1, 5),
            default=1,
            show_default=True,
            help="Certificates in the generated chain below the root: 2 adds an intermediate.",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print each connection as one JSON document on one line (JSON Lines).",
        ),
        click.option(
            "--states",
            is_flag=True,
            help="Show each connection one operation at a time with both sides' states.",
        ),
        click.option(
            "--explain", is_flag=True, help="Add plain-language notes (implies --states)."
        ),
        click.option("--ladder", is_flag=True, help="Also draw each connection as a ladder."),
        click.option(
            "--certs",
            "show_certs",
            is_flag=True,
            help="Show the chain each side sent and both verifiers' verdicts.",
        ),
        click.option(
            "--keylog",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Also write the TLS secrets of every connection to FILE (NSS format, 0600).",
        ),
        click.option(
            "--pcap",
            "pcap_path",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Also write every connection to FILE as pcapng with the real addresses and "
            "the key log (0600), at exit (Ctrl-C included).",
        ),
        click.option(
            "-v",
            "--verbose",
            count=True,
            help="-v adds every decoded field and SSLObject fact; -vv offsets and bytes.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command(
    "serve", short_help="Serve TLS to real clients: tlsstep is the server.", epilog=EPILOG
)
@_server_options
def serve_command(
    host: str,
    port: int,
    once: bool,
    respond_file: str | None,
    timeout: float,
    ca_out: str | None,
    as_json: bool,
    states: bool,
    explain: bool,
    ladder: bool,
    show_certs: bool,
    keylog: str | None,
    pcap_path: str | None,
    verbose: int,
    **opts: Any,
) -> None:
    """Listen on HOST:PORT and show every TLS connection a real client makes.

    Each connection runs the server side of a handshake on a real OpenSSL SSLObject;
    tlsstep carries the client's bytes from the socket, shows each call, receive and
    record (decrypted with the server's key log), then echoes what the client sends
    (or answers with --respond FILE). It prints where it listens and how to trust it.
    """
    from tlsstep.commands.handshake import View
    from tlsstep.commands.options import check_writable

    for path, option in ((pcap_path, "--pcap"), (ca_out, "--ca-out")):
        check_writable(path, option)
    config, identity = _config(opts)
    response = None
    if respond_file is not None:
        from tlsstep.errors import TlsstepError
        from tlsstep.net.serve_setup import read_response

        try:
            response = read_response(respond_file)
        except TlsstepError as exc:
            raise click.BadParameter(str(exc), param_hint="--respond") from None
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.net.carrier import Listener
    from tlsstep.net.problems import NetProblem

    listener = Listener.open(host, port)
    if isinstance(listener, NetProblem):
        click.echo(f"tlsstep: {listener.message}", err=True)
        sys.exit(3)
    try:
        crypto = KeyLogCrypto(export=keylog)
    except OSError as exc:
        listener.close()
        raise click.BadParameter(
            f"cannot write {keylog}: {exc.strerror}", param_hint="'--keylog'"
        ) from None
    view = View(states=states, explain=explain, ladder=ladder)
    try:
        status = _serve(
            listener,
            config,
            identity,
            crypto,
            view,
            once=once,
            response=response,
            timeout=timeout,
            ca_out=ca_out,
            as_json=as_json,
            show_certs=show_certs,
            verbose=verbose,
            pcap_path=pcap_path,
        )
    finally:
        listener.close()
        crypto.close()
    sys.exit(status)


def _config(opts: dict[str, Any]) -> tuple[PairConfig, Identity]:
    """The server's half of a pair configuration, from the same builder as handshake's."""
    import dataclasses

    from tlsstep.commands.options import build_config
    from tlsstep.config import ClientCert

    choice = opts.pop("client_cert", None)
    opts["server_group"] = opts.pop("group", None)
    config, identity = build_config(opts)
    if choice is not None:
        config = dataclasses.replace(config, client_cert=ClientCert(choice))
    return config, identity


def _serve(
    listener: Listener,
    config: PairConfig,
    identity: Identity,
    crypto: KeyLogCrypto,
    view: View,
    *,
    once: bool,
    response: bytes | None,
    timeout: float,
    ca_out: str | None,
    as_json: bool,
    show_certs: bool,
    verbose: int,
    pcap_path: str | None,
) -> int:
    """Accept, run, show; until Ctrl-C (or one connection with ``once``)."""
    from tlsstep.config import build_server_context, resolve_identity
    from tlsstep.errors import TlsstepError
    from tlsstep.exit_status import ExitStatus
    from tlsstep.net.serve_setup import TrustHint, write_ca_file

    try:
        resolved = resolve_identity(config, identity)
        context = build_server_context(
            config,
            trust_pem=config.trust_pem or resolved.trust_pem,
            credential=resolved.server,
            keylog_path=crypto.keylog_path,
        )
        ca_file = None
        if config.server.credential is None:  # a generated certificate: say what to trust
            ca_file = write_ca_file(resolved.trust_pem, ca_out, listener.port)
    except TlsstepError as exc:
        raise click.UsageError(str(exc)) from None
    host, port = listener.address
    name = config.server_name or "example.test"
    hint = TrustHint(ca_file=str(ca_file) if ca_file else None, name=name, host=host, port=port)
    click.echo(f"tlsstep serve: listening on {listener.where.rsplit(':', 1)[0]}:{port}", err=True)
    click.echo("  trust it with:", err=True)
    for command in hint.commands():
        click.echo(f"    {command}", err=True)
    click.echo("  Ctrl-C stops." if not once else "  (one connection: --once)", err=True)
    sessions: list[tuple[Session, NetRun]] = []
    status: int = ExitStatus.success
    try:
        while True:
            carrier = listener.accept()
            if carrier is None:
                continue
            session, net, code, interrupted = _one(
                carrier,
                context,
                config,
                identity,
                crypto,
                view,
                response=response,
                timeout=timeout,
                as_json=as_json,
                show_certs=show_certs,
                verbose=verbose,
                where=f"{host}:{port}",
            )
            if pcap_path is not None:
                sessions.append((session, net))
            if interrupted:
                raise KeyboardInterrupt
            if once:
                status = code
                break
    except KeyboardInterrupt:
        click.echo("tlsstep serve: stopped (Ctrl-C)", err=True)
    finally:
        if pcap_path is not None:
            _write_pcap(pcap_path, sessions)
        if ca_file is not None and ca_out is None:
            ca_file.unlink(missing_ok=True)
    return status


def _one(
    carrier: Any,
    context: Any,
    config: PairConfig,
    identity: Identity,
    crypto: KeyLogCrypto,
    view: View,
    *,
    response: bytes | None,
    timeout: float,
    as_json: bool,
    show_certs: bool,
    verbose: int,
    where: str,
) -> tuple[Session, NetRun, int, bool]:
    """One accepted connection: run the serve plan, show it; its exit status, and
    whether Ctrl-C cut it short (it is shown, and written to --pcap, all the same)."""
    from tlsstep.commands.handshake import _watch, show_result
    from tlsstep.exit_status import ExitStatus
    from tlsstep.net.live import DecryptLater
    from tlsstep.net.plans import serve_plan
    from tlsstep.net.sessions import Acceptor
    from tlsstep.render.net_view import net_dict
    from tlsstep.session import Session
    from tlsstep.summary import sni_received

    acceptor = Acceptor(carrier, context, timeout=timeout)
    try:
        session = Session(config, identity, crypto=crypto, pairs=acceptor)
        if not as_json:
            from tlsstep.render.net_view import link_lines
            from tlsstep.render.terminal import make_console

            make_console().print(link_lines(acceptor.net_run(where)))
        one_by_one = view.states or view.explain
        watch = (
            _watch(session, pause=False, explain=view.explain, quiet=as_json, wrap=DecryptLater)
            if one_by_one
            else None
        )
        interrupted = False
        try:
            session.drive(serve_plan(session, timeout=timeout, response=response))
        except KeyboardInterrupt:  # Ctrl-C mid-connection: show what happened, then stop
            interrupted = True
        with _sigint_after() as late:  # a connection is shown whole, never half a JSON line
            session.redecode()
            net = acceptor.net_run(where, sni=sni_received(session))
            summary = show_result(
                session,
                as_json=as_json,
                show_certs=show_certs,
                verbose=verbose,
                view=view,
                one_by_one=watch is not None,
                step_states=watch.log if watch is not None else None,
                extra={"network": net_dict(net)},
                compact=True,
            )
        interrupted = interrupted or late.pressed
    finally:
        carrier.close()
    if net.problem is not None and not summary.failures:
        return session, net, ExitStatus.network, interrupted
    status = ExitStatus.success if summary.ok else ExitStatus.tls_failure
    return session, net, status, interrupted


class _Pressed:
    pressed = False


@contextlib.contextmanager
def _sigint_after() -> Iterator[_Pressed]:
    """Hold a Ctrl-C until the block is done; say whether one came."""
    seen = _Pressed()

    def hold(_signum: int, _frame: Any) -> None:
        seen.pressed = True

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_pcap(path: str, runs: list[tuple[Session, NetRun]]) -> None:
    """Every served connection in one pcapng file (tlsstep.net.capture), also after Ctrl-C."""
    from tlsstep.net.capture import write_runs_pcapng

    try:
        packets = write_runs_pcapng(path, runs)
    except OSError as exc:
        click.echo(f"tlsstep: cannot write {path}: {exc.strerror}", err=True)
        return
    click.echo(f"wrote {path}: {packets} packets from {len(runs)} connections", err=True)
