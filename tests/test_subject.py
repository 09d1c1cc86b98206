"""One subject formatter: RFC 4514 as OpenSSL and cryptography print it, in every view."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import trustme
from cryptography import x509

from tests.helpers import tlsstep
from tlsstep.scenario import loads, run
from tlsstep.subject import legacy_to_rfc4514, name_rdns, peercert_subject, rfc4514

AWKWARD = [
    "tlsstep, Inc",
    "a+b",
    '"quoted"',
    "#hash",
    " padded ",
    "semi;colon",
    "<x>",
    "back\\slash",
]


@pytest.mark.parametrize("org", AWKWARD)
def test_same_text_as_cryptography(org: str) -> None:
    ca = trustme.CA(organization_name=org)
    name = x509.load_pem_x509_certificate(ca.cert_pem.bytes()).subject
    assert rfc4514(name_rdns(name)) == name.rfc4514_string()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_same_text_as_openssl_rfc2253() -> None:
    ca = trustme.CA(organization_name="tlsstep test CA")
    leaf = ca.issue_cert("example.test")
    pem = leaf.cert_chain_pems[0].bytes()
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"],
        input=pem,
        capture_output=True,
        check=True,
    ).stdout.decode()
    name = x509.load_pem_x509_certificate(pem).subject
    assert out.strip() == "subject=" + rfc4514(name_rdns(name))


def test_getpeercert_tuples_give_the_same_text() -> None:
    cert = {"subject": ((("organizationName", "tlsstep"),), (("commonName", "example.test"),))}
    assert peercert_subject(cert) == "CN=example.test,O=tlsstep"
    assert peercert_subject({}) is None


def test_json_and_terminal_and_scenario_agree() -> None:
    doc = json.loads(tlsstep("handshake", "--json", "--certs").stdout)
    assert doc["summary"]["peer_subject"] == "CN=example.test,O=tlsstep"
    leaf = doc["certificates"][0]["certificates"][0]
    assert leaf["subject"] == doc["summary"]["peer_subject"]
    assert "peer certificate  CN=example.test,O=tlsstep" in tlsstep("handshake").stdout


@pytest.mark.parametrize(
    "expected", ["CN=example.test,O=tlsstep", "O=tlsstep, CN=example.test", "CN=example.test"]
)
def test_scenarios_accept_the_old_spelling_too(expected: str) -> None:
    text = f"""
name = "subject"
[[step]]
op = "handshake"
expect = {{ client = {{ peer_subject = "{expected}" }} }}
"""
    result = run(loads(text, path="subject.toml"))
    assert result.passed, result.mismatches


def test_a_wrong_subject_still_fails() -> None:
    text = """
name = "subject"
[[step]]
op = "handshake"
expect = { client = { peer_subject = "O=other, CN=example.test" } }
"""
    assert not run(loads(text, path="subject.toml")).passed
    assert legacy_to_rfc4514("CN=x") == "CN=x"
