"""Issue 16 items 12-16: shell keys never wrapped and written to a file, the summary's label
column, shell help, replay --pcap targets and empty directories, the capture's port."""

from __future__ import annotations

import io
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_lines, tlsstep
from tlsstep.config import ClientCert, PairConfig
from tlsstep.render.states_view import states_text
from tlsstep.render.terminal import make_console, report_view
from tlsstep.run_report import build_report
from tlsstep.session import Session
from tlsstep.shell import help_text
from tlsstep.states.tracker import derive


def test_show_keys_is_never_wrapped_and_keys_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "keys.txt"
    proc = tlsstep("shell", input=f"handshake\nshow keys\nkeys {target}\n")
    assert proc.returncode == 0, proc.stderr
    shown = [line for line in proc.stdout.splitlines() if "_SECRET" in line]
    assert len(shown) == 5  # COLUMNS=100 in the helper: a 160-character line stays whole
    assert all(len(line.split()) == 3 and len(line) > 100 for line in shown)
    assert sorted(target.read_text().splitlines()) == sorted(shown)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_summary_label_column_holds_the_states_row() -> None:
    session = Session(PairConfig(client_cert=ClientCert.required))
    run_lines(session, "handshake")
    buf = io.StringIO()
    view = report_view(build_report(session), states=states_text(derive(session)))
    make_console(width=200, color=False, file=buf).print(view)
    lines = buf.getvalue().splitlines()
    client = next(line for line in lines if line.startswith("client certificate"))
    states = next(line for line in lines if line.startswith("states"))
    value = client.index("CN=")
    assert states.index("client CONNECTED") == value


def _help(topic: str) -> str:
    buf = io.StringIO()
    make_console(width=200, color=False, file=buf).print(help_text(topic))
    return buf.getvalue().splitlines()[0]


def test_shell_help_marks_required_arguments() -> None:
    assert _help("deliver") == "deliver side"
    assert _help("tamper") == "tamper side"
    assert _help("write") == "write side data"
    assert _help("read") == "read side [size]"
    assert _help("handshake") == "handshake [side]"


def test_shell_help_option_names_every_shell_command() -> None:
    from tlsstep.shell import COMMANDS

    out = " ".join(tlsstep("shell", "--help").stdout.split())
    for word in COMMANDS:
        assert word in out, word


def test_replay_several_scenarios_to_a_file_name_is_refused(tmp_path: Path) -> None:
    two = [str(ROOT / "scenarios" / n) for n in ("tls13-basic.toml", "tls12-ecdhe.toml")]
    proc = tlsstep("replay", "-q", *two, "--pcap", str(tmp_path / "two.pcapng"))
    assert proc.returncode == 2
    assert "2 scenarios run: give a directory" in proc.stderr
    assert not (tmp_path / "two.pcapng").exists()
    (tmp_path / "file").write_text("")
    proc = tlsstep("replay", "-q", *two, "--pcap", str(tmp_path / "file"))
    assert proc.returncode == 2 and "is a file" in proc.stderr


def test_empty_directory_says_where_and_what(tmp_path: Path) -> None:
    proc = tlsstep("replay", str(tmp_path))
    assert proc.returncode == 2
    assert f"'{tmp_path}' holds no *.toml file" in proc.stderr


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize(("alpn", "port"), [((), "4433"), (("--alpn", "http/1.1"), "443")])
def test_pcap_port_lets_tshark_show_the_data(
    tmp_path: Path, alpn: tuple[str, ...], port: str
) -> None:
    capture = tmp_path / "run.pcapng"
    proc = tlsstep("handshake", "--data", "hello", *alpn, "--pcap", str(capture))
    assert proc.returncode == 0, proc.stderr
    out = subprocess.run(
        ["tshark", "-r", str(capture), "-T", "fields", "-e", "tcp.dstport", "-e", "_ws.col.Info"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert port in {line.split("\t")[0] for line in out.splitlines()}
    if not alpn:
        assert "Application Data" in out and "reassembled PDU" not in out
