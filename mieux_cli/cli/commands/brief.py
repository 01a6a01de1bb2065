"""brief: a plain-text (or Markdown) brief to paste into an email or a document."""

import shlex
from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.cli.commands import (
    get_record,
    load_catalogue,
    options,
    refuse_writing_over_the_catalogue,
)


@options.with_filters
def brief_command(
    ctx: typer.Context,
    where: dict,
    record_id: Annotated[str | None, typer.Argument(
        metavar="ID", show_default=False, autocompletion=options.complete_ids,
        help="Brief on one event, action or practice instead of a filtered scope.",
    )] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", metavar="KIND", show_default=False,
                                             help="Only actions, practices or events.")] = None,
    width: Annotated[int, typer.Option("--width", "-w", min=40, max=200, help="Wrap plain text at this many columns.")] = 72,
    format_: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text or markdown.",
                                     autocompletion=lambda: ["text", "markdown"])] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                                     help="Write the brief to FILE instead of printing it.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    dated: Annotated[str | None, typer.Option(
        "--date", metavar="DATE", show_default=False,
        help="The day the brief was compiled, which its dating line gives (default: the catalogue's last change).",
    )] = None,
    template: Annotated[Path | None, typer.Option("--template", metavar="FILE", show_default=False,
                                                  help="Your own Jinja2 template (see the README for its variables).")] = None,
) -> None:
    """Write a short, sourced brief on a region, country, theme ... or on one record.

    A scope brief gives key figures, the scope's own actions, good practices (with why they
    worked) and events, what a country only took part in, then the facts and the context of the
    region, with numbered sources, dated by its newest source and the day it was compiled. An
    event brief tells who met, where and when, and what was reported there; an action brief is a
    one-page summary of an Action and its practices. A record is named by its ID or by words of
    its title. The same catalogue gives the same brief, byte for byte.

    Examples:

      mieux brief --region LAC

      mieux brief evt-2018-mexico-city-roundtable

      mieux brief "mexico city"

      mieux brief --country "costa rica" --format markdown -o costa-rica.md

      mieux brief --theme IMT --year 2015- --width 60
    """
    from mieux_cli.briefs.record import build_record
    from mieux_cli.briefs.render import render
    from mieux_cli.briefs.scope import build_scope
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.model.records import parse_date

    out = Output()
    fmt = format_.strip().lower()
    if fmt not in ("text", "markdown"):
        raise MieuxError(f"There is no brief format '{fmt}'.", "Use --format text or --format markdown.")
    if output is not None:
        refuse_writing_over_the_catalogue(ctx, output, "--output")
    if output is not None and output.exists() and not force:
        raise MieuxError(f"{output} exists already.", "Add --force to overwrite it, or choose another file with -o.")
    if template is not None and not template.exists():
        raise MieuxError(f"There is no template file {template}.", "Give the path of a Jinja2 template file.")
    if dated is not None:
        try:
            dated = parse_date(dated)
        except ValueError as e:
            raise MieuxError(f"--date: {e}.") from None
    filters = options.filters(kind, **where)
    catalogue = load_catalogue(ctx, out)
    dated = dated or (catalogue.changed or "")[:10]
    if record_id is not None:
        if filters != type(filters)():
            raise MieuxError("A brief is either on one record or on a filtered scope, not both.",
                             f"Run `mieux brief {shlex.quote(record_id)}` alone.")
        brief = build_record(catalogue, get_record(catalogue, out, record_id, by_title=True), dated)
    else:
        brief = build_scope(catalogue, filters, dated)
        options.report_undated(out, catalogue, filters)
    text = render(brief, fmt, width, template)
    if output is None:
        out.data(text)
        return
    from mieux_cli.storage.files import write_atomically

    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as e:
        raise MieuxError(f"Could not write {output}: {e.strerror or e}.", "Nothing was written; check the folder.") from None
    out.notice(f"Wrote the brief to {output}.")



# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "brief": brief_command,
}
