"""Each side's place in the handshake (RFC 8446 Appendix A; RFC 5246 §7.3 for TLS 1.2).

* :mod:`tlsstep.states.table` - the one transition table, states and versions.
* :mod:`tlsstep.states.machine` - one side's machine, moved only by messages.
* :mod:`tlsstep.states.tracker` - both sides followed through a session's entries.
* :mod:`tlsstep.states.docs` - docs/states.md, generated from the table.
"""
