"""One certificate's fields, and validity said the way people say it."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys

import pytest

from tests.helpers import ROOT
from tlsstep.certs.build import issue_leaf
from tlsstep.certs.chain_report import pem_to_ders
from tlsstep.certs.info import CertInfo, UnparsedCert, Validity, parse_certificate, validity_wording
from tlsstep.identity import default_ca

NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("before", "after", "state", "text"),
    [
        (NOW - 30 * DAY, NOW - 3 * DAY, Validity.expired, "expired 3 days ago"),
        (NOW - DAY, NOW + 89 * DAY, Validity.valid, "valid for 89 more days"),
        (NOW - DAY, NOW + dt.timedelta(hours=1), Validity.valid, "valid for 1 more hour"),
        (NOW + 2 * DAY, NOW + 9 * DAY, Validity.not_yet_valid, "not valid until 2 days from now"),
        (NOW - DAY, NOW + 1000 * DAY, Validity.valid, "valid for 2 more years"),
        (NOW - 2 * DAY, NOW - dt.timedelta(seconds=1), Validity.expired, "expired 1 second ago"),
    ],
)
def test_validity_wording(
    before: dt.datetime, after: dt.datetime, state: Validity, text: str
) -> None:
    assert validity_wording(before, after, NOW) == (state, text)


def parsed(**options: object) -> CertInfo:
    leaf = issue_leaf("host.test", issuer=default_ca(), **options)  # type: ignore[arg-type]
    info = parse_certificate(pem_to_ders(leaf.cert_pem)[0])
    assert isinstance(info, CertInfo)
    return info


def test_fields_of_an_ecdsa_leaf() -> None:
    info = parsed(purposes=("serverAuth",))
    assert info.subject == "CN=host.test,O=tlsstep"
    assert info.common_name == "host.test" and info.label == "host.test"
    assert info.subject_alt_names == ("DNS:host.test",) and info.dns_names == ("host.test",)
    assert (info.key_type, info.key_size, info.key_curve) == ("EC", 256, "secp256r1")
    assert info.key_text == "EC secp256r1"
    assert info.signature_algorithm == "ecdsa-with-SHA256"
    assert (info.is_ca, info.path_length) == (False, None)
    assert info.key_usage == ("digitalSignature",)
    assert info.extended_key_usage == ("serverAuth",)
    assert info.subject_key_identifier and info.authority_key_identifier
    assert info.sha256.replace(":", "").lower() == hashlib.sha256(info.der).hexdigest()
    assert info.validity is Validity.valid and info.validity_text.startswith("valid for 89")
    assert not info.self_issued
    assert pem_to_ders(info.pem.encode()) == (info.der,)


def test_fields_of_a_weak_rsa_ca_leaf() -> None:
    info = parsed(rsa_bits=1024, as_ca=True)
    assert info.key_text == "RSA 1024 bits"
    assert info.is_ca is True
    assert "keyCertSign" in info.key_usage and "keyEncipherment" in info.key_usage


def test_garbage_is_kept_not_raised() -> None:
    info = parse_certificate(b"\x30\x03abc")
    assert isinstance(info, UnparsedCert) and info.der == b"\x30\x03abc"


def test_certs_layer_imports_neither_rich_nor_click() -> None:
    modules = [
        "tlsstep.certs.info",
        "tlsstep.certs.chain",
        "tlsstep.certs.verify",
        "tlsstep.certs.verify_codes",
        "tlsstep.cert_problems",
        "tlsstep.cert_files",
        "tlsstep.certs.messages",
        "tlsstep.certs.chain_report",
    ]
    code = f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n" + (
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in ('rich', 'click')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
