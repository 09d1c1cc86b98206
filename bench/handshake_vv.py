"""tlsstep handshake -vv (piped) against bench/bare_handshake.py, whole processes.

    python bench/handshake_vv.py [--runs N] [--baseline DIR]

Output goes to a pipe (not a terminal), the certificate cache is warm. The yardstick
makes a trustme CA and leaf and runs one TLS 1.3 handshake through memory BIOs.
Target (issue 14): <= 1.6x.
"""

from __future__ import annotations

import sys

from _bench import against_bare_handshake, baseline_option, cleanup, parser

if __name__ == "__main__":
    try:
        p = parser(__doc__, 11)
        baseline_option(p)
        args = p.parse_args()
        sys.exit(
            against_bare_handshake(
                "tlsstep handshake -vv (piped), cache warm",
                ["handshake", "-vv"],
                1.6,
                args.runs,
                args.baseline,
            )
        )
    finally:
        cleanup()
