"""Finding the record sequence number again after a capture gap (issue 18).

The sequence number is not on the wire (RFC 8446 §5.3, RFC 5246 §6.1): it counts
the records of a direction, so records the capture lost leave it unknown. It is
in every record's protection, though: the AEAD nonce or additional data (TLS 1.3,
TLS 1.2 GCM/CCM/ChaCha20-Poly1305) and the HMAC of TLS 1.2 CBC suites cover it.
So the first whole record after a gap is opened with each sequence number the
gap could hide, and the one whose tag or MAC verifies is the answer; a wrong
guess cannot verify (forging a tag is what AEAD rules out).

Bounds: the gap's region (bytes from the last record opened to this one) holds
at least one record and at most region / the smallest record the suite can make,
plus :data:`SEARCH_MARGIN`. Guesses start at the count the direction's average
record size predicts and spread out from it, and stop after
:data:`MAX_GUESSES_PER_GAP` for one gap (and :data:`MAX_GUESSES_PER_DIRECTION` for
all of a direction's gaps): past that the direction stays undecrypted, and says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from tlsstep.crypto import keylog as kl
from tlsstep.crypto.records import Opener, opener
from tlsstep.crypto.schedule import traffic_keys
from tlsstep.crypto.suites import DIGEST_SIZES, CipherSuite, all_suites
from tlsstep.frozen import frozen
from tlsstep.wire.records import Record

# Documented in README (decode): the most sequence numbers tried for one gap, and for
# all the gaps of one direction (a hostile capture can claim a gap with one packet).
MAX_GUESSES_PER_GAP: Final = 4096
MAX_GUESSES_PER_DIRECTION: Final = 65536
# Extra sequence numbers beyond what the lost bytes could hold (TLS 1.2 empty
# records, a record counted on both sides of a boundary).
SEARCH_MARGIN: Final = 2
# A capture that starts mid-connection (no handshake seen): TLS 1.3 application
# traffic secrets from the key log are tried, the most recent MAX_MIDSTREAM_KEYS
# connections' (each with the suites its secret's length allows), with sequence
# numbers from 0 up; MAX_MIDSTREAM_GUESSES (key, suite, sequence number) tries in
# all for one direction, on its first protected record.
MAX_MIDSTREAM_KEYS: Final = 64
MAX_MIDSTREAM_GUESSES: Final = 16384
RECORD_HEADER: Final = 5
_CBC_BLOCK: Final = 16


def smallest_record(cs: CipherSuite, *, encrypt_then_mac: bool = False) -> int:
    """Bytes (header included) of the smallest protected record ``cs`` can make."""
    if cs.tls13:
        return RECORD_HEADER + 1 + cs.tag_length  # RFC 8446 §5.2: content type + tag
    if cs.aead:
        return RECORD_HEADER + cs.explicit_nonce_length + cs.tag_length
    if encrypt_then_mac:  # RFC 7366: IV, one padded block, MAC
        return RECORD_HEADER + 2 * _CBC_BLOCK + cs.mac_length
    # RFC 5246 §6.2.3.2: IV, then MAC + padding in whole blocks
    return RECORD_HEADER + _CBC_BLOCK + (cs.mac_length // _CBC_BLOCK + 1) * _CBC_BLOCK


def spiral(likely: int, lo: int, hi: int) -> Iterator[int]:
    """``lo``..``hi``, starting at ``likely`` and moving out from it, each once."""
    likely = min(max(likely, lo), hi)
    yield likely
    step = 1
    while likely - step >= lo or likely + step <= hi:
        if likely + step <= hi:
            yield likely + step
        if likely - step >= lo:
            yield likely - step
        step += 1


class GapSearch:
    """One direction's search after a gap: the range of records lost, and the budget."""

    __slots__ = ("budget", "hi", "likely", "lo")

    def __init__(self, *, hi: int, likely: int) -> None:
        self.lo = 1  # the gap's region holds at least one record
        self.hi = max(hi, 1)
        self.likely = likely
        self.budget = MAX_GUESSES_PER_GAP

    def widen(self, hi: int, likely: int) -> None:
        """Another gap before a record opened: its records add to the range."""
        self.hi += max(hi, 1)
        self.likely += likely

    def skip(self) -> None:
        """A record that did not open: if it was one, it used a sequence number too."""
        self.lo += 1
        self.hi += 1
        self.likely += 1


@frozen
class MidstreamKey:
    """Keys that opened a record with no handshake seen: whose they are, and where."""

    client_random: bytes
    label: str
    secret: bytes
    suite: CipherSuite
    opener: Opener
    sequence_number: int
    tried: int


def midstream_candidates(
    keylog: kl.KeyLog, labels: tuple[str, ...], client_random: bytes | None, suite_code: int | None
) -> list[tuple[bytes, str, bytes, CipherSuite, Opener]]:
    """(client random, label, secret, suite, opener) to try, most recent connection first.

    Only TLS 1.3 traffic secrets open records without the hellos (RFC 8446 §7.3: keys
    come from the secret alone); TLS 1.2 keys need both hello randoms. The suite is unknown, so each TLS 1.3 suite whose hash fits the
    secret's length is tried (unless the other direction already found it).
    """
    randoms: list[bytes] = []
    if client_random is not None:
        randoms = [client_random]
    else:
        for entry in reversed(keylog.entries):
            if entry.label in labels and entry.client_random not in randoms:
                randoms.append(entry.client_random)
                if len(randoms) >= MAX_MIDSTREAM_KEYS:
                    break
    out: list[tuple[bytes, str, bytes, CipherSuite, Opener]] = []
    for random in randoms:
        secrets = keylog.secrets(random)
        for label in labels:
            secret = secrets.get(label)
            if secret is None:
                continue
            for cs in all_suites().values():
                if not cs.tls13 or DIGEST_SIZES[cs.hash_algorithm()] != len(secret):
                    continue
                if suite_code is not None and cs.code != suite_code:
                    continue
                out.append((random, label, secret, cs, opener(cs, traffic_keys(cs, secret))))
    return out


def midstream_search(
    record: Record,
    candidates: list[tuple[bytes, str, bytes, CipherSuite, Opener]],
) -> MidstreamKey | int:
    """Open ``record`` with each candidate and sequence numbers from 0 up, within
    :data:`MAX_MIDSTREAM_GUESSES`; the keys that verify, or the number of tries."""
    tried = 0
    seq = 0
    while candidates and tried < MAX_MIDSTREAM_GUESSES:
        for random, label, secret, cs, op in candidates:
            if tried >= MAX_MIDSTREAM_GUESSES:
                break
            tried += 1
            if op.open(record, seq).ok:
                return MidstreamKey(
                    client_random=random,
                    label=label,
                    secret=secret,
                    suite=cs,
                    opener=op,
                    sequence_number=seq,
                    tried=tried,
                )
        seq += 1
    return tried
