"""Certificate chains for the terminal (a rich tree, leaf to root) and for JSON (dicts).

Both read the same :class:`~tlsstep.certs.chain_report.ChainReport` values and change none, so
the terminal and ``--json`` cannot disagree. The tree nests each issuer under the
certificate it issued - leaf, then intermediates, then the trust anchor - and the label
of every issuer says whether that issuer->subject link holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from tlsstep.certs.chain import Link, SentChain
from tlsstep.certs.chain_report import ChainReport
from tlsstep.certs.info import CertInfo, UnparsedCert, Validity, colon_hex
from tlsstep.certs.verify import IndependentVerdict, OpenSSLVerdict
from tlsstep.certs.verify_codes import Explanation

OK, BAD, UNKNOWN = "✓", "✗", "?"


def _mark(value: bool | None) -> Text:
    if value is None:
        return Text(UNKNOWN, style="tlsstep.dim")
    return Text(OK, style="tlsstep.ok") if value else Text(BAD, style="tlsstep.fail")


# -- terminal ------------------------------------------------------------------------


def cert_label(cert: CertInfo | UnparsedCert, role: str) -> Text:
    """One line naming a certificate: ``leaf  CN=example.test  EC secp256r1  valid for ...``."""
    text = Text(role, style="tlsstep.key")
    text.append("  ")
    if isinstance(cert, UnparsedCert):
        text.append(f"unparsable ({len(cert.der)} bytes): {cert.reason}", style="tlsstep.fail")
        return text
    text.append(cert.subject or "(empty subject)")
    validity_style = "tlsstep.done" if cert.validity is Validity.valid else "tlsstep.fail"
    text.append("  ")
    text.append(cert.validity_text, style=validity_style)
    return text


def cert_details(cert: CertInfo, *, full: bool = True) -> list[Text]:
    """The fields of one certificate, one line each."""
    rows: list[tuple[str, str]] = [
        ("issuer", cert.issuer),
        ("serial", f"{cert.serial:x}"),
        (
            "validity",
            f"{cert.not_before:%Y-%m-%d %H:%M:%S} .. {cert.not_after:%Y-%m-%d %H:%M:%S} UTC",
        ),
        ("key", cert.key_text),
        ("signature", cert.signature_algorithm),
    ]
    if cert.subject_alt_names:
        rows.append(("subjectAltName", ", ".join(cert.subject_alt_names)))
    if cert.is_ca is not None:
        bc = f"cA={'TRUE' if cert.is_ca else 'FALSE'}"
        if cert.path_length is not None:
            bc += f", pathLen={cert.path_length}"
        rows.append(("basicConstraints", bc))
    if cert.key_usage:
        rows.append(("keyUsage", ", ".join(cert.key_usage)))
    if cert.extended_key_usage:
        rows.append(("extendedKeyUsage", ", ".join(cert.extended_key_usage)))
    if full:
        if cert.subject_key_identifier:
            rows.append(("SKI", colon_hex(cert.subject_key_identifier)))
        if cert.authority_key_identifier:
            rows.append(("AKI", colon_hex(cert.authority_key_identifier)))
        rows.append(("SHA-256", cert.sha256))
    lines = []
    for name, value in rows:
        line = Text(f"{name}: ", style="tlsstep.dim")
        line.append(value)
        lines.append(line)
    return lines


def link_text(link: Link, what: str = "issued by") -> Text:
    text = _mark(link.ok)
    text.append(f" {what} ")
    text.append(f"({link.text})", style="tlsstep.dim")
    return text


def _add_cert(node: Tree, cert: CertInfo | UnparsedCert, role: str, *, full: bool) -> Tree:
    child = node.add(cert_label(cert, role))
    if isinstance(cert, CertInfo):
        for line in cert_details(cert, full=full):
            child.add(line)
    return child


def chain_tree(chain: SentChain, title: Text | str, *, full: bool = True) -> Tree:
    """The chain as a tree from leaf to root; each issuer hangs under what it issued."""
    tree = Tree(title)
    node = tree
    count = len(chain.certificates)
    for index, cert in enumerate(chain.certificates):
        if index == 0:
            role = "leaf"
        elif chain.anchor_sent and index == count - 1:
            role = "root (sent)"
        else:
            role = "intermediate"
        if index > 0:
            node = node.add(link_text(chain.links[index - 1]))
        node = _add_cert(node, cert, f"[{index}] {role}", full=full)
    if chain.anchor is not None and not chain.anchor_sent and chain.anchor_link is not None:
        node = node.add(link_text(chain.anchor_link, "issued by, from the trust store"))
        _add_cert(node, chain.anchor, "trust anchor", full=full)
    elif chain.certificates and chain.anchor is None:
        node.add(
            Text(
                f"{BAD} issuer not found among the certificates sent or in the trust store",
                style="tlsstep.fail",
            )
        )
    return tree


def verdict_lines(report: ChainReport) -> list[Text]:
    """OpenSSL's verdict, the independent one, and what they mean together."""
    lines = [openssl_line(report.openssl), independent_line(report.independent)]
    if report.disagreement:
        lines.append(Text(f"{BAD} {report.disagreement}", style="tlsstep.fail"))
    if report.explanation is not None:
        lines.append(explanation_line(report.explanation))
    if report.added_by_openssl:
        lines.append(
            Text(
                f"OpenSSL added {len(report.added_by_openssl)} certificate(s) from its trust "
                "store to the configured chain (auto chain building).",
                style="tlsstep.dim",
            )
        )
    if report.chain_api_note:
        lines.append(
            Text(f"chain as verified by OpenSSL: {report.chain_api_note}", style="tlsstep.dim")
        )
    return lines


def openssl_line(verdict: OpenSSLVerdict) -> Text:
    text = Text("OpenSSL (")
    text.append(str(verdict.verifier), style=f"tlsstep.{verdict.verifier}")
    text.append("): ")
    text.append_text(_mark(verdict.ok))
    if verdict.ok is False:
        text.append(f" {verdict.verify_message} (verify code {verdict.verify_code})")
    elif verdict.ok:
        text.append(" accepted")
    if verdict.note:
        text.append(f"  {verdict.note}", style="tlsstep.dim")
    return text


def independent_line(verdict: IndependentVerdict) -> Text:
    text = Text(f"cryptography ({verdict.policy} policy")
    if verdict.server_name:
        text.append(f", name {verdict.server_name}")
    text.append("): ")
    text.append_text(_mark(verdict.ok))
    if verdict.ok:
        text.append(f" accepted, path of {len(verdict.chain)} to a trust anchor")
    elif verdict.error:
        text.append(f" {verdict.error}")
    return text


def explanation_line(explanation: Explanation) -> Text:
    text = Text("why: ", style="tlsstep.key")
    text.append(explanation.text)
    text.append(f"  [{explanation.name}]", style="tlsstep.dim")
    return text


def report_view(report: ChainReport, *, full: bool = True) -> RenderableType:
    title = Text("Chain sent by ")
    title.append(str(report.sender), style=f"tlsstep.{report.sender}")
    n = len(report.sent.certificates)
    title.append(f" ({n} certificate{'s' if n != 1 else ''}, {report.sent.source}")
    title.append(f", connection {report.connection})")
    return Group(chain_tree(report.sent, title, full=full), *verdict_lines(report))


def reports_view(reports: Sequence[ChainReport], *, full: bool = True) -> RenderableType:
    """Every chain of a run, or a line saying there were none."""
    if not reports:
        return Text("No certificate chains were sent.", style="tlsstep.dim")
    parts: list[RenderableType] = []
    for index, report in enumerate(reports):
        if index:
            parts.append(Text(""))
        parts.append(report_view(report, full=full))
    return Group(*parts)


# -- JSON ----------------------------------------------------------------------------


def cert_dict(cert: CertInfo | UnparsedCert, *, pem: bool = True) -> dict[str, Any]:
    """One certificate as JSON types; ``pem`` adds the PEM text."""
    if isinstance(cert, UnparsedCert):
        return {"parsed": False, "reason": cert.reason, "der_hex": cert.der.hex()}
    out: dict[str, Any] = {
        "parsed": True,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "serial": f"{cert.serial:x}",
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "validity": str(cert.validity),
        "validity_text": cert.validity_text,
        "subject_alt_names": list(cert.subject_alt_names),
        "key_type": cert.key_type,
        "key_size": cert.key_size,
        "key_curve": cert.key_curve,
        "signature_algorithm": cert.signature_algorithm,
        "basic_constraints": None
        if cert.is_ca is None
        else {"ca": cert.is_ca, "path_length": cert.path_length},
        "key_usage": list(cert.key_usage),
        "extended_key_usage": list(cert.extended_key_usage),
        "subject_key_identifier": _hex(cert.subject_key_identifier),
        "authority_key_identifier": _hex(cert.authority_key_identifier),
        "sha256": cert.sha256,
    }
    if pem:
        out["pem"] = cert.pem
    return out


def _hex(data: bytes | None) -> str | None:
    return data.hex() if data is not None else None


def link_dict(link: Link | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "ok": link.ok,
        "name_matches": link.name_matches,
        "key_id_matches": link.key_id_matches,
        "signature_ok": link.signature_ok,
        "note": link.note,
    }


def _certs(
    certs: Iterable[CertInfo | UnparsedCert] | None, pem: bool
) -> list[dict[str, Any]] | None:
    return None if certs is None else [cert_dict(c, pem=pem) for c in certs]


def report_dict(report: ChainReport, *, pem: bool = True) -> dict[str, Any]:
    """One ChainReport as JSON types (``links[i]``: certificates[i+1] issued certificates[i])."""
    sent = report.sent
    openssl = report.openssl
    independent = report.independent
    explanation = report.explanation
    return {
        "connection": report.connection,
        "sender": str(report.sender),
        "verifier": str(report.verifier),
        "source": sent.source,
        "from_wire": report.from_wire,
        "certificates": _certs(sent.certificates, pem),
        "links": [link_dict(link) for link in sent.links],
        "anchor": cert_dict(sent.anchor, pem=pem) if sent.anchor else None,
        "anchor_link": link_dict(sent.anchor_link),
        "anchor_sent": sent.anchor_sent,
        "added_by_openssl": len(report.added_by_openssl),
        "openssl": {
            "checked": openssl.checked,
            "ok": openssl.ok,
            "verify_code": openssl.verify_code,
            "verify_message": openssl.verify_message,
            "note": openssl.note,
        },
        "independent": {
            "policy": str(independent.policy),
            "ok": independent.ok,
            "server_name": independent.server_name,
            "error": independent.error,
            "detail": independent.detail,
            "chain": [c.subject for c in independent.chain],
            "subjects": list(independent.subjects),
        },
        "disagreement": report.disagreement,
        "explanation": None
        if explanation is None
        else {
            "verify_code": explanation.verify_code,
            "name": explanation.name,
            "verify_message": explanation.verify_message,
            "text": explanation.text,
            "certificate": explanation.certificate.subject if explanation.certificate else None,
            "name_asked": explanation.name_asked,
            "names_in_certificate": list(explanation.names_in_certificate),
            "missing_issuer": explanation.missing_issuer,
        },
        "verified_chain": _certs(report.verified_chain, pem),
        "unverified_chain": _certs(report.unverified_chain, pem),
        "chain_api_note": report.chain_api_note,
    }


def reports_dicts(reports: Sequence[ChainReport], *, pem: bool = True) -> list[dict[str, Any]]:
    return [report_dict(r, pem=pem) for r in reports]
