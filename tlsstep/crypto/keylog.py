"""The NSS key log format: ``<label> <client_random hex> <secret hex>`` per line.

OpenSSL writes it through ``SSLContext.keylog_filename``; a pcapng Decryption
Secrets Block or a user's file carries the same text. One parser serves all of
them, and it is incremental: :meth:`KeyLog.feed` takes whatever text arrived
(a partial last line waits for its newline), so a growing file can be read after
every step. A malformed line is a :class:`KeyLogProblem` (line number, text,
reason) and is skipped; nothing here raises on bad input.

Labels: CLIENT_RANDOM (TLS 1.2 master secret), and the TLS 1.3 secrets of
RFC 8446 §7.1 as NSS names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from tlsstep.frozen import frozen
from tlsstep.lazy import pattern

CLIENT_RANDOM: Final = "CLIENT_RANDOM"
CLIENT_EARLY_TRAFFIC_SECRET: Final = "CLIENT_EARLY_TRAFFIC_SECRET"
CLIENT_HANDSHAKE_TRAFFIC_SECRET: Final = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
SERVER_HANDSHAKE_TRAFFIC_SECRET: Final = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
EXPORTER_SECRET: Final = "EXPORTER_SECRET"
EARLY_EXPORTER_SECRET: Final = "EARLY_EXPORTER_SECRET"
# CLIENT_TRAFFIC_SECRET_<N> / SERVER_TRAFFIC_SECRET_<N>: application_traffic_secret_N.
_TRAFFIC = pattern(r"(CLIENT|SERVER)_TRAFFIC_SECRET_(\d+)")

LABELS: Final = frozenset(
    {
        CLIENT_RANDOM,
        CLIENT_EARLY_TRAFFIC_SECRET,
        CLIENT_HANDSHAKE_TRAFFIC_SECRET,
        SERVER_HANDSHAKE_TRAFFIC_SECRET,
        EXPORTER_SECRET,
        EARLY_EXPORTER_SECRET,
    }
)
CLIENT_RANDOM_LENGTH: Final = 32
MASTER_SECRET_LENGTH: Final = 48  # RFC 5246 §8.1
TLS13_SECRET_LENGTHS: Final = (32, 48)  # SHA-256 and SHA-384 suites


def traffic_secret_label(client: bool, generation: int) -> str:
    """``CLIENT_TRAFFIC_SECRET_0`` and friends."""
    return f"{'CLIENT' if client else 'SERVER'}_TRAFFIC_SECRET_{generation}"


@frozen
class KeyLogEntry:
    line: int
    label: str
    client_random: bytes
    secret: bytes

    def nss_line(self) -> str:
        return f"{self.label} {self.client_random.hex()} {self.secret.hex()}"


@frozen
class KeyLogProblem:
    """A line that was skipped, and why."""

    line: int
    text: str
    reason: str


def _hex(value: str) -> bytes | None:
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def parse_line(text: str, line: int) -> KeyLogEntry | KeyLogProblem | None:
    """One key log line: an entry, a problem, or None for blank lines and ``#`` comments."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    parts = stripped.split()
    if len(parts) != 3:
        return KeyLogProblem(
            line=line,
            text=text,
            reason=f"expected 3 fields (label, client random, secret), got {len(parts)}",
        )
    label, random_hex, secret_hex = parts
    if label not in LABELS and not _TRAFFIC.fullmatch(label):
        return KeyLogProblem(line=line, text=text, reason=f"unknown label {label!r}")
    client_random = _hex(random_hex)
    if client_random is None or len(client_random) != CLIENT_RANDOM_LENGTH:
        return KeyLogProblem(line=line, text=text, reason="client random is not 32 bytes of hex")
    secret = _hex(secret_hex)
    if secret is None:
        return KeyLogProblem(line=line, text=text, reason="secret is not hex")
    if label == CLIENT_RANDOM and len(secret) != MASTER_SECRET_LENGTH:
        return KeyLogProblem(
            line=line, text=text, reason=f"master secret is {len(secret)} bytes, not 48"
        )
    if label != CLIENT_RANDOM and len(secret) not in TLS13_SECRET_LENGTHS:
        return KeyLogProblem(
            line=line, text=text, reason=f"secret is {len(secret)} bytes, not 32 or 48"
        )
    return KeyLogEntry(line=line, label=label, client_random=client_random, secret=secret)


class KeyLog:
    """Secrets indexed by client random, fed incrementally."""

    # A plain class: a dataclass wrote and compiled __init__, __repr__ and __eq__, which
    # nothing uses, at every start-up that decrypts (2 M instructions; issue 13).
    __slots__ = ("_by_random", "_lines", "_partial", "entries", "problems")

    def __init__(self) -> None:
        self.entries: list[KeyLogEntry] = []
        self.problems: list[KeyLogProblem] = []
        self._by_random: dict[bytes, dict[str, bytes]] = {}
        self._partial = ""  # after the last newline fed: a line still arriving
        self._lines = 0

    @classmethod
    def from_text(cls, text: str) -> KeyLog:
        """Parse a whole key log (a file's contents, a pcapng Decryption Secrets Block)."""
        log = cls()
        log.feed(text, final=True)
        return log

    def feed(self, text: str, *, final: bool = False) -> list[KeyLogEntry | KeyLogProblem]:
        """Add text that arrived; return what its complete lines gave.

        Args:
            text: the next characters of the log, any chunking.
            final: the text ends the log, so a last line without newline counts.
        """
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()  # after the last newline: "" or a partial line
        if final and self._partial:
            lines.append(self._partial)
            self._partial = ""
        out: list[KeyLogEntry | KeyLogProblem] = []
        for raw in lines:
            self._lines += 1
            parsed = parse_line(raw.rstrip("\r"), self._lines)
            if parsed is None:
                continue
            out.append(parsed)
            if isinstance(parsed, KeyLogProblem):
                self.problems.append(parsed)
            else:
                self.entries.append(parsed)
                # OpenSSL logs each secret once per side; both sides share one file here.
                self._by_random.setdefault(parsed.client_random, {})[parsed.label] = parsed.secret
        return out

    def secrets(self, client_random: bytes) -> dict[str, bytes]:
        """Every secret logged for the connection with ``client_random``, by label."""
        return dict(self._by_random.get(client_random, {}))

    def secret(self, client_random: bytes, label: str) -> bytes | None:
        return self._by_random.get(client_random, {}).get(label)

    def nss_text(self, entries: Iterable[KeyLogEntry] | None = None) -> str:
        """The entries as NSS key log text, each (label, client random) once."""
        seen: set[tuple[str, bytes]] = set()
        lines = []
        for entry in self.entries if entries is None else entries:
            key = (entry.label, entry.client_random)
            if key not in seen:
                seen.add(key)
                lines.append(entry.nss_line() + "\n")
        return "".join(lines)
