"""Certificate problems on demand, for either side, made once and kept in the cache.

Each problem is a :class:`~tlsstep.identity.Credential` that replaces a side's normal
one; the trust store stays the process's test CA (:func:`tlsstep.identity.default_ca`),
so the only thing wrong is the problem itself. CAs come from trustme; leaves are built
with ``cryptography`` (:mod:`tlsstep.certs.build`, which says why) and signed by them.

What OpenSSL 3.0 says about each, as the peer's verify_message (checked by
tests/certs/test_problems.py):

=====================  ======================================================
expired                certificate has expired (10)
not-yet-valid          certificate is not yet valid (9)
wrong-host             Hostname mismatch... (62); a server checks no client name,
                       so a client wrong-host passes
self-signed            self-signed certificate (18)
untrusted-root         self-signed certificate in certificate chain (19): the
                       unknown root is sent with the leaf
missing-intermediate   unable to get local issuer certificate (20)
wrong-eku              unsuitable certificate purpose (26)
weak-key               EE certificate key too weak (66); the holder's own context
                       must drop to SECLEVEL 0 just to load the key
ca-as-leaf             accepted by OpenSSL 3.0 without X509_STRICT; cryptography's
                       verifier rejects it: the two disagree, on purpose
=====================  ======================================================
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import StrEnum
from typing import Any, Final

from tlsstep.certs.build import CAKey, issue_leaf, make_ca
from tlsstep.cheap_enum import CheapEnumType
from tlsstep.errors import TlsstepError
from tlsstep.events import Side
from tlsstep.identity import (
    DEFAULT_CLIENT_NAME,
    DEFAULT_SERVER_NAME,
    Credential,
    cached_ca,
    cached_credential,
    default_ca,
)
from tlsstep.limits import quote


class CertProblem(StrEnum, metaclass=CheapEnumType):
    expired = "expired"
    not_yet_valid = "not-yet-valid"
    wrong_host = "wrong-host"
    self_signed = "self-signed"
    untrusted_root = "untrusted-root"
    missing_intermediate = "missing-intermediate"
    wrong_eku = "wrong-eku"
    weak_key = "weak-key"
    ca_as_leaf = "ca-as-leaf"


DESCRIPTIONS: Final[dict[CertProblem, str]] = {
    CertProblem.expired: "the leaf's notAfter was 3 days ago",
    CertProblem.not_yet_valid: "the leaf's notBefore is 2 days from now",
    CertProblem.wrong_host: "the leaf names another host (wrong.example.test)",
    CertProblem.self_signed: "a self-signed leaf that no trust store holds",
    CertProblem.untrusted_root: "a chain to a root CA the peer does not trust (root sent too)",
    CertProblem.missing_intermediate: "the leaf is issued by an intermediate CA but sent alone",
    CertProblem.wrong_eku: "extendedKeyUsage for the other role (clientAuth on a server)",
    CertProblem.weak_key: "an RSA 1024-bit key, below OpenSSL's security level 2",
    CertProblem.ca_as_leaf: "the leaf has basicConstraints cA=TRUE",
}

WRONG_HOST: Final = "wrong.example.test"
MAX_CHAIN_DEPTH: Final = 5


def parse_problem(value: str | CertProblem, option: str = "certificate problem") -> CertProblem:
    """``value`` as a CertProblem, or a TlsstepError listing the names."""
    try:
        return CertProblem(value)
    except ValueError:
        names = ", ".join(p.value for p in CertProblem)
        raise TlsstepError(
            f"{option}: no problem named {quote(value)}; use one of {names}"
        ) from None


def _name(side: Side, server_name: str | None) -> str:
    return (server_name or DEFAULT_SERVER_NAME) if side is Side.server else DEFAULT_CLIENT_NAME


@functools.cache
def problem_credential(
    problem: CertProblem,
    side: Side,
    server_name: str | None = DEFAULT_SERVER_NAME,
    key_type: str = "ecdsa",
) -> Credential:
    """The credential ``side`` presents to show ``problem`` (made once, then cached).

    Problems whose dates are relative to now (expired, not-yet-valid) are reused for a
    day at most, so "3 days ago" stays about right and not-yet-valid never comes due.
    """
    name = _name(side, server_name)
    ca = default_ca()
    source = f"{problem.value} problem"
    issuer: CAKey | None = ca
    reuse_days: float | None = None
    if problem in (CertProblem.expired, CertProblem.not_yet_valid):
        reuse_days = 1
    elif problem in (CertProblem.self_signed, CertProblem.untrusted_root):
        issuer = None  # no tie to the test CA
    elif problem is CertProblem.missing_intermediate:
        issuer = _intermediates(1)[-1]  # the intermediate is not sent
    security_level = 0 if problem is CertProblem.weak_key else None
    kind = "" if key_type == "ecdsa" or problem is CertProblem.weak_key else f" {key_type}"
    return cached_credential(
        f"problem {problem.value} {side.value} {name}{kind}",
        lambda: _make_problem(problem, side, name, issuer, key_type),
        issuer=issuer,
        reuse_days=reuse_days,
        source=source,
        security_level=security_level,
    )


def _make_problem(
    problem: CertProblem, side: Side, name: str, issuer: CAKey | None, key_type: str = "ecdsa"
) -> Credential:
    now = dt.datetime.now(dt.UTC)
    _leaf = functools.partial(_typed_leaf, key_type=key_type)
    own = _PURPOSE[side]
    match problem:
        case CertProblem.expired:
            return _leaf(
                name,
                issuer,
                not_before=now - dt.timedelta(days=30),
                not_after=now - dt.timedelta(days=3),
            )
        case CertProblem.not_yet_valid:
            return _leaf(
                name,
                issuer,
                not_before=now + dt.timedelta(days=2),
                not_after=now + dt.timedelta(days=90),
            )
        case CertProblem.wrong_host:
            other = WRONG_HOST if side is Side.server else f"wrong-{DEFAULT_CLIENT_NAME}"
            return _leaf(other, issuer)
        case CertProblem.untrusted_root:
            stranger = make_ca("tlsstep untrusted CA")
            # Send the root too: the peer then sees a complete chain whose root it lacks.
            return _leaf(name, stranger, extra=stranger.cert_pem)
        case CertProblem.missing_intermediate | CertProblem.self_signed:
            return _leaf(name, issuer)
        case CertProblem.wrong_eku:
            return _leaf(name, issuer, purposes=(_PURPOSE[side.peer],))
        case CertProblem.weak_key:
            return _leaf(name, issuer, rsa_bits=1024, purposes=(own,))
        case CertProblem.ca_as_leaf:
            return _leaf(name, issuer, as_ca=True, purposes=(own,))
    raise TlsstepError(f"unknown certificate problem {quote(problem)}")  # pragma: no cover


_PURPOSE: Final = {Side.server: "serverAuth", Side.client: "clientAuth"}


def _typed_leaf(
    name: str, issuer: CAKey | None, *, key_type: str, extra: bytes = b"", **options: Any
) -> Credential:
    if "rsa_bits" not in options:  # weak-key's RSA 1024 is the problem itself
        options["key_type"] = key_type
    return _leaf(name, issuer, extra=extra, **options)


def _leaf(name: str, issuer: CAKey | None, *, extra: bytes = b"", **options: Any) -> Credential:
    built = issue_leaf(name, issuer=issuer, **options)
    return Credential(chain_pem=built.cert_pem + extra, key_pem=built.key_pem)


@functools.cache
def _intermediates(count: int) -> tuple[CAKey, ...]:
    """``count`` intermediate CAs below the test CA, each issued by the one before."""
    out: list[CAKey] = []
    parent = default_ca()
    for level in range(1, count + 1):
        parent = cached_ca(
            f"intermediate {level}", functools.partial(make_ca, parent=parent), parent
        )
        out.append(parent)
    return tuple(out)


@functools.cache
def chain_credential(
    depth: int, side: Side, server_name: str | None = DEFAULT_SERVER_NAME, key_type: str = "ecdsa"
) -> Credential:
    """A healthy chain of ``depth`` certificates below the root: leaf + (depth - 1) CAs.

    ``depth`` 1 is a leaf issued by the root (the default identity's shape); 2 adds one
    intermediate, which is sent after the leaf as a correct peer would (RFC 8446 §4.4.2).
    """
    if not 1 <= depth <= MAX_CHAIN_DEPTH:
        raise TlsstepError(f"chain depth {depth}: use 1 to {MAX_CHAIN_DEPTH}")
    issuer = _intermediates(depth - 1)[-1] if depth > 1 else default_ca()
    name = _name(side, server_name)
    kind = "" if key_type == "ecdsa" else f" {key_type}"
    return cached_credential(
        f"chain {depth} {side.value} {name}{kind}",
        lambda: _leaf(name, issuer, extra=issuer.sent_pem, key_type=key_type),
        issuer=issuer,
        source=f"chain depth {depth}",
    )
