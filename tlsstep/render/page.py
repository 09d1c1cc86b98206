"""One self-contained HTML page of a run: the run's JSON document, embedded once, rendered inline.

The page is the document plus a fixed script and style (``page_assets/``): the
ladder, a step player, the record view (bytes <-> fields), decryption, the
Finished recomputation, the key schedule and the certificates are all drawn in
the browser from the same value ``--json`` prints, so the two cannot disagree.

Safety: the document is embedded as ``<script type="application/json">`` with
``<``, ``>``, ``&`` and every non-ASCII character escaped (``ensure_ascii``), so
no string from the wire can close the element or become markup; the script
puts strings into the page only as text. Nothing is fetched: no CDN, no fonts,
no images, so the page works saved, mailed and offline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from html import escape
from importlib import resources
from typing import Any, Final

_ESCAPES: Final = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@cache
def _asset(name: str) -> str:
    return resources.files("tlsstep.render").joinpath("page_assets", name).read_text("utf-8")


def embed_json(document: Mapping[str, Any]) -> str:
    """``document`` as JSON that is inert inside a ``<script>`` element."""
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    for char, escaped in _ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def page_html(document: Mapping[str, Any], title: str = "tlsstep run") -> str:
    """The whole page for ``document`` (a run, scenario or capture JSON document)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tlsstep">
<title>{escape(title)}</title>
<style>
{_asset("page.css")}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<div id="summary"></div>
<nav aria-label="panels"><a href="#ladder-panel">Ladder</a><a href="#player">Step</a><a
 href="#record-panel">Record</a><a href="#keys-panel">Keys</a><a href="#certs-panel">Certificates</a><a
 href="#all-steps">All steps</a></nav>
<noscript><p class="noscript">This page draws the run with JavaScript; without it, the run is
in the JSON below the page source's <code>tlsstep-run</code> element.</p></noscript>
</header>
<main>
<section id="ladder-panel" aria-labelledby="ladder-h">
<h2 id="ladder-h">Ladder</h2>
<div id="ladder-box"><div id="ladder"></div></div>
<p class="legend">Each arrow is one record; click it or press Enter on it to open it.
Dashed, with a padlock: sent encrypted. Rounded boxes: a side's protocol state where it changed.
✗: an error, ⚠: bytes changed in transit.</p>
</section>
<section id="player" aria-labelledby="player-h">
<h2 id="player-h">Step</h2>
<div class="controls">
<button id="first" type="button">First</button>
<button id="prev" type="button" aria-keyshortcuts="ArrowLeft">◀ Back</button>
<span id="pos" aria-live="polite"></span>
<button id="next" type="button" aria-keyshortcuts="ArrowRight">Next ▶</button>
<button id="last" type="button">Last</button>
<span class="dim">(← → keys)</span>
</div>
<div id="step"></div>
</section>
<section id="record-panel" class="wide" aria-labelledby="record-h">
<h2 id="record-h">Record</h2>
<div id="record"><p class="dim">Click an arrow of the ladder to see its record.</p></div>
</section>
<section id="keys-panel" aria-labelledby="keys-h">
<h2 id="keys-h">Key schedule</h2>
<div id="keys"></div>
</section>
<section id="certs-panel" aria-labelledby="certs-h">
<h2 id="certs-h">Certificates</h2>
<div id="certs"></div>
</section>
<section class="wide">
<details id="all-steps" class="no-print"><summary>All steps, as text</summary><ol id="all-steps-list"></ol></details>
<div id="print-steps" class="print-only"><h2>All steps</h2><div id="print-steps-list"></div></div>
<details id="json-box" class="no-print"><summary>The run as JSON (what
<code>--json</code> prints)</summary><pre id="json-text"></pre></details>
</section>
</main>
<script type="application/json" id="tlsstep-run">{embed_json(document)}</script>
<script>
{_asset("page.js")}</script>
</body>
</html>
"""


def write_page(path: str | os.PathLike[str], document: Mapping[str, Any], title: str) -> int:
    """Write the page to ``path`` with mode 0600 (it holds the run's secrets); its size.

    Raises:
        OSError: the file cannot be written.
    """
    from tlsstep.secrets_dir import write_secret

    text = page_html(document, title).encode("utf-8")
    write_secret(path, text)
    return len(text)


def index_html(title: str, rows: list[tuple[str, str, bool, str]]) -> str:
    """A page linking one page per scenario: (name, file, passed, description) rows."""
    items = "\n".join(
        f'<li><a href="{escape(href)}">{escape(name)}</a> '
        f"<strong>{'✓ passed' if passed else '✗ failed'}</strong>"
        f"<br><span>{escape(description.strip())}</span></li>"
        for name, href, passed, description in rows
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="tlsstep">
<title>{escape(title)}</title>
<style>body{{font:15px/1.45 system-ui,Helvetica,Arial,sans-serif;margin:2em;max-width:60em}}
li{{margin:0.7em 0}} span{{color:#5c5c5c}}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p>{len(rows)} scenarios; each link opens the page of one run.</p>
<ol>
{items}
</ol>
</body>
</html>
"""
