"""``tlsstep connect --json`` against a bare Python handshake, side by side in one run.

    python bench/bench_connect.py [--runs N]

Starts ``openssl s_server`` on 127.0.0.1 (an ephemeral port, a trustme certificate),
then times, interleaved, ``tlsstep connect 127.0.0.1:PORT --ca CA --json`` and
bench/bare_connect.py (socket + ``SSLContext.wrap_socket``, printing nothing) and
prints the ratio of the medians. Target (issue 13): <= 1.2x.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import trustme

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli import PY, compare

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
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
                line = server.stdout.readline()
                if not line:
                    raise SystemExit("openssl s_server did not start")
                if match := re.match(rb"ACCEPT .*:(\d+)", line):
                    port = match.group(1).decode()
            # s_server reports each connection: drain its pipe so that it never fills.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            ok = compare(
                "connect --json",
                [
                    PY,
                    "-m",
                    "tlsstep",
                    "connect",
                    f"127.0.0.1:{port}",
                    "--ca",
                    str(ca_file),
                    "--json",
                ],
                [PY, str(HERE / "bare_connect.py"), "127.0.0.1", port, str(ca_file)],
                args.runs,
                1.2,
            )
        finally:
            server.kill()
            server.wait()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
