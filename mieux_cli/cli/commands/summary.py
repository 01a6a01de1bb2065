"""summary: counts and crosstabs."""

from typing import Annotated

import typer

from mieux_cli.cli.commands import load_catalogue, options, paged


@options.with_filters
def summary_command(
    ctx: typer.Context,
    where: dict,
    kind_argument: options.Kind = None,
    kind: options.KindOption = None,
    by: Annotated[list[str] | None, typer.Option(
        "--by", "-b", metavar="FIELD", show_default=False,
        help="Count by kind, region, country, theme, area, gcm, year, status, funder or sector (default: kind). "
        "Give it twice for a crosstab.",
        autocompletion=lambda: ["kind", "region", "country", "theme", "area", "gcm", "year", "status", "funder",
                                "sector"],
    )] = None,
    json_: options.json_option("the counts: by, total and one count for each value") = False,
) -> None:
    """Count records by a field, as a bar chart, or by two fields, as a crosstab.

    A record with several values (countries, themes ...) counts once under each of them; "year"
    counts each year a record was active; "country" counts where the work was (--role participant,
    place or any counts the others); "status" counts actions and events, the kinds that have one,
    each with the date it was known; "funder" counts the partners that fund (IATI's Funding),
    "sector" the sectors as IATI codes them.

    Examples:

      mieux summary

      mieux summary --by region --by theme

      mieux summary actions --by year --region LAC

      mieux summary --by gcm --json

      mieux summary actions --by funder
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.queries.filters import parse_role
    from mieux_cli.queries.summary import json_value, parse_by

    out = Output(json_)
    fields = parse_by(by or [])
    role = "beneficiary"  # by country: where the work was, unless --role says otherwise
    if where["role"] is not None:
        role = parse_role(where["role"])
        if not where["country"]:  # --role alone says which countries are counted
            if "country" not in fields:
                raise MieuxError("--role says which countries are counted by country, or which --country looks at.",
                                 "Give --by country or --country too, for example --by country --role participant.")
            where = {**where, "role": None}
    selected = options.filters(options.one_kind(kind_argument, kind), **where)
    catalogue = load_catalogue(ctx, out)
    result = catalogue.summary(selected, fields, role)
    if selected.kinds:  # the kinds counted are those asked for that have the fields counted by
        result.kinds = [k for k in result.kinds if k in selected.kinds]
    if out.mode == "json":
        out.json({
            "by": fields,
            "total": result.total,
            "counts": [
                {**{k: v for f, value in zip(fields, key) for k, v in json_value(f, value).items()},
                 "count": result.counts[key]}
                for key in ([(r,) for r in result.rows] if len(fields) == 1 else
                            [(r, c) for r in result.rows for c in result.columns if (r, c) in result.counts])
            ],
        })
        options.report_undated(out, catalogue, selected, result.kinds)
        return
    with paged(ctx, out):
        _show_counts(out, fields, result, role)
    if len(fields) == 2:
        out.notice(f"{result.total} {_counted(result).lower()} in scope; a record counts once under each of its values.")
    options.report_undated(out, catalogue, selected, result.kinds)


def _counted(result) -> str:
    from mieux_cli.model.schema import KINDS
    from mieux_cli.text import join_words

    return "Records" if len(result.kinds) == len(KINDS) else join_words([f"{k}s" for k in result.kinds]).capitalize()


# How a count by country says which countries it counts (the role of summary_command).
COUNTED_AS = {"beneficiary": "where the work was", "participant": "that took part", "place": "where it took place",
              None: "in any role"}


def _show_counts(out, fields: list[str], result, role: str | None) -> None:
    """A bar chart, or a crosstab with a legend for GCM objectives. The bars are scaled to the
    longest of the values set: the records that set none ("(none) not set", last) never shrink
    the others."""
    from mieux_cli.cli.output import Column
    from mieux_cli.queries.summary import NONE, label

    counted = _counted(result)
    by = [f"by {f}" + (f" {COUNTED_AS[role]}" if f == "country" else "") for f in fields]
    if len(fields) == 1:
        field = fields[0]
        out.bars([(label(field, v) if field == "status" else str(v), label(field, v), result.counts[(v,)])
                  for v in result.rows],
                 f"{counted} in scope ({' '.join(by)})", result.total,
                 scale=max((result.counts[(v,)] for v in result.rows if v != NONE), default=None))
        return
    row_field, column_field = fields
    columns = [Column(row_field.capitalize(), "_row", style="cyan")]
    # As columns, objectives keep their numbers (their names would make the table too wide to read)
    # and are named in a legend under it.
    columns += [Column(str(c) if column_field == "gcm" else heading(column_field, c), str(c), justify="right")
                for c in result.columns]
    columns.append(Column("Total", "_total", justify="right", style="bold"))
    rows = []
    for r in result.rows:
        cells = {str(c): str(result.counts.get((r, c), "")) for c in result.columns}
        rows.append({"_row": heading(row_field, r), **cells, "_total": str(sum(result.counts.get((r, c), 0) for c in result.columns))})
    rows.append({"_row": "Total", **{str(c): str(sum(result.counts.get((r, c), 0) for r in result.rows)) for c in result.columns},
                 "_total": str(sum(result.counts.values()))})
    named = [f + (f" ({COUNTED_AS[role]})" if f == "country" else "") for f in fields]
    out.table(columns, rows, title=f"{counted} by {named[0]} and {named[1]}")
    if column_field == "gcm":
        out.line("GCM objectives: " + "; ".join(heading("gcm", c) for c in result.columns if c != NONE) + ".")



def heading(field: str, value) -> str:
    """A value as a crosstab shows it: codes as codes, GCM objectives with their short names, a
    status with the date it was known."""
    from mieux_cli.queries.summary import NONE, label

    if field == "status" and value != NONE:
        return label(field, value)
    if field == "gcm" and value != NONE:
        return f"{value} {label(field, value)}"
    return str(value)


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "summary": summary_command,
}
