"""Captures with holes (issue 18): gaps reported, framing resynchronised, records
decrypted after them, checked against the whole capture, the bytes each side sent,
and tshark.

Each case drops chosen TCP segments from a real run (OpenSSL on both sides, its own
key log) and checks, per direction:

- each hole is reported once, at its stream offset and with its size;
- every record no hole touched is framed exactly as in the whole capture (offset,
  types, length, decrypted bytes, messages), and the whole capture's decrypted
  application data is byte for byte what the side wrote;
- no record is invented: a record that is not in the whole capture is one a hole
  damaged (same offset and length, marked ``damaged``);
- the first record opened after a hole says how many records the hole took;
- tshark frames no record that tlsstep does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pcap.helpers import decode_json, run_tool, tool
from tests.pcap.holes import (
    Exchange,
    decode,
    exchange,
    framing,
    gaps,
    plaintext,
    records,
)
from tlsstep.crypto.records import Tls13Opener
from tlsstep.crypto.resync import MAX_GUESSES_PER_GAP
from tlsstep.events import Side
from tlsstep.pcap.tcp import CLIENT_ADDRESS, SERVER_ADDRESS

SUITES = {
    "tls13": ("1.3", None),
    "tls12-gcm": ("1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"),
    "tls12-chacha": ("1.2", "ECDHE-ECDSA-CHACHA20-POLY1305"),
    "tls12-cbc": ("1.2", "ECDHE-ECDSA-AES256-SHA384"),
}


@pytest.fixture(scope="module", params=list(SUITES))
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    version, ciphers = SUITES[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    ex = exchange(tmp, version, ciphers=ciphers)
    whole = decode(ex.write(tmp / "whole.pcapng"))
    for side in Side:  # the truth: what tlsstep decrypts of the whole capture is what was sent
        assert b"".join(plaintext(r) or b"" for r in records(whole, side)) == ex.sent[side]
    path = tmp / "whole.pcapng"
    assert tshark_records(path) == {s: [r["length"] for r in records(whole, s)] for s in Side}
    return request.param, ex, whole, tmp


def _touched(record: dict[str, Any], holes: list[tuple[int, int]]) -> bool:
    start, end = record["offset"], record["offset"] + 5 + record["length"]
    return any(start < at + size and at < end for at, size in holes)


def check(ex: Exchange, whole: dict[str, Any], path: Path, drop: set[int]) -> dict[str, Any]:
    holed = decode(path)
    lost = ex.lost(drop)
    for side in Side:
        holes = lost[side]
        assert gaps(holed, side) == holes
        want = {r["offset"]: r for r in records(whole, side)}
        got = records(holed, side)
        kept = [framing(r) for r in want.values() if not _touched(r, holes)]
        assert [framing(r) for r in got if "damaged" not in r] == kept
        for r in got:
            if "damaged" in r:  # a record a hole cut, whose header arrived: nothing invented
                assert _touched(r, holes)
                assert want[r["offset"]]["length"] == r["length"]
                assert "application_data" not in r
        # How many records each hole took, counted where decryption resumed.
        opened = [r for r in got if "sequence_number" in r and r["records_lost"] is not None]
        for r in opened:
            before = [w for w in want.values() if w["offset"] < r["offset"]]
            taken = 0
            for w in reversed(before):
                if not _touched(w, holes):
                    break
                taken += 1
            assert r["records_lost"] == taken, r
    return holed


def tshark_records(path: Path) -> dict[Side, list[int]]:
    """Record lengths per direction, as tshark frames them (its own reassembly)."""
    out = run_tool(
        tool("tshark"), "-r", str(path), "-Y", "tls.record.length",
        "-T", "fields", "-e", "ip.src", "-e", "tls.record.length",
    )  # fmt: skip
    seen: dict[Side, list[int]] = {Side.client: [], Side.server: []}
    for line in out.splitlines():
        src, lengths = line.split("\t")
        side = {CLIENT_ADDRESS: Side.client, SERVER_ADDRESS: Side.server}[src]
        seen[side] += [int(n) for n in lengths.split(",")]
    return seen


def _subsequence(small: list[int], big: list[int]) -> bool:
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


def _common(a: list[int], b: list[int]) -> list[int]:
    """A longest common subsequence of ``a`` and ``b``."""
    best = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            best[i][j] = (best[i + 1][j + 1] + 1 if a[i] == b[j]
                          else max(best[i + 1][j], best[i][j + 1]))  # fmt: skip
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            out.append(a[i])
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def against_tshark(path: Path, holed: dict[str, Any], whole: dict[str, Any]) -> None:
    """tlsstep frames every real record tshark frames. tshark also frames records
    that are not there (a header read out of ciphertext after a gap): those are the
    ones that do not line up with the whole capture's records."""
    theirs = tshark_records(path)
    for side in Side:
        truth = [r["length"] for r in records(whole, side)]
        real = _common(theirs[side], truth)
        ours = [r["length"] for r in records(holed, side) if "damaged" not in r]
        assert _subsequence(real, ours), (side, theirs[side], ours)


def _inside(ex: Exchange, side: Side, size: int) -> int:
    """Index (among ``side``'s data segments) of one well inside a record of ``size``."""
    seg = ex.data_segments(side)
    for n, i in enumerate(seg):
        s = ex.segments[i]
        if s.offset > 2000 and s.length == 700 and n + 1 < len(seg):
            return n + (size > 0)
    raise AssertionError("no segment to drop")


def test_one_segment_lost_inside_a_record(run: Any) -> None:
    _name, ex, whole, tmp = run
    seg = ex.data_segments(Side.client)
    drop = {seg[len(seg) // 2]}
    path = ex.write(tmp / "one.pcapng", drop)
    holed = check(ex, whole, path, drop)
    (damaged,) = [r for r in records(holed, Side.client) if "damaged" in r]
    assert damaged["damaged"]["missing"] and "not decrypted" in damaged["note"]
    after = [r for r in records(holed, Side.client) if r["offset"] > damaged["offset"]]
    assert after and after[0]["resync"]["found_by"] == "length"
    assert after[0]["records_lost"] == 1
    against_tshark(path, holed, whole)


def test_ten_segments_lost(run: Any) -> None:
    _name, ex, whole, tmp = run
    seg = ex.data_segments(Side.server)
    drop = set(seg[20:30])
    path = ex.write(tmp / "ten.pcapng", drop)
    holed = check(ex, whole, path, drop)
    assert len(gaps(holed, Side.server)) == 1
    against_tshark(path, holed, whole)


def test_a_hole_that_swallows_whole_records(run: Any) -> None:
    _name, ex, whole, tmp = run
    # The client's small records sit between big ones: drop every segment that
    # holds one, whole, and the bytes around it.
    mine = records(whole, Side.client)
    small = next(r for r in mine[:-2] if r["length"] < 200 and r["offset"] > 1000)
    seg = ex.data_segments(Side.client)
    drop = {i for i in seg if ex.segments[i].offset <= small["offset"] + 5 + small["length"]
            and ex.segments[i].offset + ex.segments[i].length >= small["offset"]}  # fmt: skip
    drop |= {seg[seg.index(min(drop)) - 1], seg[seg.index(max(drop)) + 1]}
    path = ex.write(tmp / "swallow.pcapng", drop)
    holed = check(ex, whole, path, drop)
    assert small["offset"] not in [r["offset"] for r in records(holed, Side.client)]
    against_tshark(path, holed, whole)


def test_two_holes_one_each_way(run: Any) -> None:
    _name, ex, whole, tmp = run
    drop = {ex.data_segments(Side.client)[-12], ex.data_segments(Side.server)[15]}
    drop |= {ex.data_segments(Side.client)[-4]}
    path = ex.write(tmp / "two.pcapng", drop)
    holed = check(ex, whole, path, drop)
    assert len(gaps(holed, Side.client)) == 2 and len(gaps(holed, Side.server)) == 1
    against_tshark(path, holed, whole)


def test_a_hole_at_a_record_boundary_is_searched_past(run: Any) -> None:
    _name, ex, whole, tmp = run
    # A segment that starts exactly where a record starts: no header of it arrives.
    starts = {r["offset"] for r in records(whole, Side.server)}
    seg = ex.data_segments(Side.server)
    at = [i for i in seg[6:] if ex.segments[i].offset in starts]
    if not at:
        pytest.skip("no segment starts at a record here")
    drop = {at[0]}
    path = ex.write(tmp / "boundary.pcapng", drop)
    holed = check(ex, whole, path, drop)
    found = [r for r in records(holed, Side.server) if "resync" in r]
    assert found and found[0]["resync"]["found_by"] == "search"
    against_tshark(path, holed, whole)


@pytest.mark.parametrize("name", ["tls13", "tls12-gcm"])
def test_a_hole_inside_a_handshake_message(name: str, tmp_path: Path) -> None:
    version, ciphers = SUITES[name]
    ex = exchange(tmp_path, version, ciphers=ciphers, rounds=2, segment_size=100)
    whole = decode(ex.write(tmp_path / "whole.pcapng"))
    cert = next(r for r in records(whole, Side.server)
                if any(m["type"] == "Certificate" for m in r.get("messages", ())))  # fmt: skip
    seg = ex.data_segments(Side.server)
    # One segment well inside the Certificate's record.
    (inside,) = [i for i in seg if ex.segments[i].offset > cert["offset"] + 150][:1]
    drop = {inside}
    path = ex.write(tmp_path / "holed.pcapng", drop)
    holed = check(ex, whole, path, drop)
    (damaged,) = [r for r in records(holed, Side.server) if "damaged" in r]
    assert damaged["offset"] == cert["offset"]
    if version == "1.2":  # plaintext: the message is there, with its lost bytes named
        (message,) = damaged["messages"]
        assert message["type"] == "Certificate" and "missing" in message
        (lo, hi), gap = message["missing"][0], ex.lost(drop)[Side.server][0]
        assert hi - lo == gap[1]
        assert "fields" not in message  # nothing decoded from bytes that are not there
    # What follows decodes: the rest of the server's handshake, then its data.
    after = [m["type"] for r in records(holed, Side.server) if r["offset"] > cert["offset"]
             for m in r.get("messages", ())]  # fmt: skip
    assert "Finished" in after
    against_tshark(path, holed, whole)


def test_holes_made_by_editcap(run: Any) -> None:
    # The same check on a file tshark's own editcap cut (packet numbers from 1).
    _name, ex, whole, tmp = run
    seg = ex.data_segments(Side.client)
    drop = set(seg[30:33]) | {seg[45]}
    numbers = ",".join(str(i + 1) for i in sorted(drop))
    out = tmp / "editcap.pcapng"
    run_tool(tool("editcap"), str(tmp / "whole.pcapng"), str(out), *numbers.split(","))
    holed = check(ex, whole, out, drop)
    assert len(gaps(holed, Side.client)) == 2
    against_tshark(out, holed, whole)


@pytest.mark.parametrize("name", ["tls13", "tls12-gcm"])
def test_a_capture_that_starts_mid_connection(name: str, tmp_path: Path) -> None:
    version, ciphers = SUITES[name]
    ex = exchange(tmp_path, version, ciphers=ciphers)
    whole = decode(ex.write(tmp_path / "whole.pcapng"))
    # No SYN, no handshake: the capture starts inside the application data, in
    # the middle of a record each way.
    cut = {side: ex.data_segments(side)[12] for side in Side}
    first = {side: ex.segments[cut[side]].offset for side in Side}
    drop = {i for i, s in enumerate(ex.segments) if s.side is None and i < 3}
    drop |= {i for side in Side for i in ex.data_segments(side) if i < cut[side]}
    holed = decode(ex.write(tmp_path / "mid.pcapng", drop))
    assert "capture starts in the middle" in holed["notes"][0]["text"]
    assert holed["client"] == whole["client"]  # the high port is the client's
    for side in Side:
        want = [framing(r) for r in records(whole, side) if r["offset"] >= first[side]]
        got = records(holed, side)
        assert got and got[0]["resync"]["found_by"] == "search"
        shifted = [(r["offset"] + first[side], *framing(r)[1:]) for r in got]
        if version == "1.3":  # application traffic secrets need no handshake
            assert shifted == want
            assert "no handshake in the capture" in got[0]["note"]
        else:  # TLS 1.2 keys need both hello randoms: framed, not decrypted
            assert [f[:3] for f in shifted] == [f[:3] for f in want]
            assert "key log" in got[0]["note"] and "application_data" not in got[0]
    against_tshark(tmp_path / "mid.pcapng", holed, whole)


def test_pcap_files_with_holes_decode_the_same(run: Any) -> None:
    # The classic pcap format (no secrets block: the key log comes from --keylog).
    _name, ex, whole, tmp = run
    seg = ex.data_segments(Side.server)
    drop = {seg[10], seg[25], seg[26]}
    holed = ex.write(tmp / "for-pcap.pcapng", drop)
    pcap = tmp / "holed.pcap"
    run_tool(tool("editcap"), "-F", "pcap", str(holed), str(pcap))
    keys = tmp / "keys.txt"
    keys.write_bytes(ex.keylog)
    (stream,) = decode_json(str(pcap), "--keylog", str(keys))["streams"]
    assert stream["records"] == check(ex, whole, holed, drop)["records"]
    assert len(gaps(stream, Side.server)) == 2


def test_the_sequence_number_search_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Records whose tags can never verify (forged bodies) after a hole that claims
    # room for thousands of records: the search stops at its documented cap.
    ex = exchange(tmp_path, "1.3", forge=Side.client, rounds=10)
    seg = ex.data_segments(Side.client)
    drop = set(seg[15:40])  # past the end of the record it cuts: the next one is searched for
    path = ex.write(tmp_path / "forged.pcapng", drop)
    calls = 0
    real = Tls13Opener.open

    def counting(self: Tls13Opener, record: Any, seq: int) -> Any:
        nonlocal calls
        calls += 1
        return real(self, record, seq)

    monkeypatch.setattr(Tls13Opener, "open", counting)
    holed = decode(path)
    mine = records(holed, Side.client)
    assert gaps(holed, Side.client) == ex.lost(drop)[Side.client]
    after = [r for r in mine if r["offset"] > ex.segments[seg[15]].offset and "damaged" not in r]
    assert after and not any("application_data" in r for r in after)
    assert "no sequence number from" in after[0]["note"]
    assert any(f"within {MAX_GUESSES_PER_GAP}" in r["note"] for r in after)
    # Each record before the hole is tried once, then the gap's budget, and no more
    # (per decode: the helper decodes twice, as --json and as --jsonl).
    assert calls / 2 <= len(records(holed, Side.server)) + len(mine) + MAX_GUESSES_PER_GAP
    assert calls / 2 >= MAX_GUESSES_PER_GAP  # it did search


def test_a_capture_that_starts_inside_the_tls13_handshake(tmp_path: Path) -> None:
    # No SYN, no ClientHello, no ServerHello: the server's first captured bytes are
    # inside its encrypted Certificate. The handshake traffic secrets open what
    # follows, and the application secrets take over after each side's Finished.
    ex = exchange(tmp_path, "1.3")
    whole = decode(ex.write(tmp_path / "whole.pcapng"))
    first = {side: ex.data_segments(side)[1] for side in Side}
    drop = {i for i, s in enumerate(ex.segments) if s.side is None and i < 3}
    drop |= {ex.data_segments(side)[0] for side in Side}
    holed = decode(ex.write(tmp_path / "mid.pcapng", drop))
    for side in Side:
        start = ex.segments[first[side]].offset
        want = [framing(r) for r in records(whole, side) if r["offset"] >= start]
        got = records(holed, side)
        assert [(r["offset"] + start, *framing(r)[1:]) for r in got] == want
        (opened,) = [r for r in got if "no handshake in the capture" in r.get("note", "")]
        assert "_HANDSHAKE_TRAFFIC_SECRET" in opened["note"]
        finished = [m for r in got for m in r.get("messages", ()) if m["type"] == "Finished"]
        assert finished and "verified" not in finished[0]  # the transcript is not all there
    against_tshark(tmp_path / "mid.pcapng", holed, whole)
