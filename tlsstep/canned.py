"""The step sequence ``tlsstep handshake`` runs: a canned list of ordinary steps.

Written as steps, not as special code, so that ``--step`` can pause between them
and ``--save`` can write them out as a scenario (DESIGN.md: one vocabulary).
"""

from __future__ import annotations

from tlsstep.events import Side
from tlsstep.steps import Deliver, Handshake, Read, Resume, Step, VerifyClientPostHandshake, Write


def handshake_steps(
    *, data: bytes | None = None, resume: bool = False, post_handshake_auth: bool = False
) -> list[Step]:
    """The steps of one ``tlsstep handshake`` run.

    Args:
        data: application data the client sends and the server echoes back.
        resume: after the first handshake, a second one resuming its session.
        post_handshake_auth: the server asks for the client certificate afterwards.
    """
    steps: list[Step] = [Handshake()]
    if post_handshake_auth:
        # OpenSSL arms the request, then sends CertificateRequest with the server's
        # next handshake call; the client answers from inside read().
        steps += [
            VerifyClientPostHandshake(),
            Handshake(side=Side.server),
            Deliver(side=Side.server),
            Read(side=Side.client),
            Deliver(side=Side.client),
            Read(side=Side.server),
            Deliver(side=Side.server),
        ]
    if data is not None:
        steps += [
            Write(side=Side.client, data=data),
            Deliver(side=Side.client),
            Read(side=Side.server),
            Write(side=Side.server, data=data),
            Deliver(side=Side.server),
            Read(side=Side.client),
        ]
    if resume:
        if data is None:
            # A TLS 1.3 ticket is only processed when the client reads; the read
            # wants more data, which is expected.
            steps.append(Read(side=Side.client))
        steps += [Resume(), Handshake()]
    return steps
