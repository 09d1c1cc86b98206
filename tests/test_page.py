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
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, full_page_screenshot, start_browser
from tests.helpers import ROOT

selenium = pytest.importorskip("selenium", reason="pip install selenium (tests extra)")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):  # pragma: no cover
    if os.environ.get("CI"):
        raise RuntimeError(".ci/run installs chromium and chromium-driver; they are missing")
    pytest.skip("chromium / chromedriver not installed", allow_module_level=True)

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = start_browser()
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

HOSTILE = '</script><script>document.title="pwned"</script><b>&amp;'

BULK = """\
name = "One megabyte of data"
description = "The client writes 1 MB (64 records); the server reads it."

[[step]]
op = "handshake"

[[step]]
op = "write"
side = "client"
data = "0123456789abcdef"
repeat = 65536

[[step]]
op = "deliver"
side = "client"
expect = { records = 64 }
"""

CASES: dict[str, tuple[str, ...]] = {
    "tls13": ("handshake", "--data", "hello"),
    "tls12-cbc": ("handshake", "--tls-version", "1.2", "--cipher", "ECDHE-ECDSA-AES128-SHA256"),
    "hrr": ("handshake", "--server-group", "prime256v1"),
    "mtls": ("handshake", "--client-cert"),
    "mismatch": ("handshake", "--server-name", "wrong.test"),
    "hostile": ("handshake", "--data", HOSTILE),
}


def _in_parallel(jobs: dict[str, tuple[tuple[str, ...], str | None]]) -> dict[str, str]:
    """Run ``tlsstep ARGS`` for every job at once (as helpers.tlsstep does, one each);
    each job's stdout + stderr. The page fixtures spend their time starting Pythons."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "tlsstep", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for name, (args, _input) in jobs.items()
    }
    return {name: proc.communicate(jobs[name][1], timeout=120)[0] for name, proc in procs.items()}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("pages")
    out = {name: tmp / f"{name}.html" for name in [*CASES, "shell", "bulk", "tampered", "decode"]}
    (tmp / "bulk.toml").write_text(BULK)
    first: dict[str, tuple[tuple[str, ...], str | None]] = {
        name: ((*args, "--html", str(out[name])), None) for name, args in CASES.items()
    }
    shell = f"handshake\nwrite client hi\ndeliver client\nhtml {out['shell']}\n"
    first["shell"] = (("shell",), shell)
    first["bulk"] = (("replay", str(tmp / "bulk.toml"), "--html", str(out["bulk"])), None)
    first["pcap"] = (("handshake", "--pcap", str(tmp / "run.pcapng")), None)
    first["scenarios"] = (
        ("replay", "-q", str(ROOT / "scenarios"), "--html", str(tmp / "all")),
        None,
    )
    first["json"] = (("handshake", "--data", "hello", "--json", "--states", "--certs", "-vv"), None)
    done = _in_parallel(first)
    out["json"] = tmp / "printed.json"
    out["json"].write_text(done["json"])
    # The server's last record of its first flight is its Finished: flip a bit inside it.
    doc = json.loads(done["json"])
    flight = next(e for e in doc["events"] if e["op"] == "deliver" and e["side"] == "server")
    offset = int(flight["records"][-1]["offset"]) + 10
    (tmp / "tampered.toml").write_text(TAMPER_FINISHED.format(offset=offset))
    second: dict[str, tuple[tuple[str, ...], str | None]] = {
        "tampered": (("replay", str(tmp / "tampered.toml"), "--html", str(out["tampered"])), None),
        "decode": (("decode", str(tmp / "run.pcapng"), "--html", str(out["decode"])), None),
    }
    done.update(_in_parallel(second))
    for name, path in out.items():
        assert path.exists(), done.get(name)
    out["scenarios"] = tmp / "all"
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
    return full_page_screenshot(browser, str(path.with_suffix(".png")))


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


@pytest.mark.parametrize("name", [*CASES, "tampered", "decode", "shell", "bulk"])
def test_page_renders_offline_and_not_blank(
    browser: Any, pages: dict[str, Path], name: str
) -> None:
    path = pages[name]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it embeds the run's secrets
    load(browser, path)
    assert requests_made(browser) == [path.as_uri()]  # nothing but the file itself
    doc = embedded(path)
    arrows = browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")
    groups = doc.get("events") or doc["streams"]  # a run's events, a capture's streams
    crossed = [r for g in groups for r in g.get("records", [])]
    folds = browser.find_elements(By.CSS_SELECTOR, "#ladder .fold")
    folded = sum(int(f.text.split()[1]) for f in folds)  # "⋮ 58 more records ..."
    assert len(arrows) + folded == len(crossed) > 0
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
    lit = browser.find_elements(By.CSS_SELECTOR, "#record .hexdump .bytes .b.hl")
    assert [b.text for b in lit] == ["13", "02"]
    ascii_lit = browser.find_elements(By.CSS_SELECTOR, "#record .hexdump .ascii .b.hl")
    assert [c.text for c in ascii_lit] == [".", "."]  # the ASCII column follows
    assert "hl" in suite.get_attribute("class")
    # And back: hovering a byte lights the deepest field that holds it.
    version = next(f for f in fields if f.text.startswith("legacy_record_version"))
    assert "[1+2]" in version.text
    first = browser.find_elements(By.CSS_SELECTOR, "#record .hexdump .bytes .b")[1]
    ActionChains(browser).move_to_element(first).perform()
    assert "hl" in version.get_attribute("class")
    # Keyboard: focusing a field highlights its bytes too.
    browser.execute_script("arguments[0].focus()", fields[0])
    assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#record .bytes .b.hl")] == [
        "16"
    ]


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
    snap = next(s for s in doc["step_states"] if s["event"] == 2)["states"]
    assert states_shown(browser) == {s: snap[s]["state"] for s in ("client", "server")}
    browser.find_element(By.ID, "next").click()
    assert browser.current_url.endswith("#step-3")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    assert browser.current_url.endswith("#step-4")
    snap = next(s for s in doc["step_states"] if s["event"] == 4)["states"]
    assert states_shown(browser) == {"client": "CONNECTED", "server": snap["server"]["state"]}
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert browser.current_url.endswith("#step-2")
    assert states_shown(browser)["server"] == "WAIT_FLIGHT2"
    # Every step's states agree with the run's JSON (the page's own copy of it).
    for s in doc["step_states"]:
        browser.execute_script(f"location.hash = '#step-{s['event']}'")
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
    printed = json.loads(pages["json"].read_text())
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


def test_wire_strings_never_become_markup(browser: Any, pages: dict[str, Path]) -> None:
    page = pages["hostile"].read_text()
    assert HOSTILE not in page and "</script><script>document" not in page
    load(browser, pages["hostile"])
    assert browser.title != "pwned" and HOSTILE in browser.title  # the command line, as text
    assert browser.find_elements(By.CSS_SELECTOR, "#record b, #step b") == []
    click_record(browser, "application data")
    assert HOSTILE in browser.find_element(By.CSS_SELECTOR, "#record pre.appdata").text
    write = next(e for e in embedded(pages["hostile"])["events"] if e["op"] == "write")
    assert write["args"]["data"] == HOSTILE.encode().hex()


def test_decode_page_of_a_capture(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["decode"])
    assert "1 streams (1 TLS)" in browser.find_element(By.ID, "summary").text
    click_record(browser, "Finished")
    text = browser.find_element(By.ID, "record").text
    assert "✓ opened" in text and "✓ verify_data matches" in text
    keys = browser.find_element(By.ID, "keys").text
    assert "SERVER_HANDSHAKE_TRAFFIC_SECRET" in keys and "step 3, record 0" in keys


def test_shell_html_command(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["shell"])
    doc = embedded(pages["shell"])
    # Both sides after each single operation: the whole handshake's turns share step 0.
    lines = [(s["step"], s["line"]) for s in doc["step_states"]]
    assert lines[0] == (0, "handshake client") and lines[1] == (0, "deliver client")
    assert {step for step, _ in lines[:-2]} == {0}
    assert lines[-2:] == [(1, "write client data=hi"), (2, "deliver client")]
    browser.find_element(By.ID, "last").click()
    assert states_shown(browser) == {"client": "CONNECTED", "server": "CONNECTED"}


def test_bulk_data_is_previewed_and_folded(browser: Any, pages: dict[str, Path]) -> None:
    path = pages["bulk"]
    assert path.stat().st_size < 400_000  # 1 MB of data, 64 records
    doc = embedded(path)
    bulk = [r for e in doc["events"] for r in e.get("records", []) if r.get("application_data")]
    assert len(bulk) == 64 and all(r["application_data"]["truncated"] for r in bulk)
    assert all(r["bytes_total"] == 16406 and len(r["bytes"]) == 512 for r in bulk[:-1])
    load(browser, path)
    fold = browser.find_element(By.CSS_SELECTOR, "#ladder .fold")
    assert "58 more records" in fold.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")) < 30
    fold.click()
    before = browser.find_element(By.ID, "record-title").text
    browser.find_element(By.ID, "next-record").click()
    after = browser.find_element(By.ID, "record-title").text
    assert before != after and "record 5" in after
    assert "showing the first 256 of 16406 bytes" in browser.find_element(By.ID, "record").text


def test_print_style_expands_every_step(browser: Any, pages: dict[str, Path]) -> None:
    load(browser, pages["tls13"])
    steps = browser.find_element(By.ID, "print-steps")
    assert not steps.is_displayed()  # on screen: the player
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert steps.is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, ".controls").is_displayed()
        calls = [e["call"] for e in embedded(pages["tls13"])["events"]]
        text = steps.text
        assert all(call in text for call in calls) and "states: client CONNECTED" in text
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_ladder_marks_every_state_and_works_by_keyboard(
    browser: Any, pages: dict[str, Path]
) -> None:
    load(browser, pages["tls13"])
    doc = embedded(pages["tls13"])
    boxes = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#ladder .statebox.client")]
    moved = [
        t["to"] for e in doc["events"] for t in e.get("transitions", []) if t["side"] == "client"
    ]
    assert {"WAIT_EE", "WAIT_CERT_CR", "WAIT_CV", "WAIT_FINISHED", "CONNECTED"} <= set(boxes)
    assert set(moved) <= set(boxes) | {"START"}
    # Keyboard only: Tab reaches the arrows, Enter opens one.
    arrow = browser.find_elements(By.CSS_SELECTOR, "#ladder .arrow")[1]
    browser.execute_script("arguments[0].focus()", arrow)
    assert browser.switch_to.active_element == arrow
    arrow.send_keys(Keys.ENTER)
    assert "ServerHello" in browser.find_element(By.ID, "record-title").text
    assert arrow.get_attribute("aria-pressed") == "true"


OPEN_EVERY_ARROW = """
return Array.from(document.querySelectorAll("#ladder .arrow")).map(a => {
  a.dispatchEvent(new MouseEvent("click"));
  return document.getElementById("record-title").textContent;
});
"""


def test_every_bundled_scenario_page_renders(browser: Any, pages: dict[str, Path]) -> None:
    """Each classroom case of scenarios/ (replay --html DIR): no script error, every arrow
    opens its record, and index.html links every page."""
    index = (pages["scenarios"] / "index.html").read_text()
    files = sorted(p for p in pages["scenarios"].glob("*.html") if p.name != "index.html")
    assert len(files) == len(list((ROOT / "scenarios").glob("*.toml")))
    for path in files:
        assert f'href="{path.name}"' in index
        load(browser, path)
        opened = browser.execute_script(OPEN_EVERY_ARROW)  # one round trip per page
        assert all(title.startswith("Step ") for title in opened), path.name
        assert browser.get_log("browser") == [], path.name


def test_connect_page_against_openssl_s_server(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``tlsstep connect --html``: the same page with a real peer (openssl s_server) on one side."""
    from tests.net.peers import LOOPBACK, Certs, openssl_server

    tmp = tmp_path_factory.mktemp("connect")
    certs = Certs(tmp)
    page = tmp / "connect.html"
    with openssl_server(certs.server_file()) as port:
        done = _in_parallel(
            {
                "c": (
                    (
                        "connect",
                        f"{LOOPBACK}:{port}",
                        "--ca",
                        str(certs.ca_file),
                        "--html",
                        str(page),
                    ),
                    None,
                )
            }
        )
    assert page.exists(), done["c"]
    load(browser, page)
    assert requests_made(browser) == [page.as_uri()]
    summary = browser.find_element(By.ID, "summary").text
    assert "Network (connect)" in summary and f"→ server {LOOPBACK}:{port}" in summary
    click_record(browser, "Finished")
    text = browser.find_element(By.ID, "record").text
    assert "✓ opened" in text and "✓ verify_data matches" in text
