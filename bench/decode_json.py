"""``tlsstep decode --json`` (and ``--jsonl``) of TLS 1.3 captures with their key log,
at several sizes, against ``tshark -T json`` on the smallest.

    python bench/decode_json.py [--sizes 20,100,256] [--runs N] [--keep DIR] [--baseline DIR]

Reports MB/s and peak RSS per size (medians of interleaved runs): memory must not grow
with the capture. Targets (issue 14): >= 200 MB/s; peak RSS <= 60 MB and flat from
20 MB to 256 MB. ``--baseline DIR`` also runs another checkout's tlsstep (``--json``),
interleaved: a before/after in one run.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from _bench import TLSSTEP, cleanup, from_checkout, interleaved, line, median, parser
from _capture import capture


def main() -> int:
    p = parser(__doc__, 3)
    p.add_argument("--sizes", default="20,100,256", help="capture sizes in MB")
    p.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the captures here")
    p.add_argument("--baseline", metavar="DIR", help="also time the tlsstep checkout at DIR")
    args = p.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="tlsstep-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    ok = True
    rss_seen: list[float] = []
    try:
        tshark = shutil.which("tshark")
        for size in sizes:
            path = capture(workdir, size)
            mb = path.stat().st_size / 2**20
            commands = {
                "json": [*TLSSTEP, "decode", "--json", str(path)],
                "jsonl": [*TLSSTEP, "decode", "--jsonl", str(path)],
            }
            if args.baseline:
                commands["before"] = [*from_checkout(args.baseline), "decode", "--json", str(path)]
            if tshark and size == min(sizes):  # tshark -T json runs at a few MB/s
                commands["tshark"] = [tshark, "-r", str(path), "-T", "json"]
            samples = interleaved(commands, args.runs)
            if "tshark" in samples:
                t = median(samples["tshark"])
                print(f"yardstick: tshark -T json, {mb:.0f} MB: {mb / t:.1f} MB/s, "
                      f"RSS {median(samples['tshark'], 'rss_mb'):.0f} MB")  # fmt: skip
            if "before" in samples:
                b = samples["before"]
                print(f"before ({args.baseline}): --json, {mb:.0f} MB: {mb / median(b):.0f} MB/s "
                      f"(CPU {mb / median(b, 'cpu'):.0f}), RSS {median(b, 'rss_mb'):.0f} MB")  # fmt: skip
            for kind in ("json", "jsonl"):
                speed = mb / median(samples[kind])
                cpu = mb / median(samples[kind], "cpu")
                rss = median(samples[kind], "rss_mb")
                rss_seen.append(rss)
                met = speed >= 200 and rss <= 60
                ok &= met
                line(
                    f"tlsstep decode --{kind}, {mb:.0f} MB capture",
                    f"{speed:5.0f} MB/s (CPU {cpu:.0f}), RSS {rss:.0f} MB",
                    ">= 200 MB/s, <= 60 MB",
                    met,
                )
        flat = max(rss_seen) - min(rss_seen) <= 5
        ok &= flat
        line(
            f"peak RSS from {min(sizes)} MB to {max(sizes)} MB",
            f"{min(rss_seen):.0f} .. {max(rss_seen):.0f} MB",
            "flat (within 5 MB)",
            flat,
        )
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
