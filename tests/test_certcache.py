"""The certificate cache (issue 14): reused across runs, remade when near expiry, damaged
or bypassed, private on disk, and safe when two processes fill it at once.

Each test points XDG_CACHE_HOME at its own tmp_path, so nothing here shares a cache with
the user, with the rest of the suite, or with another test.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, tlsstep
from tlsstep import certcache
from tlsstep.certs.build import issue_leaf, make_ca


def _env(cache: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100", XDG_CACHE_HOME=str(cache))


def run(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return tlsstep(*args, env={"XDG_CACHE_HOME": str(cache)})


def files(cache: Path) -> dict[str, bytes]:
    """Every entry file of the cache, by name."""
    return {p.name: p.read_bytes() for p in sorted((cache / "tlsstep").glob("*.json"))}


def entry(cache: Path, key: str) -> dict[str, Any]:
    data = json.loads(certcache.entry_path(cache / "tlsstep", key).read_bytes())
    assert isinstance(data, dict)
    return data


def server_chain(proc: subprocess.CompletedProcess[str]) -> str:
    """The PEM of the chain the server sent, from ``handshake --certs --json``."""
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    sent = next(c for c in doc["certificates"] if c["sender"] == "server")
    return "".join(cert["pem"] for cert in sent["certificates"])


def test_second_run_reuses_what_the_first_made(tmp_path: Path) -> None:
    plain = run(tmp_path, "handshake", "--json")
    assert plain.returncode == 0, plain.stderr
    made = files(tmp_path)
    assert {json.loads(b)["key"] for b in made.values()} == {"ca", "leaf example.test"}
    first = run(tmp_path, "handshake", "--certs", "--json")
    made = files(tmp_path)
    second = run(tmp_path, "handshake", "--certs", "--json")
    assert files(tmp_path) == made  # nothing remade, nothing added
    assert server_chain(first) == server_chain(second)
    cached = entry(tmp_path, "leaf example.test")["blobs"]["chain"]
    assert server_chain(second).strip() == cached.strip()
    assert second.stderr == ""


def test_fresh_certs_bypasses_the_cache(tmp_path: Path) -> None:
    cached = server_chain(run(tmp_path, "handshake", "--certs", "--json"))
    before = files(tmp_path)
    fresh = run(tmp_path, "handshake", "--certs", "--json", "--fresh-certs")
    assert server_chain(fresh) != cached
    assert files(tmp_path) == before  # neither read nor written
    replay = run(tmp_path, "replay", "-q", "--fresh-certs", str(ROOT / "scenarios"))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert files(tmp_path) == before


def test_directory_0700_and_files_0600(tmp_path: Path) -> None:
    (tmp_path / "tlsstep").mkdir(mode=0o755)  # opened up by someone: tightened
    os.chmod(tmp_path / "tlsstep", 0o755)
    proc = run(tmp_path, "handshake", "--client-cert", "--server-cert-problem", "expired")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # expired: the client refuses it
    directory = tmp_path / "tlsstep"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    entries = list(directory.iterdir())
    assert len(entries) >= 4  # CA, lock, problem leaf, client leaf
    for path in entries:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not [p for p in entries if p.name.startswith(".tmp-")]


def test_damaged_file_is_remade_with_a_note(tmp_path: Path) -> None:
    first = server_chain(run(tmp_path, "handshake", "--certs", "--json"))
    leaf = certcache.entry_path(tmp_path / "tlsstep", "leaf example.test")
    leaf.write_bytes(b'{"format": 1, "key": "leaf example.test", "blobs": {"chain": "-----BEG')
    proc = run(tmp_path, "handshake", "--certs", "--json")
    assert f"certificate cache file {leaf} is damaged" in proc.stderr
    assert "making a new one" in proc.stderr and "Traceback" not in proc.stderr
    remade = server_chain(proc)
    assert remade != first
    assert entry(tmp_path, "leaf example.test")["blobs"]["chain"].strip() == remade.strip()
    again = run(tmp_path, "handshake", "--certs", "--json")  # and is reused after that
    assert server_chain(again) == remade and again.stderr == ""


def test_remade_ca_takes_its_leaves_with_it(tmp_path: Path) -> None:
    first = server_chain(run(tmp_path, "handshake", "--certs", "--json"))
    certcache.entry_path(tmp_path / "tlsstep", "ca").unlink()
    proc = run(tmp_path, "handshake", "--certs", "--json")
    assert server_chain(proc) != first  # a leaf of the old CA would not verify
    ca = entry(tmp_path, "ca")["blobs"]["cert"].encode()
    assert entry(tmp_path, "leaf example.test")["issuer"] == certcache.fingerprint(ca)


def test_entry_is_remade_when_near_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ca = make_ca("expiry test CA")
    made: list[float] = []

    def make() -> certcache.Made:
        leaf = issue_leaf("expiry.test", issuer=ca)
        made.append(time.time())
        return certcache.Made(
            blobs={"chain": leaf.cert_pem, "key": leaf.key_pem}, reuse_until=time.time() + 3600
        )

    now = time.time()
    one = certcache.lookup("leaf expiry.test", make, issuer=ca.cert_pem, now=now)
    assert certcache.lookup("leaf expiry.test", make, issuer=ca.cert_pem, now=now + 60) == one
    assert len(made) == 1
    later = certcache.lookup("leaf expiry.test", make, issuer=ca.cert_pem, now=now + 3700)
    assert len(made) == 2 and later != one  # past reuse_until: remade
    # A clock set back to before the certificate's notBefore also remakes it.
    earlier = certcache.lookup("leaf expiry.test", make, issuer=ca.cert_pem, now=now - 7200)
    assert len(made) == 3 and earlier != later
    # Another issuer (a remade CA) remakes it too.
    other = make_ca("another CA")
    certcache.lookup("leaf expiry.test", make, issuer=other.cert_pem, now=now - 7200)
    assert len(made) == 4


def test_problem_certificates_with_relative_dates_last_a_day(
    tmp_path: Path,
) -> None:
    proc = run(tmp_path, "handshake", "--server-cert-problem", "not-yet-valid")
    assert proc.returncode == 1
    data = entry(tmp_path, "problem not-yet-valid server example.test")
    assert data["reuse_until"] - data["made"] <= 24 * 3600 + 1  # notBefore is 2 days ahead
    healthy = entry(tmp_path, "leaf example.test")
    assert healthy["reuse_until"] - healthy["made"] == pytest.approx(60 * 24 * 3600, abs=5)


def test_two_processes_filling_at_once_agree(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "tlsstep", "handshake", "--certs", "--json"]
    procs = [
        subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path)
        )
        for _ in range(3)
    ]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        outs.append(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr))
    chains = {server_chain(out) for out in outs}
    # The lock makes the first filler make the CA and leaf; the others wait and read them.
    assert len(chains) == 1, [out.stderr for out in outs]
    assert all(out.stderr == "" for out in outs)
    assert entry(tmp_path, "leaf example.test")["blobs"]["chain"].strip() == chains.pop().strip()
    assert not [p for p in (tmp_path / "tlsstep").iterdir() if p.name.startswith(".tmp-")]


def test_own_cert_and_key_are_never_copied(tmp_path: Path) -> None:
    ca = make_ca("the user's own CA")
    leaf = issue_leaf("example.test", issuer=ca)
    (tmp_path / "cert.pem").write_bytes(leaf.cert_pem)
    (tmp_path / "key.pem").write_bytes(leaf.key_pem)
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem)
    cache = tmp_path / "cache"
    proc = run(
        cache,
        "handshake",
        "--cert",
        str(tmp_path / "cert.pem"),
        "--key",
        str(tmp_path / "key.pem"),
        "--ca",
        str(tmp_path / "ca.pem"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    body = b"".join(leaf.key_pem.splitlines()[1:-1])
    for path in (cache / "tlsstep").iterdir():
        text = path.read_bytes().replace(b"\\n", b"").replace(b"\n", b"")
        assert body not in text and b"".join(leaf.cert_pem.splitlines()[1:-1]) not in text


def test_unusable_directory_makes_certificates_fresh_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "tlsstep").write_text("a file where the directory should be")
    proc = run(tmp_path, "handshake")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "certificate cache not used" in proc.stderr and "Traceback" not in proc.stderr


def test_cache_list_and_clear(tmp_path: Path) -> None:
    run(tmp_path, "handshake", "--chain-depth", "2")
    listed = run(tmp_path, "cache", "list", "--json")
    doc = json.loads(listed.stdout)
    assert doc["directory"] == str(tmp_path / "tlsstep")
    keys = {e["key"] for e in doc["entries"]}
    assert keys == {"ca", "leaf example.test", "intermediate 1", "chain 2 server example.test"}
    text = run(tmp_path, "cache", "list")
    assert "intermediate 1" in text.stdout and "reused until" in text.stdout
    cleared = run(tmp_path, "cache", "clear")
    assert cleared.returncode == 0 and "removed 4 cached certificate file(s)" in cleared.stdout
    assert not (tmp_path / "tlsstep").exists()
    assert json.loads(run(tmp_path, "cache", "list", "--json").stdout)["entries"] == []


def test_hostile_name_stays_inside_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = "chain 2 server ../../x/..test"  # a --server-name is part of the key
    leaf = issue_leaf("example.test", issuer=make_ca("path test CA"))
    made = certcache.Made(blobs={"chain": leaf.cert_pem}, reuse_until=time.time() + 60)
    assert certcache.lookup(key, lambda: made) == made.blobs
    assert [p.parent for p in tmp_path.rglob("*.json")] == [tmp_path / "tlsstep"]
    assert certcache.lookup(key, lambda: made) == made.blobs  # and is found again
