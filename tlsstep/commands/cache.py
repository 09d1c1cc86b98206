"""``tlsstep cache``: the generated test certificates kept between runs."""

from __future__ import annotations

import click

EPILOG = """\b
Examples:
  tlsstep cache list            what is kept, and until when
  tlsstep cache list --json
  tlsstep cache clear           the next run makes new certificates
"""


@click.group("cache", short_help="List or clear the cached test certificates.", epilog=EPILOG)
def cache_command() -> None:
    """tlsstep keeps the certificates it generates (the test CA, leaves, intermediates,
    problem certificates) in $XDG_CACHE_HOME/tlsstep (default ~/.cache/tlsstep;
    directory 0700, files 0600), so a run reads them instead of making them.

    These keys protect nothing but tlsstep's own test runs: the CA is trusted only
    by the contexts tlsstep builds for itself. Your own --cert/--key files are never
    copied here. A certificate is remade before it comes near its expiry, when its
    file is damaged, and on every run with --fresh-certs.
    """


@cache_command.command("list", short_help="Show the cached certificates.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
def list_command(as_json: bool) -> None:
    """Show each cache entry: what it was made for, when, and until when it is reused."""
    import time

    from tlsstep import certcache

    entries = certcache.entries()
    directory = certcache.cache_dir()
    if as_json:
        import json
        import sys

        json.dump(
            {
                "directory": str(directory),
                "entries": [
                    {
                        "key": e.key,
                        "file": e.path.name,
                        "made": _iso(e.made),
                        "reuse_until": _iso(e.reuse_until),
                        "bytes": e.size,
                    }
                    for e in entries
                ],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return
    click.echo(f"{directory}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
    now = time.time()
    for e in entries:
        state = "reused until" if now < e.reuse_until else "remade at next use, was until"
        click.echo(f"  {_shown(e.key):<48} made {_iso(e.made)}, {state} {_iso(e.reuse_until)}")


@cache_command.command("clear", short_help="Remove the cached certificates.")
def clear_command() -> None:
    """Remove every cached certificate and key; the next run makes new ones."""
    from tlsstep import certcache

    removed = certcache.clear()
    click.echo(f"removed {removed} cached certificate file(s) from {certcache.cache_dir()}")


def _iso(epoch: float) -> str:
    import datetime as dt

    if epoch <= 0:
        return "?"
    try:
        return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return "?"


def _shown(key: str) -> str:
    """A key as typed by whoever asked (a --server-name, say), control characters escaped."""
    return key.encode("unicode_escape").decode("ascii")
