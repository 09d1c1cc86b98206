"""``tlsstep replay scenarios/`` as a whole process against bare in-memory handshakes.

    python bench/replay.py [SCENARIO_DIR] [--runs N]

Times ``tlsstep replay DIR`` and ``tlsstep replay FIRST.toml`` (text, and with -q),
interleaved, as whole processes: the difference per added scenario is what a scenario
costs the whole process. The yardstick is each scenario's own handshakes done bare in
this process: two SSLObjects and MemoryBIOs pumped by hand, as many as the scenario
made connections, on contexts made beforehand from the scenario's own configuration
(its versions, ciphers, certificate problem, client certificate, chain: a mutual-TLS
handshake costs twice a plain one), a handshake OpenSSL refuses stopping at its error
as the scenario's does. Their share is subtracted. (A resumption is counted as a full
handshake, which flatters tlsstep slightly.)

Times are CPU seconds (user + system of each child alone, and of this process for
the bare handshakes), medians of the interleaved runs: the machine is shared, and
wall time there measures the other processes as much as this one.

``--instructions`` also counts instructions with callgrind (whole process, bytecode
cached: what load on a shared machine does not move), one run of each command, the
yardstick's bare handshakes counted the same way in a child process.

The bare handshakes' contexts are made before they are timed, so making contexts is
part of what a scenario costs beyond its handshakes. A bare script replaying the same
scenarios would make them too: the next line shows their share, as the distinct
contexts the scenarios' configurations make (each made once, as replay shares them:
``config.context_inputs``), per scenario beyond the first, and the cost beyond both.

``--baseline DIR`` also runs the tlsstep checkout at DIR (e.g. ``git archive`` of an
earlier commit, unpacked) in the same interleaved runs, against the same yardstick:
before and after, measured together.

Targets (issue 14): <= 3 ms text, <= 1.5 ms with -q, per scenario beyond its handshakes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _bench import (
    CACHE,
    PY,
    ROOT,
    TLSSTEP,
    cleanup,
    from_checkout,
    interleaved,
    line,
    measure,
    median,
    parser,
)

sys.path.insert(0, str(ROOT))

_PARENT_CACHE = "TLSSTEP_BENCH_PARENT_CACHE"  # the certificate cache a child reads


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


def _bare_work(
    scenarios: list[dict[str, object]],
) -> list[tuple[str, int, ssl.SSLContext, ssl.SSLContext]]:
    """(path, connections, client and server context) of each scenario that connected:
    its contexts made beforehand from its own configuration."""
    from tlsstep.config import build_contexts
    from tlsstep.identity import default_identity
    from tlsstep.scenario import load

    identity = default_identity()
    work = []
    for s in scenarios:
        path, count = str(s["path"]), int(str(s["connections"]))
        if count:
            client_ctx, server_ctx = build_contexts(load(path).config, identity)
            work.append((path, count, client_ctx, server_ctx))
    return work


def _distinct_inputs(scenarios: list[dict[str, object]]) -> list[tuple[object, object]]:
    """(config, side) of each distinct context ``scenarios`` make (by
    ``config.context_inputs``, as replay shares them), in the order replay makes them."""
    from tlsstep.config import context_inputs
    from tlsstep.events import Side
    from tlsstep.identity import default_identity
    from tlsstep.scenario import load

    identity = default_identity()
    seen: dict[object, tuple[object, object]] = {}
    for s in scenarios:
        if int(str(s["connections"])):
            config = load(str(s["path"])).config
            for side in (Side.client, Side.server):
                seen.setdefault(context_inputs(config, side, identity), (config, side))
    return list(seen.values())


def _make_contexts(distinct: list[tuple[object, object]]) -> None:
    from tlsstep.config import build_side_context

    for config, side in distinct:
        build_side_context(config, side)  # type: ignore[arg-type]


def bare_contexts(scenarios: list[dict[str, object]], first: str, runs: int) -> float:
    """CPU seconds of making the distinct contexts of ``scenarios`` beyond those of the
    scenario ``first`` alone (the median of ``runs``)."""
    every = _distinct_inputs(scenarios)
    alone = _distinct_inputs([s for s in scenarios if s["path"] == first])
    times = []
    for _ in range(runs + 1):  # the first warms up
        start = time.process_time()
        _make_contexts(every)
        middle = time.process_time()
        _make_contexts(alone)
        times.append((middle - start) - (time.process_time() - middle))
    return statistics.median(times[1:])


def _bare_round(count: int, client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> None:
    for _ in range(count):
        # refused, as in the scenario: the work up to the refusal counts
        with contextlib.suppress(ssl.SSLError):
            bare_handshake(client_ctx, server_ctx)


def bare_handshakes(scenarios: list[dict[str, object]], runs: int) -> dict[str, float]:
    """Each scenario's handshakes done bare on contexts made from its configuration:
    CPU seconds by scenario path (the median of ``runs``)."""
    work = _bare_work(scenarios)
    times: dict[str, list[float]] = {path: [] for path, *_ in work}
    for _ in range(runs + 1):  # the first warms up
        for path, count, client_ctx, server_ctx in work:
            start = time.process_time()
            _bare_round(count, client_ctx, server_ctx)
            times[path].append(time.process_time() - start)
    return {path: statistics.median(t[1:]) for path, t in times.items()}


def instructions(cmd: list[str]) -> int:
    """Instructions ``cmd`` executes, the whole process (callgrind; bytecode cached)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        measure(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd], ok=(0, 1))
        for text in out.read_text().splitlines():
            if text.startswith("summary:"):
                return int(text.split()[1])
    raise SystemExit(f"callgrind wrote no summary for {' '.join(cmd)}")


def contexts_instructions(scenarios: list[dict[str, object]]) -> int:
    """Instructions of making the distinct contexts of ``scenarios`` once: a child making
    them twice minus one making them once."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as doc:
        json.dump(scenarios, doc)
        doc.flush()
        child = [PY, str(Path(__file__).resolve()), "--contexts-child", doc.name]
        return instructions([*child, "2"]) - instructions([*child, "1"])


def bare_instructions(scenarios: list[dict[str, object]]) -> int:
    """Instructions of one round of ``scenarios``' bare handshakes: a child doing two
    rounds minus one doing one (imports and contexts cancel)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as doc:
        json.dump(scenarios, doc)
        doc.flush()
        child = [PY, str(Path(__file__).resolve()), "--bare-child", doc.name]
        return instructions([*child, "2"]) - instructions([*child, "1"])


def main() -> int:
    p = parser(__doc__, 5)
    p.add_argument("directory", nargs="?", default=str(ROOT / "scenarios"))
    p.add_argument("--baseline", metavar="DIR", help="also time the tlsstep checkout at DIR")
    p.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions with callgrind (one run each; minutes)",
    )
    p.add_argument("--bare-child", nargs=2, metavar=("DOC", "ROUNDS"), help=argparse.SUPPRESS)
    p.add_argument("--contexts-child", nargs=2, metavar=("DOC", "ROUNDS"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.bare_child or args.contexts_child:
        # A child measures this bench's runs: it reads the certificates the replays put
        # in the bench's cache (importing _bench gave it a fresh, empty one, and making
        # certificates again, RSA keys among them, made its count move by ~100 M).
        os.environ["XDG_CACHE_HOME"] = os.environ.get(_PARENT_CACHE, str(CACHE))
    if args.contexts_child:  # a child of contexts_instructions: DOC's contexts ROUNDS times
        distinct = _distinct_inputs(json.loads(Path(args.contexts_child[0]).read_text()))
        for _ in range(int(args.contexts_child[1])):
            _make_contexts(distinct)
        return 0
    if args.bare_child:  # a child of bare_instructions: ROUNDS rounds of DOC's handshakes
        work = _bare_work(json.loads(Path(args.bare_child[0]).read_text()))
        for _ in range(int(args.bare_child[1])):
            for _path, count, client_ctx, server_ctx in work:
                _bare_round(count, client_ctx, server_ctx)
        return 0
    os.environ[_PARENT_CACHE] = str(CACHE)  # for the children (env() copies os.environ)
    directory = Path(args.directory)
    first = sorted(directory.glob("*.toml"))[0]
    replay = [*TLSSTEP, "replay"]
    # The whole directory against its first file alone, text and -q, interleaved: the
    # difference per added scenario is what a scenario costs, start-up and certificates
    # cancelled.
    versions = {"": replay}
    if args.baseline:
        versions["baseline "] = [*from_checkout(args.baseline), "replay"]
    commands = {}
    for label, command in versions.items():
        commands[f"{label}text all"] = [*command, str(directory)]
        commands[f"{label}text one"] = [*command, str(first)]
        commands[f"{label}-q all"] = [*command, "-q", str(directory)]
        commands[f"{label}-q one"] = [*command, "-q", str(first)]
    samples = interleaved(commands, args.runs, ok=(0, 1))
    doc = json.loads(
        measure([*replay, "--json", str(directory)], keep_output=True, ok=(0, 1)).stdout
    )
    one = json.loads(measure([*replay, "--json", str(first)], keep_output=True, ok=(0, 1)).stdout)
    n = len(doc["scenarios"])
    handshakes = sum(int(s["connections"]) for s in doc["scenarios"])
    first_path = one["scenarios"][0]["path"]
    bare = bare_handshakes(doc["scenarios"], args.runs)
    own = (sum(bare.values()) - bare.get(first_path, 0.0)) / (n - 1)
    print(f"{n} scenarios in {directory}, {handshakes} handshakes; bare, on each scenario's "
          f"own contexts, they take {sum(bare.values()) * 1000 / max(handshakes, 1):.2f} ms "
          "each in this process")  # fmt: skip
    contexts = bare_contexts(doc["scenarios"], first_path, args.runs) / (n - 1)
    print(f"making the {len(_distinct_inputs(doc['scenarios']))} distinct contexts these "
          f"scenarios need (as a bare script would, once each): {contexts * 1000:.2f} ms "
          "a scenario beyond the first's")  # fmt: skip
    ok = True
    for label in versions:
        for mode, target in (("text", 3.0), ("-q", 1.5)):
            everything = median(samples[f"{label}{mode} all"], "cpu")
            alone = median(samples[f"{label}{mode} one"], "cpu")
            per = ((everything - alone) / (n - 1) - own) * 1000
            ok &= per <= target or bool(label)
            line(
                f"{label}tlsstep replay {'-q ' if mode == '-q' else ''}scenarios/, per scenario",
                f"{per:5.2f} ms (CPU) beyond its handshakes",
                f"<= {target} ms",
                per <= target,
            )
            print(f"{'':<46} {per - contexts * 1000:5.2f} ms beyond its handshakes and contexts")
    if args.instructions:
        first_only = [s for s in doc["scenarios"] if s["path"] == first_path]
        yardstick = (bare_instructions(doc["scenarios"]) - bare_instructions(first_only)) / (n - 1)
        beyond = contexts_instructions(doc["scenarios"]) - contexts_instructions(first_only)
        made = beyond / (n - 1)
        for label, command in versions.items():
            for mode in ("text", "-q"):
                quiet = ["-q"] if mode == "-q" else []
                every = instructions([*command, *quiet, str(directory)])
                alone = instructions([*command, *quiet, str(first)])
                per = (every - alone) / (n - 1)
                print(
                    f"{label}tlsstep replay {'-q ' if quiet else ''}scenarios/: "
                    f"{(per - yardstick) / 1e6:5.1f} M instructions per scenario beyond its "
                    f"handshakes ({per / 1e6:.1f} M with them; the bare handshakes "
                    f"{yardstick / 1e6:.1f} M); {(per - yardstick - made) / 1e6:5.1f} M beyond "
                    f"its handshakes and contexts (the contexts {made / 1e6:.1f} M)"
                )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
