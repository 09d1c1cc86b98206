"""The crypto layer's hooks: a key log for the session, an unprotector per connection.

:class:`KeyLogCrypto` is what ``Session(config, crypto=...)`` takes: it makes the
key log file OpenSSL writes to (``keylog_path``: a :class:`SecretFile`, 0600 and
without a name on disk, so it dies with the process however the process dies),
reads the lines added since the last look whenever a secret is wanted, and
closes it on :meth:`KeyLogCrypto.close` (or when garbage collected or at exit).

:class:`ConnectionUnprotector` follows one connection's handshake as the
transcript sees it, and switches keys where the RFCs say:

- TLS 1.3 (RFC 8446 §7.3, §4.6.3): both directions take handshake keys after
  ServerHello; each direction takes application keys after its sender's
  Finished, and the next generation after its sender's KeyUpdate.
- TLS 1.2 (RFC 5246 §7.1): a direction takes the key block's keys after its
  sender's ChangeCipherSpec.

Sequence numbers count per direction and restart at 0 with each new key
(RFC 8446 §5.3, RFC 5246 §6.1). The few hello fields decryption needs (randoms,
cipher suite, version, encrypt_then_mac) are read from the messages the wire decoder
decoded (:mod:`tlsstep.wire.hello`); nothing here parses handshake bytes.
"""

from __future__ import annotations

import hmac
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Final

from tlsstep.crypto import keylog as kl
from tlsstep.crypto.finished import (
    FinishedCheck,
    hash_messages,
    transcript_hash,
    verify_data_12,
    verify_data_13,
)
from tlsstep.crypto.keylog import KeyLog
from tlsstep.crypto.records import Opened, Opener, Tls12AeadOpener, Tls13Opener, opener
from tlsstep.crypto.resync import (
    MAX_GUESSES_PER_DIRECTION,
    MAX_GUESSES_PER_GAP,
    MAX_MIDSTREAM_GUESSES,
    GapSearch,
    midstream_candidates,
    midstream_search,
    smallest_record,
    spiral,
)
from tlsstep.crypto.schedule import (
    TrafficKeys,
    finished_key,
    key_block,
    next_traffic_secret,
    traffic_keys,
)
from tlsstep.crypto.suites import CipherSuite, suite
from tlsstep.decode import MessageView, RunRecord, Unprotected
from tlsstep.events import Side
from tlsstep.secrets_dir import SecretFile, write_secret
from tlsstep.wire.enums import HandshakeType, ProtocolVersion
from tlsstep.wire.handshake import HandshakeMessage
from tlsstep.wire.hello import ServerHelloFacts, client_hello_random, server_hello_facts
from tlsstep.wire.messages import DecodedMessage
from tlsstep.wire.names import cipher_suite_name
from tlsstep.wire.records import Record

# The reason given for every protected record when no key log was given at all; the
# front end says once how to give one instead of repeating it (issue 16, item 3).
NO_KEYLOG: Final = "no key log"


class _Epoch:
    """One direction's keys from one point on (name, where the secret comes from).

    Private mutable state, so a plain slotted class: dataclass definitions cost
    import time that ``tlsstep handshake`` pays on every run.
    """

    __slots__ = ("keys", "label", "name", "opener", "parent", "secret", "seq")

    def __init__(self, name: str, label: str | None = None, parent: _Epoch | None = None) -> None:
        self.name = name
        self.label = label  # TLS 1.3: the key log label of its traffic secret
        self.parent = parent  # TLS 1.3 KeyUpdate: derive from this one's secret
        self.secret: bytes | None = None
        self.opener: Opener | None = None
        self.keys: TrafficKeys | None = None  # what the opener holds, for views
        self.seq = 0


class _Run:
    """One epoch's opener, for :meth:`tlsstep.decode.Decoder.feed_runs`: it counts the
    epoch's sequence numbers as :meth:`ConnectionUnprotector.unprotect` does."""

    __slots__ = ("_epoch", "_opener", "epoch")

    def __init__(self, epoch: _Epoch, opener: Tls13Opener | Tls12AeadOpener) -> None:
        self.epoch = epoch.name
        self._epoch = epoch
        self._opener = opener

    def open_run(
        self, data: memoryview, pos: int, base: int, version: int, out: list[RunRecord]
    ) -> int:
        pos, self._epoch.seq = self._opener.open_run(data, pos, self._epoch.seq, base, version, out)
        return pos


class _Direction:
    __slots__ = ("change_cipher_specs", "desynced", "epoch", "generation", "guesses", "search")

    def __init__(self) -> None:
        self.epoch: _Epoch | None = None
        self.generation = 0  # TLS 1.3 application_traffic_secret_N
        self.change_cipher_specs = 0  # TLS 1.2 epochs
        self.search: GapSearch | None = None  # after a capture gap: the sequence number
        self.desynced: str | None = None  # why the search gave up (until new keys)
        self.guesses = 0  # sequence numbers tried after gaps, all told


class _State:
    __slots__ = (
        "client_random",
        "finished",
        "gap",
        "hello",
        "hello_retry",
        "messages",
        "midstream_random",
        "midstream_suite",
        "midstream_swapped",
        "post_handshake",
    )

    def __init__(self) -> None:
        self.client_random: bytes | None = None
        self.hello: ServerHelloFacts | None = None
        self.hello_retry = False
        self.messages: list[bytes] = []  # the handshake transcript
        self.finished: set[Side] = set()
        self.post_handshake: list[bytes] | None = None  # RFC 8446 §4.6.2 authentication
        self.gap: str | None = None  # why the transcript is incomplete (a record not opened)
        # A capture that starts mid-connection: the key log line and suite that matched.
        self.midstream_random: bytes | None = None
        self.midstream_suite: int | None = None
        self.midstream_swapped = False  # the client's secret opened the "server" side


def _handshake_label(client: bool) -> str:
    return kl.CLIENT_HANDSHAKE_TRAFFIC_SECRET if client else kl.SERVER_HANDSHAKE_TRAFFIC_SECRET


class ConnectionUnprotector:
    """Implements :class:`tlsstep.decode.Unprotector` for one connection.

    Args:
        keylog: where secrets are looked up by client random.
        refresh: called before giving up on a missing secret (reads new key log lines).
    """

    def __init__(self, keylog: KeyLog, refresh: Callable[[], None] | None = None) -> None:
        self.keylog = keylog
        self._refresh = refresh
        self._dirs = {side: _Direction() for side in Side}
        self._s = _State()
        # TLS 1.3 without secrets: which side has sent protected records, and whether the
        # server sent one after the client's (see _infer_epoch).
        self._protected_from: set[Side] = set()
        self._server_answered = False
        self._no_start = False  # the capture lacks the connection's start (starts_midstream)
        self.finished_checks: list[FinishedCheck] = []  # each recomputation, for views

    # -- what was learnt ----------------------------------------------------

    @property
    def client_random(self) -> bytes | None:
        return self._s.client_random

    @property
    def suite(self) -> CipherSuite | None:
        return suite(self._s.hello.cipher_suite) if self._s.hello else None

    @property
    def version(self) -> ProtocolVersion | int | None:
        return self._s.hello.version if self._s.hello else None

    @property
    def encrypt_then_mac(self) -> bool | None:
        """Whether the ServerHello agreed to encrypt_then_mac (RFC 7366); None before it."""
        return self._s.hello.encrypt_then_mac if self._s.hello else None

    @property
    def handshake_done(self) -> bool:
        return len(self._s.finished) == 2

    def epoch(self, side: Side) -> str | None:
        """The name of the keys ``side``'s next record will be opened with."""
        epoch = self._dirs[side].epoch
        return epoch.name if epoch else None

    # -- secrets ---------------------------------------------------------------

    def _secret(self, label: str) -> bytes | None:
        if self._s.client_random is None:
            return None
        found = self.keylog.secret(self._s.client_random, label)
        if found is None and self._refresh is not None:
            self._refresh()
            found = self.keylog.secret(self._s.client_random, label)
        return found

    def _epoch_secret(self, epoch: _Epoch, cs: CipherSuite) -> bytes | None:
        if epoch.secret is None and epoch.label is not None:
            epoch.secret = self._secret(epoch.label)
        if epoch.secret is None and epoch.parent is not None:
            # OpenSSL logs only *_TRAFFIC_SECRET_0; later generations follow from it.
            parent = self._epoch_secret(epoch.parent, cs)
            if parent is not None:
                epoch.secret = next_traffic_secret(cs, parent)
        return epoch.secret

    def _opener(self, sender: Side, epoch: _Epoch) -> Opener | str:
        """The epoch's opener, made on first use; or why there is none."""
        if epoch.opener is not None:
            return epoch.opener
        hello = self._s.hello
        cs = self.suite
        if hello is None:
            return "no keys: no ServerHello seen, so no cipher suite"
        if cs is None:
            return f"{cipher_suite_name(hello.cipher_suite)}: tlsstep does not decrypt this suite"
        if cs.tls13:
            secret = self._epoch_secret(epoch, cs)
            if secret is None:
                return self._missing(epoch.label or "traffic secret")
            epoch.keys = traffic_keys(cs, secret)
            epoch.opener = opener(cs, epoch.keys)
            return epoch.opener
        if hello.version != ProtocolVersion.tls12:
            return "no decryption for TLS 1.0/1.1 records (their PRF and CBC IVs differ)"
        master = self._secret(kl.CLIENT_RANDOM)
        if master is None:
            return self._missing("CLIENT_RANDOM line")
        assert self._s.client_random is not None
        block = key_block(cs, master, self._s.client_random, hello.random)
        keys = block.client if sender is Side.client else block.server
        epoch.label = kl.CLIENT_RANDOM  # the master secret the key block comes from
        epoch.keys = keys
        epoch.opener = opener(cs, keys, encrypt_then_mac=hello.encrypt_then_mac)
        return epoch.opener

    def _missing(self, what: str) -> str:
        """Why a secret is missing: no key log at all, none for this connection, or a gap."""
        if not self.keylog.entries:
            return NO_KEYLOG
        if self._s.client_random is None or not self.keylog.secrets(self._s.client_random):
            return "no secret: the key log has no line for this connection's client random"
        return (
            f"no secret: the key log has no {what} for this connection "
            "(OpenSSL does not log TLS 1.3 secrets of a failed handshake)"
        )

    # -- the Unprotector protocol -------------------------------------------

    def _infer_epoch(self, sender: Side) -> None:
        """TLS 1.3 without secrets: move ``sender`` to its application keys where the
        order of the records shows its handshake flight is over (RFC 8446 §2).

        The server's encrypted flight ends with its Finished, before the client's
        flight; the client's ends with its Finished, before the server's next records
        (its tickets, its data). So a server record after the client's first protected
        one, and a client record after that, use application keys. Decrypted runs never
        get here: their Finished messages switch the keys.
        """
        d = self._dirs[sender]
        if d.epoch is None or d.epoch.name != "handshake" or self.version != ProtocolVersion.tls13:
            return
        over = sender.peer in self._protected_from
        if sender is Side.client:
            over = self._server_answered
        if over and d.epoch.label is not None and self._secret(d.epoch.label) is None:
            self._next_application_epoch(sender)

    def _seen_protected(self, sender: Side) -> None:
        if sender is Side.server and Side.client in self._protected_from:
            self._server_answered = True
        self._protected_from.add(sender)

    def starts_midstream(self) -> None:
        self._no_start = True

    def steady(self, sender: Side) -> _Run | None:
        """A run opener for ``sender`` (tlsstep.decode.Unprotector.steady): its epoch has
        opened a record already (so its keys are made), is not the TLS 1.3 handshake
        epoch (whose records carry messages), uses an AEAD suite, and no capture gap is
        being searched across. What :meth:`unprotect` notes of each record is noted once."""
        d = self._dirs[sender]
        epoch = d.epoch
        if (
            epoch is None
            or epoch.name == "handshake"
            or d.search is not None
            or d.desynced is not None
            or not isinstance(epoch.opener, Tls13Opener | Tls12AeadOpener)
        ):
            return None
        self._seen_protected(sender)  # _infer_epoch does nothing outside "handshake"
        return _Run(epoch, epoch.opener)

    def unprotect(self, sender: Side, record: Record) -> Unprotected:
        self._infer_epoch(sender)
        self._seen_protected(sender)
        d = self._dirs[sender]
        epoch = d.epoch
        if epoch is not None and (d.search is not None or d.desynced is not None):
            return self._search(sender, d, epoch, record)
        if (
            epoch is None
            and self._no_start
            and (
                self._s.midstream_random is not None
                or (self._s.hello is None and self._s.client_random is None)
            )
        ):
            return self._midstream(sender, d, record)
        if epoch is None:
            reason = "no keys yet: no ServerHello or ChangeCipherSpec from this side seen"
            if self._s.hello is None and self._s.client_random is None:
                # The connection's start is here (a live run, a capture with its SYN):
                # nothing before this record set keys, so there are none to search for.
                reason = "no keys: no hello came before it on this connection"
            elif sender is Side.client and self._s.hello is None:
                reason = "0-RTT early data: tlsstep does not decrypt it"
            self._note_gap(reason)
            return Unprotected(ok=False, reason=reason)
        seq = epoch.seq
        epoch.seq += 1  # the sender used this number whether or not the record opens
        found = self._opener(sender, epoch)
        if isinstance(found, str):
            self._note_gap(found)
            return Unprotected(
                ok=False, epoch=epoch.name, reason=found, seq=seq, secret_label=epoch.label
            )
        opened = found.open(record, seq)
        if not opened.ok:
            reason = f"{opened.reason} (sequence number {seq})"
            self._note_gap(reason)
            return Unprotected(
                ok=False,
                epoch=epoch.name,
                reason=reason,
                seq=seq,
                secret_label=epoch.label,
                keys=epoch.keys,
            )
        return Unprotected(
            ok=True,
            epoch=epoch.name,
            content_type=opened.content_type,
            plaintext=opened.plaintext,
            seq=seq,
            secret_label=epoch.label,
            keys=epoch.keys,
        )

    # -- after a capture gap (issue 18; crypto/resync.py) ------------------------

    def lost(self, sender: Side, region: int, likely: int, exact: int | None = None) -> None:
        """Records of ``sender`` were lost in ``region`` bytes of the capture: the next
        record's sequence number is searched for (``likely`` records lost, a guess)."""
        self._note_gap("bytes of the handshake are missing from the capture")
        d = self._dirs[sender]
        cs = self.suite
        if d.epoch is None or cs is None:
            return
        hello = self._s.hello
        hi = region // smallest_record(cs, encrypt_then_mac=bool(hello and hello.encrypt_then_mac))
        if d.guesses >= MAX_GUESSES_PER_DIRECTION:
            d.search = None
            d.desynced = (
                f"sequence number lost in a capture gap: this direction's {d.guesses} "
                f"guesses after earlier gaps are all it may try"
            )
            return
        if d.search is not None:
            d.search.widen(hi, likely)
        else:
            d.search = GapSearch(hi=hi, likely=likely)
            if exact:  # framing counted the records in the gap: only that many were lost
                d.search.lo = d.search.hi = d.search.likely = exact
            d.search.budget = min(d.search.budget, MAX_GUESSES_PER_DIRECTION - d.guesses)
        d.desynced = None

    def _midstream(self, sender: Side, d: _Direction, record: Record) -> Unprotected:
        """No ClientHello or ServerHello seen (a capture that starts mid-connection):
        find the key log line whose TLS 1.3 traffic secret opens this record, the
        application one or (a capture that starts inside the handshake) the handshake
        one."""
        if d.desynced is not None:
            return Unprotected(ok=False, reason=d.desynced)
        client = sender is Side.client
        if self._s.midstream_swapped:
            client = not client
        own = (kl.traffic_secret_label(client, 0), _handshake_label(client))
        other = (kl.traffic_secret_label(not client, 0), _handshake_label(not client))
        known = self._s.midstream_random
        candidates = midstream_candidates(
            self.keylog,
            own if known else own + other,  # which side is which may be guessed wrong
            known,
            self._s.midstream_suite,
        )
        found = midstream_search(record, candidates)
        if isinstance(found, int):
            d.desynced = (
                "the capture starts mid-connection and no key log line opens its records: "
                + (
                    f"{found} guesses (TLS 1.3 traffic secrets, sequence numbers from 0; "
                    f"at most {MAX_MIDSTREAM_GUESSES})"
                    if candidates
                    else "the key log has no TLS 1.3 traffic secret (TLS 1.2 keys need the "
                    "hellos' randoms)"
                )
            )
            return Unprotected(ok=False, reason=d.desynced)
        s = self._s
        if known is None:
            s.midstream_random, s.midstream_suite = found.client_random, found.suite.code
            s.midstream_swapped = found.label in other
            s.client_random = found.client_random  # later secrets are looked up by it
            # What decryption needs of the ServerHello that was not captured.
            s.hello = ServerHelloFacts(
                random=b"",
                cipher_suite=found.suite.code,
                version=ProtocolVersion.tls13,
                extensions=(),
            )
        self._note_gap("the capture starts mid-connection: the handshake is not all there")
        handshake = found.label.endswith("_HANDSHAKE_TRAFFIC_SECRET")
        if not handshake:
            s.finished.add(sender)  # its keys are the application ones: past its Finished
        epoch = _Epoch(name="handshake" if handshake else "application", label=found.label)
        epoch.secret, epoch.opener = found.secret, found.opener
        epoch.keys = traffic_keys(found.suite, found.secret)
        epoch.seq = found.sequence_number + 1
        d.epoch = epoch
        opened = found.opener.open(record, found.sequence_number)
        return Unprotected(
            ok=True,
            epoch=epoch.name,
            content_type=opened.content_type,
            plaintext=opened.plaintext,
            sequence_number=found.sequence_number,
            records_lost=found.sequence_number,
            seq=found.sequence_number,
            secret_label=epoch.label,
            keys=epoch.keys,
            note=f"no handshake in the capture: opened with the key log's {found.label} "
            f"for client random {found.client_random.hex()[:16]}... and "
            f"{found.suite.name}, sequence number {found.sequence_number} "
            f"({found.tried} guesses)",
        )

    def _following_epoch(self, sender: Side, current: _Epoch) -> _Epoch | None:
        """TLS 1.3: the keys ``sender`` switches to next, which a gap may have hidden
        (its Finished or a KeyUpdate lost)."""
        if self.version != ProtocolVersion.tls13 or not (
            current.name == "handshake" or current.name.startswith("application")
        ):
            return None
        d = self._dirs[sender]
        generation = 0 if current.name == "handshake" else d.generation + 1
        return _Epoch(
            name="application" if generation == 0 else f"application {generation}",
            label=kl.traffic_secret_label(sender is Side.client, generation),
            parent=None if generation == 0 else current,
        )

    def _search(self, sender: Side, d: _Direction, epoch: _Epoch, record: Record) -> Unprotected:
        search = d.search
        if search is None:
            return Unprotected(ok=False, epoch=epoch.name, reason=d.desynced)
        tried = 0
        found = self._opener(sender, epoch)
        if isinstance(found, str):
            d.search = None
            return Unprotected(ok=False, epoch=epoch.name, reason=found)
        for lost in spiral(search.likely, search.lo, search.hi):
            if tried >= search.budget:
                break
            tried += 1
            opened = found.open(record, epoch.seq + lost)
            if opened.ok:
                d.guesses += tried
                return self._found(d, epoch, epoch.seq + lost, lost, opened)
        following = self._following_epoch(sender, epoch)
        if following is not None and tried < search.budget:
            new = self._opener(sender, following)
            if not isinstance(new, str):
                for seq in range(search.hi):
                    if tried >= search.budget:
                        break
                    tried += 1
                    opened = new.open(record, seq)
                    if opened.ok:
                        d.guesses += tried
                        d.epoch = following
                        if following.name != "application":
                            d.generation += 1
                        elif sender not in self._s.finished:
                            self._s.finished.add(sender)  # its Finished was in the gap
                        return self._found(d, following, seq, None, opened)
        search.budget -= tried
        d.guesses += tried
        low, high = epoch.seq + search.lo, epoch.seq + search.hi
        search.skip()
        if search.budget <= 0:
            d.search = None
            d.desynced = (
                f"sequence number lost in a capture gap: no guess verified within "
                f"{MAX_GUESSES_PER_GAP} (RFC 8446 §5.3, RFC 5246 §6.1)"
            )
            return Unprotected(ok=False, epoch=epoch.name, reason=d.desynced)
        return Unprotected(
            ok=False,
            epoch=epoch.name,
            reason=f"after a capture gap: no sequence number from {low} to {high} opens it",
        )

    def _found(
        self, d: _Direction, epoch: _Epoch, seq: int, lost: int | None, opened: Opened
    ) -> Unprotected:
        epoch.seq = seq + 1
        d.search = None
        return Unprotected(
            ok=True,
            epoch=epoch.name,
            content_type=opened.content_type,
            plaintext=opened.plaintext,
            records_lost=lost,
            sequence_number=seq,
            seq=seq,
            secret_label=epoch.label,
            keys=epoch.keys,
        )

    def _note_gap(self, reason: str) -> None:
        if not self.handshake_done and self._s.gap is None:
            self._s.gap = reason

    def change_cipher_spec(self, sender: Side) -> None:
        if self.version is None or self.version >= ProtocolVersion.tls13:
            return  # RFC 8446 §5: a TLS 1.3 ChangeCipherSpec changes nothing
        d = self._dirs[sender]
        d.change_cipher_specs += 1
        d.epoch = _Epoch(name=f"epoch {d.change_cipher_specs}")
        d.search = d.desynced = None

    def observe(self, sender: Side, view: MessageView) -> None:
        s = self._s
        message = view.message
        kind = message.msg_type
        if kind == HandshakeType.client_hello and s.client_random is None:
            # Only its random: the rest of a ClientHello is decoded only for a view.
            s.client_random = client_hello_random(message)
        elif kind == HandshakeType.server_hello and (s.hello is None or s.hello_retry):
            decoded = view.decoded
            if decoded is not None:
                self._server_hello(decoded)
        if self.version == ProtocolVersion.tls13:
            self._observe_13(sender, message)
        elif not self.handshake_done:
            s.messages.append(message.raw)
            if kind == HandshakeType.finished:
                s.finished.add(sender)

    def _server_hello(self, decoded: DecodedMessage) -> None:
        fields = server_hello_facts(decoded)
        if fields is None:
            return
        self._s.hello = fields
        self._s.hello_retry = fields.hello_retry
        if fields.version == ProtocolVersion.tls13 and not self._s.hello_retry:
            self._dirs[Side.client].epoch = _Epoch(
                name="handshake", label=kl.CLIENT_HANDSHAKE_TRAFFIC_SECRET
            )
            self._dirs[Side.server].epoch = _Epoch(
                name="handshake", label=kl.SERVER_HANDSHAKE_TRAFFIC_SECRET
            )

    def _observe_13(self, sender: Side, message: HandshakeMessage) -> None:
        s = self._s
        kind = message.msg_type
        if not self.handshake_done:
            s.messages.append(message.raw)
            if kind == HandshakeType.finished:
                s.finished.add(sender)
                self._next_application_epoch(sender)
            return
        # After the handshake (RFC 8446 §4.6): only these change keys or transcripts.
        if kind == HandshakeType.key_update:
            self._next_application_epoch(sender)
        elif kind == HandshakeType.certificate_request and sender is Side.server:
            s.post_handshake = [message.raw]
        elif s.post_handshake is not None and sender is Side.client:
            if kind == HandshakeType.finished:
                s.post_handshake = None
            else:
                s.post_handshake.append(message.raw)

    def _next_application_epoch(self, sender: Side) -> None:
        d = self._dirs[sender]
        previous = d.epoch if d.epoch and d.epoch.name.startswith("application") else None
        if previous is not None:
            d.generation += 1
        name = "application" if d.generation == 0 else f"application {d.generation}"
        d.search = d.desynced = None
        d.epoch = _Epoch(
            name=name,
            label=kl.traffic_secret_label(sender is Side.client, d.generation),
            parent=previous,
        )

    def check_finished(self, sender: Side, message: HandshakeMessage) -> bool | None:
        s = self._s
        cs = self.suite
        if cs is None or s.gap is not None or s.hello is None:
            return None
        key: bytes | None = None
        if cs.tls13:
            if not self.handshake_done:
                label = (
                    kl.CLIENT_HANDSHAKE_TRAFFIC_SECRET
                    if sender is Side.client
                    else kl.SERVER_HANDSHAKE_TRAFFIC_SECRET
                )
                base = self._secret(label)
                messages = s.messages
            elif sender is Side.client and s.post_handshake is not None:
                # RFC 8446 §4.4: post-handshake Finished keys off the current
                # client application traffic secret, over handshake + CR + Cert + CV.
                epoch = self._dirs[Side.client].epoch
                base = self._epoch_secret(epoch, cs) if epoch else None
                label = (epoch.label if epoch else None) or "client application traffic secret"
                messages = s.messages + s.post_handshake
            else:
                return None
            if base is None:
                return None
            digest = transcript_hash(cs.hash_algorithm(), messages)
            expected = verify_data_13(cs, base, digest)
            key = finished_key(cs, base)
        else:
            master = self._secret(kl.CLIENT_RANDOM)
            if master is None or self.handshake_done:
                return None
            base, label, messages = master, kl.CLIENT_RANDOM, s.messages
            expected = verify_data_12(cs, master, client=sender is Side.client, messages=messages)
            digest = hash_messages(cs.hash_algorithm(), messages)
        match = hmac.compare_digest(expected, message.body)
        self.finished_checks.append(
            FinishedCheck(
                sender=str(sender),
                secret_label=label,
                secret=base,
                finished_key=key,
                transcript_hash=digest,
                messages=len(messages),
                expected=expected,
                received=message.body,
                match=match,
            )
        )
        return match


class KeyLogCrypto:
    """Implements :class:`tlsstep.session.CryptoHooks`: the key log file and its readers.

    Args:
        export: also write the NSS key log here (mode 0600), for Wireshark and
            other tools; created at once, rewritten as secrets arrive and on close.
        keylog: secrets known beforehand (a user's file, a pcapng block); the
            session's own lines are added to it.

    Raises:
        OSError: ``export`` cannot be written.
    """

    def __init__(
        self, *, export: str | os.PathLike[str] | None = None, keylog: KeyLog | None = None
    ) -> None:
        self.keylog = keylog if keylog is not None else KeyLog()
        self._file = SecretFile("keylog")
        self.keylog_path: str | None = self._file.path
        self.export = Path(export) if export is not None else None
        self._offset = 0
        self._exported = 0
        self._finalizer = weakref.finalize(self, self._file.close)
        self.unprotectors: dict[int, ConnectionUnprotector] = {}
        self.export_error: OSError | None = None
        if self.export is not None:
            try:
                self._write_export(force=True)  # fail now, not after the run
            except OSError:
                self.close()
                raise

    def unprotector(self, connection: int) -> ConnectionUnprotector:
        found = ConnectionUnprotector(self.keylog, self.refresh)
        self.unprotectors[connection] = found
        return found

    def refresh(self) -> None:
        """Read the lines OpenSSL added to the key log since the last look."""
        if self.keylog_path is None:
            return
        data = self._file.read(self._offset)
        self._offset += len(data)
        self.keylog.feed(data.decode("ascii", "replace"))
        self._write_export()

    def _write_export(self, *, force: bool = False) -> None:
        """Rewrite ``export``. The first write (``force``) raises; a later failure (a full
        disk, ``/dev/full``) is kept in :attr:`export_error` for the command to report,
        since it happens in the middle of a run, inside OpenSSL's callbacks' reach."""
        if self.export is None or (len(self.keylog.entries) == self._exported and not force):
            return
        try:
            write_secret(self.export, self.keylog.nss_text())  # 0600: the secrets dir's job
        except OSError as exc:
            if force:
                raise
            self.export_error = exc
            return
        self._exported = len(self.keylog.entries)

    def keylog_bytes(self) -> bytes:
        """The key log as OpenSSL wrote it so far (b"" once closed)."""
        return self._file.read()

    def close(self) -> None:
        """Export what is left and delete the key log file."""
        if self.keylog_path is None:
            return
        self.refresh()
        self.keylog_path = None
        self._finalizer()

    def __enter__(self) -> KeyLogCrypto:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
