"""The baseline: a trustme CA and leaf, one TLS 1.3 handshake through memory BIOs, no output."""

import ssl

import trustme

ca = trustme.CA()
leaf = ca.issue_cert("example.test")
client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ca.configure_trust(client_ctx)
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
leaf.configure_cert(server_ctx)
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
