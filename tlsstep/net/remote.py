"""A real network peer behind the endpoint seam: the remote side of ``connect`` and ``serve``.

Theory of operation
-------------------
The session drives two endpoints (``tlsstep.endpoint``). Here one of them is a peer
across a TCP connection (:class:`~tlsstep.net.carrier.Carrier`), so it cannot be
called: its TLS stack runs elsewhere, on its own schedule. What it does instead:

* **receive** (its "call"): wait up to a timeout for bytes the peer sent. They become
  this side's ``produced`` bytes; the pair queues them, the decoder reads them, and a
  ``deliver`` hands them to the local SSLObject - exactly like bytes a local side wrote.
  Bytes that arrived before TLS started (after a STARTTLS preamble) come first.
* **accept** bytes: a ``deliver`` from the local side sends them on the socket.
* **accept EOF**: an ``eof`` from the local side half-closes the socket (our FIN).

Facts a remote endpoint can know only from the wire: none of its SSLObject's methods
are available, so :meth:`SocketEndpoint.facts` reports what the local peer negotiated
with it (version, cipher, ALPN) and says that everything else is remote.

Network failures are values: a broken connection makes the receive an ``error``
whose :class:`~tlsstep.events.SSLErrorInfo` carries the :class:`NetProblem`'s message,
and :attr:`SocketEndpoint.problem` keeps the problem itself for the command (exit 3).
Handshake bookkeeping: the peer's handshake counts as done once the local side's is
(the local side cannot finish without the peer's Finished).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tlsstep.endpoint import Call, RemoteEndpoint
from tlsstep.events import ErrorSource, Result, Side, SideFacts, SSLErrorInfo
from tlsstep.net.carrier import Carrier
from tlsstep.net.problems import NetProblem, NetProblemKind, not_tls
from tlsstep.net.sniff import looks_like_tls

TAIL: Final = 16  # bytes of what the peer sent last, shown when it stops short

REMOTE = "remote"


class SocketEndpoint(RemoteEndpoint):
    """The peer at the far end of ``carrier``."""

    def __init__(
        self,
        side: Side,
        carrier: Carrier,
        *,
        timeout: float,
        peer_done: Callable[[], bool],
        leftover: bytes = b"",
    ) -> None:
        super().__init__(side)
        self.carrier = carrier
        self.timeout = timeout
        self.problem: NetProblem | None = None
        self.timed_out: NetProblem | None = None  # the last receive got nothing in time
        self.first_bytes = b""  # the first bytes the peer sent, for "not TLS"
        self._early = leftover
        self._tail = b""  # the last bytes the peer sent (TAIL at most)
        self._peer_done = peer_done

    @property
    def handshake_done(self) -> bool:
        """The peer's handshake is done once the local side's is (it needed the peer's Finished)."""
        return self.failed is None and self._peer_done()

    @handshake_done.setter
    def handshake_done(self, _value: bool) -> None:
        pass  # Endpoint.__init__ sets False; the answer always comes from the local side

    # -- the seam ---------------------------------------------------------------

    def take_output(self) -> bytes:
        return b""  # everything the peer sends comes through receive()

    def accept(self, data: bytes) -> None:
        problem = self.carrier.send(data)
        if problem is not None and self.problem is None:
            self.problem = problem

    def accept_eof(self) -> None:
        self.carrier.shutdown_write()

    @property
    def unread(self) -> int:
        return 0  # the peer's buffers are not ours to see

    def receive(self, timeout: float) -> Call:
        if self._early:
            data, self._early = self._early, b""
            return self._arrived(data)
        if self.problem is not None:
            return self._failed(self.problem)
        got = self.carrier.receive(timeout)
        self.timed_out = None
        if got.problem is not None:
            self.problem = got.problem
            return self._failed(got.problem, produced=got.data)
        if got.data:
            return self._arrived(got.data)
        if got.eof:
            self.closed = True
            return Call(result=Result.closed, note=f"the {self.side} closed the connection (FIN)")
        self.timed_out = NetProblem(
            kind=NetProblemKind.timeout,
            during=f"a receive from the {self.side}",
            where=self.carrier.where,
            detail=f"nothing arrived within {timeout:g} s"
            + (f", {self.arrived()}" if self.carrier.received else ""),
        )
        return Call(
            result=Result.want_read,
            note=f"nothing arrived from the {self.side} within {timeout:g} s",
        )

    def arrived(self) -> str:
        """What had arrived from the peer, for a timeout or a close mid-handshake: how
        much, and its last bytes (where a record was cut short, they show it)."""
        total = self.carrier.received
        last = " ".join(f"{b:02x}" for b in self._tail)
        more = "the last of them" if total > len(self._tail) else "they were"
        return f"after {total} bytes from it; {more}: {last}"

    def _arrived(self, data: bytes) -> Call:
        self._tail = (self._tail + data)[-TAIL:]
        if len(self.first_bytes) < 8:
            self.first_bytes += data[: 8 - len(self.first_bytes)]
            if not looks_like_tls(self.first_bytes) and self.problem is None:
                self.problem = not_tls("the handshake", self.carrier.where, data)
        return Call(result=Result.done, produced=data)

    def _failed(self, problem: NetProblem, produced: bytes = b"") -> Call:
        error = SSLErrorInfo(
            exception=problem.kind.name,
            message=problem.message,
            library="socket",
            reason=problem.kind.name.upper(),
            source=ErrorSource.remote,
        )
        self.failed = error
        return Call(result=Result.error, error=error, produced=produced)

    # -- facts --------------------------------------------------------------------

    def facts(self) -> SideFacts:
        """What is known of a remote peer: its address, and nothing of its SSLObject."""
        host, port = self.carrier.remote
        return SideFacts(
            side=self.side,
            server_side=self.side is Side.server,
            server_hostname=None,
            version=None,
            cipher=None,
            compression=None,
            selected_alpn_protocol=None,
            selected_npn_protocol=None,
            session_reused=False,
            pending=0,
            peer_certificate=None,
            peer_certificate_der=None,
            shared_ciphers=None,
            channel_binding=None,
            channel_binding_note=None,
            session=None,
            verified_chain=None,
            unverified_chain=None,
            context_protocol=REMOTE,
            context_verify_mode=REMOTE,
            context_minimum_version=REMOTE,
            context_maximum_version=REMOTE,
            unavailable=(
                (
                    "SSLObject",
                    f"the {self.side} is a remote peer at {host}:{port}: "
                    "only what it sent on the wire is known",
                ),
            ),
        )
