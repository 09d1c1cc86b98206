"""One module per command. Each imports only click at module level, so that
``tlsstep --help`` lists every command without importing ssl, rich or cryptography."""
