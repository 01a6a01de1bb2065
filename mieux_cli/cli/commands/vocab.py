"""vocab: the controlled vocabularies."""

from typing import Annotated

import typer

from mieux_cli.cli.commands import options, paged


def vocabulary(name: str) -> list[dict]:
    """The entries of one vocabulary as {code, label, ...} rows."""
    from mieux_cli.model import vocab

    if name == "countries":
        return [
            {"code": c["alpha_2"], "label": c["name"], "alpha_3": c["alpha_3"], "region": vocab.COUNTRY_REGION.get(c["alpha_2"])}
            for c in sorted(vocab.countries().values(), key=lambda c: c["name"])
        ]
    if name == "areas":
        return [{"code": c, "label": vocab.AREAS.label(c), "theme": vocab.AREA_PILLARS[c]} for c in vocab.AREAS]
    table = vocab.get(name)
    return [{"code": code, "label": label} for code, label in table.entries.items()]


def _list_names() -> list[str]:
    from mieux_cli.model import vocab

    return vocab.names()


def vocab_command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(
        metavar="LIST", show_default=False, help="Which list: themes, areas, regions, gcm, countries ... "
        "(without it, the lists there are).", autocompletion=_list_names,
    )] = None,
    json_: options.json_option("the list: code and label of each entry") = False,
) -> None:
    """Show the codes and names that filters and records accept.

    Without LIST, shows which lists there are. Any code or name in them works in records and in
    the options of list, search, summary, brief and export, in any case and with or without
    accents; themes, areas and regions also take their French and Spanish names and MIEUX's
    "IMT - Return and Re-admission" notation.

    Examples:

      mieux vocab themes

      mieux vocab areas

      mieux vocab countries --json
    """
    from mieux_cli.cli.output import Column, Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.model import vocab

    out = Output(json_)
    lists = vocab.names()
    if name is None:
        rows = [{"code": n, "label": vocab.get(n).describe} for n in lists]
        if out.mode == "json":
            out.json(lists)
        else:
            out.table([Column("List", "code", style="cyan"), Column("What it holds", "label", wrap=True, main=True)], rows)
        return
    key = _LEGACY_NAMES.get(name.strip().lower(), name.strip().lower())
    if key not in lists:
        raise MieuxError(f"There is no vocabulary '{name}'.", f"Choose one of: {', '.join(lists)}.")
    rows = vocabulary(key)
    if out.mode == "json":
        out.json(rows)
        return
    columns = [Column("Code", "code", style="cyan"), Column("Name", "label", wrap=True, main=True, min_width=12)]
    extra = [k for k in rows[0] if k not in ("code", "label")] if rows else []
    columns += [Column(k.replace("_", "-").capitalize(), k) for k in extra]
    with paged(ctx, out):
        out.table(columns, [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows])



# The names format 1 gave some lists.
_LEGACY_NAMES = {"experts": "expert-kinds", "activities": "activity-kinds", "statuses": "action-statuses"}


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "vocab": vocab_command,
}
