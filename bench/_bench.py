"""What every bench/ script shares: child processes timed with their own peak RSS,
interleaved runs, medians, and one result line per target.

Children run with bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as on a normal
install, with PYTHONPATH at this checkout, and with XDG_CACHE_HOME at a directory of the
bench's own (so the certificate cache is warm or cold on purpose, never the user's).
The machine is shared: runs are interleaved (a, b, a, b, ...) so that noise hits both
sides alike, and medians are compared.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
TLSSTEP = [PY, "-m", "tlsstep"]
CACHE = Path(tempfile.mkdtemp(prefix="tlsstep-bench-cache-"))
atexit.register(lambda: shutil.rmtree(CACHE, ignore_errors=True))  # also on errors and Ctrl-C
os.environ["XDG_CACHE_HOME"] = str(CACHE)  # this process too (bench/replay.py makes a CA)


def env(cache: Path | None = None) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPATH"] = str(ROOT)
    out["XDG_CACHE_HOME"] = str(cache or CACHE)
    out.pop("COLUMNS", None)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    rss_mb: float  # the child's peak resident set
    stdout: bytes = b""


def measure(
    cmd: Sequence[str],
    *,
    stdin: bytes | None = None,
    cache: Path | None = None,
    keep_output: bool = False,
    ok: Sequence[int] = (0,),
) -> Sample:
    """Run ``cmd`` once; its wall time, CPU time and peak RSS (from wait4 on it alone)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as inp:
        if stdin is not None:
            inp.write(stdin)
            inp.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            stdin=inp if stdin is not None else subprocess.DEVNULL,
            stdout=out if keep_output else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env(cache),
            cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read() if proc.stderr else b""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode()[-2000:]}")
        data = b""
        if keep_output:
            out.seek(0)
            data = out.read()
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        stdout=data,
    )


def interleaved(
    commands: dict[str, Sequence[str]],
    runs: int,
    *,
    before: dict[str, object] | None = None,
    caches: dict[str, Path] | None = None,
    ok: Sequence[int] = (0,),
) -> dict[str, list[Sample]]:
    """Each command ``runs`` times, interleaved, after one untimed warm-up run each.

    ``before`` maps a name to a callable run (untimed) before each of its runs, e.g. to
    empty the certificate cache for a cold run.
    """
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    hooks = before or {}
    dirs = caches or {}
    for name, cmd in commands.items():  # warm the page cache, .pyc files, the cert cache
        if name in hooks:
            hooks[name]()  # type: ignore[operator]
        measure(cmd, ok=ok, cache=dirs.get(name))
    for _ in range(runs):
        for name, cmd in commands.items():
            if name in hooks:
                hooks[name]()  # type: ignore[operator]
            samples[name].append(measure(cmd, ok=ok, cache=dirs.get(name)))
    return samples


def from_checkout(directory: str) -> list[str]:
    """``python -m tlsstep`` from the checkout at ``directory`` (``--baseline DIR``: e.g. a
    ``git archive`` of an older commit), first on sys.path, before PYTHONPATH (this one)."""
    run_from = (
        f"import sys, runpy; sys.path.insert(0, {str(Path(directory).resolve())!r}); "
        "runpy.run_module('tlsstep', run_name='__main__', alter_sys=True)"
    )
    return [PY, "-c", run_from]


def median(samples: list[Sample], field: str = "wall") -> float:
    return statistics.median(getattr(s, field) for s in samples)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def line(measure_name: str, result: str, target: str, met: bool) -> None:
    print(f"{measure_name:<46} {result:<44} target {target:<22} {verdict(met)}")


def parser(doc: str | None, runs: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=runs, help=f"timed runs per side (default {runs})")
    return p


def empty_cache(name: str = "cold") -> Path:
    """A new empty cache directory (a cold run's), ``CACHE/name``."""
    shutil.rmtree(CACHE / name, ignore_errors=True)
    (CACHE / name).mkdir()
    return CACHE / name


def baseline_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--baseline",
        metavar="DIR",
        help="also time the tlsstep checkout at DIR (e.g. a git worktree of an older commit)",
    )


def cleanup() -> None:
    shutil.rmtree(CACHE, ignore_errors=True)


def against_bare_handshake(
    label: str, args: Sequence[str], target: float, runs: int, baseline: str | None = None
) -> int:
    """``tlsstep ARGS`` (certificate cache warm, output piped) against bare_handshake.py;
    with ``baseline``, the checkout at that directory too, in the same runs."""
    commands: dict[str, Sequence[str]] = {
        "bare": [PY, str(ROOT / "bench" / "bare_handshake.py")],
        "ours": [*TLSSTEP, *args],
    }
    if baseline:
        commands["baseline"] = [*from_checkout(baseline), *args]
    return ratios(interleaved(commands, runs), "ours", label, target)


def ratios(samples: dict[str, list[Sample]], ours_key: str, label: str, target: float) -> int:
    """Print ``samples[ours_key]`` (and ``samples["baseline"]``, when timed) against
    ``samples["bare"]``: wall-time medians and the CPU ratio. Exit status: ours met."""
    bare, bare_cpu = median(samples["bare"]), median(samples["bare"], "cpu")
    ratio = 0.0
    for name in ("baseline", ours_key) if "baseline" in samples else (ours_key,):
        ours, cpu = median(samples[name]), median(samples[name], "cpu")
        ratio = ours / bare
        line(
            f"{'baseline ' if name == 'baseline' else ''}{label}",
            f"{ours * 1000:6.1f} ms vs {bare * 1000:6.1f} ms: {ratio:.2f}x "
            f"(CPU {cpu / bare_cpu:.2f}x)",
            f"<= {target}x",
            ratio <= target,
        )
    return 0 if ratio <= target else 1
