"""``tlsstep replay``: run scenario files and check every expectation in them."""

from __future__ import annotations

import fnmatch
import sys
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.options import fresh_certs_option

if TYPE_CHECKING:
    from tlsstep.scenario import ScenarioResult
    from tlsstep.session import Session

EPILOG = """\b
Examples:
  tlsstep replay scenarios/                     every bundled scenario
  tlsstep replay -q scenarios/ --junit out.xml  summary only, JUnit XML for CI
  tlsstep replay scenarios/ -k resumption       scenarios whose name or file matches
  tlsstep replay my-bug.toml --json
  tlsstep replay scenarios/ --pcap captures/    one pcapng per scenario, secrets inside
  tlsstep replay scenarios/ --html pages/       one teaching page per scenario + index.html

\b
Exit status: 0 every scenario passed, 1 a check failed, 2 a file is unreadable
or invalid (reported as FILE:LINE: message).

\b
The file format (every key, step, expectation and fault, each with an example):
docs/scenarios.md in tlsstep's source. In tlsstep shell, 'help STEP' shows one
step's keys.
"""


def _crypto_hooks() -> Any:
    """One key log for the whole replay, so that alerts and messages inside protected
    records are decrypted and checked."""
    from tlsstep.crypto.unprotector import KeyLogCrypto

    return KeyLogCrypto()


def pcap_target(option: str, scenario_path: str, count: int, suffix: str = ".pcapng") -> str:
    """``--pcap``'s (or ``--html``'s) file for one scenario: the option itself for a lone
    scenario that is not aimed at a directory, else DIR/<scenario file name><suffix>."""
    from pathlib import Path

    target = Path(option)
    if count == 1 and not target.is_dir() and not option.endswith(("/", "\\")):
        return option
    target.mkdir(parents=True, exist_ok=True)
    return str(target / (Path(scenario_path).stem + suffix))


def check_many_target(option: str | None, count: int, name: str, suffixes: tuple[str, ...]) -> None:
    """Before any scenario runs: several scenarios need a directory, not a file (issue 16
    item 15), so an existing file or a name ending like one (``two.pcapng``) is refused."""
    from pathlib import Path

    if option is None or count <= 1:
        return
    target = Path(option)
    if target.exists() and not target.is_dir():
        why = "is a file"
    elif not target.exists() and target.suffix.lower() in suffixes:
        why = f"ends in {target.suffix}, like a file"
    else:
        return
    raise click.BadParameter(
        f"{option} {why}, but {count} scenarios run: give a directory, which gets one "
        f"file per scenario (DIR/<scenario file name>{suffixes[0]}), or run one scenario",
        param_hint=name,
    )


def _write_pcap(path: str, session: Any, *, discard_secrets: bool = False) -> None:
    from tlsstep.pcap.writer import session_keylog, write_session_pcapng

    try:
        keylog = b"" if discard_secrets else session_keylog(session)
        write_session_pcapng(path, session, keylog)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--pcap"
        ) from None


def _write_html(path: str, result: ScenarioResult) -> None:
    """One scenario's page: its run's document plus the scenario and its verdict."""
    from tlsstep.commands.options import write_html
    from tlsstep.render.details import run_document
    from tlsstep.render.scenario_results import mismatch_dict

    assert result.report is not None  # run(report=True)
    document = run_document(result.report)
    sc = result.scenario
    document["scenario"] = {
        "name": sc.name,
        "path": sc.path,
        "description": sc.description,
        "status": result.status,
        "passed": result.passed,
        "failures": [
            f"step {m['step']} ({sc.path}:{m['line']}): {m['message']}"
            for m in (mismatch_dict(x) for x in result.mismatches)
        ],
    }
    write_html(path, document, f"tlsstep replay: {sc.name}")


def _write_index(directory: str, pages: list[tuple[Any, str]]) -> None:
    import os

    from tlsstep.render.page import index_html

    rows = [
        (r.scenario.name, os.path.basename(p), r.passed, r.scenario.description) for r, p in pages
    ]
    path = os.path.join(directory, "index.html")
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(index_html("tlsstep replay", rows))
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--html"
        ) from None


def _print_summary(
    console: Any, plain: bool, results: list[ScenarioResult], invalid: list[str]
) -> None:
    """The summary table: on a pipe written as plain text laid out as rich lays it out."""
    if plain:
        from tlsstep.render.layout import PIPE_WIDTH
        from tlsstep.render.replay_summary import plain_summary

        text = plain_summary(results, invalid, PIPE_WIDTH)
        if text is not None:
            sys.stdout.write(text)
            return
    from tlsstep.render.replay import summary_table

    if console is None:
        from tlsstep.render.terminal import make_console

        console = make_console()
    console.print(summary_table(results, invalid))


def _empty(paths: tuple[str, ...]) -> str:
    """Where replay looked and what for, when it found nothing to run."""
    from pathlib import Path

    from tlsstep.limits import quote

    empty = [p for p in paths if Path(p).is_dir()]
    if not empty:
        return ""
    return (
        f": {', '.join(quote(p) for p in empty)} "
        f"{'holds' if len(empty) == 1 else 'hold'} no *.toml file (replay runs the FILE.toml "
        "files given and the *.toml files directly inside each directory given)"
    )


def _pointed_at(scenario: Any, remote: str, remote_ca: str | None) -> Any:
    """``scenario`` with its server replaced by the real one at ``remote`` (--remote),
    trusting ``remote_ca`` (--remote-ca) instead of what the file says."""
    import dataclasses

    from tlsstep.errors import TlsstepError
    from tlsstep.net.address import parse_target

    try:
        parse_target(remote)
    except TlsstepError as exc:
        raise click.BadParameter(str(exc), param_hint="--remote") from None
    config = scenario.config
    server = dataclasses.replace(
        config.server, remote=remote, remote_ca=remote_ca or config.server.remote_ca
    )
    return dataclasses.replace(scenario, config=dataclasses.replace(config, server=server))


def _remote_ca(remote_ca: str | None, remote: str | None) -> str | None:
    """--remote-ca, checked now: "system", or a CA file made absolute (a scenario's own
    ``remote_ca`` is relative to the scenario file; this one to where replay runs)."""
    if remote_ca is None:
        return None
    if remote is None:
        raise click.BadParameter(
            "it says whom to trust for --remote HOST:PORT", param_hint="--remote-ca"
        )
    from tlsstep.errors import TlsstepError
    from tlsstep.net.trust import SYSTEM_TRUST, read_ca_file

    if remote_ca == SYSTEM_TRUST:
        return remote_ca
    try:
        read_ca_file(remote_ca)
    except TlsstepError as exc:
        raise click.BadParameter(str(exc), param_hint="--remote-ca") from None
    from pathlib import Path

    return str(Path(remote_ca).resolve())


def _selected(pattern: str | None, name: str, path: str) -> bool:
    if not pattern:
        return True
    haystack = f"{name}\n{path}".lower()
    pattern = pattern.lower()
    if any(c in pattern for c in "*?["):
        # A glob matches the name, the path, or the file name with or without .toml.
        file = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
        candidates = (name.lower(), path.lower(), file, file.removesuffix(".toml"))
        return any(fnmatch.fnmatch(c, pattern) for c in candidates)
    return pattern in haystack


@click.command(
    "replay", short_help="Run scenario files and check their expectations.", epilog=EPILOG
)
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary table, not each step.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document with every scenario instead."
)
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write JUnit XML to this file: one test case per scenario.",
)
@click.option(
    "-k",
    "pattern",
    metavar="PATTERN",
    default=None,
    help="Run only scenarios whose name or file contains PATTERN (or matches it, with * ? []).",
)
@click.option(
    "--fail-fast", is_flag=True, help="Stop after the first scenario that fails or is invalid."
)
@click.option(
    "--pcap",
    "pcap_path",
    metavar="FILE_OR_DIR",
    type=click.Path(writable=True),
    default=None,
    help="Also write each scenario's run as pcapng with its TLS secrets: to FILE when one "
    "scenario runs, else to DIR/<scenario file name>.pcapng (DIR is created). Files with "
    "secrets are created with mode 0600 (see --discard-secrets).",
)
@click.option(
    "--discard-secrets",
    is_flag=True,
    help="Write the --pcap files without the TLS secrets (mode 0644, safe to share).",
)
@click.option(
    "--html",
    "html_path",
    metavar="FILE_OR_DIR",
    type=click.Path(writable=True),
    default=None,
    help="Also write each scenario's run as a self-contained HTML page (ladder, step "
    "player, bytes, decryption, keys, certificates): to FILE when one scenario runs, else "
    "to DIR/<scenario file name>.html with DIR/index.html linking them. Pages embed the "
    "run's keys and are written with mode 0600.",
)
@click.option(
    "--remote",
    metavar="HOST:PORT",
    default=None,
    help="Run every scenario's client against this real server instead of tlsstep's own "
    '(as if each file said [server] remote = "HOST:PORT"); steps that would call the '
    "server must receive from it instead (receive server).",
)
@click.option(
    "--remote-ca",
    metavar="FILE",
    default=None,
    help='With --remote: the CA certificates (PEM) the client trusts for that server, or "system" '
    "for the system trust store (as if each file said [server] remote_ca = ...; default: "
    "each file's remote_ca, else tlsstep's test CA).",
)
@fresh_certs_option
def replay_command(
    paths: tuple[str, ...],
    quiet: bool,
    as_json: bool,
    junit_path: str | None,
    pattern: str | None,
    fail_fast: bool,
    pcap_path: str | None,
    discard_secrets: bool,
    html_path: str | None,
    remote: str | None,
    remote_ca: str | None,
) -> None:
    """Replay scenario files (TOML): each is a pair configuration and a list of steps.

    Every step runs on a real client and server in this process; after each step
    its expect table is checked against what happened (results, errors, alerts,
    version, cipher, ALPN, resumption, messages, data read). A failed check shows
    expected against actual with its FILE:LINE, and replay goes on with the next
    scenario. Directories are searched for *.toml files.
    """
    from tlsstep.errors import ScenarioError
    from tlsstep.limits import quote
    from tlsstep.scenario import find_files, load, run

    remote_ca = _remote_ca(remote_ca, remote)
    invalid: list[ScenarioError] = []
    scenarios = []
    for path in find_files(list(paths)):
        try:
            scenario = load(path)
        except ScenarioError as exc:
            invalid.append(exc)
            click.echo(str(exc), err=True)
            continue
        if _selected(pattern, scenario.name, scenario.path):
            scenarios.append(_pointed_at(scenario, remote, remote_ca) if remote else scenario)
    if not scenarios and not invalid:
        raise click.UsageError(
            "no scenario to run" + (f" matches -k {quote(pattern)}" if pattern else _empty(paths))
        )
    check_many_target(pcap_path, len(scenarios), "--pcap", (".pcapng", ".pcap"))
    check_many_target(html_path, len(scenarios), "--html", (".html", ".htm"))

    console = None
    plain = False
    if not as_json:
        from tlsstep.render.color import plain_pipe

        plain = plain_pipe(sys.stdout)  # on a pipe: no rich console at all
        if not plain:
            from tlsstep.render.terminal import make_console

            console = make_console()
    from tlsstep.identity import default_identity

    identity = default_identity()  # certificates: made once, before any scenario is timed
    crypto = _crypto_hooks()
    results: list[ScenarioResult] = []
    pages: list[tuple[ScenarioResult, str]] = []
    for scenario in scenarios:
        if fail_fast and invalid:
            break
        pcap = pcap_target(pcap_path, scenario.path, len(scenarios)) if pcap_path else None

        def write_pcap(session: Session, pcap: str | None = pcap) -> None:
            if pcap is not None:
                _write_pcap(pcap, session, discard_secrets=discard_secrets)

        # The page's report is built inside run, while the shared key log's unprotectors
        # are this scenario's.
        result = run(
            scenario,
            identity=identity,
            crypto=crypto,
            report=html_path is not None,
            after=write_pcap,
            views_decode=not quiet or as_json or bool(pcap_path) or html_path is not None,
        )
        results.append(result)
        if html_path is not None and result.report is not None:
            target = pcap_target(html_path, scenario.path, len(scenarios), ".html")
            _write_html(target, result)
            pages.append((result, target))
        if result.error is not None:
            click.echo(str(result.error), err=True)
        if plain and not quiet:  # the lines emit would write, without rich's objects
            from tlsstep.render.replay_plain import scenario_plain

            sys.stdout.write(scenario_plain(result))
        elif console is not None and not quiet:
            from tlsstep.render.out import emit
            from tlsstep.render.replay import scenario_view

            emit(console, scenario_view(result))
        if fail_fast and not result.passed:
            break

    crypto.close()  # removes the key log file
    if html_path is not None and pages and len(scenarios) > 1:
        _write_index(html_path, pages)
    if junit_path:
        from tlsstep.render.scenario_results import junit

        try:
            with open(junit_path, "wb") as out:
                out.write(junit(results, invalid))
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write {junit_path}: {exc.strerror}", param_hint="--junit"
            ) from None
    if as_json:
        from tlsstep import __version__
        from tlsstep.render.json_out import dump
        from tlsstep.render.scenario_results import invalid_dict, result_dict

        dump(
            {
                "tlsstep": __version__,
                "scenarios": [result_dict(r) for r in results],
                "invalid": [invalid_dict(e) for e in invalid],
                "summary": {
                    "passed": sum(r.passed for r in results),
                    "failed": sum(r.status == "fail" for r in results),
                    "invalid": sum(r.status == "invalid" for r in results) + len(invalid),
                },
            },
            sys.stdout,
            levels=3,
        )
    else:
        _print_summary(console, plain, results, [str(e) for e in invalid])

    if invalid or any(r.status == "invalid" for r in results):
        sys.exit(2)
    if any(not r.passed for r in results):
        sys.exit(1)
