"""Each certificate problem, on each side, through a real handshake: OpenSSL's verify
message, the independent verdict beside it, and the plain explanation."""

from __future__ import annotations

import pytest

from tlsstep.cert_problems import CertProblem, parse_problem, problem_credential
from tlsstep.certs.chain_report import ChainReport
from tlsstep.config import PairConfig, SideConfig, resolve_identity
from tlsstep.errors import TlsstepError
from tlsstep.events import Side
from tlsstep.run_certs import session_chain_reports
from tlsstep.session import Session
from tlsstep.steps import parse_line

# problem -> (OpenSSL verify code, message, cryptography's verdict, words of the explanation)
EXPECTED: dict[CertProblem, tuple[int | None, str | None, bool, str]] = {
    CertProblem.expired: (10, "certificate has expired", False, "expired 3 days ago"),
    CertProblem.not_yet_valid: (9, "certificate is not yet valid", False, "not valid until"),
    CertProblem.wrong_host: (
        62,
        "Hostname mismatch, certificate is not valid for 'example.test'.",
        False,
        "asked for 'example.test', but the certificate 'wrong.example.test' is for: "
        "wrong.example.test",
    ),
    CertProblem.self_signed: (18, "self-signed certificate", False, "is self-signed"),
    CertProblem.untrusted_root: (
        19,
        "self-signed certificate in certificate chain",
        False,
        "which was sent but is not in the verifier's trust store",
    ),
    CertProblem.missing_intermediate: (
        20,
        "unable to get local issuer certificate",
        False,
        "The leaf was sent alone",
    ),
    CertProblem.wrong_eku: (26, "unsuitable certificate purpose", False, "extendedKeyUsage is"),
    # OpenSSL's SECLEVEL 2 refuses RSA 1024; cryptography's verifier has no key-size rule.
    CertProblem.weak_key: (66, "EE certificate key too weak", True, "(RSA 1024 bits)"),
    # OpenSSL 3.0 without X509_STRICT accepts a cA=TRUE leaf; cryptography does not.
    CertProblem.ca_as_leaf: (None, None, False, ""),
}


def run(version: str, **config: object) -> Session:
    session = Session(PairConfig(client=SideConfig(max_version=version), **config))  # type: ignore[arg-type]
    session.run(parse_line("handshake"))
    return session


def report_for(session: Session, sender: Side) -> ChainReport:
    reports = [r for r in session_chain_reports(session) if r.sender is sender]
    assert len(reports) == 1, reports
    return reports[0]


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("problem", list(CertProblem))
def test_server_problem(problem: CertProblem, version: str) -> None:
    code, message, independent_ok, words = EXPECTED[problem]
    session = run(version, server_cert_problem=problem.value)
    report = report_for(session, Side.server)
    error = session.pair.failed[Side.client]
    if code is None:
        assert error is None and session.handshake_ok()
        assert report.openssl.ok is True
    else:
        assert error is not None
        assert (error.verify_code, error.verify_message) == (code, message)
        assert (report.openssl.ok, report.openssl.verify_code) == (False, code)
        assert report.explanation is not None and words in report.explanation.text
    assert report.independent.ok is independent_ok, report.independent
    if report.openssl.ok == independent_ok:
        assert report.disagreement is None
    else:
        assert report.disagreement and "disagree" in report.disagreement
    # TLS 1.2's Certificate is plaintext: the chain comes from the wire. TLS 1.3's is
    # encrypted, and without keys the report says it shows the configured chain.
    assert report.from_wire is (version == "1.2")
    configured = resolve_identity(session.config, session.identity).server
    assert configured.source == f"{problem.value} problem"


# A server checks no name in a client certificate, so a client wrong-host passes both.
CLIENT_PASSES = {CertProblem.wrong_host, CertProblem.ca_as_leaf}


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("problem", list(CertProblem))
def test_client_problem(problem: CertProblem, version: str) -> None:
    code, message, independent_ok, words = EXPECTED[problem]
    session = run(version, client_cert_problem=problem.value)
    # The server asked for a certificate on its own: a client problem implies it.
    report = report_for(session, Side.client)
    error = session.pair.failed[Side.server]
    if problem in CLIENT_PASSES:
        assert error is None and session.handshake_ok()
        assert report.openssl.ok is True
        assert report.independent.ok is (problem is CertProblem.wrong_host)
        return
    assert error is not None
    assert (error.verify_code, error.verify_message) == (code, message)
    assert report.openssl.verifier is Side.server
    assert report.independent.policy == "client"
    assert report.independent.ok is independent_ok
    assert report.explanation is not None and words in report.explanation.text


def test_problem_certificates_are_made_once() -> None:
    one = problem_credential(CertProblem.expired, Side.server, "example.test")
    two = problem_credential(CertProblem.expired, Side.server, "example.test")
    assert one is two


def test_unknown_problem_lists_the_names() -> None:
    with pytest.raises(TlsstepError, match=r"no problem named 'stale'.*expired, not-yet-valid"):
        parse_problem("stale")
    with pytest.raises(TlsstepError, match="server certificate problem"):
        Session(PairConfig(server_cert_problem="stale"))


def test_expired_explanation_names_the_certificate_and_date() -> None:
    report = report_for(run("1.2", server_cert_problem="expired"), Side.server)
    explanation = report.explanation
    assert explanation is not None and explanation.certificate is not None
    assert explanation.certificate.common_name == "example.test"
    assert f"{explanation.certificate.not_after:%Y-%m-%d}" in explanation.text
    assert explanation.name == "X509_V_ERR_CERT_HAS_EXPIRED"


def test_unknown_ca_names_the_missing_issuer() -> None:
    report = report_for(run("1.2", server_cert_problem="missing-intermediate"), Side.server)
    explanation = report.explanation
    assert explanation is not None and report.sent.leaf is not None
    assert explanation.missing_issuer == report.sent.leaf.issuer
    assert report.sent.anchor is None  # the intermediate is nowhere: no path to the root


def test_hostname_mismatch_lists_both_names() -> None:
    report = report_for(run("1.3", server_cert_problem="wrong-host"), Side.server)
    explanation = report.explanation
    assert explanation is not None
    assert explanation.name_asked == "example.test"
    assert explanation.names_in_certificate == ("DNS:wrong.example.test",)
