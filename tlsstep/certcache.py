"""Generated test certificates kept between runs (issue 14).

Making a CA and a leaf is a visible part of a short run's time (key generation and
signing, plus importing trustme and cryptography's X.509 modules), and every run asks
for the same few certificates. So they are kept in ``$XDG_CACHE_HOME/tlsstep``
(default ``~/.cache/tlsstep``). These keys protect nothing but tlsstep's own test runs:
the CA is trusted only by the contexts tlsstep builds in its own process.

Theory of operation:

* One JSON file per entry, named from what was asked (``leaf server example.test``,
  ``problem expired server example.test``, ...) as a readable slug plus a hash, so a
  hostile name (``--server-name ../x``) cannot leave the directory. An entry holds PEM
  blobs, the fingerprint of the certificate it was issued by, and until when it may be
  reused.
* An entry is used only while the clock is inside its window (``made - 50 min`` to
  ``reuse_until``; a healthy leaf is reused until 30 days before its notAfter, a
  problem certificate whose dates are relative to now for one day), and only if its
  issuer is the CA in use now: a CA that was remade takes its leaves with it.
* The directory is 0700 and owned by us, files are 0600. Files are written to a
  temporary name and renamed into place, so a reader never sees half a file and reads
  take no lock. Filling takes an exclusive ``flock`` on ``.lock`` and looks again, so
  two processes starting at once make each certificate once and agree on the CA.
* A file that cannot be read as an entry is remade, with a note on stderr. A directory
  that cannot be used (not ours, not writable) turns the cache off for the run, with a
  note. ``--fresh-certs`` (:func:`bypass`) turns it off without one.
* Users' own ``--cert``/``--key`` never come here: only generated identities do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from tlsstep.frozen import frozen

FORMAT: Final = 1
# A leaf is made valid from an hour before now; allow a little clock drift below that.
EARLIEST: Final = 50 * 60
DAY: Final = 24 * 3600

Blobs = dict[str, bytes]


@frozen
class Made:
    """What a maker returns: the PEM blobs and until when (epoch seconds) to reuse them."""

    blobs: Blobs
    reuse_until: float


@frozen
class EntryInfo:
    """One cache file, for ``tlsstep cache list``."""

    path: Path
    key: str
    made: float
    reuse_until: float
    size: int


_bypassed = False
_broken: str | None = None  # why the directory cannot be used, once noted
_lock_depth = 0


def bypass(on: bool = True) -> None:
    """Make every certificate fresh in this process (``--fresh-certs``)."""
    global _bypassed
    _bypassed = on


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/tlsstep``, or ``~/.cache/tlsstep`` (XDG Base Directory spec:
    a relative XDG_CACHE_HOME is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "tlsstep"


def note(message: str) -> None:
    sys.stderr.write(f"tlsstep: note: {message}\n")
    sys.stderr.flush()


def fingerprint(cert_pem: bytes) -> str:
    return hashlib.sha256(cert_pem).hexdigest()


def entry_path(directory: Path, key: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9.-]+", "_", key)[:60].strip("._") or "entry"
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return directory / f"{slug}-{digest}.json"


def lookup(
    key: str,
    make: Callable[[], Made],
    *,
    issuer: bytes | None = None,
    now: float | None = None,
) -> Blobs:
    """The blobs cached for ``key``, or ``make()``'s, stored for the next run.

    Args:
        issuer: the PEM of the certificate that signs this entry's, if any: an entry made
            under another issuer is remade.
        now: the clock (epoch seconds); tests move it to reach an entry's expiry.
    """
    directory = _usable_dir()
    if directory is None:
        return make().blobs
    path = entry_path(directory, key)
    want_issuer = fingerprint(issuer) if issuer is not None else None
    clock = time.time() if now is None else now
    found = _read(path, key, want_issuer, clock, quiet=False)
    if found is not None:
        return found
    with _fill_lock(directory):
        found = _read(path, key, want_issuer, clock, quiet=True)  # filled meanwhile?
        if found is not None:
            return found
        made = make()
        _write(path, key, made, want_issuer, clock)
        return made.blobs


def entries() -> list[EntryInfo]:
    """Every entry in the cache directory, oldest first (unreadable ones with key '?')."""
    directory = cache_dir()
    out: list[EntryInfo] = []
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_bytes())
            key, made, until = str(data["key"]), float(data["made"]), float(data["reuse_until"])
        except (OSError, ValueError, KeyError, TypeError):
            key, made, until = "?", 0.0, 0.0
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        out.append(EntryInfo(path=path, key=key, made=made, reuse_until=until, size=size))
    out.sort(key=lambda e: e.made)
    return out


def clear() -> int:
    """Remove every cache file (and the directory if nothing else is in it); the count."""
    directory = cache_dir()
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.iterdir():
        if path.suffix == ".json" or path.name == ".lock" or path.name.startswith(".tmp-"):
            path.unlink(missing_ok=True)
            removed += path.suffix == ".json"
    with contextlib.suppress(OSError):  # the user put something else there: leave it
        directory.rmdir()
    return removed


def _usable_dir() -> Path | None:
    """The cache directory, made 0700 if missing; None (noted once) if it cannot be used."""
    global _broken
    if _bypassed or _broken is not None:
        return None
    directory = cache_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = directory.stat()
        if st.st_uid != os.getuid():
            raise PermissionError(f"{directory} belongs to another user")
        if st.st_mode & 0o077:
            os.chmod(directory, 0o700)  # ours, but opened up: keys stay private
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(f"{directory} is not writable")
    except OSError as exc:
        _broken = str(exc) if isinstance(exc, PermissionError) and exc.args else exc.strerror
        note(f"certificate cache not used ({_broken}); certificates are made fresh")
        return None
    return directory


def _read(path: Path, key: str, issuer: str | None, now: float, *, quiet: bool) -> Blobs | None:
    """The entry's blobs if it is whole, for this key and issuer, and inside its window."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if not quiet:
            note(f"certificate cache file {path} unreadable ({exc.strerror}); making a new one")
        return None
    try:
        data = json.loads(raw)
        if data["format"] != FORMAT or data["key"] != key:
            raise ValueError("written for another key or format")
        made, until = float(data["made"]), float(data["reuse_until"])
        blobs = {str(name): str(pem).encode("ascii") for name, pem in data["blobs"].items()}
        if not blobs or not all(b"-----BEGIN " in pem for pem in blobs.values()):
            raise ValueError("no PEM in it")
        stored_issuer = data["issuer"]
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError) as exc:
        if not quiet:
            reason = exc.args[0] if isinstance(exc, ValueError) and exc.args else "not an entry"
            note(f"certificate cache file {path} is damaged ({reason}); making a new one")
        return None
    if stored_issuer != issuer or not made - EARLIEST <= now < until:
        return None
    return blobs


def _write(path: Path, key: str, made: Made, issuer: str | None, now: float) -> None:
    """Write the entry to a temporary 0600 file and rename it into place."""
    document = {
        "format": FORMAT,
        "key": key,
        "made": now,
        "reuse_until": made.reuse_until,
        "issuer": issuer,
        "blobs": {name: pem.decode("ascii") for name, pem in made.blobs.items()},
    }
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(json.dumps(document))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        note(f"certificate cache file {path} not written ({exc.strerror})")


@contextmanager
def _fill_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on the directory while filling; re-entrant within the process
    (a leaf's maker may fill the CA it needs first)."""
    global _lock_depth
    if _lock_depth:
        _lock_depth += 1
        try:
            yield
        finally:
            _lock_depth -= 1
        return
    import fcntl

    try:
        fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        fd = -1  # no lock: each process still writes whole files, just maybe twice
    try:
        if fd >= 0:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _lock_depth = 1
        yield
    finally:
        _lock_depth = 0
        if fd >= 0:
            os.close(fd)  # releases the flock
