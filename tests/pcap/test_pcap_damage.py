"""Damaged, truncated and foreign files: a clear message with the offset, no traceback."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest

from tests.pcap.helpers import grouped, make_run, run_tool, tlsstep_cli, tool
from tlsstep.pcap.reader import CaptureError, Packet, read_capture
from tlsstep.pcap.writer import write_session_pcapng

OFFSET = re.compile(r"at byte offset (\d+)")


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("damage")
    run = make_run(tmp, "1.3")
    path = tmp / "run.pcapng"
    write_session_pcapng(path, run.session, start_time=1_700_000_000)
    return path


def block_offsets(data: bytes) -> list[int]:
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        pos += struct.unpack_from("<I", data, pos + 4)[0]
    return offsets


def records_shown(output: str) -> int:
    return sum(1 for line in output.splitlines() if "──▶" in line or "◀──" in line)


def test_every_truncation_reports_where_and_keeps_what_came_before(
    capture: Path, tmp_path: Path
) -> None:
    data = capture.read_bytes()
    boundaries = set(block_offsets(data)) | {len(data)}
    full = tlsstep_cli("decode", str(capture))
    assert full.exit_code == 0
    previous = 0
    for cut in range(1, len(data), 61):
        path = tmp_path / "cut.pcapng"
        path.write_bytes(data[:cut])
        result = tlsstep_cli("decode", str(path))
        assert "Traceback" not in result.output
        shown = records_shown(result.output)
        assert previous <= shown <= records_shown(full.output)
        previous = shown
        if cut in boundaries:
            assert result.exit_code == 0, result.output
            continue
        assert result.exit_code == 1, result.output
        match = OFFSET.search(result.output)
        assert match, result.output
        # The offset is the start of the block the file breaks in.
        assert int(match.group(1)) == max(b for b in boundaries if b < cut)


def test_a_corrupt_block_length_names_its_block(capture: Path, tmp_path: Path) -> None:
    data = bytearray(capture.read_bytes())
    target = block_offsets(bytes(data))[7]  # the ServerHello packet: after the ClientHello
    struct.pack_into("<I", data, target + 4, 0x7FFFFFF0)
    path = tmp_path / "corrupt.pcapng"
    path.write_bytes(bytes(data))
    result = tlsstep_cli("decode", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"impossible block length 2147483632 (at byte offset {target})" in result.output
    assert "ClientHello" in result.output  # packets before the damage were decoded

    data = bytearray(capture.read_bytes())
    struct.pack_into("<I", data, target + 4, 64)  # plausible, but the trailer disagrees
    path.write_bytes(bytes(data))
    result = tlsstep_cli("decode", "--json", str(path))
    assert result.exit_code == 1
    doc = grouped(json.loads(result.stdout))  # the array is closed, even after damage
    assert doc["capture"]["error"]["offset"] == target
    assert doc["streams"][0]["records"]


def test_truncated_classic_pcap(capture: Path, tmp_path: Path) -> None:
    classic = tmp_path / "run.pcap"
    run_tool(tool("editcap"), "-F", "pcap", str(capture), str(classic))
    data = classic.read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:-10])
    with path.open("rb") as f:
        items = []
        with pytest.raises(CaptureError) as err:
            items.extend(read_capture(f))
    packets = [p for p in items if isinstance(p, Packet)]
    assert err.value.offset == packets[-1].offset + 16 + len(packets[-1].data)
    result = tlsstep_cli("decode", str(path))
    assert result.exit_code == 1 and f"at byte offset {err.value.offset}" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file too short for a capture (0 bytes)"),
        (b"GET / HTTP/1.1\r\n", "not a pcap or pcapng file (starts with 47455420"),
        (b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\xde\xad\xbe\xef", "byte-order magic deadbeef"),
    ],
)
def test_not_a_capture(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(content)
    result = tlsstep_cli("decode", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in result.output
    assert "(at byte offset 0)" in result.output


def test_bad_options_exit_2(capture: Path, tmp_path: Path) -> None:
    assert tlsstep_cli("decode", str(tmp_path / "missing.pcap")).exit_code == 2
    assert tlsstep_cli("decode", "--port", "70000", str(capture)).exit_code == 2
    assert tlsstep_cli("decode", "--keylog", str(tmp_path / "nokeys"), str(capture)).exit_code == 2


def test_decode_reads_standard_input(capture: Path) -> None:
    from click.testing import CliRunner

    from tlsstep.cli import main

    result = CliRunner().invoke(main, ["decode", "-"], input=capture.read_bytes())
    assert result.exit_code == 0, result.output
    assert "ClientHello" in result.output and "-: 12 packets" in result.output
