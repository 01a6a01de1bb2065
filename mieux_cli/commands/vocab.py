"""vocab: the controlled vocabularies."""

from typing import Annotated

import typer

from mieux_cli.commands import options

LISTS = ("themes", "areas", "regions", "gcm", "principles", "countries", "statuses", "kinds", "experts", "activities")


def vocabulary(name: str) -> list[dict]:
    """The entries of one vocabulary as {code, label, ...} rows."""
    from mieux_cli import vocab
    from mieux_cli.records import KINDS

    if name == "themes":
        return [{"code": c, "label": l} for c, l in vocab.THEMES.items()]
    if name == "areas":
        return [{"code": c, "label": l, "theme": t} for c, (t, l) in vocab.AREAS.items()]
    if name == "regions":
        return [{"code": c, "label": l} for c, l in vocab.REGIONS.items()]
    if name == "gcm":
        return [{"code": n, "label": l} for n, l in vocab.GCM_OBJECTIVES.items()]
    if name == "principles":
        return [{"code": c, "label": l} for c, l in vocab.PRINCIPLES.items()]
    if name == "countries":
        return [
            {"code": c["alpha_2"], "label": c["name"], "alpha_3": c["alpha_3"], "region": vocab.COUNTRY_REGION.get(c["alpha_2"])}
            for c in sorted(vocab.countries().values(), key=lambda c: c["name"])
        ]
    if name == "statuses":
        return [{"code": c, "label": l} for c, l in vocab.STATUSES.items()]
    if name == "kinds":
        return [{"code": k, "label": f"{k}s"} for k in KINDS]
    if name == "experts":
        return [{"code": c, "label": l} for c, l in vocab.EXPERT_KINDS.items()]
    return [{"code": c, "label": l} for c, l in vocab.ACTIVITY_KINDS.items()]


def vocab_command(
    name: Annotated[str | None, typer.Argument(
        metavar="LIST", show_default=False, help=f"One of: {', '.join(LISTS)}.", autocompletion=lambda: list(LISTS),
    )] = None,
    json_: options.Json = False,
) -> None:
    """Show the codes and names that filters and records accept.

    Without LIST, shows which lists there are. Any code or name in them works in the options of
    list, search and summary, in any case and with or without accents.

    Examples:

      mieux vocab themes

      mieux vocab areas

      mieux vocab countries --json
    """
    from mieux_cli.errors import MieuxError
    from mieux_cli.output import Column, Output

    out = Output(json_)
    if name is None:
        rows = [{"code": n, "label": f"mieux vocab {n}"} for n in LISTS]
        if out.mode == "json":
            out.json(list(LISTS))
        else:
            out.table([Column("List", "code", style="cyan"), Column("Show it with", "label", wrap=True, main=True)], rows)
        return
    key = name.strip().lower()
    if key not in LISTS:
        raise MieuxError(f"There is no vocabulary '{name}'.", f"Choose one of: {', '.join(LISTS)}.")
    rows = vocabulary(key)
    if out.mode == "json":
        out.json(rows)
        return
    columns = [Column("Code", "code", style="cyan"), Column("Name", "label", wrap=True, main=True, min_width=12)]
    extra = [k for k in rows[0] if k not in ("code", "label")] if rows else []
    columns += [Column(k.replace("_", "-").capitalize(), k) for k in extra]
    out.table(columns, [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows])



# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "vocab": vocab_command,
}
