"""Make the README's screenshot of a page: ``python tests/page_screenshot.py docs/page.png``.

The same tooling as tests/test_page.py: a real ``tlsstep handshake --html`` run, the
headless Chromium of tests/browser.py, the server's Finished record opened (its
decryption and the Finished recomputation) and one field hovered.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import start_browser  # noqa: E402


def main(out: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "run.html"
        subprocess.run(
            [sys.executable, "-m", "tlsstep", "handshake", "--data", "GET / HTTP/1.1",
             "--html", "run.html"],
            check=True, cwd=tmp, stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        browser = start_browser()
        try:
            browser.set_window_size(1400, 1900)
            browser.get(page.as_uri() + "#step-3")
            browser.find_element(By.CSS_SELECTOR, "html[data-ready]")
            arrows = browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")
            next(a for a in arrows if "CertificateVerify" in a.get_attribute("aria-label")).click()
            field = next(
                f
                for f in browser.find_elements(By.CSS_SELECTOR, "#record .tree .f")
                if f.text.startswith("tag")
            )
            ActionChains(browser).move_to_element(field).perform()
            browser.execute_script("window.scrollTo(0, 0)")
            browser.save_screenshot(out)
        finally:
            browser.quit()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "docs" / "page.png"))
