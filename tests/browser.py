"""A headless Chromium for the page tests, the page bench and the README screenshot.

Selenium with the OS ``chromium-driver`` (Debian builds it for the Debian
``chromium`` beside it, so versions match and nothing is downloaded).
"""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests and CI run as root
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def start_browser() -> Any:
    """A headless Chromium that logs network requests and console messages."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def full_page_screenshot(browser: Any, path: str, width: int = 1400, limit: int = 6000) -> bytes:
    """A screenshot of the whole page (up to ``limit`` pixels tall) as PNG bytes."""
    height = int(browser.execute_script("return document.body.scrollHeight"))
    browser.set_window_size(width, min(height + 40, limit))
    browser.save_screenshot(path)
    browser.set_window_size(width, 1000)
    with open(path, "rb") as f:
        return f.read()
