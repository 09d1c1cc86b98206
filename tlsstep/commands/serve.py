"""``tlsstep serve``: tlsstep's server for real clients (curl, openssl s_client, browsers).

The server is an ``SSLObject`` on memory BIOs as in ``tlsstep handshake``; each client
that connects is a remote endpoint (``tlsstep.net.remote``), and each connection is
shown with the same views as ``handshake``, decrypted with the server's key log.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.options import View, shared_options
from tlsstep.frozen import frozen

if TYPE_CHECKING:
    import ssl

    from tlsstep.config import PairConfig
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.identity import Identity
    from tlsstep.net.carrier import Carrier, Listener
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
        shared_options(
            timeout="How long to wait for each receive from a client before closing it."
        ),
        click.option(
            "--ca-out",
            metavar="FILE",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write the CA certificate clients should trust to FILE (default: a file in "
            "the temporary directory, removed at exit).",
        ),
        shared_options(
            tls_version="Accept only this TLS version.",
            ciphers="OpenSSL cipher string for TLS 1.2 and below.",
            group="The server's one key-exchange group.",
            alpn="Comma-separated ALPN protocols the server accepts.",
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
        shared_options(
            tickets="How many TLS 1.3 session tickets to send after a handshake (OpenSSL: 2).",
            cert="The server's certificate chain, PEM, leaf first (default: a certificate for "
            "example.test from tlsstep's test CA).",
            key="The private key of --cert, PEM (default: in --cert).",
        ),
        shared_options(
            key_password="Passphrase of --key.",
            ca="CA certificates, PEM, that client certificates are checked against "
            "(default: tlsstep's test CA).",
        ),
        shared_options(
            server_cert_problem="Serve a certificate with this problem, to see how real "
            "clients refuse it.",
            chain_depth="Certificates in the generated chain below the root: 2 adds an "
            "intermediate.",
        ),
        shared_options(
            as_json="Print each connection as one JSON document on one line (JSON Lines).",
            states="Show each connection one operation at a time with both sides' states.",
            explain="Add plain-language notes (implies --states).",
            ladder="Also draw each connection as a ladder.",
            svg_path="Write each connection's ladder diagram to FILE as SVG: with several "
            "connections, FILE-1, FILE-2 ... before the extension (with --once, FILE).",
            html_path="Write each connection as one self-contained HTML page (as "
            "'handshake --html', mode 0600: it embeds the run's keys): with several "
            "connections one page each, FILE-1, FILE-2 ... before the extension, none "
            "overwritten (with --once, FILE).",
            show_certs="Show the chain each side sent and both verifiers' verdicts.",
            keylog="Also write the TLS secrets of every connection to FILE (NSS format, 0600).",
            pcap_path="Also write every connection to FILE as pcapng with the real addresses "
            "and the key log (0600), at exit (Ctrl-C included).",
            full_data="Show application data in full in the text view (by default: its "
            "first 64 bytes and how many more; --json always has all of it).",
            verbose="-v adds every decoded field and SSLObject fact; -vv offsets and bytes.",
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
    **opts: Any,
) -> None:
    """Listen on HOST:PORT and show every TLS connection a real client makes.

    Each connection runs the server side of a handshake on a real OpenSSL SSLObject;
    tlsstep carries the client's bytes from the socket, shows each call, receive and
    record (decrypted with the server's key log), then echoes what the client sends
    (or answers with --respond FILE). It prints where it listens and how to trust it.
    """
    from tlsstep.commands.options import check_writable, run_crypto, view_from

    view = view_from(opts)
    check_writable(ca_out, "--ca-out")
    config, identity = _config(opts)
    response = None
    if respond_file is not None:
        from tlsstep.errors import TlsstepError
        from tlsstep.net.serve_setup import read_response

        try:
            response = read_response(respond_file)
        except TlsstepError as exc:
            raise click.BadParameter(str(exc), param_hint="--respond") from None
    from tlsstep.net.carrier import Listener
    from tlsstep.net.problems import NetProblem

    listener = Listener.open(host, port)
    if isinstance(listener, NetProblem):
        click.echo(f"tlsstep: {listener.message}", err=True)
        sys.exit(3)
    try:
        with run_crypto(view.keylog) as crypto:
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
            )
    finally:
        listener.close()
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
    sessions: list[tuple[Session, NetRun]] = []  # kept only for --pcap
    served = Served(context=context, config=config, identity=identity, crypto=crypto)
    status: int = ExitStatus.success
    number = 0
    try:
        while True:
            carrier = listener.accept()
            if carrier is None:
                continue
            number += 1
            session, net, code, interrupted = _one(
                carrier,
                served,
                _numbered(view, None if once else number),
                response=response,
                timeout=timeout,
                where=f"{host}:{port}",
            )
            if view.pcap_path is not None:
                sessions.append((session, net))
            if interrupted:
                raise KeyboardInterrupt
            if once:
                status = code
                break
    except KeyboardInterrupt:
        click.echo("tlsstep serve: stopped (Ctrl-C)", err=True)
    finally:
        if view.pcap_path is not None:
            _write_pcap(view.pcap_path, sessions)
        if ca_file is not None and ca_out is None:
            ca_file.unlink(missing_ok=True)
    return status


@frozen
class Served:
    """What every served connection shares: the server's context and configuration."""

    context: ssl.SSLContext
    config: PairConfig
    identity: Identity
    crypto: KeyLogCrypto


def _numbered(view: View, number: int | None) -> View:
    """Connection ``number``'s view: its own --html page and --svg ladder, ``page-2.html``
    for the second connection (one file each, none overwritten); None: the files as given
    (``--once``)."""
    if number is None:
        return view

    def numbered(path: str | None) -> str | None:
        if path is None:
            return None
        file = Path(path)
        return str(file.with_name(f"{file.stem}-{number}{file.suffix}"))

    return dataclasses.replace(
        view, html_path=numbered(view.html_path), svg_path=numbered(view.svg_path)
    )


def _one(
    carrier: Carrier,
    served: Served,
    view: View,
    *,
    response: bytes | None,
    timeout: float,
    where: str,
) -> tuple[Session, NetRun, int, bool]:
    """One accepted connection: run the serve plan, show it; its exit status, and
    whether Ctrl-C cut it short (it is shown, and written to --pcap, all the same)."""
    from tlsstep.commands.peer import run_with_peer
    from tlsstep.exit_status import ExitStatus
    from tlsstep.net.plans import serve_plan
    from tlsstep.net.sessions import Acceptor
    from tlsstep.session import Session
    from tlsstep.summary import sni_received

    acceptor = Acceptor(carrier, served.context, timeout=timeout)
    try:
        session = Session(served.config, served.identity, crypto=served.crypto, pairs=acceptor)
        run = run_with_peer(
            session,
            view,
            serve_plan(session, timeout=timeout, response=response),
            network=lambda: acceptor.net_run(where, sni=sni_received(session)),
            title=f"tlsstep serve {where}",
            compact=True,
        )
    finally:
        carrier.close()
    for path in (view.html_path, view.svg_path):
        if path is not None:
            click.echo(f"tlsstep serve: wrote {path}", err=True)
    assert run.summary is not None  # serve never pauses (no --step)
    if run.net.problem is not None and not run.summary.failures:
        return session, run.net, ExitStatus.network, run.interrupted
    status = ExitStatus.success if run.summary.ok else ExitStatus.tls_failure
    return session, run.net, status, run.interrupted


def _write_pcap(path: str, runs: list[tuple[Session, NetRun]]) -> None:
    """Every served connection in one pcapng file, also after Ctrl-C (a failure is said,
    not raised: the server is stopping)."""
    from tlsstep.commands.peer import write_pcap

    try:
        written = write_pcap(path, runs)
    except click.BadParameter as exc:
        click.echo(f"tlsstep: {exc.message}", err=True)
        return
    click.echo(f"{written} from {len(runs)} connections", err=True)
