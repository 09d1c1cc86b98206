"""The user's own PEM files: a real pair works; every broken input names its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tlsstep.cert_files import (
    CertFileError,
    KeyPasswordNeeded,
    key_is_encrypted,
    load_credential,
    load_trust,
)
from tlsstep.config import PairConfig, SideConfig
from tlsstep.identity import default_identity, issued_credential
from tlsstep.session import Session
from tlsstep.steps import parse_line


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pem")
    server = issued_credential("example.test")
    other = issued_credential("other.test")
    key = serialization.load_pem_private_key(server.key_pem, None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret"),
    )
    out = {
        "cert": server.chain_pem,
        "key": server.key_pem,
        "other_key": other.key_pem,
        "encrypted_key": encrypted,
        "ca": default_identity().trust_pem,
        "combined": server.chain_pem + server.key_pem,
        "not_pem": b"hello\n",
    }
    paths = {}
    for name, data in out.items():
        paths[name] = root / f"{name}.pem"
        paths[name].write_bytes(data)
    return paths


def handshake_with(credential: object, trust: bytes) -> Session:
    session = Session(
        PairConfig(server=SideConfig(credential=credential), trust_pem=trust)  # type: ignore[arg-type]
    )
    session.run(parse_line("handshake"))
    return session


def test_real_pair_handshakes(files: dict[str, Path]) -> None:
    credential = load_credential(files["cert"], files["key"])
    assert credential.source == str(files["cert"])
    session = handshake_with(credential, load_trust(files["ca"]))
    assert session.handshake_ok()


def test_key_in_the_certificate_file(files: dict[str, Path]) -> None:
    credential = load_credential(files["combined"])
    assert credential.chain_pem.count(b"BEGIN CERTIFICATE") == 1
    assert b"PRIVATE KEY" not in credential.chain_pem


def test_mismatched_pair_names_the_key_file(files: dict[str, Path]) -> None:
    with pytest.raises(CertFileError) as info:
        load_credential(files["cert"], files["other_key"])
    assert info.value.path == str(files["other_key"])
    assert "does not match the certificate" in str(info.value)
    assert str(files["cert"]) in str(info.value)


def test_encrypted_key_without_password(files: dict[str, Path]) -> None:
    assert key_is_encrypted(files["encrypted_key"]) and not key_is_encrypted(files["key"])
    with pytest.raises(KeyPasswordNeeded) as info:
        load_credential(files["cert"], files["encrypted_key"])
    assert info.value.path == str(files["encrypted_key"])
    assert "--key-password" in str(info.value)


def test_encrypted_key_with_password_handshakes(files: dict[str, Path]) -> None:
    credential = load_credential(files["cert"], files["encrypted_key"], password="s3cret")
    assert credential.password == b"s3cret" and b"ENCRYPTED" in credential.key_pem
    session = handshake_with(credential, load_trust(files["ca"]))
    assert session.handshake_ok()  # OpenSSL itself decrypted the key with the password


def test_encrypted_key_with_wrong_password(files: dict[str, Path]) -> None:
    with pytest.raises(CertFileError, match="wrong password"):
        load_credential(files["cert"], files["encrypted_key"], password="nope")


@pytest.mark.parametrize(
    ("args", "bad", "words"),
    [
        (("missing", "key"), "missing", "cannot read certificate file"),
        (("not_pem", "key"), "not_pem", "not a PEM certificate file"),
        (("cert", "not_pem"), "not_pem", "not a PEM private key file"),
        (("cert", None), "cert", "holds no private key; give the key file too (--key)"),
    ],
)
def test_bad_files_are_named(
    files: dict[str, Path], args: tuple[str, str | None], bad: str, words: str
) -> None:
    def path(name: str | None) -> Path | None:
        if name is None:
            return None
        return files.get(name, files["cert"].parent / f"{name}.pem")

    with pytest.raises(CertFileError) as info:
        load_credential(path(args[0]), path(args[1]))  # type: ignore[arg-type]
    assert info.value.path == str(path(bad))
    assert words in str(info.value)


def test_ca_file_checked(files: dict[str, Path]) -> None:
    assert load_trust(files["ca"]) == default_identity().trust_pem
    with pytest.raises(CertFileError, match=r"CA file .*not a PEM certificate file"):
        load_trust(files["not_pem"])
    with pytest.raises(CertFileError, match="is a directory"):
        load_trust(files["ca"].parent)


def test_wrong_password_that_decrypts_to_garbage_still_says_wrong_password(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    # About one wrong password in 256 passes the CBC padding check and decrypts to garbage,
    # which cryptography reports as unparsable data: find such a password, then load with it.
    data = files["encrypted_key"].read_bytes()
    for n in range(20_000):
        guess = f"guess{n}".encode()
        try:
            serialization.load_pem_private_key(data, guess)
        except ValueError as exc:
            if "decrypt" not in str(exc).lower():
                break
    else:
        pytest.fail("no password decrypting to garbage found")
    with pytest.raises(CertFileError, match="wrong password"):
        load_credential(files["cert"], files["encrypted_key"], password=guess)
