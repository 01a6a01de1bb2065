"""summary: counts and crosstabs."""

from typing import Annotated

import typer

from mieux_cli.commands import load_catalogue, options


def summary_command(
    ctx: typer.Context,
    kind: options.Kind = None,
    by: Annotated[list[str] | None, typer.Option(
        "--by", "-b", metavar="FIELD", show_default=False,
        help="Count by kind, region, country, theme, area, gcm, year or status (default: kind). "
        "Give it twice for a crosstab.",
        autocompletion=lambda: ["kind", "region", "country", "theme", "area", "gcm", "year", "status"],
    )] = None,
    region: options.Region = None,
    country: options.Country = None,
    theme: options.Theme = None,
    area: options.Area = None,
    gcm: options.Gcm = None,
    status: options.Status = None,
    year: options.Year = None,
    tag: options.Tag = None,
    json_: options.Json = False,
) -> None:
    """Count records by a field, as a bar chart, or by two fields, as a crosstab.

    A record with several values (countries, themes ...) counts once under each of them; "year"
    counts each year a record was active.

    Examples:

      mieux summary

      mieux summary --by region --by theme

      mieux summary actions --by year --region LAC

      mieux summary --by gcm --json
    """
    from mieux_cli.output import Column, Output
    from mieux_cli.summary import NONE, label, parse_by, summarize

    out = Output(json_)
    fields = parse_by(by or [])
    selected = options.filters(kind, region, country, theme, area, gcm, status, year, tag)
    catalogue = load_catalogue(ctx, out)
    result = summarize(selected.apply(catalogue), fields, catalogue)
    if out.mode == "json":
        out.json({
            "by": fields,
            "total": result.total,
            "counts": [
                {**{f: None if v == NONE else v for f, v in zip(fields, key)}, "count": result.counts[key]}
                for key in ([(r,) for r in result.rows] if len(fields) == 1 else
                            [(r, c) for r in result.rows for c in result.columns if (r, c) in result.counts])
            ],
        })
        return
    if len(fields) == 1:
        field = fields[0]
        out.bars([(str(v), label(field, v), result.counts[(v,)]) for v in result.rows],
                 f"Records in scope ({' '.join(f'by {f}' for f in fields)})", result.total)
        return
    row_field, column_field = fields
    columns = [Column(row_field.capitalize(), "_row", style="cyan")]
    columns += [Column(str(c), str(c), justify="right") for c in result.columns]
    columns.append(Column("Total", "_total", justify="right", style="bold"))
    rows = []
    for r in result.rows:
        cells = {str(c): str(result.counts.get((r, c), "")) for c in result.columns}
        rows.append({"_row": str(r), **cells, "_total": str(sum(result.counts.get((r, c), 0) for c in result.columns))})
    rows.append({"_row": "Total", **{str(c): str(sum(result.counts.get((r, c), 0) for r in result.rows)) for c in result.columns},
                 "_total": str(sum(result.counts.values()))})
    out.table(columns, rows, title=f"Records by {row_field} and {column_field}")
    out.notice(f"{result.total} records in scope; a record counts once under each of its values.")



# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "summary": summary_command,
}
