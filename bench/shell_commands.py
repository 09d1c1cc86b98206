"""tlsstep shell: the cost of one piped command at 3,000 commands against at 100.

    python bench/shell_commands.py [--runs N]

Whole processes, interleaved: ``tlsstep shell`` fed a handshake and then N rounds of
``write client data="ping"``, ``deliver client``, ``read server`` (3 commands a round),
for N = 0, 33 and 1000. Per-command cost = (time(N) - time(0)) / commands. The
yardstick is the 100-command cost. Target (issue 14): flat, <= 1.1x at 3,000.
"""

from __future__ import annotations

import sys

from _bench import TLSSTEP, cleanup, line, measure, median, parser

ROUND = 'write client data="ping"\ndeliver client\nread server\n'


def script(rounds: int) -> bytes:
    return ("handshake\n" + ROUND * rounds).encode()


def main() -> int:
    args = parser(__doc__, 3).parse_args()
    shell = [*TLSSTEP, "shell"]
    measure([*TLSSTEP, "handshake"])  # fill the certificate cache
    sizes = {"0": 0, "100": 33, "3000": 1000}
    samples: dict[str, list] = {k: [] for k in sizes}
    for _ in range(args.runs):
        for name, rounds in sizes.items():
            samples[name].append(measure(shell, stdin=script(rounds)))
    zero = median(samples["0"], "cpu")
    small = (median(samples["100"], "cpu") - zero) / 99
    large = (median(samples["3000"], "cpu") - zero) / 3000
    ratio = large / small
    line(
        "shell: per command at 3,000 vs at 100",
        f"{large * 1000:.2f} vs {small * 1000:.2f} ms (CPU): {ratio:.2f}x",
        "<= 1.1x",
        ratio <= 1.1,
    )
    return 0 if ratio <= 1.1 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
