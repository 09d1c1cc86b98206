"""``tlsstep decode`` (text, piped) of a TLS 1.3 capture with its key log, against
``tshark -V`` on the same file (the same secrets, from the capture's own block).

    python bench/decode_text.py [--size MB] [--runs N] [--keep DIR] [--baseline DIR]

Reports MB/s (capture bytes per wall second, and per CPU second) and each side's
peak RSS, medians of interleaved runs; ``--baseline DIR`` also runs the tlsstep of
another checkout (an earlier commit: ``git worktree add DIR COMMIT``), interleaved,
for a before/after in one run. Targets (issue 14): >= 400 MB/s, peak RSS <= 60 MB at 100 MB.
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
    p.add_argument("--size", type=int, default=100, help="capture size in MB (default 100)")
    p.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the captures here")
    p.add_argument("--baseline", metavar="DIR", help="also time the tlsstep checkout at DIR")
    args = p.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="tlsstep-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        path = capture(workdir, args.size)
        mb = path.stat().st_size / 2**20
        commands = {"ours": [*TLSSTEP, "decode", str(path)]}
        if args.baseline:
            commands["before"] = [*from_checkout(args.baseline), "decode", str(path)]
        tshark = shutil.which("tshark")
        if tshark:
            commands["tshark"] = [tshark, "-r", str(path), "-V"]
        samples = interleaved(commands, args.runs)
        ours = median(samples["ours"])
        cpu = median(samples["ours"], "cpu")
        rss = median(samples["ours"], "rss_mb")
        base = ""
        if tshark:
            theirs = median(samples["tshark"])
            base = (
                f" (tshark -V {mb / theirs:.0f} MB/s, {median(samples['tshark'], 'rss_mb'):.0f} MB)"
            )
        if args.baseline:
            before = samples["before"]
            print(f"before ({args.baseline}): {mb / median(before):.0f} MB/s "
                  f"(CPU {mb / median(before, 'cpu'):.0f}), RSS {median(before, 'rss_mb'):.0f} MB")  # fmt: skip
        met = mb / ours >= 400 and rss <= 60
        line(
            f"tlsstep decode, text, {mb:.0f} MB capture",
            f"{mb / ours:5.0f} MB/s (CPU {mb / cpu:.0f}), RSS {rss:.0f} MB{base}",
            ">= 400 MB/s, <= 60 MB",
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
