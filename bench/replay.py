"""``tlsstep replay scenarios/`` as a whole process against bare in-memory handshakes.

    python bench/replay.py [SCENARIO_DIR] [--runs N]

Times ``tlsstep replay DIR`` and ``tlsstep replay FIRST.toml`` (text, and with -q),
interleaved, as whole processes: the difference per added scenario is what a scenario
costs the whole process. The yardstick is the same number of handshakes (1 +
resumptions each) done bare in this process: two SSLObjects and MemoryBIOs pumped by
hand, contexts and certificates made beforehand. Their share is subtracted.

Times are CPU seconds (user + system of each child alone, and of this process for
the bare handshakes), medians of the interleaved runs: the machine is shared, and
wall time there measures the other processes as much as this one.

Targets (issue 14): <= 3 ms text, <= 1.5 ms with -q, per scenario beyond its handshakes.
"""

from __future__ import annotations

import json
import ssl
import statistics
import sys
import time
from pathlib import Path

from _bench import ROOT, TLSSTEP, cleanup, interleaved, line, measure, median, parser

sys.path.insert(0, str(ROOT))


def bare_handshake(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> None:
    """One TLS handshake between two SSLObjects, bytes moved by hand."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="example.test")
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done = {id(client): False, id(server): False}
    for _ in range(16):
        for obj, out, peer_in in ((client, c_out, s_in), (server, s_out, c_in)):
            if not done[id(obj)]:
                try:
                    obj.do_handshake()
                    done[id(obj)] = True
                except ssl.SSLWantReadError:
                    pass
            data = out.read()
            if data:
                peer_in.write(data)
        if all(done.values()):
            return
    raise RuntimeError("bare handshake did not finish")


def main() -> int:
    p = parser(__doc__, 5)
    p.add_argument("directory", nargs="?", default=str(ROOT / "scenarios"))
    args = p.parse_args()
    directory = Path(args.directory)
    first = sorted(directory.glob("*.toml"))[0]
    replay = [*TLSSTEP, "replay"]
    # The whole directory against its first file alone, text and -q, interleaved: the
    # difference per added scenario is what a scenario costs, start-up and certificates
    # cancelled.
    samples = interleaved(
        {
            "text all": [*replay, str(directory)],
            "text one": [*replay, str(first)],
            "-q all": [*replay, "-q", str(directory)],
            "-q one": [*replay, "-q", str(first)],
        },
        args.runs,
        ok=(0, 1),
    )
    doc = json.loads(
        measure([*replay, "--json", str(directory)], keep_output=True, ok=(0, 1)).stdout
    )
    one = json.loads(measure([*replay, "--json", str(first)], keep_output=True, ok=(0, 1)).stdout)
    n = len(doc["scenarios"])
    handshakes = sum(int(s["connections"]) for s in doc["scenarios"])
    handshakes_one = sum(int(s["connections"]) for s in one["scenarios"])

    from tlsstep.config import PairConfig, build_contexts
    from tlsstep.identity import default_identity

    client_ctx, server_ctx = build_contexts(PairConfig(), default_identity())
    bare_handshake(client_ctx, server_ctx)  # warm up
    bare = []
    for _ in range(args.runs):
        start = time.process_time()
        for _ in range(handshakes):
            bare_handshake(client_ctx, server_ctx)
        bare.append(time.process_time() - start)
    per_handshake = statistics.median(bare) / handshakes
    own = per_handshake * (handshakes - handshakes_one) / (n - 1)
    print(f"{n} scenarios in {directory}, {handshakes} handshakes; a bare in-memory handshake "
          f"takes {per_handshake * 1000:.2f} ms in this process")  # fmt: skip
    ok = True
    for mode, target in (("text", 3.0), ("-q", 1.5)):
        everything = median(samples[f"{mode} all"], "cpu")
        alone = median(samples[f"{mode} one"], "cpu")
        per = ((everything - alone) / (n - 1) - own) * 1000
        ok &= per <= target
        line(
            f"tlsstep replay {'-q ' if mode == '-q' else ''}scenarios/, per scenario",
            f"{per:5.2f} ms (CPU) beyond its handshakes",
            f"<= {target} ms",
            per <= target,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
