"""A chain as sent: each certificate parsed, each issuer->subject link checked.

A chain in a Certificate message is leaf first, each certificate "directly certifying
the one preceding it" (RFC 8446 §4.4.2; RFC 5246 §7.4.2). Real chains break that rule
in ways worth showing, so every adjacent pair gets a :class:`Link` saying whether the
next certificate's subject is this one's issuer, whether the key identifiers agree
(AKI of the child = SKI of the parent, RFC 5280 §4.2.1.1) and whether the parent's key
really signed the child. The certificate that issued the last one sent is looked up in
the trust store, so the tree can end at the root the verifier would use.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from tlsstep.certs.info import CertInfo, UnparsedCert, info_of, load_der, parse_certificate
from tlsstep.frozen import frozen


@frozen
class Link:
    """Whether ``parent`` issued ``child``: the three checks, each True, False or None (unknown)."""

    name_matches: bool | None  # child's issuer == parent's subject
    key_id_matches: bool | None  # child's AKI == parent's SKI; None: one of them is absent
    signature_ok: bool | None  # parent's key verifies child's signature; None: not checked
    note: str | None = None

    @property
    def ok(self) -> bool:
        return (
            bool(self.name_matches) and self.key_id_matches is not False and bool(self.signature_ok)
        )

    @property
    def text(self) -> str:
        parts = [
            _mark("issuer name", self.name_matches),
            _mark("AKI=SKI", self.key_id_matches),
            _mark("signature", self.signature_ok),
        ]
        text = ", ".join(parts)
        return f"{text} ({self.note})" if self.note else text


def _mark(what: str, value: bool | None) -> str:
    return f"{what} {'matches' if value else 'differs' if value is False else 'not checked'}"


@frozen
class SentChain:
    """The certificates one side sent (leaf first), the links between them, and the anchor.

    ``links[i]`` is the link from ``certificates[i + 1]`` (issuer) to ``certificates[i]``.
    ``anchor`` is the trust-store certificate that issued the last one sent (or the last
    one itself when it is a trusted root); ``anchor_link`` checks that last link.
    """

    source: str  # "TLS 1.2 Certificate message", "configured chain", ...
    certificates: tuple[CertInfo | UnparsedCert, ...]
    links: tuple[Link, ...]
    anchor: CertInfo | None = None
    anchor_link: Link | None = None
    anchor_sent: bool = False  # the anchor is itself among the certificates sent

    @property
    def ders(self) -> tuple[bytes, ...]:
        return tuple(c.der for c in self.certificates)

    @property
    def leaf(self) -> CertInfo | None:
        first = self.certificates[0] if self.certificates else None
        return first if isinstance(first, CertInfo) else None

    @property
    def parsed(self) -> tuple[CertInfo, ...]:
        return tuple(c for c in self.certificates if isinstance(c, CertInfo))


def check_link(child: x509.Certificate, parent: x509.Certificate) -> Link:
    """Did ``parent`` issue ``child``? RFC 5280 §6.1.3 (a)(1) signature, (a)(4) name."""
    name = child.issuer == parent.subject
    aki = _key_id(child, x509.AuthorityKeyIdentifier)
    ski = _key_id(parent, x509.SubjectKeyIdentifier)
    key_id = None if aki is None or ski is None else aki == ski
    signature: bool | None
    note = None
    try:
        # verify_directly_issued_by() refuses (ValueError) when the names differ; the
        # name check above already reports that, so the signature stays "not checked".
        child.verify_directly_issued_by(parent)
        signature = True
    except ValueError:
        signature, note = None, "signature not checked: names differ"
    except InvalidSignature:
        signature = False
    except (TypeError, UnsupportedAlgorithm) as exc:
        signature, note = None, f"signature not checked: {exc}"
    return Link(name_matches=name, key_id_matches=key_id, signature_ok=signature, note=note)


def _key_id(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    return None


def load_pem_bundle(pem: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (an empty list when there are none)."""
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        return []


def find_issuer(
    cert: x509.Certificate, candidates: Iterable[x509.Certificate]
) -> x509.Certificate | None:
    """The candidate that issued ``cert``: name, then signature, must match."""
    for candidate in candidates:
        if candidate.subject == cert.issuer and check_link(cert, candidate).signature_ok:
            return candidate
    return None


def chain_as_sent(
    ders: Sequence[bytes],
    *,
    source: str,
    trust_pem: bytes | None = None,
    now: dt.datetime | None = None,
) -> SentChain:
    """Parse and link a chain as sent (leaf first); find its anchor in ``trust_pem``."""
    infos = tuple(parse_certificate(d, now) for d in ders)
    loaded: list[x509.Certificate | None] = []
    for info in infos:
        loaded.append(load_der(info.der) if isinstance(info, CertInfo) else None)
    links: list[Link] = []
    for child, parent in itertools.pairwise(loaded):
        if child is None or parent is None:
            links.append(
                Link(name_matches=None, key_id_matches=None, signature_ok=None, note="unparsed")
            )
        else:
            links.append(check_link(child, parent))
    anchor: CertInfo | None = None
    anchor_link: Link | None = None
    anchor_sent = False
    last = loaded[-1] if loaded else None
    if last is not None and trust_pem:
        store = load_pem_bundle(trust_pem)
        if last in store:
            anchor, anchor_sent = info_of(last, now), True
        else:
            issuer = find_issuer(last, store)
            if issuer is not None:
                anchor, anchor_link = info_of(issuer, now), check_link(last, issuer)
    return SentChain(
        source=source,
        certificates=infos,
        links=tuple(links),
        anchor=anchor,
        anchor_link=anchor_link,
        anchor_sent=anchor_sent,
    )
