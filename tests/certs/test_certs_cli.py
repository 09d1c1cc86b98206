"""``tlsstep handshake`` with certificate problems, chains and the user's own files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.helpers import tlsstep
from tlsstep.cert_problems import CertProblem
from tlsstep.commands.options import CERT_PROBLEMS
from tlsstep.identity import default_identity, issued_credential


def test_option_choices_are_the_problems() -> None:
    assert list(CERT_PROBLEMS.choices) == [p.value for p in CertProblem]


def test_server_problem_json_carries_chains_and_explanation() -> None:
    proc = tlsstep(
        "handshake",
        "--server-cert-problem",
        "missing-intermediate",
        "--tls-version",
        "1.2",
        "--certs",
        "--json",
    )
    assert proc.returncode == 1, proc.stderr
    [chain] = json.loads(proc.stdout)["certificates"]
    assert chain["sender"] == "server" and chain["from_wire"] is True
    assert chain["openssl"]["verify_code"] == 20
    assert chain["independent"]["ok"] is False
    assert chain["explanation"]["name"] == "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
    assert chain["certificates"][0]["pem"].startswith("-----BEGIN CERTIFICATE-----")


def test_chain_depth_terminal() -> None:
    proc = tlsstep("handshake", "--chain-depth", "2", "--tls-version", "1.2", "--certs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[0] leaf" in proc.stdout and "[1] intermediate" in proc.stdout
    assert "OpenSSL (client): ✓ accepted" in proc.stdout


def test_client_problem_fails_on_the_server() -> None:
    proc = tlsstep("handshake", "--client-cert-problem", "wrong-eku", "--json", "--certs")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    client_chain = next(c for c in doc["certificates"] if c["sender"] == "client")
    assert client_chain["openssl"]["verify_message"] == "unsuitable certificate purpose"
    assert client_chain["independent"]["policy"] == "client"


def test_problem_with_own_ca_is_a_usage_error(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(default_identity().trust_pem)
    proc = tlsstep("handshake", "--server-cert-problem", "expired", "--ca", str(ca))
    assert proc.returncode == 2
    assert "cannot be combined with --ca" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("own")
    cred = issued_credential("example.test")
    key = serialization.load_pem_private_key(cred.key_pem, None)
    files = {
        "cert": cred.chain_pem,
        "other_key": issued_credential("other.test").key_pem,
        "encrypted_key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        ),
        "ca": default_identity().trust_pem,
    }
    out = {}
    for name, data in files.items():
        out[name] = root / f"{name}.pem"
        out[name].write_bytes(data)
    return out


def test_mismatched_key_names_the_file(own: dict[str, Path]) -> None:
    proc = tlsstep("handshake", "--cert", str(own["cert"]), "--key", str(own["other_key"]))
    assert proc.returncode == 2
    assert f"key file {own['other_key']}" in proc.stderr
    assert "does not match the certificate" in proc.stderr and "Traceback" not in proc.stderr


def test_encrypted_key_needs_its_password(own: dict[str, Path]) -> None:
    args = ["handshake", "--cert", str(own["cert"]), "--key", str(own["encrypted_key"])]
    missing = tlsstep(*args)  # stdin is not a terminal: no prompt, a clear error
    assert missing.returncode == 2
    assert "encrypted; give its password (--key-password)" in missing.stderr
    ok = tlsstep(*args, "--key-password", "pw", "--ca", str(own["ca"]))
    assert ok.returncode == 0, ok.stdout + ok.stderr
