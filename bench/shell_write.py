"""tlsstep shell: 10 MB written by the client and read by the server, text output piped.

    python bench/shell_write.py [--runs N]

Three whole processes, interleaved: ``tlsstep shell`` fed a handshake, one 10 MB write
(``write client data="0123456789" repeat=1048576``), its delivery and 640 reads of 16 KB;
the same shell fed only the handshake (its start-up and handshake, subtracted); and
bench/bare_transfer.py, the same transfer through bare SSLObjects (the yardstick).
Targets (issue 14): the transfer costs <= 0.5 s (CPU) and the process peaks at <= 60 MB.
"""

from __future__ import annotations

import sys

from _bench import PY, ROOT, TLSSTEP, cleanup, interleaved, line, measure, median, parser

HANDSHAKE = "handshake\n"
TRANSFER = (
    HANDSHAKE
    + 'write client data="0123456789" repeat=1048576\ndeliver client\n'
    + "read server size=16384\n" * 640
)


def main() -> int:
    args = parser(__doc__, 3).parse_args()
    shell = [*TLSSTEP, "shell"]
    samples: dict[str, list] = {"transfer": [], "handshake": []}
    measure([*TLSSTEP, "handshake"])  # fill the certificate cache
    base = interleaved({"bare": [PY, str(ROOT / "bench" / "bare_transfer.py")]}, args.runs)
    for _ in range(args.runs):
        samples["transfer"].append(measure(shell, stdin=TRANSFER.encode()))
        samples["handshake"].append(measure(shell, stdin=HANDSHAKE.encode()))
    cpu = median(samples["transfer"], "cpu") - median(samples["handshake"], "cpu")
    wall = median(samples["transfer"]) - median(samples["handshake"])
    rss = median(samples["transfer"], "rss_mb")
    bare_cpu = median(base["bare"], "cpu")
    met = cpu <= 0.5 and rss <= 60
    line(
        "shell: 10 MB written and read, text",
        f"{cpu:.2f} s CPU ({wall:.2f} s wall), RSS {rss:.0f} MB",
        "<= 0.5 s, <= 60 MB",
        met,
    )
    print(
        f"  whole shell process {median(samples['transfer'], 'cpu'):.2f} s CPU; "
        f"yardstick bare_transfer.py {bare_cpu:.2f} s CPU (start-up included), "
        f"RSS {median(base['bare'], 'rss_mb'):.0f} MB"
    )
    return 0 if met else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
