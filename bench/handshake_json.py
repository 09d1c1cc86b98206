"""``tlsstep handshake --json`` against bench/bare_handshake.py, whole processes.

    python bench/handshake_json.py [--runs N]

The yardstick makes a trustme CA and leaf and runs one TLS 1.3 handshake through
memory BIOs, printing nothing. tlsstep is measured with its certificate cache warm
(the usual case) and cold (an empty cache: it makes and stores the certificates).
Targets (issue 14): <= 1.0x warm, <= 1.25x cold.
"""

from __future__ import annotations

import sys

from _bench import PY, ROOT, TLSSTEP, cleanup, empty_cache, interleaved, line, median, parser


def main() -> int:
    args = parser(__doc__, 11).parse_args()
    cold_dir = empty_cache()
    samples = interleaved(
        {
            "bare": [PY, str(ROOT / "bench" / "bare_handshake.py")],
            "warm": [*TLSSTEP, "handshake", "--json"],
            "cold": [*TLSSTEP, "handshake", "--json"],
        },
        args.runs,
        before={"cold": empty_cache},
        caches={"cold": cold_dir},
    )
    bare = median(samples["bare"])
    ok = True
    for name, target in (("warm", 1.0), ("cold", 1.25)):
        ours = median(samples[name])
        ratio = ours / bare
        ok &= ratio <= target
        line(
            f"tlsstep handshake --json, cache {name}",
            f"{ours * 1000:6.1f} ms vs {bare * 1000:6.1f} ms: {ratio:.2f}x",
            f"<= {target}x",
            ratio <= target,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
