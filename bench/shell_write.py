"""tlsstep shell: 10 MB written by the client and read by the server, text output piped.

    python bench/shell_write.py [--runs N] [--baseline DIR]

Whole processes, interleaved: ``tlsstep shell`` fed a handshake, one 10 MB write
(``write client data="0123456789" repeat=1048576``), its delivery and 640 reads of 16 KB;
the same shell fed only the handshake (its start-up and handshake, subtracted); and
bench/bare_transfer.py, the same transfer through bare SSLObjects (the yardstick).
``--baseline DIR`` also runs the tlsstep of the checkout at DIR (e.g. ``git worktree add
DIR COMMIT``) the same way, in the same rounds: "before" in the same run.
Targets (issue 14): the transfer costs <= 0.5 s (CPU) and the process peaks at <= 60 MB.
"""

from __future__ import annotations

import sys

from _bench import (
    PY,
    ROOT,
    TLSSTEP,
    Sample,
    cleanup,
    from_checkout,
    interleaved,
    line,
    measure,
    median,
    parser,
)

HANDSHAKE = "handshake\n"
TRANSFER = (
    HANDSHAKE
    + 'write client data="0123456789" repeat=1048576\ndeliver client\n'
    + "read server size=16384\n" * 640
)


def transfer_cost(samples: dict[str, list[Sample]]) -> tuple[float, float, float]:
    """CPU and wall time of the transfer beyond the handshake-only session; peak RSS."""
    cpu = median(samples["transfer"], "cpu") - median(samples["handshake"], "cpu")
    wall = median(samples["transfer"]) - median(samples["handshake"])
    return cpu, wall, median(samples["transfer"], "rss_mb")


def main() -> int:
    p = parser(__doc__, 3)
    p.add_argument("--baseline", metavar="DIR", help="also time the tlsstep checkout at DIR")
    args = p.parse_args()
    shells = {"ours": [*TLSSTEP, "shell"]}
    if args.baseline:
        shells["before"] = [*from_checkout(args.baseline), "shell"]
    samples = {name: {"transfer": [], "handshake": []} for name in shells}
    measure([*TLSSTEP, "handshake"])  # fill the certificate cache
    base = interleaved({"bare": [PY, str(ROOT / "bench" / "bare_transfer.py")]}, args.runs)
    for _ in range(args.runs):
        for name, shell in shells.items():
            for kind, text in (("transfer", TRANSFER), ("handshake", HANDSHAKE)):
                samples[name][kind].append(measure(shell, stdin=text.encode()))
    cpu, wall, rss = transfer_cost(samples["ours"])
    met = cpu <= 0.5 and rss <= 60
    line(
        "shell: 10 MB written and read, text",
        f"{cpu:.2f} s CPU ({wall:.2f} s wall), RSS {rss:.0f} MB",
        "<= 0.5 s, <= 60 MB",
        met,
    )
    if args.baseline:
        b_cpu, b_wall, b_rss = transfer_cost(samples["before"])
        print(
            f"  before ({args.baseline}): {b_cpu:.2f} s CPU ({b_wall:.2f} s wall), "
            f"RSS {b_rss:.1f} MB; now {cpu / b_cpu:.2f}x CPU"
        )
    print(
        f"  whole shell process {median(samples['ours']['transfer'], 'cpu'):.2f} s CPU, "
        f"RSS {rss:.1f} MB (handshake only: "
        f"{median(samples['ours']['handshake'], 'rss_mb'):.1f} MB); yardstick "
        f"bare_transfer.py {median(base['bare'], 'cpu'):.2f} s CPU (start-up included), "
        f"RSS {median(base['bare'], 'rss_mb'):.1f} MB"
    )
    return 0 if met else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
