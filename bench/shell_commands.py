"""tlsstep shell: the cost of one piped command at 3,000 commands against at 100.

    python bench/shell_commands.py [--runs N]

Whole processes, each a ``tlsstep shell`` fed a handshake and then N rounds of
``write client data="ping"``, ``deliver client``, ``read server`` (3 commands a
round), for N = 0, 33 and 1000. Per-command cost = (CPU(N) - CPU(0)) / commands,
in CPU seconds (user + system of the child alone: what other processes on the
machine do costs it little). The yardstick is the 100-command cost.

The machine is shared, so the runs are paired and repeated: each repeat runs the
three sizes back to back (in an order that rotates, so no size always goes first),
and each size's median CPU time gives the result; the ratio each repeat gives
on its own is printed as a spread (its middle half), so a noisy run shows as one. Target (issue 14): flat, <= 1.1x at 3,000.

On a busy machine 99 commands (~40 ms) are below the noise between two processes'
start-ups, so that measure is printed for information, and the verdict pairs the two
costs within one session, where nothing but the commands differs: two shells (in this
process, printing to /dev/null as a pipe would), one that has run 2,900 commands and
a new one, run a round each in turn, each round timed in CPU time; the median round
of the new one's commands 1-100 against the old one's 2,901-3,000 says whether a
command costs more once the session holds 3,000.
"""

from __future__ import annotations

import statistics
import sys
import time

from _bench import ROOT, TLSSTEP, cleanup, line, measure, parser

sys.path.insert(0, str(ROOT))

ROUND = 'write client data="ping"\ndeliver client\nread server\n'
SIZES = {"0": 0, "100": 33, "3000": 1000}


def script(rounds: int) -> bytes:
    return ("handshake\n" + ROUND * rounds).encode()


def main() -> int:
    args = parser(__doc__, 9).parse_args()
    shell = [*TLSSTEP, "shell"]
    measure([*TLSSTEP, "handshake"])  # fill the certificate cache
    names = list(SIZES)
    for name in names:  # warm-up: .pyc files, the page cache
        measure(shell, stdin=script(SIZES[name]))
    cpu: dict[str, list[float]] = {name: [] for name in names}
    ratios: list[float] = []
    for repeat in range(args.runs):
        order = names[repeat % 3 :] + names[: repeat % 3]
        this = {name: measure(shell, stdin=script(SIZES[name])).cpu for name in order}
        for name, seconds in this.items():
            cpu[name].append(seconds)
        if this["100"] > this["0"]:
            ratios.append(((this["3000"] - this["0"]) / 3000) / ((this["100"] - this["0"]) / 99))
    # Medians per size first: the 100-command difference is small against a process's
    # noise, and a median of each side is steadier than any one pair's difference.
    zero, hundred, big = (statistics.median(cpu[name]) for name in names)
    small = (hundred - zero) / 99
    large = (big - zero) / 3000
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [0.0] * 3
    if small > 0:
        shown = f"{large * 1000:.2f} vs {small * 1000:.2f} ms (CPU): {large / small:.2f}x"
    else:  # 99 commands cost less than the noise between two processes' start-ups
        shown = f"{large * 1000:.2f} ms at 3,000; at 100 below the noise"
    print(f"whole processes (information): {shown}; {args.runs} paired repeats, their own "
          f"ratios' middle half {quartiles[0]:.2f}..{quartiles[2]:.2f}x")  # fmt: skip
    # The verdict: both costs in one process, in turn, where nothing but the commands differs.
    early, late = in_one_session(1000)
    paired = late / early
    line(
        "shell: per command, 2,901-3,000 vs 1-100",
        f"{late * 1000:.2f} vs {early * 1000:.2f} ms (CPU, paired sessions): {paired:.2f}x",
        "<= 1.1x",
        paired <= 1.1,
    )
    return 0 if paired <= 1.1 else 1


def in_one_session(rounds: int) -> tuple[float, float]:
    """Per-command CPU time (median round) of a session's first 33 rounds and of another
    session's last 33 of ``rounds``, run alternately so that both meet the same load."""
    import os

    from tlsstep.config import PairConfig
    from tlsstep.crypto.unprotector import KeyLogCrypto
    from tlsstep.render.terminal import make_console
    from tlsstep.shell import Shell

    def timed(shell: Shell) -> float:
        start = time.process_time()
        for command in ROUND.splitlines():
            shell.execute(command)
        return (time.process_time() - start) / 3

    with open(os.devnull, "w") as sink:
        old = Shell(PairConfig(), None, make_console(file=sink), crypto=KeyLogCrypto)
        new = Shell(PairConfig(), None, make_console(file=sink), crypto=KeyLogCrypto)
        try:
            old.execute("handshake")
            for _ in range(rounds - 33):  # the long session's first 2,900 commands
                timed(old)
            new.execute("handshake")
            early, late = [], []
            for _ in range(33):  # commands 1-99 of one, 2,901-3,000 of the other, in turn
                early.append(timed(new))
                late.append(timed(old))
        finally:
            old.close()
            new.close()
    return statistics.median(early), statistics.median(late)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
