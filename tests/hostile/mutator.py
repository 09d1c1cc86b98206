"""A seeded mutator for the decoder and the capture reader (issue 17, "done when").

Seeds are real runs: a TLS 1.3 and a TLS 1.2 handshake with application data, each
as the two byte streams that crossed and as a pcapng file with its key log. Each
case takes one seed and applies a few mutations - bit flips, "interesting" bytes
(0x00, 0x7f, 0x80, 0xff) and lengths (0, 1, 0x4000, 0xffff) written over length
fields, insertions, deletions, duplications, truncation - then feeds the result to
a target. A target must return (any value) or raise nothing: every exception is a
finding. The same seed number gives the same cases, so a finding can be replayed.

Used by tests/hostile/test_fuzz.py (a bounded run in CI) and bench/fuzz_decode.py
(a timed run that reports inputs/s, exceptions and the slowest input).
"""

from __future__ import annotations

import io
import random
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from tlsstep.config import PairConfig, SideConfig
from tlsstep.crypto.keylog import KeyLog
from tlsstep.crypto.unprotector import ConnectionUnprotector, KeyLogCrypto
from tlsstep.decode import Decoder
from tlsstep.events import Side
from tlsstep.pcap.capture import decode_capture
from tlsstep.pcap.writer import session_deliveries, session_keylog, write_session_pcapng
from tlsstep.session import Session
from tlsstep.steps import parse_line

INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x16, 0x17, 0x03)
INTERESTING_LENGTHS = (0, 1, 0x3FFF, 0x4000, 0x4001, 0xFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Seed:
    """One real run: what each side sent, its key log, and the run as pcapng."""

    name: str
    client: bytes
    server: bytes
    keylog: bytes
    pcapng: bytes


def _run(name: str, version: str) -> Seed:
    side = SideConfig(min_version=version, max_version=version)
    crypto = KeyLogCrypto()
    try:
        session = Session(PairConfig(client=side, server=side), crypto=crypto)
        for line in ("handshake", "write client 'GET / HTTP/1.1'", "deliver client",
                     "read server", "write server 'HTTP/1.1 200 OK'", "deliver server",
                     "read client", "unwrap client", "deliver client"):  # fmt: skip
            session.run(parse_line(line))
        sent = {s: b"" for s in Side}
        for sender, data in session_deliveries(session, 1):
            sent[sender] += data
        keylog = session_keylog(session) or b""
        out = io.BytesIO()
        write_session_pcapng(out, session, keylog, start_time=1_700_000_000)
    finally:
        crypto.close()
    return Seed(
        name=name,
        client=sent[Side.client],
        server=sent[Side.server],
        keylog=keylog,
        pcapng=out.getvalue(),
    )


@cache
def seeds() -> tuple[Seed, ...]:
    return (_run("tls13", "1.3"), _run("tls12", "1.2"))


class Mutator:
    """Random damage to bytes, reproducible from ``seed``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def mutate(self, data: bytes) -> bytes:
        out = bytearray(data)
        for _ in range(self.rng.choice((1, 1, 2, 3, 5))):
            self._one(out)
        while out == data:  # an overwrite with the byte already there: mutate again
            self._one(out)
        return bytes(out)

    def _one(self, out: bytearray) -> None:
        rng = self.rng
        if not out:
            out.extend(rng.randbytes(rng.randint(1, 16)))
            return
        at = rng.randrange(len(out))
        kind = rng.randrange(8)
        if kind == 0:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            out[at] = rng.choice(INTERESTING_BYTES)
        elif kind == 2:  # a length field: two bytes, big-endian, as TLS writes them
            out[at : at + 2] = rng.choice(INTERESTING_LENGTHS).to_bytes(2, "big")
        elif kind == 3:
            out[at:at] = rng.randbytes(rng.randint(1, 32))
        elif kind == 4:
            del out[at : at + rng.randint(1, 64)]
        elif kind == 5:
            end = min(len(out), at + rng.randint(1, 256))
            out[at:at] = out[at:end]
        elif kind == 6:
            del out[at:]
        else:  # a pcapng block length or TCP field: four bytes, little-endian
            out[at : at + 4] = rng.choice((0, 12, 0xFFFF, 0x7FFFFFFF)).to_bytes(4, "little")


def decode_streams(seed: Seed, client: bytes, server: bytes) -> int:
    """The one decoder over both directions, with the run's secrets; records seen."""
    decoder = Decoder(ConnectionUnprotector(KeyLog.from_text(seed.keylog.decode("ascii"))))
    seen = 0
    # Interleave in chunks, as deliveries would arrive.
    for start in range(0, max(len(client), len(server)), 700):
        seen += len(decoder.feed(Side.client, client[start : start + 700]))
        seen += len(decoder.feed(Side.server, server[start : start + 700]))
    return seen


def read_capture_bytes(data: bytes) -> int:
    """The capture reader and decoder over a whole (damaged) pcapng; items seen."""
    from tlsstep.commands.decode import unprotector_factory

    return sum(
        1 for _ in decode_capture(io.BytesIO(data), unprotector_factory=unprotector_factory())
    )


@dataclass(slots=True)
class Report:
    """What a fuzz run found."""

    cases: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, bytes, str]] = field(default_factory=list)
    slowest: tuple[float, str, bytes] = (0.0, "", b"")

    def note(self, target: str, data: bytes, elapsed: float, error: str | None) -> None:
        self.cases += 1
        self.seconds += elapsed
        if error is not None:
            self.failures.append((target, data, error))
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, target, data)


TARGETS: dict[str, Callable[[Seed, Mutator], tuple[bytes, Callable[[], object]]]] = {
    "decoder": lambda s, m: (
        (c := m.mutate(s.client)) + (srv := m.mutate(s.server)),
        lambda: decode_streams(s, c, srv),
    ),
    "capture": lambda s, m: ((p := m.mutate(s.pcapng)), lambda: read_capture_bytes(p)),
}


def fuzz(
    *,
    seed: int,
    cases: int | None = None,
    seconds: float | None = None,
    targets: tuple[str, ...] = tuple(TARGETS),
) -> Report:
    """Run mutated inputs through ``targets`` until ``cases`` or ``seconds`` run out."""
    mutator = Mutator(seed)
    report = Report()
    start = time.perf_counter()
    base = seeds()
    n = 0
    while (cases is None or n < cases) and (
        seconds is None or time.perf_counter() - start < seconds
    ):
        target = targets[n % len(targets)]
        data, call = TARGETS[target](base[(n // len(targets)) % len(base)], mutator)
        began = time.perf_counter()
        try:
            call()
            error = None
        except Exception:  # every exception is a finding: report it, go on
            error = traceback.format_exc()
        report.note(target, data, time.perf_counter() - began, error)
        n += 1
    return report
