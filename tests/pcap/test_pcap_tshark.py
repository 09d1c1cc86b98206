"""Real peers: tshark reads and decrypts tlsstep's pcapng; editcap rewrites it.

Truth is what OpenSSL wrote (its message callback), not tlsstep's own decoding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pcap.helpers import (
    Run,
    decode_json,
    make_run,
    run_tool,
    tlsstep_cli,
    tool,
    transcript,
)
from tlsstep.commands.decode import unprotector_factory
from tlsstep.crypto.keylog import KeyLog
from tlsstep.events import Side
from tlsstep.pcap.packets import LinkType
from tlsstep.pcap.tcp import CLIENT_ADDRESS, SERVER_ADDRESS
from tlsstep.pcap.writer import write_session_pcapng

FINISHED = 20


def secret_lines(keylog: bytes) -> int:
    """Distinct secrets: OpenSSL logs each twice (both sides), the capture holds it once."""
    return len({line for line in keylog.splitlines() if line and not line.startswith(b"#")})


def tshark_handshake_types(path: Path) -> dict[Side, list[int]]:
    """Handshake types per direction as tshark sees them (decrypted when it can)."""
    out = run_tool(
        tool("tshark"), "-r", str(path), "-Y", "tls.handshake.type",
        "-T", "fields", "-e", "ip.src", "-e", "tls.handshake.type",
    )  # fmt: skip
    seen: dict[Side, list[int]] = {Side.client: [], Side.server: []}
    for line in out.splitlines():
        src, types = line.split("\t")
        side = {CLIENT_ADDRESS: Side.client, SERVER_ADDRESS: Side.server}[src]
        seen[side] += [int(t) for t in types.split(",")]
    return seen


def tlsstep_handshake_types(doc: dict) -> dict[Side, list[int]]:
    seen: dict[Side, list[int]] = {Side.client: [], Side.server: []}
    for stream in doc["streams"]:
        for record in stream["records"]:
            for message in record.get("messages", ()):
                seen[Side(record["from"])].append(message["msg_type"])
    return seen


def plaintext_part(run: Run, version: str) -> dict[Side, list[int]]:
    """What can be read without keys: TLS 1.3 hides all after the hellos (RFC 8446
    §2); TLS 1.2 only the Finished after each ChangeCipherSpec (RFC 5246 §7.4.9)."""
    keep = (lambda t: t in (1, 2)) if version == "1.3" else (lambda t: t != FINISHED)
    return {side: [t for t in types if keep(t)] for side, types in run.written.items()}


@pytest.fixture(scope="module", params=["1.3", "1.2"])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    version = request.param
    tmp = tmp_path_factory.mktemp(f"tls{version}")
    run = make_run(tmp, version, resume=True)
    path = tmp / "run.pcapng"
    write_session_pcapng(path, run.session, start_time=1_700_000_000)
    return version, run, path


def test_tshark_decrypts_with_embedded_secrets(exported: tuple) -> None:
    version, run, path = exported
    # Every handshake message OpenSSL wrote, encrypted ones included, per direction.
    assert tshark_handshake_types(path) == run.written
    doc = decode_json(str(path))
    assert doc["capture"]["keylog_lines"] == secret_lines(run.keylog)
    assert [s["tls"] for s in doc["streams"]] == [True, True]  # the resume is a second stream
    expected = run.written if unprotector_factory() else plaintext_part(run, version)
    assert tlsstep_handshake_types(doc) == expected


def test_without_secrets_tshark_sees_only_plaintext(exported: tuple, tmp_path: Path) -> None:
    version, run, path = exported
    stripped = tmp_path / "stripped.pcapng"
    run_tool(tool("editcap"), "--discard-all-secrets", str(path), str(stripped))
    assert tshark_handshake_types(stripped) == plaintext_part(run, version)
    assert decode_json(str(stripped))["capture"]["keylog_lines"] == 0


def test_checksums_and_tcp_analysis_are_clean(exported: tuple) -> None:
    _version, _run, path = exported
    out = run_tool(
        tool("tshark"), "-r", str(path),
        "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-T", "fields", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
        "-e", "tcp.analysis.flags", "-e", "tcp.flags.str",
    )  # fmt: skip
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows and all(r[0] == "1" and r[1] == "1" for r in rows), rows  # 1: good
    assert all(r[2] == "" for r in rows), "tshark flagged TCP problems"
    flags = [r[3] for r in rows]
    # Two connections: three-way handshake and FIN both ways, each.
    assert sum("S" in f for f in flags) == 4
    assert sum("F" in f for f in flags) == 4


@pytest.mark.parametrize("fmt", ["pcap", "nsecpcap"])
def test_editcap_classic_pcap_decodes_the_same(exported: tuple, tmp_path: Path, fmt: str) -> None:
    _version, run, path = exported
    classic = tmp_path / f"run.{fmt}"
    run_tool(tool("editcap"), "-F", fmt, str(path), str(classic))
    assert classic.read_bytes()[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
    keys = tmp_path / "keys.txt"
    # The capture embeds each secret once; OpenSSL's own file has each twice (both sides).
    keys.write_text(KeyLog.from_text(run.keylog.decode()).nss_text())
    original = decode_json(str(path))
    rewritten = decode_json(str(classic), "--keylog", str(keys))
    assert transcript(rewritten) == transcript(original)
    assert rewritten["capture"]["keylog_lines"] == original["capture"]["keylog_lines"]


def test_editcap_strip_and_reinject_secrets(exported: tuple, tmp_path: Path) -> None:
    _version, run, path = exported
    keys = tmp_path / "keys.txt"
    keys.write_text(KeyLog.from_text(run.keylog.decode()).nss_text())  # as embedded: once each
    stripped = tmp_path / "stripped.pcapng"
    again = tmp_path / "reinjected.pcapng"
    run_tool(tool("editcap"), "--discard-all-secrets", str(path), str(stripped))
    run_tool(tool("editcap"), "--inject-secrets", f"tls,{keys}", str(stripped), str(again))
    original = decode_json(str(path))
    with_file = decode_json(str(stripped), "--keylog", str(keys))
    reinjected = decode_json(str(again))
    lines = secret_lines(run.keylog)
    assert with_file["capture"]["keylog_lines"] == reinjected["capture"]["keylog_lines"] == lines
    assert transcript(with_file) == transcript(reinjected) == transcript(original)
    assert tshark_handshake_types(again) == run.written


def test_ethernet_link_reads_the_same_in_tshark_and_tlsstep(tmp_path: Path) -> None:
    run = make_run(tmp_path, "1.3")
    raw, eth = tmp_path / "raw.pcapng", tmp_path / "eth.pcapng"
    write_session_pcapng(raw, run.session, start_time=1_700_000_000)
    write_session_pcapng(eth, run.session, link=LinkType.ETHERNET, start_time=1_700_000_000)
    assert tshark_handshake_types(eth) == run.written
    assert transcript(decode_json(str(eth))) == transcript(decode_json(str(raw)))


def test_handshake_pcap_option_writes_a_decodable_file(tmp_path: Path) -> None:
    path = tmp_path / "hs.pcapng"
    result = tlsstep_cli("handshake", "--tls-version", "1.2", "--pcap", str(path))
    assert result.exit_code == 0, result.output
    assert f"wrote {path}" in result.stderr
    doc = decode_json(str(path))
    names = [m["type"] for r in doc["streams"][0]["records"] for m in r.get("messages", ())]
    assert names[:2] == ["ClientHello", "ServerHello"]
    assert "Certificate" in names  # TLS 1.2: in the clear
    bad = tlsstep_cli("handshake", "--pcap", str(tmp_path / "no" / "such" / "dir.pcapng"))
    assert bad.exit_code == 2 and "cannot write" in bad.output and "Traceback" not in bad.output
