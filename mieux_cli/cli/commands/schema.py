"""schema: the fields of each kind of record, or a JSON Schema for import files."""

from typing import Annotated

import typer

from mieux_cli.cli.commands import paged


def field_rows(kind: str) -> list[dict]:
    """One row per field of a kind, as `mieux schema` prints it."""
    from mieux_cli.model import schema

    rows = []
    for f in schema.fields_of(kind):
        vocabulary = f.vocab_for(kind)
        kind_of = f.type + (f" of {vocabulary}" if vocabulary else "") + (f" of {f.link_kind} IDs" if f.link_kind else "")
        if f.parts:
            kind_of += ": " + " | ".join(p.name + ("*" if p.required else "") for p in f.parts)
        rows.append({
            "field": f.name, "label": f.label, "type": kind_of,
            "required": "required" if kind in f.required else "recommended" if kind in f.recommended else "",
            "option": f.option or "", "help": f.help, "example": f.example,
        })
    return rows


def schema_command(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Argument(metavar="KIND", show_default=False,
                                               help="Only this kind: action, practice, event or fact.",
                                               autocompletion=lambda: ["action", "practice", "event", "fact"])] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print a JSON Schema (draft 2020-12) for import files instead, "
                                        "for editors to check them as you type.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the field reference as Markdown tables "
                                           "(the README's field reference is this output).")] = False,
) -> None:
    """Show the fields each kind of record has: type, vocabulary, whether it is required, the
    option of `add` that sets it, and an example.

    The same description drives validation, `add`, `edit`, import and export: what is listed here
    is exactly what the catalogue holds. An item's parts are listed with '|' (a '*' marks a
    required part); in a CSV cell, an option or --set, parts are written in that order.

    Examples:

      mieux schema

      mieux schema practice

      mieux schema --json > mieux-records.schema.json

      mieux schema --markdown
    """
    from mieux_cli.cli.output import Column, Output
    from mieux_cli.model import schema
    from mieux_cli.model.records import resolve_kind

    out = Output(json_)
    if out.mode == "json":
        out.json(schema.json_schema())
        return
    kinds = [resolve_kind(kind)] if kind else list(schema.KINDS)
    if markdown:
        out.data(markdown_reference(kinds))
        return
    columns = [Column("Field", "field", style="cyan"), Column("Type", "type", wrap=True, min_width=12),
               Column("Required", "required", drop=2), Column("Option", "option", drop=3),
               Column("What it holds", "help", wrap=True, main=True, min_width=20),
               Column("Example", "example", wrap=True, min_width=12, drop=1)]
    with paged(ctx, out):
        for kind_name in kinds:
            out.table(columns, field_rows(kind_name), title=f"{kind_name}: {schema.KIND_HELP[kind_name]}")


def markdown_reference(kinds: list[str]) -> str:
    """The field reference as Markdown: a table per kind."""
    from mieux_cli.model import schema

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    blocks = []
    for kind in kinds:
        lines = [f"### {kind}", "", f"{schema.KIND_HELP[kind][0].upper()}{schema.KIND_HELP[kind][1:]}.", "",
                 "| field | type | required | option | what it holds | example |", "|---|---|---|---|---|---|"]
        for row in field_rows(kind):
            option = f"`{row['option']}`" if row["option"] else ""
            lines.append(f"| `{row['field']}` | {cell(row['type'])} | {row['required']} | {option} | "
                         f"{cell(row['help'])} | {cell(row['example'])} |")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


COMMANDS = {
    "schema": schema_command,
}
