"""``tlsstep connect --json`` against a bare Python handshake with the same server.

    python bench/bench_connect.py [--runs N] [--baseline DIR]

Starts ``openssl s_server`` on 127.0.0.1 (an ephemeral port, a trustme certificate),
then times, interleaved, ``tlsstep connect 127.0.0.1:PORT --ca CA --json`` and
bench/bare_connect.py (socket + ``SSLContext.wrap_socket``, printing nothing), wall
and CPU time (user + system of the child: what load on a shared machine moves least).
``--baseline DIR`` also times the tlsstep checkout at DIR (e.g. ``git archive`` of an
older commit) in the same runs. Target (issue 13): <= 1.2x.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import trustme
from _bench import (
    PY,
    ROOT,
    TLSSTEP,
    cleanup,
    from_checkout,
    interleaved,
    parser,
    ratios,
)


def main() -> int:
    p = parser(__doc__, 9)
    p.add_argument("--baseline", metavar="DIR", help="also time the tlsstep checkout at DIR")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ca = trustme.CA()
        ca_file, cert_file = Path(tmp, "ca.pem"), Path(tmp, "server.pem")
        ca.cert_pem.write_to_path(str(ca_file))
        ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(cert_file))
        server = subprocess.Popen(
            ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", str(cert_file)],
            stdin=subprocess.PIPE,  # at EOF on stdin s_server stops
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            assert server.stdout is not None
            port = None
            while port is None:
                out = server.stdout.readline()
                if not out:
                    raise SystemExit("openssl s_server did not start")
                if match := re.match(rb"ACCEPT .*:(\d+)", out):
                    port = match.group(1).decode()
            # s_server reports each connection: drain its pipe so that it never fills.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            target = ["connect", f"127.0.0.1:{port}", "--ca", str(ca_file), "--json"]
            commands: dict[str, Sequence[str]] = {
                "bare": [
                    PY,
                    str(ROOT / "bench" / "bare_connect.py"),
                    "127.0.0.1",
                    port,
                    str(ca_file),
                ],
                "connect": [*TLSSTEP, *target],
            }
            if args.baseline:
                commands["baseline"] = [*from_checkout(args.baseline), *target]
            samples = interleaved(commands, args.runs)
        finally:
            server.kill()
            server.wait()
    return ratios(samples, "connect", "tlsstep connect --json", 1.2)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
