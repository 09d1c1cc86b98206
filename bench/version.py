"""``tlsstep --version`` against ``python -c "import click"``, whole processes.

    python bench/version.py [--runs N]

Start-up with nothing to do: the price of the command group itself. Target (issue 14):
<= 1.2x.
"""

from __future__ import annotations

import sys

from _bench import PY, TLSSTEP, cleanup, interleaved, line, median, parser


def main() -> int:
    args = parser(__doc__, 15).parse_args()
    samples = interleaved(
        {"click": [PY, "-c", "import click"], "ours": [*TLSSTEP, "--version"]}, args.runs
    )
    base, ours = median(samples["click"]), median(samples["ours"])
    ratio = ours / base
    line(
        "tlsstep --version",
        f"{ours * 1000:6.1f} ms vs {base * 1000:6.1f} ms: {ratio:.2f}x",
        "<= 1.2x",
        ratio <= 1.2,
    )
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
