"""The system trust store, read once as PEM for both verifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from tlsstep.net import trust
from tlsstep.net.trust import TrustStoreMissing, system_trust


def test_this_system_has_one() -> None:
    store = system_trust()
    assert store.count > 0 and b"BEGIN CERTIFICATE" in store.pem


def test_ssl_cert_file_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bundle.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    store = system_trust()
    assert store.source == str(path) and store.count == 1


def test_directory_of_certificates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        trustme.CA().cert_pem.write_to_path(str(tmp_path / f"{n}.pem"))
    (tmp_path / "link.0").symlink_to(tmp_path / "0.pem")  # a hashed name: counted once
    (tmp_path / "README").write_text("not a certificate")
    monkeypatch.setattr(trust, "candidates", lambda: [(str(tmp_path), True)])
    assert system_trust().count == 3


def test_none_found_says_where_it_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(trust, "candidates", lambda: [(str(tmp_path / "nothing.pem"), False)])
    with pytest.raises(TrustStoreMissing, match=r"looked in .*nothing\.pem.*--ca FILE"):
        system_trust()
