"""A real network peer on one side of a session (issue 13).

tlsstep's own side stays an ``ssl.SSLObject`` on memory BIOs; the modules here carry
its bytes to and from a TCP socket, with every network failure kept as a value:

* :mod:`tlsstep.net.address` - ``HOST[:PORT]`` and the SNI rule;
* :mod:`tlsstep.net.carrier` - the socket: connect, receive with a timeout, send, half-close;
* :mod:`tlsstep.net.problems` - what went wrong on the network, classified;
* :mod:`tlsstep.net.sniff` - what a peer's first bytes look like when they are not TLS;
* :mod:`tlsstep.net.starttls` - the plaintext preambles before TLS, sans-IO;
* :mod:`tlsstep.net.trust` - the system trust store as PEM.

Nothing here imports rich or click.
"""
