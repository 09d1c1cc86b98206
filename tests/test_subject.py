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


def _leaf_with_subject(
    attributes: list[list[tuple[x509.ObjectIdentifier, str]]],
) -> tuple[bytes, bytes, bytes]:
    """(chain PEM, key PEM, CA PEM): a leaf for example.test with this subject, by a test CA."""
    import datetime

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca = trustme.CA()
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.RelativeDistinguishedName([x509.NameAttribute(o, v) for o, v in rdn])
            for rdn in attributes
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("example.test")]), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, ca.cert_pem.bytes()


NameOID = x509.NameOID
SUBJECTS = [
    *(
        [[(NameOID.ORGANIZATION_NAME, org)], [(NameOID.COMMON_NAME, "example.test")]]
        for org in AWKWARD
    ),
    [
        [(NameOID.COUNTRY_NAME, "FR")],
        [(NameOID.STATE_OR_PROVINCE_NAME, "Île-de-France")],
        [(NameOID.LOCALITY_NAME, "Paris")],
        [(NameOID.STREET_ADDRESS, "1 rue X")],
        [(NameOID.DOMAIN_COMPONENT, "test")],
        [(NameOID.USER_ID, "u1")],
        [(NameOID.ORGANIZATIONAL_UNIT_NAME, "日本語")],
        [(NameOID.COMMON_NAME, "example.test")],
    ],
    [
        [(NameOID.ORGANIZATION_NAME, "a"), (NameOID.ORGANIZATIONAL_UNIT_NAME, "b")],
        [(NameOID.COMMON_NAME, "multi+valued")],
    ],
    # names RFC 4514 has no short name for: cryptography spells them by OID
    [[(NameOID.EMAIL_ADDRESS, "a@example.test")], [(NameOID.COMMON_NAME, "example.test")]],
    [[(NameOID.SERIAL_NUMBER, "42")], [(NameOID.COMMON_NAME, "example.test")]],
]


@pytest.mark.parametrize("attributes", SUBJECTS)
def test_peer_subject_check_reads_as_cryptography(
    attributes: list[list[tuple[x509.ObjectIdentifier, str]]],
) -> None:
    """The peer_subject check takes a verified peer's subject from OpenSSL's decoding where
    it can: the same text as cryptography's on the same certificate."""
    from tlsstep.checks import peer_subject
    from tlsstep.config import PairConfig, SideConfig
    from tlsstep.events import Side
    from tlsstep.identity import Credential
    from tlsstep.session import Session
    from tlsstep.steps import parse_line

    chain, key, ca = _leaf_with_subject(attributes)
    config = PairConfig(
        server=SideConfig(credential=Credential(chain_pem=chain, key_pem=key)), trust_pem=ca
    )
    session = Session(config)
    assert not session.run(parse_line("handshake")).failed
    facts = session.facts(Side.client)
    assert facts.peer_certificate  # verified: OpenSSL decoded it
    expected = x509.load_der_x509_certificate(
        facts.peer_certificate_der or b""
    ).subject.rfc4514_string()
    assert peer_subject(facts) == expected
