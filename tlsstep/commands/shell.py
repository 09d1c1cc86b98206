"""``tlsstep shell``: a REPL whose commands are the scenario steps."""

from __future__ import annotations

import sys
from typing import Any

import click

from tlsstep.commands.options import build_config, pair_options

EPILOG = """\b
Examples:
  tlsstep shell
  tlsstep shell --tls-version 1.2 --explain
  printf 'handshake client\\ndeliver client\\nshow state\\n' | tlsstep shell
  printf 'handshake\\nshow queue\\n' | tlsstep shell --json   one JSON object per line
"""


@click.command("shell", short_help="Drive one client/server pair step by step.", epilog=EPILOG)
@pair_options
@click.option(
    "--explain", is_flag=True, help="Add a plain-language note to each message and outcome."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Answer each command with one JSON object on its own line (JSON Lines), for scripts: "
    '{"command", "ok", ...} with the events, states or shown data; settings with no effect '
    'come first as {"command": null, "ok": true, "notes": [...]}.',
)
@click.option(
    "--full-data",
    is_flag=True,
    help="Show application data in full (by default: its first 64 bytes and how many more; "
    "--json always has all of it).",
)
def shell_command(explain: bool, as_json: bool, full_data: bool, **opts: Any) -> None:
    """Type steps one at a time: handshake client, deliver server records=1, read client.

    The commands are exactly the steps of scenario files, plus show, help, reset,
    connect HOST[:PORT], save FILE, pcap FILE, keys FILE, html FILE, explain on|off and quit ('help'
    lists them all, 'help deliver' one step's arguments). On a terminal there is line editing, history and tab
    completion; with piped input the shell reads one command per line without
    prompts and exits with status 1 if any command failed.
    """
    config, identity = build_config(opts)
    from tlsstep.preflight import config_notes

    notes = config_notes(config)  # settings with no effect, said before the first command
    if not as_json:
        for note in notes:
            click.echo(f"note: {note}", err=True)
    elif notes:  # a line of their own, answering no command (as an input error's line does)
        import json

        click.echo(json.dumps({"command": None, "ok": True, "notes": notes}))

    from tlsstep.errors import TlsstepError
    from tlsstep.render.out import output
    from tlsstep.shell import Shell

    interactive = sys.stdin.isatty() and not as_json
    console = output()  # on a plain pipe, a rich console only for what rich must lay out
    from tlsstep.crypto.unprotector import KeyLogCrypto

    try:
        # Each session (a reset makes a new one) gets its own key log, so that
        # protected records are shown decrypted; close() removes it.
        shell = Shell(
            config,
            identity,
            console,
            explain=explain,
            crypto=KeyLogCrypto,
            json_out=sys.stdout if as_json else None,
            full_data=full_data,
        )
    except TlsstepError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        errors = shell.loop(sys.stdin, interactive=interactive)
    except KeyboardInterrupt:
        sys.exit(130)  # 128 + SIGINT, after the finally below removed the key log
    finally:
        shell.close()
    if errors and not interactive:
        sys.exit(1)
