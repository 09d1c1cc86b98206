"""The HTML page: its size, its cost over ``--json``, and its render time in Chromium.

    python bench/page.py [--runs N]

Targets (issue 15): a default TLS 1.3 handshake page <= 400 KB, rendered in a real
browser (load to the script's last line) in under 1 s; writing the page costs at most
1.25x printing the same document (``--json --states --certs -vv``, the JSON the page
embeds); a 10 MB run's page stays usable
(<= 4 MB, rendered in under 2 s). Render times are medians of loads in one headless
Chromium (tests/browser.py), after one warm-up load.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bench import ROOT, TLSSTEP, cleanup, env, interleaved, line, median, parser

BIG = (
    """\
name = "Ten megabytes"
description = "The client writes 10 MB; the server reads it."

[[step]]
op = "handshake"

[[step]]
op = "write"
side = "client"
data = "0123456789"
repeat = 1048576

[[step]]
op = "deliver"
side = "client"
"""
    + '\n[[step]]\nop = "read"\nside = "server"\nsize = 1000000\n' * 11
)


def render_ms(paths: list[Path], runs: int) -> dict[Path, float]:
    sys.path.insert(0, str(ROOT))
    from selenium.webdriver.common.by import By

    from tests.browser import start_browser

    browser = start_browser()
    out: dict[Path, float] = {}
    try:
        for path in paths:
            times = []
            for _ in range(runs + 1):
                start = time.perf_counter()
                browser.get(path.as_uri())
                browser.find_element(By.CSS_SELECTOR, "html[data-ready]")
                times.append(time.perf_counter() - start)
            out[path] = statistics.median(times[1:]) * 1000
    finally:
        browser.quit()
    return out


def main() -> int:
    args = parser(__doc__, 5).parse_args()
    # The pages embed the run's keys: remove them whatever happens to the run.
    tmp = Path(tempfile.mkdtemp(prefix="tlsstep-bench-page-"))
    try:
        return measure(tmp, args.runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(tmp: Path, runs: int) -> int:
    page = tmp / "run.html"
    same = [*TLSSTEP, "handshake", "--json", "--states", "--certs", "-vv"]
    samples = interleaved(
        {"json": same, "html": [*same, "--html", str(page)]},
        runs,
    )
    ok = True
    ratio = median(samples["html"]) / median(samples["json"])
    ok &= ratio <= 1.25
    line(
        "handshake --json --states --certs -vv, + --html",
        f"{median(samples['html']) * 1000:6.1f} ms vs {median(samples['json']) * 1000:6.1f} ms:"
        f" {ratio:.2f}x",
        "<= 1.25x",
        ratio <= 1.25,
    )
    size = page.stat().st_size
    ok &= size <= 400_000
    line("default TLS 1.3 page size", f"{size / 1000:.0f} KB", "<= 400 KB", size <= 400_000)
    (tmp / "big.toml").write_text(BIG)
    big = tmp / "big.html"
    subprocess.run(
        [*TLSSTEP, "replay", "-q", str(tmp / "big.toml"), "--html", str(big)],
        check=True, env=env(), cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    big_size = big.stat().st_size
    ok &= big_size <= 4_000_000
    line("10 MB run page size", f"{big_size / 1e6:.2f} MB", "<= 4 MB", big_size <= 4_000_000)
    times = render_ms([page, big], runs)
    for path, limit, label in ((page, 1000, "default page"), (big, 2000, "10 MB run page")):
        ok &= times[path] < limit
        line(
            f"render in Chromium, {label}",
            f"{times[path]:.0f} ms",
            f"< {limit} ms",
            times[path] < limit,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        cleanup()
