"""The one table of scenario checks: what a step's ``expect`` may hold.

Each :class:`Check` says everything about one check in one place: its name, the
value it takes and what it is compared with (the words ``docs/scenarios.md``, the
README and the shell's ``help expect`` show), which side(s) it may be about
(:class:`Scope`), how the file's value is read (``parse``), where the actual value
comes from (``actual``, on an :class:`Observed` run) and when it passes
(``matches``). The loader (:func:`parse_expect`, called by ``steps.parse_step``),
the runner (``scenario.expect.check``), the recorder (``handshake --save``, the
shell's ``save``), the shell's help and the docs all read :data:`CHECKS`; a new
check is one entry here.

Which side a check is about:

* checks at the top of ``expect`` are about the step's own side
  (``Step.checked_side``: ``read client`` -> the client,
  ``verify_client_post_handshake`` -> the server);
* the sub-tables ``expect.client`` / ``expect.server`` hold the same checks about
  that side, so one step can check both ends;
* :attr:`Scope.step` checks at the top describe the step as a whole (its result,
  its first error); in a sub-table they describe that side's calls during the step.
  A step without a side (the whole handshake, resume) takes at its top only
  :attr:`Scope.step` and :attr:`Scope.named` checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final, Protocol

from tlsstep import limits
from tlsstep.cheap_enum import CheapEnumType
from tlsstep.errors import StepError
from tlsstep.events import Result, Side, SideFacts
from tlsstep.frozen import frozen
from tlsstep.spelling import suggest
from tlsstep.subject import SHORT_NAMES, legacy_to_rfc4514, name_rdns, rfc4514
from tlsstep.wire.enums import MESSAGE_NAMES, AlertDescription


class Scope(Enum, metaclass=CheapEnumType):
    """Which side(s) a check may be about."""

    step = "step"  # top: the step as a whole; in expect.client/.server: that side's calls
    side = "side"  # one side: the step's own at the top, or the sub-table's
    named = "named"  # its name says the side (client_sent): anywhere, whatever the step


class Observed(Protocol):
    """What one step did, as the checks read it (``scenario.expect.Actual`` is one).

    ``side=None`` asks about the step as a whole (every side's calls).
    """

    def result(self, side: Side | None) -> str | None: ...

    def failure(self, side: Side | None) -> tuple[str, str, str] | None:
        """The first error as (exception, reason, verify message), or None."""
        ...

    def alerts(self, side: Side, *, sent: bool) -> list[str]: ...

    def facts(self, side: Side) -> SideFacts: ...

    def sent_messages(self, side: Side) -> tuple[str, ...]: ...

    def records(self) -> int: ...

    def closed(self, side: Side) -> bool: ...

    def read_data(self, side: Side) -> bytes | None: ...


Parse = Callable[[Any, str], Any]
Actual = Callable[[Observed, Side | None], Any]
Matches = Callable[[Any, Any], bool]


def _equal(expected: Any, actual: Any) -> bool:
    return bool(expected == actual)


@frozen
class Check:
    """One check an ``expect`` table may hold."""

    name: str
    value: str  # the value it takes, briefly (e.g. TLSv1.3)
    compared: str  # what the expected value is compared with (docs)
    passes: str  # when it passes (docs)
    scope: Scope
    parse: Parse  # the file's value -> the expected value (StepError when wrong)
    actual: Actual  # the run -> the actual value
    matches: Matches = _equal  # (expected, actual) -> passes


# -- reading the file's values -------------------------------------------------------


# The names each check accepts, made once (not per check read: issue 14).
_RESULTS: Final = [str(r) for r in Result]
_ALERTS_NAMES: Final = [a.name for a in AlertDescription]
_ALERTS_ACCEPTED: Final = frozenset(("", *_ALERTS_NAMES))
_MESSAGES_LIST: Final = list(MESSAGE_NAMES.values())
_MESSAGES_SET: Final = frozenset(_MESSAGES_LIST)


def _result(value: Any, key: str) -> str:
    choices = _RESULTS
    if isinstance(value, str) and value.replace("_", " ") in choices:
        return value.replace("_", " ")
    word = value if isinstance(value, str) else repr(value)
    raise StepError(
        f"{key} must be one of {', '.join(choices)}, not {limits.quote(word)}{suggest(str(word), choices)}",
        key=key,
    )


def _text(value: Any, key: str) -> str:
    if isinstance(value, str):
        return value
    raise StepError(f"{key} must be a string, not {limits.quote(value)}", key=key)


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise StepError(f"{key} must be true or false, not {limits.quote(value)}", key=key)


def _alert(value: Any, key: str) -> str:
    text = _text(value, key)
    if text in _ALERTS_ACCEPTED or text.startswith("unknown (0x"):
        return text
    raise StepError(
        f"{key}: no alert is called {limits.quote(text)}{suggest(text, _ALERTS_NAMES)}", key=key
    )


def _messages(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise StepError(f'{key} must be a list of message names like ["ClientHello"]', key=key)
    for name in value:
        if name not in _MESSAGES_SET and not name.startswith("unknown (0x"):
            raise StepError(
                f"{key}: no handshake message is called {limits.quote(name)}"
                + suggest(name, _MESSAGES_LIST),
                key=key,
            )
    return tuple(value)


def _count(value: Any, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limits.MAX_INDEX:
        return value
    raise StepError(
        f"{key} must be a whole number from 0 to {limits.MAX_INDEX}, not {limits.quote(value)}",
        key=key,
    )


def _hex(value: Any, key: str) -> str:
    if isinstance(value, str):
        try:
            return bytes.fromhex(value.replace(":", " ")).hex()
        except ValueError:
            pass
    raise StepError(f'{key} must be hex digits like "16 03 01", not {limits.quote(value)}', key=key)


# -- the actual values ----------------------------------------------------------------


def _failure(field: int) -> Actual:
    def actual(run: Observed, side: Side | None) -> str:
        failure = run.failure(side)
        return failure[field] if failure is not None else ""

    return actual


def _one_side(side: Side | None) -> Side:
    # parse_expect refuses a one-side check where there is no side to be about
    assert side is not None
    return side


def _read(run: Observed, side: Side | None) -> bytes | None:
    return run.read_data(_one_side(side))


def _data(run: Observed, side: Side | None) -> str | None:
    data = _read(run, side)
    return None if data is None else data.decode("utf-8", "replace")


def _data_hex(run: Observed, side: Side | None) -> str | None:
    data = _read(run, side)
    return None if data is None else data.hex()


def _data_size(run: Observed, side: Side | None) -> int | None:
    data = _read(run, side)
    return None if data is None else len(data)


def _fact(read: Callable[[SideFacts], Any]) -> Actual:
    def actual(run: Observed, side: Side | None) -> Any:
        return read(run.facts(_one_side(side)))

    return actual


def _sent_by(who: Side) -> Actual:
    return lambda run, side: run.sent_messages(who)


def peer_subject(facts: SideFacts) -> str:
    """The peer certificate's subject as RFC 4514 text, or "" when there is none."""
    if facts.peer_certificate_der is None:
        return ""
    # A verified peer's certificate comes decoded by OpenSSL too (getpeercert()): its
    # subject gives cryptography's text wherever every attribute has an RFC 4514 short
    # name (tests/test_subject.py compares them). Other names (emailAddress, spelled
    # by OID in RFC 4514) need cryptography, whose import alone cost a replay of the
    # bundled scenarios almost a millisecond a scenario (issue 14).
    decoded = facts.peer_certificate
    if decoded and decoded.get("subject"):
        rdns = decoded["subject"]
        if all(kind in SHORT_NAMES for rdn in rdns for kind, _ in rdn):
            return rfc4514(rdns)
    from cryptography import x509  # only subjects OpenSSL's names do not cover pay for it

    cert = x509.load_der_x509_certificate(facts.peer_certificate_der)
    return rfc4514(name_rdns(cert.subject))


# -- when a check passes ------------------------------------------------------------------


def _among(expected: Any, actual: Any) -> bool:
    return not actual if expected == "" else expected in actual


def _in_order(expected: Any, actual: Any) -> bool:
    it = iter(actual)
    return all(name in it for name in expected)


def _contains(expected: Any, actual: Any) -> bool:
    return expected in actual if expected else actual == ""


def _subject_contains(expected: Any, actual: Any) -> bool:
    # The pre-issue-12 JSON spelling (O=..., CN=...) is accepted for old scenarios.
    if not expected:
        return bool(actual == "")
    return expected in actual or legacy_to_rfc4514(expected) in actual


_ALERTS = (
    "alerts the side {0} so far on this connection: alert records that crossed "
    "(plaintext, or decrypted when keys are known) and the alert OpenSSL names in an "
    "error (`TLSV1_ALERT_...`)"
)
_SENT = "handshake messages the {0} has sent and that have crossed so far on this connection"
_READ = "what this step's `read` on the side returned"

# Every check, in the order the docs list them.
CHECKS: Final[tuple[Check, ...]] = (
    Check(
        name="result",
        value="done | want read | closed | error | stalled",
        compared="the step's result: `done`, `want read`, `closed`, `error`, `stalled`",
        passes="equal (`want_read` also accepted)",
        scope=Scope.step,
        parse=_result,
        actual=lambda run, side: run.result(side),
    ),
    Check(
        name="error",
        value="the exception class, e.g. SSLCertVerificationError",
        compared="the exception class, e.g. `SSLCertVerificationError`, `SSLEOFError`",
        passes='equal; `""`: no error',
        scope=Scope.step,
        parse=_text,
        actual=_failure(0),
    ),
    Check(
        name="reason",
        value="OpenSSL's reason, e.g. CERTIFICATE_VERIFY_FAILED",
        compared="OpenSSL's reason, e.g. `CERTIFICATE_VERIFY_FAILED`",
        passes='equal; `""`: no error',
        scope=Scope.step,
        parse=_text,
        actual=_failure(1),
    ),
    Check(
        name="verify_message",
        value="OpenSSL's verify message (a substring)",
        compared="OpenSSL's certificate verify message",
        passes='contains it; `""`: no message',
        scope=Scope.step,
        parse=_text,
        actual=_failure(2),
        matches=_contains,
    ),
    Check(
        name="alert_sent",
        value='an alert description the side sent, e.g. bad_certificate; "" for none',
        compared=_ALERTS.format("sent"),
        passes='the alert is among them; `""`: none',
        scope=Scope.side,
        parse=_alert,
        actual=lambda run, side: tuple(run.alerts(_one_side(side), sent=True)),
        matches=_among,
    ),
    Check(
        name="alert_received",
        value='an alert description the side received; "" for none',
        compared=_ALERTS.format("received"),
        passes='the alert is among them; `""`: none',
        scope=Scope.side,
        parse=_alert,
        actual=lambda run, side: tuple(run.alerts(_one_side(side), sent=False)),
        matches=_among,
    ),
    Check(
        name="version",
        value="e.g. TLSv1.3",
        compared="`version()`, e.g. `TLSv1.3`",
        passes='equal; `""`: no version (handshake not complete)',
        scope=Scope.side,
        parse=_text,
        actual=_fact(lambda facts: facts.version or ""),
    ),
    Check(
        name="cipher",
        value="e.g. TLS_AES_256_GCM_SHA384",
        compared="`cipher()[0]`, e.g. `TLS_AES_256_GCM_SHA384`",
        passes="equal",
        scope=Scope.side,
        parse=_text,
        actual=_fact(lambda facts: facts.cipher[0] if facts.cipher else ""),
    ),
    Check(
        name="alpn",
        value='the selected protocol, or "" for none',
        compared="`selected_alpn_protocol()`",
        passes='equal; `""`: none',
        scope=Scope.side,
        parse=_text,
        actual=_fact(lambda facts: facts.selected_alpn_protocol or ""),
    ),
    Check(
        name="session_reused",
        value="true or false",
        compared="`session_reused`",
        passes="equal",
        scope=Scope.side,
        parse=_bool,
        actual=_fact(lambda facts: facts.session_reused),
    ),
    Check(
        name="peer_subject",
        value="the peer certificate's subject, e.g. CN=example.test (a substring)",
        compared="the peer certificate's subject, RFC 4514 (`CN=example.test,O=tlsstep`)",
        passes='contains it; `""`: no certificate',
        scope=Scope.side,
        parse=_text,
        actual=_fact(peer_subject),
        matches=_subject_contains,
    ),
    Check(
        name="client_sent",
        value="handshake message names sent by the client so far, in order",
        compared=_SENT.format("client"),
        passes="the listed names appear in that order (others may come between: which "
        "messages are visible grows as decryption is added)",
        scope=Scope.named,
        parse=_messages,
        actual=_sent_by(Side.client),
        matches=_in_order,
    ),
    Check(
        name="server_sent",
        value="handshake message names sent by the server so far, in order",
        compared=_SENT.format("server"),
        passes="the listed names appear in that order (others may come between: which "
        "messages are visible grows as decryption is added)",
        scope=Scope.named,
        parse=_messages,
        actual=_sent_by(Side.server),
        matches=_in_order,
    ),
    Check(
        name="data",
        value="the text read",
        compared=_READ + " (as UTF-8 text)",
        passes="equal",
        scope=Scope.side,
        parse=_text,
        actual=_data,
    ),
    Check(
        name="data_hex",
        value="the bytes read, as hex",
        compared=_READ + " (as hex)",
        passes="equal",
        scope=Scope.side,
        parse=_hex,
        actual=_data_hex,
    ),
    Check(
        name="data_size",
        value="how many bytes the step read",
        compared=_READ + " (its length)",
        passes="equal",
        scope=Scope.side,
        parse=_count,
        actual=_data_size,
    ),
    Check(
        name="records",
        value="how many whole records the step's deliveries carried",
        compared="whole records this step's deliveries carried (either direction)",
        passes="equal",
        scope=Scope.step,
        parse=_count,
        actual=lambda run, side: run.records(),
    ),
    Check(
        name="closed",
        value="true or false",
        compared="whether the side saw or completed a close",
        passes="equal",
        scope=Scope.side,
        parse=_bool,
        actual=lambda run, side: run.closed(_one_side(side)),
    ),
)

BY_NAME: Final[dict[str, Check]] = {c.name: c for c in CHECKS}

# The sub-tables that hold checks about one side.
SIDES: Final = tuple(str(s) for s in Side)


# -- the loader's half: parse and encode an ``expect`` table -------------------------------

Expect = tuple[tuple[str, Any], ...]


def parse_expect(raw: Any, *, sided: bool = True) -> Expect:
    """Check an ``expect`` table: known checks, values of the right kind.

    Top-level checks apply to the step's side; ``client = {...}`` and
    ``server = {...}`` sub-tables hold checks on that side. ``sided`` is false for
    steps without a side, whose top level may only hold step and named checks.

    Returns:
        ``(key, value)`` pairs with values normalised (``want_read`` -> ``want read``,
        hex -> lower-case hex); a sub-table's value is itself a tuple of pairs.

    Raises:
        StepError: unknown check, wrong kind of value; ``key`` is ``expect.<path>``.
    """
    return _table(raw, "expect", top=True, sided=sided)


def _table(raw: Any, where: str, *, top: bool, sided: bool) -> Expect:
    if not isinstance(raw, Mapping):
        raise StepError(f"{where} must be a table of checks", key=where)
    out: list[tuple[str, Any]] = []
    for key, value in raw.items():
        path = f"{where}.{key}"
        if top and key in SIDES:
            out.append((key, _table(value, path, top=False, sided=True)))
            continue
        check = BY_NAME.get(key)
        if check is None:
            known = [*BY_NAME, *(SIDES if top else ())]
            raise StepError(
                f"{where} has no check {limits.quote(key)}{suggest(key, known)}", key=path
            )
        if not sided and check.scope is Scope.side:
            raise StepError(
                f"{where}.{key}: this step has no side; write it as {where}.client.{key} "
                f"or {where}.server.{key}",
                key=path,
            )
        out.append((key, check.parse(value, path)))
    return tuple(out)


def expect_table(expect: Expect) -> dict[str, Any]:
    """The ``expect`` mapping :func:`parse_expect` reads back as ``expect``."""
    out: dict[str, Any] = {}
    for key, value in expect:
        if key in SIDES:
            out[key] = expect_table(value)
        elif isinstance(value, tuple):
            out[key] = list(value)
        else:
            out[key] = value
    return out


# -- the runner's half: which checks an ``expect`` holds, about which side ---------------------


@frozen
class Planned:
    """One check of a step's ``expect``, placed: ``path`` is where the file wrote it."""

    path: str  # "version", "client.version"
    check: Check
    expected: Any
    side: Side | None  # the side it is about; None: the step as a whole


def planned(expect: Expect, step_side: Side | None) -> list[Planned]:
    """A step's checks in file order, each with the side it is about."""
    out: list[Planned] = []
    for key, expected in expect:
        if key in SIDES:
            out += [
                Planned(path=f"{key}.{k}", check=BY_NAME[k], expected=v, side=Side(key))
                for k, v in expected
            ]
        else:
            check = BY_NAME[key]
            about = None if check.scope is Scope.step else step_side
            out.append(Planned(path=key, check=check, expected=expected, side=about))
    return out
