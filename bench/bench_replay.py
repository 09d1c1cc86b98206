"""``tlsstep replay scenarios/`` as a whole process against bare in-memory handshakes.

Run from the repository root:  python bench/bench_replay.py [SCENARIO_DIR] [--repeat N]

Prints, from one run on this machine:

* the wall time of ``python -m tlsstep replay -q DIR`` as a separate process
  (interpreter start, imports, certificates made once, every scenario), and of
  the same command on the directory's first file alone: the difference, per added
  scenario, is what a scenario costs the whole process;
* the same number of handshakes as those scenarios make (1 + resumptions each),
  done bare in this process: two SSLObjects and MemoryBIOs pumped by hand, with
  contexts and certificates made beforehand;
* the overhead per scenario beyond its handshakes: whole process (per added
  scenario), the same with start-up spread over the scenarios, and as timed
  inside replay.

Target (issue 7): each scenario costs at most 5 ms beyond its own handshakes.
"""

from __future__ import annotations

import json
import os
import ssl
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
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


def main() -> None:
    args = sys.argv[1:]
    repeat = 5
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at : at + 2]
    directory = Path(args[0] if args else ROOT / "scenarios")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def timed(cmd: list[str]) -> tuple[float, str]:
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
        return elapsed, proc.stdout

    def replay(target: Path) -> tuple[float, list[dict[str, Any]]]:
        # Timed as a user runs it (summary table); --json once for the counts.
        cmd = [sys.executable, "-m", "tlsstep", "replay", "-q", str(target)]
        best = min(timed(cmd)[0] for _ in range(repeat))
        doc = json.loads(timed([*cmd, "--json"])[1])
        return best, doc["scenarios"]

    # Interleave nothing else: the whole directory, then its first file alone; the
    # difference is what the other scenarios cost, start-up and certificates cancelled.
    first = sorted(directory.glob("*.toml"))[0]
    process, scenarios = replay(directory)
    process_one, one = replay(first)
    startup = min(timed([sys.executable, "-m", "tlsstep", "--version"])[0] for _ in range(repeat))
    n = len(scenarios)
    handshakes = sum(int(s["connections"]) for s in scenarios)
    handshakes_one = sum(int(s["connections"]) for s in one)
    in_process = sum(float(s["seconds"]) for s in scenarios)

    from tlsstep.config import PairConfig, build_contexts
    from tlsstep.identity import default_identity

    start = time.perf_counter()
    identity = default_identity()
    certificates = time.perf_counter() - start
    client_ctx, server_ctx = build_contexts(PairConfig(), identity)
    bare_handshake(client_ctx, server_ctx)  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(handshakes):
            bare_handshake(client_ctx, server_ctx)
        samples.append(time.perf_counter() - start)
    bare = min(samples)
    per_handshake = bare / handshakes

    ms = 1000.0
    print(f"scenarios: {n} in {directory}, {handshakes} handshakes in all (best of {repeat})")
    print(f"tlsstep replay -q DIR, whole process:             {process * ms:8.1f} ms")
    print(f"tlsstep replay -q {first.name} alone:         {process_one * ms:8.1f} ms")
    print(f"  python -m tlsstep --version:                    {startup * ms:8.1f} ms")
    print(f"  certificates (trustme, once per run):           {certificates * ms:8.1f} ms")
    print(f"  scenarios as timed inside replay:               {in_process * ms:8.1f} ms")
    print(
        f"{handshakes} bare in-memory handshakes, one process:    {bare * ms:8.1f} ms"
        f"  ({per_handshake * ms:.2f} ms each, median run {statistics.median(samples) * ms:.1f})"
    )
    marginal = (process - process_one) / (n - 1)
    own = per_handshake * (handshakes - handshakes_one) / (n - 1)
    print(
        f"whole process, per scenario beyond its handshakes: {(marginal - own) * ms:8.2f} ms"
        f"  ({marginal * ms:.2f} ms per added scenario - {own * ms:.2f} ms of handshakes)"
    )
    amortised = (process - bare) / n
    print(f"the same with start-up and certificates spread:    {amortised * ms:8.2f} ms")
    inside = (in_process - bare) / n
    print(f"inside replay, per scenario beyond its handshakes: {inside * ms:8.2f} ms")
    verdict = "meets" if marginal - own <= 0.005 else "misses"
    print(f"target <= 5 ms per scenario beyond its own handshakes: {verdict}")


if __name__ == "__main__":
    main()
