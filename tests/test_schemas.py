"""The JSON Schema files in tlsstep/schemas against the real output of many runs (#16 item 17).

Every ``--json`` form is validated with the ``jsonschema`` library: handshake (plain,
--states, --certs, --resume, client certificates, failures, -vv), connect and serve against
real peers on 127.0.0.1, decode of real captures with and without keys and with holes,
replay of every bundled scenario, and the shell. The schemas close their objects
(``additionalProperties: false``), so a key the code adds without the schema fails here,
and README's schema sections must be what tools/readme_schemas.py makes of the files.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests.helpers import ROOT, tlsstep
from tests.net.peers import LOOPBACK, Certs, openssl_server
from tlsstep.cli import main
from tlsstep.schemas import NAMES, PREFIX, load, load_all, text

SCHEMAS = load_all()
REGISTRY = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()
)  # fmt: skip


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name], registry=REGISTRY)


def problems(name: str, doc: Any) -> list[str]:
    """Every way ``doc`` breaks schema ``name``: JSON path and message."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in validator(name).iter_errors(doc)
    ]


def assert_valid(name: str, doc: Any) -> None:
    found = problems(name, doc)
    assert not found, "\n".join(found[:10])


def run(*args: str, code: int | None = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    if code is not None:
        assert result.exit_code == code, (args, result.output)
    return result.stdout


# -- the files -----------------------------------------------------------------------------


def test_every_schema_is_a_valid_2020_12_schema_named_for_its_file() -> None:
    files = {p.name.removesuffix(".schema.json") for p in (ROOT / "tlsstep/schemas").glob("*.json")}
    assert files == set(NAMES)
    for name, schema in SCHEMAS.items():
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == PREFIX + name
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_enums_are_the_codes_own() -> None:
    """Enumerations in the schemas are exactly the code's enums: a new member fails here."""
    from tlsstep.events import ErrorSource, Op, Result
    from tlsstep.net.problems import NetProblemKind
    from tlsstep.states.tracker import Derivation, PythonState
    from tlsstep.wire.reader import ProblemKind

    defs = SCHEMAS["handshake"]["$defs"]
    props = lambda d: defs[d]["properties"]  # noqa: E731
    assert props("event")["op"]["enum"] == [o.value for o in Op]
    assert props("event")["result"]["enum"] == [r.value for r in Result]
    assert props("error")["source"]["enum"] == [s.value for s in ErrorSource]
    assert props("side_state")["python"]["enum"] == [s.value for s in PythonState]
    assert props("side_state")["derived"]["enum"] == [d.value for d in Derivation]
    assert props("problem")["kind"]["enum"] == [k.value for k in ProblemKind]
    problem = props("network")["problem"]["anyOf"][0]["properties"]
    assert problem["kind"]["enum"] == [k.name for k in NetProblemKind]


def test_the_known_lies_are_refused() -> None:
    """What README once said (issue 16 item 17) does not validate: the schemas are closed."""
    doc = json.loads(run("handshake", "--certs", "--json"))
    assert_valid("handshake", doc)
    doc["certificates"][0]["chain"] = [{"pem": "..."}]
    assert any("'chain' was unexpected" in p for p in problems("handshake", doc))
    doc = json.loads(run("handshake", "--json"))
    doc["events"][1]["records"][0]["display"] = "x"
    assert any("'display' was unexpected" in p for p in problems("handshake", doc))
    assert problems("decode", [{"summary": {}}])


# -- handshake -----------------------------------------------------------------------------

RUNS = [
    [],
    ["--tls-version", "1.2"],
    ["--tls-version", "1.0"],
    ["--states"],
    ["--certs"],
    ["--resume"],
    ["--client-cert", "--resume", "--tls-version", "1.2", "--certs", "--states"],
    ["--post-handshake-auth", "--data", "hello"],
    ["--server-group", "prime256v1", "--states", "--explain"],
    ["--alpn", "h2,http/1.1", "--data", "\x01\x02 binary"],
    ["--chain-depth", "2", "--certs", "--tls-version", "1.2"],
    ["--key-type", "rsa", "--tls-version", "1.2", "--cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
    ["--tickets", "0", "--resume"],  # a note in the document
    ["--no-verify", "--server-cert-problem", "self-signed", "--certs"],
    ["-vv", "--data", "hi", "--resume"],
    ["-vv", "--tls-version", "1.2", "--certs", "--client-cert"],
]
FAILED_RUNS = [
    ["--server-cert-problem", "expired", "--certs"],
    ["--client-cert-problem", "expired", "--certs", "-vv"],
    ["--server-name", "wrong.test", "--certs"],
    ["--client-tls-version", "1.2", "--server-tls-version", "1.3"],
]


@pytest.mark.parametrize("args", RUNS, ids=lambda a: " ".join(a) or "plain")
def test_handshake_runs(args: list[str]) -> None:
    assert_valid("handshake", json.loads(run("handshake", "--json", *args)))


@pytest.mark.parametrize("args", FAILED_RUNS, ids=" ".join)
def test_failed_handshakes(args: list[str]) -> None:
    doc = json.loads(run("handshake", "--json", *args, code=1))
    assert not doc["summary"]["ok"] and doc["summary"]["failures"]
    assert_valid("handshake", doc)


# -- connect and serve -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def server(certs: Certs) -> Iterator[int]:
    with openssl_server(certs.server_file()) as port:
        yield port


def connect(*args: str) -> tuple[int, Any]:
    proc = tlsstep("connect", *args, "--json")
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_connect(server: int, certs: Certs) -> None:
    code, doc = connect(f"{LOOPBACK}:{server}", "--ca", str(certs.ca_file), "--resume", "--certs")
    assert code == 0 and doc["network"]["role"] == "connect"
    assert_valid("connect", doc)
    assert_valid("handshake", doc)  # connect's document is handshake's, with network
    code, doc = connect(f"localhost:{server}")  # not trusted: a TLS failure
    assert code == 1
    assert_valid("connect", doc)


def test_connect_that_never_reached_tls() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind((LOOPBACK, 0))
        port = sock.getsockname()[1]
    code, doc = connect(f"{LOOPBACK}:{port}")
    assert code == 3 and set(doc) == {"tlsstep", "network"}
    assert doc["network"]["problem"]["kind"] == "refused"
    assert_valid("connect", doc)
    assert problems("handshake", doc)  # no run: not handshake's document


def test_serve_lines() -> None:
    from tests.net.test_serve import python_client, serve

    with serve("--once", "--json", "--client-cert", "--certs") as srv:
        with pytest.raises(OSError):  # no client certificate: the server refuses it
            python_client(srv, b"hello")
        (doc,) = srv.documents()
    assert doc["network"]["role"] == "serve"
    assert_valid("serve", doc)
    with serve("--once", "--json") as srv:
        assert python_client(srv, b"hello") == b"hello"
        (doc,) = srv.documents()
    assert doc["summary"]["ok"]
    assert_valid("serve", doc)


# -- decode --------------------------------------------------------------------------------


def decode(*args: str) -> tuple[list[Any], list[Any]]:
    """decode --json and decode --jsonl of the same capture: the same objects."""
    array = json.loads(run("decode", "--json", *args))
    lines = [json.loads(line) for line in run("decode", "--jsonl", *args).splitlines()]
    assert array == lines
    assert_valid("decode", array)
    for line in lines:
        assert_valid("decode-line", line)
    return array, lines


def test_decode_captures_with_and_without_keys(tmp_path: Path) -> None:
    keyed, bare, keys = tmp_path / "keyed.pcapng", tmp_path / "bare.pcapng", tmp_path / "k.log"
    run(
        "handshake", "--pcap", str(keyed), "--server-group", "prime256v1", "--resume", "--data", "x"
    )
    run(
        "handshake", "--pcap", str(bare), "--discard-secrets", "--keylog", str(keys),
        "--tls-version", "1.2", "--data", "hello", "--client-cert",
    )  # fmt: skip
    items, _ = decode(str(keyed))
    kinds = {i["type"] for i in items}
    assert {"capture", "stream", "record", "end", "summary"} <= kinds
    items, _ = decode(str(bare))
    assert any(i["type"] == "note" for i in items)  # no key log: said once
    items, _ = decode(str(bare), "--keylog", str(keys))
    assert any("application_data" in i for i in items if i["type"] == "record")


def test_decode_a_capture_with_holes(tmp_path: Path) -> None:
    from tests.pcap.holes import exchange
    from tlsstep.events import Side

    ex = exchange(tmp_path, "1.3", rounds=2, segment_size=300)
    for side in Side:  # a segment in the middle of each side's data
        segments = ex.data_segments(side)
        middle = {segments[len(segments) // 2]}
        for keyed in (True, False):
            path = ex.write(tmp_path / f"holes-{side}-{keyed}.pcapng", middle, keylog=keyed)
            items, _ = decode(str(path))
            assert any(i["type"] == "gap" for i in items)


def test_decode_of_what_is_not_tls(tmp_path: Path) -> None:
    from tlsstep.events import Side
    from tlsstep.pcap.tcp import SyntheticConnection
    from tlsstep.pcap.writer import PcapngWriter

    path = tmp_path / "http.pcapng"
    with path.open("wb") as out:
        writer = PcapngWriter(out, start_time=1_700_000_000)
        conn = SyntheticConnection()
        for frames in (
            conn.open(),
            conn.send(Side.client, b"GET / HTTP/1.1\r\n\r\n"),
            conn.close(),
        ):
            for frame in frames:
                writer.packet(frame)
    items, _ = decode(str(path))
    assert any(i["type"] == "stream" and i["tls"] is False for i in items)


# -- replay and shell ------------------------------------------------------------------------


def test_replay_every_bundled_scenario() -> None:
    doc = json.loads(run("replay", "--json", str(ROOT / "scenarios")))
    assert doc["summary"]["passed"] == len(list((ROOT / "scenarios").glob("*.toml")))
    assert_valid("replay", doc)


def test_replay_failures_and_invalid_files(tmp_path: Path) -> None:
    (tmp_path / "wrong.toml").write_text(
        'name = "wrong"\n[[step]]\nop = "handshake"\n'
        'expect = { result = "done", client = { version = "TLSv1.2" } }\n'
    )
    (tmp_path / "bad.toml").write_text('[[step]]\nop = "deliver"\nrecord = 1\n')
    (tmp_path / "stall.toml").write_text(
        '[[step]]\nop = "tamper"\nside = "client"\ntruncate = 0\nexpect = { result = "error" }\n'
    )
    doc = json.loads(run("replay", "--json", str(tmp_path), code=2))
    assert doc["summary"]["failed"] >= 1 and doc["summary"]["invalid"] == 1
    assert doc["scenarios"][0]["mismatches"] or doc["scenarios"][1]["mismatches"]
    assert_valid("replay", doc)


def test_shell_lines() -> None:
    commands = [
        "help", "help deliver", "show state", "show queue", "show keys", "explain on",
        "handshake client", "deliver client", "handshake", "show records", "show messages",
        "show certs", "show ladder", "write client hi", "read server", "tamper client flip=0",
        "bogus", "unwrap client", "reset", "resume", "handshake", "show keys",
    ]  # fmt: skip
    proc = tlsstep("shell", "--json", "--cipher", "AES128-SHA", input="\n".join(commands) + "\n")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["command"] is None and lines[0]["notes"]  # the settings' notes
    assert [line["command"] for line in lines[1:]] == commands
    assert {line["ok"] for line in lines} == {True, False}
    for line in lines:
        assert_valid("shell-line", line)


def test_cache_list(tmp_path: Path) -> None:
    home = {"XDG_CACHE_HOME": str(tmp_path)}
    empty = json.loads(CliRunner(env=home).invoke(main, ["cache", "list", "--json"]).stdout)
    assert empty["entries"] == []
    assert_valid("cache", empty)
    # A process of its own: this one has made its certificates already (once per process).
    env = dict(os.environ, PYTHONPATH=str(ROOT), **home)
    made = subprocess.run(
        [sys.executable, "-m", "tlsstep", "handshake", "--chain-depth", "2"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0
    doc = json.loads(CliRunner(env=home).invoke(main, ["cache", "list", "--json"]).stdout)
    assert len(doc["entries"]) >= 2
    assert_valid("cache", doc)


# -- README and `tlsstep schema` -----------------------------------------------------------


def test_readme_schema_sections_are_generated_from_the_files() -> None:
    from tools.readme_schemas import generate, sections

    readme = (ROOT / "README.md").read_text("utf-8")
    assert set(sections(readme)) == set(NAMES), "every schema has a README section"
    assert generate(readme) == readme, "run python tools/readme_schemas.py"


def test_schema_command() -> None:
    listing = run("schema")
    assert [line.split()[0] for line in listing.splitlines()] == list(NAMES)
    assert f"$ tlsstep schema\n{listing}$" in (ROOT / "README.md").read_text("utf-8")
    for name in NAMES:
        assert json.loads(run("schema", name)) == load(name)
        assert run("schema", name) == text(name)
    assert "event = {" in run("schema", "handshake", "--outline")
    result = CliRunner().invoke(main, ["schema", "handshak"])
    assert result.exit_code == 2 and "did you mean 'handshake'" in result.output


def test_schema_listing_as_json() -> None:
    listing = json.loads(run("schema", "--json"))
    assert [entry["name"] for entry in listing] == list(NAMES)
    for entry in listing:
        assert entry["id"] == load(entry["name"])["$id"]
        assert entry["describes"] == NAMES[entry["name"]]
    for args in (["schema", "handshake", "--json"], ["schema", "--outline"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and "Error:" in result.output, args
