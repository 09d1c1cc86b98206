"""Fuzz the decoder and the capture reader for a given time (issue 17).

    python bench/fuzz_decode.py [--seconds 10] [--seed 1] [--target decoder|capture|both] [--keep DIR]

Prints inputs/s, the number of uncaught exceptions (with the first traceback) and the
slowest input (its target, size and time). The baseline, measured in the same run,
is the unmutated seeds through the same targets: the slowest input is reported as a
ratio to the seeds' median time, the measure that a quadratic path would blow up.
--keep writes the slowest input and every failing one to DIR, to replay them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile.mutator import TARGETS, decode_streams, fuzz, read_capture_bytes, seeds  # noqa: E402


def baseline() -> float:
    """Median seconds per unmutated seed input, over both targets."""
    times = []
    for _ in range(20):
        for seed in seeds():
            start = time.perf_counter()
            decode_streams(seed, seed.client, seed.server)
            times.append(time.perf_counter() - start)
            start = time.perf_counter()
            read_capture_bytes(seed.pcapng)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=[*TARGETS, "both"], default="both")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    targets = tuple(TARGETS) if args.target == "both" else (args.target,)

    base = baseline()
    start = time.perf_counter()
    report = fuzz(seed=args.seed, seconds=args.seconds, targets=targets)
    wall = time.perf_counter() - start
    slow_time, slow_target, slow_data = report.slowest
    print(f"targets:     {', '.join(targets)} (seed {args.seed})")
    print(f"inputs:      {report.cases:,} in {wall:.1f} s = {report.cases / wall:,.0f} inputs/s")
    print(f"exceptions:  {len(report.failures)}")
    print(f"baseline:    {base * 1000:.2f} ms per unmutated seed input (median)")
    print(
        f"slowest:     {slow_time * 1000:.2f} ms ({slow_time / base:.1f}x baseline), "
        f"{slow_target}, {len(slow_data):,} bytes"
    )
    if report.failures:
        target, data, error = report.failures[0]
        print(f"\nfirst exception ({target}, {len(data):,} bytes):\n{error}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        (args.keep / f"slowest-{slow_target}.bin").write_bytes(slow_data)
        for n, (target, data, _) in enumerate(report.failures):
            (args.keep / f"failure-{n}-{target}.bin").write_bytes(data)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
