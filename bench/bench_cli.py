"""Whole-process timings, measured side by side in one run, printed as ratios.

    python bench/bench_cli.py [--runs N]

* ``tlsstep handshake --json`` against bench/bare_handshake.py (trustme CA and
  leaf, one TLS 1.3 handshake through memory BIOs, no output). Target <= 1.25x.
* ``tlsstep --version`` against ``python -c "import click"``. Target <= 1.5x.

Runs are interleaved (a, b, a, b, ...) so that machine noise hits both sides
alike; the median of each is compared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def compare(name: str, ours: list[str], base: list[str], runs: int, target: float) -> bool:
    a: list[float] = []
    b: list[float] = []
    timed(ours), timed(base)  # warm the page cache and .pyc files
    for _ in range(runs):
        a.append(timed(ours))
        b.append(timed(base))
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = ma / mb
    verdict = "ok" if ratio <= target else "OVER TARGET"
    print(
        f"{name:<28} {ma * 1000:7.1f} ms  vs baseline {mb * 1000:7.1f} ms  ratio {ratio:4.2f}x  (target <= {target}x: {verdict})"
    )
    return ratio <= target


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ok = compare(
        "tlsstep handshake --json",
        [PY, "-m", "tlsstep", "handshake", "--json"],
        [PY, str(HERE / "bare_handshake.py")],
        args.runs,
        1.25,
    )
    ok &= compare(
        "tlsstep --version",
        [PY, "-m", "tlsstep", "--version"],
        [PY, "-c", "import click"],
        args.runs,
        1.5,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
