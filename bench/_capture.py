"""A TLS 1.3 capture of a given size, for the decode benches: one connection,
application data both ways in 1 MB writes, its key log in a Decryption Secrets Block."""

from __future__ import annotations

import itertools
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

from tlsstep.config import PairConfig, SideConfig, build_contexts
from tlsstep.events import Side
from tlsstep.pcap.writer import PcapngWriter

CHUNK = 1024 * 1024  # one write/deliver of application data


class Pump:
    """A bare client/server SSLObject pair (no event log: it would keep every byte)."""

    def __init__(self, keylog: Path) -> None:
        config = PairConfig(
            client=SideConfig(min_version="1.3", max_version="1.3"),
            server=SideConfig(min_version="1.3", max_version="1.3"),
        )
        client_ctx, server_ctx = build_contexts(config, keylog_path=str(keylog))
        self.bio = {s: (ssl.MemoryBIO(), ssl.MemoryBIO()) for s in Side}  # (incoming, outgoing)
        self.obj = {
            Side.client: client_ctx.wrap_bio(
                *self.bio[Side.client], server_hostname=config.server_name
            ),
            Side.server: server_ctx.wrap_bio(*self.bio[Side.server], server_side=True),
        }

    def move(self, sender: Side) -> bytes:
        data = self.bio[sender][1].read()
        if data:
            self.bio[sender.peer][0].write(data)
        return data

    def handshake(self) -> Iterator[tuple[Side, bytes]]:
        done = {s: False for s in Side}
        for side in itertools.islice(itertools.cycle(Side), 12):
            if not done[side]:
                try:
                    self.obj[side].do_handshake()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass
            if data := self.move(side):
                yield side, data
            if all(done.values()) and not self.bio[side.peer][1].pending:
                break

    def application_data(self, total: int) -> Iterator[tuple[Side, bytes]]:
        sent = 0
        block = os.urandom(CHUNK)
        for side in itertools.cycle(Side):
            if sent >= total:
                return
            self.obj[side].write(block)
            yield side, self.move(side)
            while True:  # the peer reads it all (and takes the tickets on the way)
                try:
                    if not self.obj[side.peer].read(1 << 20):
                        break
                except ssl.SSLWantReadError:
                    break
            sent += CHUNK


def make_capture(path: Path, megabytes: int) -> None:
    keylog = path.with_suffix(".keys")
    pump = Pump(keylog)
    handshake = list(pump.handshake())  # the key log exists once the handshake is done
    with path.open("wb") as f:
        writer = PcapngWriter(f, start_time=1_700_000_000)
        writer.secrets(keylog.read_bytes())
        writer.connection(
            itertools.chain(handshake, pump.application_data(megabytes * 1024 * 1024))
        )
    keylog.unlink()


def capture(workdir: Path, megabytes: int) -> Path:
    """``workdir/tls13-NMB.pcapng``, made unless it is there."""
    path = workdir / f"tls13-{megabytes}MB.pcapng"
    if not path.exists():
        make_capture(path, megabytes)
    return path
