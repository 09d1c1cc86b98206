"""Options that configure a pair, shared by every command that makes one.

Only click is imported here; the configuration modules load inside
:func:`build_config`, when a command actually runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tlsstep import limits
from tlsstep.frozen import frozen
from tlsstep.wire.enums import ProtocolVersion

if TYPE_CHECKING:
    from tlsstep.config import PairConfig
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.identity import Credential, Identity

F = TypeVar("F", bound=Callable[..., Any])

# ProtocolVersion's option spelling ("1.2"), from TLS 1.0 up (wire.enums is light).
TLS_VERSIONS = click.Choice([v.number for v in ProtocolVersion if v >= ProtocolVersion.tls10])
# tlsstep.cert_problems.CertProblem's values, spelled out so --help imports nothing
# heavy (tests/certs/test_certs_cli.py checks the two lists agree).
CERT_PROBLEMS = click.Choice(
    [
        "expired",
        "not-yet-valid",
        "wrong-host",
        "self-signed",
        "untrusted-root",
        "missing-intermediate",
        "wrong-eku",
        "weak-key",
        "ca-as-leaf",
    ]
)


def _csv(_ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    if not items:
        raise click.BadParameter("give at least one protocol name, e.g. h2,http/1.1")
    if problem := limits.alpn_problem(items, "ALPN"):
        raise click.BadParameter(problem)
    return items


def _host_name(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from tlsstep.hostname import host_name_problem

    if value is not None and (problem := host_name_problem(value)):
        raise click.BadParameter(problem)
    return value


def _tls13_suites(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    if value is None:
        return None
    from tlsstep.crypto.suites import TLS13_SUITE_NAMES

    names = tuple(n.strip() for n in value.split(":") if n.strip())
    unknown = [n for n in names if n not in TLS13_SUITE_NAMES]
    if not names or unknown:
        raise click.BadParameter(
            f"{', '.join(unknown) or 'no suite given'}: use one or more of "
            + ":".join(TLS13_SUITE_NAMES)
        )
    return names


def _range(name: str) -> click.IntRange:
    """The option's range from tlsstep.limits: the same one scenario keys have."""
    bounds = limits.RANGES[name]
    return click.IntRange(bounds.low, bounds.high)


def _fresh_certs(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from tlsstep import certcache

        certcache.bypass()


# Shared by every command that makes certificates; applied while options are parsed, so
# nothing made afterwards reads the cache.
fresh_certs_option: Callable[[F], F] = click.option(
    "--fresh-certs",
    is_flag=True,
    expose_value=False,
    callback=_fresh_certs,
    help="Make new test certificates for this run instead of reusing the ones kept in "
    "$XDG_CACHE_HOME/tlsstep (see 'tlsstep cache').",
)


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


_FILE = {"metavar": "FILE", "type": click.Path(dir_okay=False, writable=True), "default": None}
_FLAG = {"is_flag": True}

# The options more than one command has, spelled and typed once (parameter name ->
# declarations, settings). Each command says in its own help what the option does
# there, through shared_options; handshake's pair options are PAIR_OPTIONS.
SHARED: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "data": (("--data",), {"metavar": "TEXT", "default": None}),
    "resume": (("--resume",), _FLAG),
    "as_json": (("--json", "as_json"), _FLAG),
    "step_mode": (("--step", "step_mode"), _FLAG),
    "states": (("--states",), _FLAG),
    "explain": (("--explain",), _FLAG),
    "ladder": (("--ladder",), _FLAG),
    "svg_path": (("--svg", "svg_path"), _FILE),
    "html_path": (("--html", "html_path"), _FILE),
    "show_certs": (("--certs", "show_certs"), _FLAG),
    "pcap_path": (("--pcap", "pcap_path"), _FILE),
    "keylog": (("--keylog",), _FILE),
    "full_data": (("--full-data",), _FLAG),
    "verbose": (("-v", "--verbose"), {"count": True}),
    "tls_version": (("--tls-version",), {"type": TLS_VERSIONS, "default": None}),
    "ciphers": (("--cipher", "ciphers"), {"metavar": "STRING", "default": None}),
    "tls13_ciphersuites": (
        ("--tls13-ciphersuites",),
        {"metavar": "LIST", "callback": _tls13_suites, "default": None},
    ),
    "group": (("--group",), {"metavar": "NAME", "default": None}),
    "alpn": (("--alpn",), {"metavar": "LIST", "callback": _csv, "default": None}),
    "ca": (("--ca",), {"type": click.Path(dir_okay=False), "default": None}),
    "key_password": (("--key-password",), {"metavar": "PASSWORD", "default": None}),
    "timeout": (("--timeout",), {"type": Seconds(), "default": 10.0, "show_default": True}),
    "tickets": (("--tickets",), {"type": _range("num_tickets"), "default": None}),
    "cert": (("--cert",), {"type": click.Path(dir_okay=False), "default": None}),
    "key": (("--key",), {"type": click.Path(dir_okay=False), "default": None}),
    "server_cert_problem": (("--server-cert-problem",), {"type": CERT_PROBLEMS, "default": None}),
    "chain_depth": (
        ("--chain-depth",),
        {"type": _range("chain_depth"), "default": 1, "show_default": True},
    ),
}


def shared_options(**helps: str) -> Callable[[F], F]:
    """Add the shared options named by ``helps`` (parameter name = its help), in order."""

    def apply(fn: F) -> F:
        for name, text in reversed(helps.items()):
            declarations, settings = SHARED[name]
            fn = click.option(*declarations, help=text, **settings)(fn)
        return fn

    return apply


PAIR_OPTIONS: list[Callable[[F], F]] = [
    shared_options(
        tls_version="Pin both sides to this TLS version (minimum and maximum). Default: "
        "OpenSSL's range, so TLS 1.3."
    ),
    click.option(
        "--client-tls-version",
        type=TLS_VERSIONS,
        default=None,
        help="Pin only the client to this version, e.g. to see a protocol_version failure.",
    ),
    click.option(
        "--server-tls-version",
        type=TLS_VERSIONS,
        default=None,
        help="Pin only the server to this version.",
    ),
    shared_options(
        ciphers="OpenSSL cipher string for TLS 1.2 and below on both sides, e.g. "
        "ECDHE-ECDSA-AES128-GCM-SHA256 (ECDHE-RSA-* suites need --key-type rsa). TLS 1.3 "
        "suites: --tls13-ciphersuites.",
        tls13_ciphersuites="Offer only these TLS 1.3 cipher suites on both sides, "
        "colon-separated (e.g. TLS_AES_128_CCM_SHA256); --cipher does not reach TLS 1.3.",
        group="The one key-exchange group both sides allow (Python's set_ecdh_curve), e.g. "
        "prime256v1.",
    ),
    click.option(
        "--server-group",
        metavar="NAME",
        default=None,
        help="The server's only group. With the client's default x25519 key share, "
        "--server-group prime256v1 makes a TLS 1.3 HelloRetryRequest.",
    ),
    shared_options(
        alpn="Comma-separated ALPN protocols the client offers (and the server accepts, "
        "unless --server-alpn)."
    ),
    click.option(
        "--server-alpn",
        metavar="LIST",
        callback=_csv,
        default=None,
        help="Comma-separated ALPN protocols the server accepts.",
    ),
    click.option(
        "--server-name",
        metavar="NAME",
        callback=_host_name,
        default="example.test",
        show_default=True,
        help="The name the client sends (SNI) and checks the certificate against.",
    ),
    click.option(
        "--no-verify", is_flag=True, help="The client does not verify the server's certificate."
    ),
    click.option(
        "--client-cert",
        is_flag=True,
        help="Mutual TLS: the server requires a client certificate and the client sends one.",
    ),
    click.option(
        "--post-handshake-auth",
        is_flag=True,
        help="TLS 1.3: the server asks for the client certificate after the handshake "
        "(verify_client_post_handshake).",
    ),
    shared_options(
        tickets="How many TLS 1.3 session tickets the server sends after the handshake "
        "(OpenSSL default: 2).",
        cert="The server's certificate chain, PEM, leaf first (default: a trustme certificate "
        "for example.test).",
        key="The private key of --cert, PEM (default: the key file is --cert itself).",
        key_password="Passphrase of an encrypted --key.",
        ca="CA certificates, PEM, that both sides trust (default: the trustme CA).",
        server_cert_problem="Give the server a certificate with this problem, to see how "
        "verification fails.",
    ),
    click.option(
        "--client-cert-problem",
        type=CERT_PROBLEMS,
        default=None,
        help="Give the client a certificate with this problem; the server then requires one.",
    ),
    click.option(
        "--key-type",
        type=click.Choice(["ecdsa", "rsa", "ed25519"]),
        default="ecdsa",
        show_default=True,
        help="The key of the generated certificates: TLS 1.2 suites need their kind "
        "(ECDHE-RSA-* an rsa key, ECDHE-ECDSA-* an ecdsa or ed25519 one).",
    ),
    shared_options(
        chain_depth="Certificates in each generated chain below the root: 2 adds an "
        "intermediate CA."
    ),
    fresh_certs_option,
]


def pair_options(fn: F) -> F:
    """Add every pair-configuration option to a command."""
    for option in reversed(PAIR_OPTIONS):
        fn = option(fn)
    return fn


def build_config(opts: dict[str, Any]) -> tuple[PairConfig, Identity]:
    """The pair configuration and identity the options ask for.

    Raises:
        click.BadParameter: a file or value the option names cannot be used.
    """
    from tlsstep.config import ClientCert, KeyType, PairConfig, SideConfig
    from tlsstep.errors import TlsstepError
    from tlsstep.identity import default_identity

    def pinned(side_version: str | None) -> dict[str, Any]:
        version = side_version or opts.get("tls_version")
        return {"min_version": version, "max_version": version} if version else {}

    identity = default_identity()
    server_credential = None
    trust = None
    problems = [o for o in ("server_cert_problem", "client_cert_problem") if opts.get(o)]
    own = [o for o in ("cert", "ca") if opts.get(o)]
    if problems and own:
        raise click.UsageError(
            f"--{problems[0].replace('_', '-')} makes certificates under tlsstep's test CA; "
            f"it cannot be combined with --{own[0]}"
        )
    try:
        if opts.get("cert"):
            server_credential = _own_credential(opts)
        elif opts.get("key"):
            raise click.BadParameter("--key needs --cert", param_hint="--key")
        if opts.get("ca"):
            from tlsstep.cert_files import load_trust

            trust = load_trust(opts["ca"])
    except TlsstepError as exc:
        raise click.BadParameter(str(exc), param_hint="--cert/--key/--ca") from None

    alpn = opts.get("alpn") or ()
    server_alpn = opts.get("server_alpn") or alpn
    pha = bool(opts.get("post_handshake_auth"))
    suites = tuple(opts.get("tls13_ciphersuites") or ())
    client = SideConfig(
        ciphers=opts.get("ciphers"),
        tls13_ciphersuites=suites,
        group=opts.get("group"),
        alpn=tuple(alpn),
        verify=not opts.get("no_verify"),
        post_handshake_auth=pha,
        **pinned(opts.get("client_tls_version")),
    )
    server = SideConfig(
        ciphers=opts.get("ciphers"),
        tls13_ciphersuites=suites,
        group=opts.get("server_group") or opts.get("group"),
        alpn=tuple(server_alpn),
        post_handshake_auth=pha,
        num_tickets=opts.get("tickets"),
        credential=server_credential,
        **pinned(opts.get("server_tls_version")),
    )
    config = PairConfig(
        client=client,
        server=server,
        server_name=opts.get("server_name"),
        client_cert=ClientCert.required if opts.get("client_cert") else ClientCert.none,
        trust_pem=trust,
        server_cert_problem=opts.get("server_cert_problem"),
        client_cert_problem=opts.get("client_cert_problem"),
        chain_depth=opts.get("chain_depth") or 1,
        key_type=KeyType(opts.get("key_type") or "ecdsa"),
    )
    return config, identity


def _own_credential(opts: dict[str, Any]) -> Credential:
    """--cert/--key/--key-password as a Credential; asks for the password on a terminal.

    Raises:
        TlsstepError: a file that cannot be used (CertFileError names it).
    """
    import sys

    from tlsstep.cert_files import KeyPasswordNeeded, load_credential

    password = opts.get("key_password")
    try:
        return load_credential(opts["cert"], opts.get("key"), password)
    except KeyPasswordNeeded as exc:
        if not sys.stdin.isatty():
            raise
        password = click.prompt(
            f"Password for the key in {exc.path}", hide_input=True, err=True, default=""
        )
        return load_credential(opts["cert"], opts.get("key"), password)


def check_writable(path: str | None, option: str) -> None:
    """Refuse an output file whose directory does not exist or cannot be written."""
    if path is None:
        return
    import os

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise click.BadParameter(
            f"cannot write {path}: no directory {directory}", param_hint=option
        )
    if not os.access(directory, os.W_OK):
        raise click.BadParameter(
            f"cannot write {path}: {directory} is not writable", param_hint=option
        )


def write_html(path: str, document: dict[str, Any], title: str, option: str = "--html") -> int:
    """Write the page of a run's ``document`` (render/page.py, mode 0600); its size."""
    from tlsstep.render.page import write_page

    document["title"] = title
    try:
        return write_page(path, document, title)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint=option
        ) from None


@frozen
class View:
    """How a run is shown and which files it writes besides: the options ``handshake``,
    ``connect`` and ``serve`` share, read once (:func:`view_from`) and handed on."""

    as_json: bool = False
    verbose: int = 0
    show_certs: bool = False
    step_mode: bool = False  # --step: pause between operations (a terminal only)
    states: bool = False
    explain: bool = False
    ladder: bool = False
    svg_path: str | None = None
    html_path: str | None = None
    pcap_path: str | None = None
    keylog: str | None = None
    full_data: bool = False  # application data in full, not a 64-byte preview

    @property
    def one_by_one(self) -> bool:
        """The transcript is printed operation by operation, as the run goes."""
        return self.step_mode or self.states or self.explain


_VIEW_FIELDS = tuple(f.name for f in dataclasses.fields(View))
_OUTPUTS = (("svg_path", "--svg"), ("html_path", "--html"), ("pcap_path", "--pcap"))


def view_from(opts: dict[str, Any]) -> View:
    """Take the view options out of a command's keyword arguments and check them
    before the run: --step with --json or without a terminal, output files that
    cannot be written.

    Raises:
        click.UsageError: --step cannot be honoured.
        click.BadParameter: an output file's directory is missing or not writable.
    """
    import sys

    view = View(**{name: opts.pop(name) for name in _VIEW_FIELDS if name in opts})
    if view.step_mode and view.as_json:
        raise click.UsageError("--step pauses for a person; it cannot be combined with --json")
    if view.step_mode and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.UsageError(
            "--step needs a terminal: it waits for Enter between operations. "
            "To script steps, pipe them into 'tlsstep shell'."
        )
    for name, option in _OUTPUTS:
        check_writable(getattr(view, name), option)  # before the run, not after it
    return view


@contextlib.contextmanager
def run_crypto(keylog: str | None) -> Iterator[KeyLogCrypto]:
    """The run's decryption hooks (issue 5): the key log lives in the private directory
    and is deleted on every exit, an error or Ctrl-C included; ``--keylog`` gets a copy.

    Raises:
        click.BadParameter: --keylog cannot be created.
        click.ClickException: the copy could not be written to the end.
    """
    from tlsstep.crypto.unprotector import KeyLogCrypto

    try:
        crypto = KeyLogCrypto(export=keylog)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {keylog}: {exc.strerror}", param_hint="'--keylog'"
        ) from None
    try:
        yield crypto
    finally:
        crypto.close()
        if crypto.export_error is not None:
            raise click.ClickException(
                f"could not write {keylog}: {crypto.export_error.strerror}"
            ) from None
