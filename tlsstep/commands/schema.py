"""``tlsstep schema``: the JSON Schema of each ``--json`` output, as shipped."""

from __future__ import annotations

import click

EPILOG = """\b
Examples:
  tlsstep schema                       list the schemas
  tlsstep schema --json                the same list as JSON
  tlsstep schema handshake > handshake.schema.json
  tlsstep schema decode-line --outline   the short form README shows
"""


@click.command("schema", short_help="Print the JSON Schema of a --json output.", epilog=EPILOG)
@click.argument("name", required=False)
@click.option(
    "--outline",
    is_flag=True,
    help="Print the schema's short outline (as README shows it) instead of the JSON Schema.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="List the schemas as JSON: each one's name, $id and the output it describes.",
)
def schema_command(name: str | None, outline: bool, as_json: bool) -> None:
    """Print the JSON Schema (2020-12) that NAME's --json output follows.

    Without NAME, list the schemas and the output each describes. The schemas refer to
    each other by $id (urn:tlsstep:schema:NAME): a validator needs the ones named in
    $ref too (handshake's shapes are used by the others).
    """
    from tlsstep.schemas import NAMES, text

    if name is not None and as_json:
        raise click.UsageError("--json lists the schemas; NAME's schema is JSON already")
    if name is None and outline:
        raise click.UsageError("--outline needs a NAME: tlsstep schema NAME --outline")
    if name is None and as_json:
        import json

        listing = [
            {"name": key, "id": f"urn:tlsstep:schema:{key}", "describes": what}
            for key, what in NAMES.items()
        ]
        click.echo(json.dumps(listing, indent=2))
        return
    if name is None:
        width = max(map(len, NAMES))
        for key, what in NAMES.items():
            click.echo(f"{key:<{width}}  {what}")
        return
    if name not in NAMES:
        import difflib

        close = difflib.get_close_matches(name[:100], list(NAMES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise click.BadParameter(
            f"no schema {name!r}{hint}; one of {', '.join(NAMES)}", param_hint="NAME"
        )
    if outline:
        from tlsstep.schemas.outline import outline as make_outline

        click.echo(make_outline(name))
    else:
        click.echo(text(name), nl=False)
