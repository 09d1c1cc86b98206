"""``tlsstep handshake --json`` against bench/bare_handshake.py, whole processes.

    python bench/handshake_json.py [--runs N] [--baseline DIR]

The yardstick makes a trustme CA and leaf and runs one TLS 1.3 handshake through
memory BIOs, printing nothing. tlsstep is measured with its certificate cache warm
(the usual case) and cold (an empty cache: it makes and stores the certificates).
``--baseline DIR`` also times the tlsstep checkout at DIR (warm and cold, a cache of its
own) in the same runs. Wall and CPU time (user + system of the child).
Targets (issue 14): <= 1.0x warm, <= 1.25x cold.
"""

from __future__ import annotations

import sys

from _bench import (
    PY,
    ROOT,
    TLSSTEP,
    baseline_option,
    cleanup,
    empty_cache,
    from_checkout,
    interleaved,
    line,
    median,
    parser,
)


def main() -> int:
    p = parser(__doc__, 11)
    baseline_option(p)
    args = p.parse_args()
    commands = {
        "bare": [PY, str(ROOT / "bench" / "bare_handshake.py")],
        "warm": [*TLSSTEP, "handshake", "--json"],
        "cold": [*TLSSTEP, "handshake", "--json"],
    }
    before = {"cold": empty_cache}
    caches = {"cold": empty_cache()}
    if args.baseline:
        older = [*from_checkout(args.baseline), "handshake", "--json"]
        commands |= {"baseline warm": older, "baseline cold": older}
        caches |= {
            "baseline warm": empty_cache("baseline-warm"),
            "baseline cold": empty_cache("baseline-cold"),
        }
        before["baseline cold"] = lambda: empty_cache("baseline-cold")
    samples = interleaved(commands, args.runs, before=before, caches=caches)
    bare, bare_cpu = median(samples["bare"]), median(samples["bare"], "cpu")
    ok = True
    for name, target in (("warm", 1.0), ("cold", 1.25)):
        for who in ("baseline ", "") if args.baseline else ("",):
            ours, cpu = median(samples[who + name]), median(samples[who + name], "cpu")
            ratio = ours / bare
            if not who:
                ok &= ratio <= target
            line(
                f"{who}tlsstep handshake --json, cache {name}",
                f"{ours * 1000:6.1f} ms vs {bare * 1000:6.1f} ms: {ratio:.2f}x "
                f"(CPU {cpu / bare_cpu:.2f}x)",
                f"<= {target}x",
                ratio <= target,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
