"""``tlsstep decode`` of a TLS 1.3 capture with holes against the same capture whole
(issue 18).

    python bench/decode_holes.py [--size MB] [--holes N] [--runs N] [--keep DIR]

The holed copy drops N data segments spread evenly over the application data (the
capture's segments are up to 64 KB, so each hole swallows several records). Both are
decoded (text, piped) in interleaved runs; the ratio of the medians is the measure.
The holed run is also checked: N gaps reported, decryption resumed after each (one
"sequence number ... found" per gap, but for a hole at the very end of a direction),
and every record no hole damaged decrypted. Target: holed <= 1.2x whole.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _bench import ROOT, TLSSTEP, cleanup, env, interleaved, line, median, parser
from _capture import capture

from tlsstep.pcap.packets import TcpSegment, parse_frame
from tlsstep.pcap.reader import Packet, read_capture
from tlsstep.pcap.writer import PcapngWriter


def holed_copy(path: Path, out: Path, holes: int) -> int:
    """Write ``path`` without ``holes`` data segments, spread evenly; bytes dropped."""
    with path.open("rb") as f:
        items = list(read_capture(f))
    packets = [p for p in items if isinstance(p, Packet)]
    data = [i for i, p in enumerate(packets)
            if isinstance(s := parse_frame(p.linktype, p.data), TcpSegment) and s.payload]  # fmt: skip
    usable = data[10:-10]  # past the handshake, before the end
    step = len(usable) / holes
    drop = {usable[int(k * step + step / 2)] for k in range(holes)}
    lost = 0
    with out.open("wb") as f:
        writer = PcapngWriter(f, start_time=1_700_000_000)
        for item in items:
            if not isinstance(item, Packet):
                writer.secrets(item.data, item.secrets_type)
        for i, p in enumerate(packets):
            if i in drop:
                seg = parse_frame(p.linktype, p.data)
                lost += len(seg.payload) if isinstance(seg, TcpSegment) else 0
            else:
                writer.packet(p.data)
    return lost


def main() -> int:
    p = parser(__doc__, 3)
    p.add_argument("--size", type=int, default=100, help="capture size in MB (default 100)")
    p.add_argument("--holes", type=int, default=100, help="segments dropped (default 100)")
    p.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the captures here")
    args = p.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="tlsstep-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        whole = capture(workdir, args.size)
        holed = workdir / f"tls13-{args.size}MB-{args.holes}-holes.pcapng"
        lost = holed_copy(whole, holed, args.holes)
        out = subprocess.run(
            [*TLSSTEP, "decode", str(holed)], capture_output=True, env=env(), cwd=ROOT, check=True
        ).stdout.decode()
        gaps = sum("      gap: " in x for x in out.splitlines())
        resumed = out.count("found after the capture gap")
        undecrypted = sum(
            "encrypted" in x and "damaged" not in x and "🔒" not in x for x in out.splitlines()
        )
        samples = interleaved(
            {"whole": [*TLSSTEP, "decode", str(whole)], "holed": [*TLSSTEP, "decode", str(holed)]},
            args.runs,
        )
        a, b = median(samples["whole"]), median(samples["holed"])
        ratio = b / a
        size = whole.stat().st_size
        per_byte = (b / (size - lost)) / (a / size)  # the holed file is smaller
        # A hole that takes a direction's last bytes has no record after it to resume at.
        met = ratio <= 1.2 and gaps == args.holes and resumed >= gaps - 2 and not undecrypted
        line(
            f"decode, {args.holes} holes ({lost / 2**20:.1f} MB lost), {args.size} MB",
            f"{b:.2f} s vs {a:.2f} s whole: {ratio:.2f}x ({per_byte:.2f}x per byte); "
            f"{gaps} gaps, {resumed} resumed, "
            f"{undecrypted} undecrypted",
            "<= 1.2x",
            met,
        )
        return 0 if met else 1
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
