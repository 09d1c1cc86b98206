"""The HTML page of a run, driven in a real headless Chromium (one browser for the module).

Selenium with the OS ``chromium-driver`` (not Playwright): the Debian driver is
built for the Debian Chromium it ships with, so versions always match, and
nothing is downloaded (Playwright's wheel carries its own Node driver and pins
a browser build). The page is loaded from a file:// URL; the browser's network
log (Chrome performance log) must show no request other than that file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import tlsstep

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

selenium = pytest.importorskip("selenium", reason="pip install selenium (tests extra)")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):  # pragma: no cover
    if os.environ.get("CI"):
        raise RuntimeError(".ci/run installs chromium and chromium-driver; they are missing")
    pytest.skip("chromium / chromedriver not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


TAMPER_FINISHED = """\
name = "A flipped bit in the server's encrypted Finished"
description = "The server's last handshake record (its Finished) has one bit flipped."

[[step]]
op = "handshake"
side = "client"

[[step]]
op = "deliver"
side = "client"

[[step]]
op = "handshake"
side = "server"

[[step]]
op = "tamper"
side = "server"
flip = {offset}

[[step]]
op = "deliver"
side = "server"

[[step]]
op = "handshake"
side = "client"
expect = {{ result = "error" }}
"""

CASES: dict[str, tuple[str, ...]] = {
    "tls13": ("handshake", "--data", "hello"),
    "tls12-cbc": ("handshake", "--tls-version", "1.2", "--cipher", "ECDHE-ECDSA-AES128-SHA256"),
    "hrr": ("handshake", "--server-group", "prime256v1"),
    "mtls": ("handshake", "--client-cert"),
    "mismatch": ("handshake", "--server-name", "wrong.test"),
}


def _finished_offset(tmp: Path) -> int:
    """Where the server's last record (its Finished) starts in its first flight, + 10."""
    proc = tlsstep("handshake", "--json")
    doc = json.loads(proc.stdout)
    flight = next(e for e in doc["events"] if e["op"] == "deliver" and e["side"] == "server")
    return int(flight["records"][-1]["offset"]) + 10


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("pages")
    out: dict[str, Path] = {}
    for name, args in CASES.items():
        path = tmp / f"{name}.html"
        proc = tlsstep(*args, "--html", str(path))
        assert path.exists(), proc.stderr
        out[name] = path
    scenario = tmp / "tampered-finished.toml"
    scenario.write_text(TAMPER_FINISHED.format(offset=_finished_offset(tmp)))
    path = tmp / "tampered-finished.html"
    proc = tlsstep("replay", str(scenario), "--html", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out["tampered"] = path
    return out


def embedded(path: Path) -> dict[str, Any]:
    text = path.read_text()
    m = re.search(r'<script type="application/json" id="tlsstep-run">(.*?)</script>', text, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def load(browser: Any, path: Path, fragment: str = "") -> None:
    browser.get_log("performance")  # drop what earlier pages logged
    browser.get(path.as_uri() + fragment)
    browser.find_element(By.CSS_SELECTOR, "html[data-ready]")
    assert browser.get_log("browser") == []  # no script error, no failed load


def requests_made(browser: Any) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def click_record(browser: Any, label: str) -> Any:
    arrows = browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")
    arrow = next(a for a in arrows if label in (a.get_attribute("aria-label") or ""))
    arrow.click()
    return arrow


def states_shown(browser: Any) -> dict[str, str]:
    cells = browser.find_elements(By.CSS_SELECTOR, "#sides td.v")
    return {c.get_attribute("data-side"): c.text.rstrip(" *") for c in cells}


def screenshot(browser: Any, path: Path) -> bytes:
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, min(int(height) + 40, 6000))
    png = path.with_suffix(".png")
    browser.save_screenshot(str(png))
    browser.set_window_size(1400, 1000)
    return png.read_bytes()


COUNT_COLOURS = """
const [data, done] = arguments;
const img = new Image();
img.onload = () => {
  const c = document.createElement("canvas");
  c.width = img.width; c.height = img.height;
  const g = c.getContext("2d");
  g.drawImage(img, 0, 0);
  const px = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
  for (let i = 0; i < px.length; i += 4 * 7) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
  done(seen.size);
};
img.onerror = () => done(-1);
img.src = "data:image/png;base64," + data;
"""


def distinct_colours(browser: Any, png: bytes) -> int:
    """How many colours the screenshot has (a blank page has one), decoded by the browser."""
    import base64

    return int(browser.execute_async_script(COUNT_COLOURS, base64.b64encode(png).decode()))


@pytest.mark.parametrize("name", [*CASES, "tampered"])
def test_page_renders_offline_and_not_blank(
    browser: Any, pages: dict[str, Path], name: str
) -> None:
    path = pages[name]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it embeds the run's secrets
    load(browser, path)
    assert requests_made(browser) == [path.as_uri()]  # nothing but the file itself
    doc = embedded(path)
    arrows = browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")
    crossed = [r for e in doc["events"] for r in e.get("records", [])]
    assert len(arrows) == len(crossed) > 0
    assert requests_made(browser) == []  # clicking around loads nothing either
    png = screenshot(browser, path)
    assert distinct_colours(browser, png) > 8, f"{path.with_suffix('.png')} looks blank"


def test_tls13_record_view_fields_and_bytes(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["tls13"])
    click_record(browser, "ServerHello")
    title = browser.find_element(By.ID, "record-title").text
    assert "server → client" in title and "ServerHello" in title
    fields = browser.find_elements(By.CSS_SELECTOR, "#record .tree .f")
    names = [f.find_element(By.CSS_SELECTOR, ".name").text for f in fields]
    assert {"content_type", "legacy_record_version", "cipher_suite", "supported_versions"} <= set(
        names
    )
    suite = next(f for f in fields if f.text.startswith("cipher_suite"))
    assert "TLS_AES_256_GCM_SHA384 (0x1302)" in suite.text  # value with its IANA name
    ActionChains(browser).move_to_element(suite).perform()
    lit = browser.find_elements(By.CSS_SELECTOR, "#record .hexdump .b.hl")
    assert [b.text for b in lit] == ["13", "02"]
    assert "hl" in suite.get_attribute("class")
    # And back: hovering a byte lights the deepest field that holds it.
    version = next(f for f in fields if f.text.startswith("legacy_record_version"))
    assert "[1+2]" in version.text
    first = browser.find_elements(By.CSS_SELECTOR, "#record .hexdump .b")[1]
    ActionChains(browser).move_to_element(first).perform()
    assert "hl" in version.get_attribute("class")
    # Keyboard: focusing a field highlights its bytes too.
    browser.execute_script("arguments[0].focus()", fields[0])
    assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#record .b.hl")] == ["16"]


def test_tls13_decryption_and_finished_shown(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["tls13"])
    doc = embedded(pages["tls13"])
    click_record(browser, "Finished")
    text = browser.find_element(By.ID, "record").text
    record = next(
        r
        for e in doc["events"]
        for r in e.get("records", [])
        if any(m["type"] == "Finished" for m in r.get("messages", []))
    )
    d = record["decryption"]
    assert "SERVER_HANDSHAKE_TRAFFIC_SECRET" in text
    for value in (d["key"], d["iv"], d["nonce"], d["additional_data"], d["tag"]):
        assert value in text
    assert "application_data → handshake" in text  # outer and inner type
    finished = record["messages"][-1]["finished"]
    assert finished["match"] is True and finished["expected"] == finished["received"]
    assert "✓ verify_data matches" in text
    for value in (finished["finished_key"], finished["transcript_hash"], finished["expected"]):
        assert value in text
    keys = browser.find_element(By.ID, "keys").text
    assert "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in keys and "SERVER_TRAFFIC_SECRET_0" in keys


def test_step_player_buttons_keys_and_deep_links(browser: Any, pages: dict[str, Path]) -> None:
    doc = embedded(pages["tls13"])
    load(browser, pages["tls13"], "#step-2")
    assert "server.do_handshake()" in browser.find_element(By.ID, "step").text
    snap = next(s for s in doc["step_states"] if s["step"] == 2)["states"]
    assert states_shown(browser) == {s: snap[s]["state"] for s in ("client", "server")}
    browser.find_element(By.ID, "next").click()
    assert browser.current_url.endswith("#step-3")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert browser.current_url.endswith("#step-4")
    snap = next(s for s in doc["step_states"] if s["step"] == 4)["states"]
    assert states_shown(browser) == {"client": "CONNECTED", "server": snap["server"]["state"]}
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert browser.current_url.endswith("#step-2")
    assert states_shown(browser)["server"] == "WAIT_FLIGHT2"
    # Every step's states agree with the run's JSON (the page's own copy of it).
    for s in doc["step_states"]:
        browser.execute_script(f"location.hash = '#step-{s['step']}'")
        want = {side: s["states"][side]["state"] for side in ("client", "server")}
        assert states_shown(browser) == want, s["line"]


def test_tls12_cbc_decryption(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["tls12-cbc"])
    click_record(browser, "Finished")
    text = browser.find_element(By.ID, "record").text
    assert "TLS 1.2 CBC" in text and "CLIENT_RANDOM" in text
    assert "record IV (in the record)" in text and "✓ verify_data matches" in text
    assert 'PRF(master_secret, "client finished"' in text


def test_hello_retry_request(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["hrr"])
    labels = [
        a.get_attribute("aria-label")
        for a in browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")
    ]
    assert sum("ClientHello" in a for a in labels) == 2
    assert any("HelloRetryRequest" in a for a in labels)
    click_record(browser, "HelloRetryRequest")
    assert "HelloRetryRequest" in browser.find_element(By.ID, "record").text


def test_mutual_tls_certificates(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["mtls"])
    certs = browser.find_element(By.ID, "certs").text
    assert "the server's chain, checked by the client" in certs
    assert "the client's chain, checked by the server" in certs
    assert certs.count("✓ accepted") == 2
    click_record(browser, "CertificateRequest")


def test_hostname_mismatch_failure_first_class(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["mismatch"])
    summary = browser.find_element(By.ID, "summary").text
    assert "✗ handshake failed" in summary and "Hostname mismatch" in summary
    ladder = browser.find_element(By.ID, "ladder").text
    assert "✗ CERTIFICATE_VERIFY_FAILED" in ladder and "Alert fatal bad_certificate" in ladder
    certs = browser.find_element(By.ID, "certs").text
    assert "✗ rejected: Hostname mismatch" in certs and "wrong.test" in certs


def test_tampered_finished_marked(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["tampered"])
    ladder = browser.find_element(By.ID, "ladder").text
    assert "⚠ tampered: flip" in ladder and "✗" in ladder
    doc = embedded(pages["tampered"])
    record = next(r for e in doc["events"] for r in e.get("records", []) if r.get("tampered"))
    assert record["decryption"]["ok"] is False
    arrows = browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")
    target = next(a for a in arrows if "⚠" in a.text)
    target.click()
    marked = browser.find_elements(By.CSS_SELECTOR, "#record .b.tampered")
    assert len(marked) == 1 and int(marked[0].get_attribute("data-o")) == record["tampered"][0]
    text = browser.find_element(By.ID, "record").text
    assert "✗ not opened" in text and "bad_record_mac" in text


def test_page_and_json_agree(pages: dict[str, Path]) -> None:
    """The page embeds the document ``--json -vv`` prints: same keys, same kind of run."""
    doc = embedded(pages["tls13"])
    proc = tlsstep("handshake", "--data", "hello", "--json", "--states", "--certs", "-vv")
    printed = json.loads(proc.stdout)
    assert set(printed) <= set(doc) | {"title"}
    assert set(doc) - set(printed) == {"title"}

    def shape(d: dict[str, Any]) -> list[Any]:
        return [
            (
                e["call"],
                e["result"],
                [
                    (r["content_type"], [m["type"] for m in r.get("messages", [])])
                    for r in e.get("records", [])
                ],
                sorted(e.get("transitions", []), key=str)
                and [(t["side"], t["to"]) for t in e["transitions"]],
            )
            for e in d["events"]
        ]

    assert shape(doc) == shape(printed)

    def states(d: dict[str, Any]) -> list[Any]:  # byte counts vary with signature sizes
        return [
            (s["line"], [(v["state"], v["sent"], v["received"]) for v in s["states"].values()])
            for s in d["step_states"]
        ]

    assert states(doc) == states(printed)
