"""The one way tlsstep writes a distinguished name: RFC 4514, as OpenSSL and cryptography do.

``CN=example.test,O=tlsstep``: the RDNs in reverse of their DER order (RFC 4514 §2.1),
``type=value`` with the short names of §3, multi-valued RDNs joined by ``+``, and the
characters of §2.4 escaped. This is what ``openssl x509 -nameopt RFC2253`` and
cryptography's ``Name.rfc4514_string()`` print, so a name copied from either matches.

Every view (the summary, ``--json``, certificate reports, scenario expectations) goes
through :func:`rfc4514`; where the name comes from does not matter: ``getpeercert()``'s
nested tuples (long attribute names) and cryptography's ``Name`` (through
:func:`name_rdns`) give the same text.

Until issue 12 the summary and JSON wrote ``O=tlsstep, CN=example.test`` (DER order,
comma and space); :func:`legacy_to_rfc4514` turns that old spelling into this one so
scenario files that expect it keep passing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

# getpeercert()'s long attribute names -> RFC 4514 §3's short ones (others stay long).
SHORT_NAMES: Final[dict[str, str]] = {
    "commonName": "CN",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}

_ESCAPE: Final = frozenset(',+"\\<>;')

RDN = Sequence[tuple[str, str]]


def _escape(value: str) -> str:
    """RFC 4514 §2.4: specials, a leading ``#`` or space, a trailing space, NUL."""
    out = []
    for i, ch in enumerate(value):
        if ch in _ESCAPE or (i == 0 and ch in "# ") or (i == len(value) - 1 and ch == " "):
            out.append("\\" + ch)
        elif ch == "\0":
            out.append("\\00")
        else:
            out.append(ch)
    return "".join(out)


def rfc4514(rdns: Iterable[RDN]) -> str:
    """A name given as RDNs in DER order (each a list of ``(type, value)``), as RFC 4514."""
    parts = [
        "+".join(f"{SHORT_NAMES.get(kind, kind)}={_escape(value)}" for kind, value in rdn)
        for rdn in rdns
    ]
    return ",".join(reversed(parts))


def peercert_subject(cert: dict[str, Any] | None) -> str | None:
    """The subject of ``SSLObject.getpeercert()``'s dict, or None without one."""
    if not cert or "subject" not in cert:
        return None
    return rfc4514(cert["subject"])


def name_rdns(name: Any) -> list[list[tuple[str, str]]]:
    """A cryptography ``x509.Name`` as RDNs for :func:`rfc4514` (its own short names)."""
    return [[(attr.rfc4514_attribute_name, str(attr.value)) for attr in rdn] for rdn in name.rdns]


def legacy_to_rfc4514(text: str) -> str:
    """``O=tlsstep, CN=example.test`` (the pre-issue-12 spelling) -> ``CN=example.test,O=tlsstep``.

    Text that is not in the old form (no ``", "`` between ``type=value`` parts) is
    returned unchanged.
    """
    parts = text.split(", ")
    if len(parts) < 2 or not all("=" in p for p in parts):
        return text
    return ",".join(reversed(parts))
