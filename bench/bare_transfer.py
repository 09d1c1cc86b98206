"""The yardstick for bench/shell_write.py: one TLS 1.3 handshake through memory BIOs,
then 10 MB written by the client and read by the server, 16 KB a read, no output.
Certificates come from the certificate cache the bench filled (no trustme here)."""

import ssl
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tlsstep.config import PairConfig, build_contexts

client_ctx, server_ctx = build_contexts(PairConfig())
bios = [ssl.MemoryBIO() for _ in range(4)]
client = client_ctx.wrap_bio(bios[0], bios[1], server_hostname="example.test")
server = server_ctx.wrap_bio(bios[2], bios[3], server_side=True)
done = [False, False]
while not all(done):
    for i, (obj, out, peer_in) in enumerate(
        ((client, bios[1], bios[2]), (server, bios[3], bios[0]))
    ):
        if not done[i]:
            try:
                obj.do_handshake()
                done[i] = True
            except ssl.SSLWantReadError:
                pass
        data = out.read()
        if data:
            peer_in.write(data)
client.write(b"0123456789" * 1048576)
bios[2].write(bios[1].read())
got = 0
while got < 10 * 1048576:
    got += len(server.read(16384))
