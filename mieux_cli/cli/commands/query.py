"""list, search and show."""

from typing import Annotated

import typer

from mieux_cli.cli.commands import get_record, load_catalogue, options, paged
from mieux_cli.queries.memory import SORT_KEYS


def list_rows(records):
    """The table's row of each record, as they come."""
    from mieux_cli.model.facets import status_label, years_label

    return (
        {"id": r["id"], "kind": r["kind"], "years": years_label(r), "countries": ", ".join(r["countries"]) or r["region"] or "",
         "status": status_label(r), "title": r["title"]}
        for r in records
    )


def list_columns(kinds: set[str]):
    from mieux_cli.cli.output import Column

    # On a narrow terminal the kind goes first (the ID's prefix says it), then where, then the
    # years; long IDs break after a hyphen before titles are squeezed.
    columns = [Column("ID", "id", wrap=True, min_width=24, style="cyan")]
    if len(kinds) != 1:
        columns.append(Column("Kind", "kind", drop=3))
    columns += [Column("Years", "years", drop=1), Column("Where", "countries", wrap=True, min_width=8, drop=2)]
    if kinds & {"action", "event"}:
        columns.append(Column("Status", "status", wrap=True, min_width=8, drop=4))
    columns.append(Column("Title", "title", wrap=True, main=True, min_width=20))
    return columns


STREAMED_BEYOND = 2000  # records a list reads before writing any (see list_command)


@options.with_filters
def list_command(
    ctx: typer.Context,
    where: dict,
    kind_argument: options.Kind = None,
    kind: options.KindOption = None,
    sort: Annotated[str, typer.Option("--sort", metavar="FIELD", help=f"Sort by {', '.join(SORT_KEYS)}.",
                                      autocompletion=lambda: list(SORT_KEYS))] = "kind",
    limit: options.Limit = None,
    json_: options.json_option("the matching records (an array of full records)") = False,
) -> None:
    """List records, filtered.

    The same option twice means either value (OR); different options must all hold (AND).

    Examples:

      mieux list

      mieux list practices --country "costa rica"

      mieux list actions --region LAC --theme IMT --year 2015-2018

      mieux list --area THB --area SOM --sort start --json

      mieux list actions --status ongoing --as-of 2024

      mieux list --country "United States" --role participant
    """
    import itertools

    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.queries.filters import Filters

    if sort not in SORT_KEYS:
        raise MieuxError(f"Cannot sort by '{sort}'.", f"Use one of: {', '.join(SORT_KEYS)}.")
    out = Output(json_)
    selected = options.filters(options.one_kind(kind_argument, kind), **where)
    catalogue = load_catalogue(ctx, out)
    records = catalogue.stream(selected, sort, limit)
    # Read before anything is written: were the index to change meanwhile, the command runs again
    # from the file (app.py). A longer list is read as it is written; if the index changes then,
    # what was written is incomplete, and the command says so.
    first = list(itertools.islice(records, STREAMED_BEYOND))
    ctx.meta["mieux.streamed"] = len(first) == STREAMED_BEYOND
    records = itertools.chain(first, records)
    if out.mode == "json":
        shown = out.json_array(records)
    elif not first:
        out.notice("No records match." + (" Try fewer filters." if selected != Filters() else ""))
        shown = 0
    else:
        kinds = selected.kinds or catalogue.kinds_selected(selected, sort, limit)
        with paged(ctx, out):
            shown = out.table(list_columns(kinds), list_rows(records))
    if shown or out.mode == "json":
        say_count(out, shown, catalogue.count(selected) if limit is not None and shown == limit else shown, "record", "records")
    options.report_undated(out, catalogue, selected)


def say_count(out, shown: int, total: int, one: str, many: str) -> None:
    """How many there are, on standard error: always when some were left out ("3 of 8
    matches"), on a terminal also when all are shown."""
    if shown < total:
        out.notice(f"{shown} of {total} {many}. Show more with --limit.")
    elif out.mode == "rich":
        out.notice(f"{total} {one if total == 1 else many}.")


@options.with_filters
def search_command(
    ctx: typer.Context,
    where: dict,
    words: Annotated[list[str], typer.Argument(metavar="WORDS...", help="What to look for, in any case, with or without accents.")],
    kind: options.KindOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="Show at most N results.")] = 20,
    json_: options.json_option("the hits, best first: ID, score, snippet and the full record") = False,
) -> None:
    """Search every text field, best match first, with the matching words highlighted.

    Examples:

      mieux search unaccompanied children

      mieux search integracion --country CR

      mieux search protocol --kind practices --json
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.queries.search import query_terms

    out = Output(json_)
    selected = options.filters(kind, **where)
    query = " ".join(words)
    query_terms(query)  # a query too long to search is refused before the catalogue is read
    catalogue = load_catalogue(ctx, out)
    found = catalogue.search(selected, query, limit)
    hits = found.hits
    for word, used in found.corrections.items():
        out.notice(f"No record contains '{word}'; showing matches for {' or '.join(repr(w) for w in used)}.")
    if out.mode == "json":
        out.json([
            {"id": h.record["id"], "score": h.score, "snippet": "".join(t for t, _ in h.snippet), "record": h.record}
            for h in hits
        ])
        say_count(out, len(hits), found.total, "match", "matches")
    elif not hits:
        out.notice("No records match.")
    else:
        with paged(ctx, out):
            out.hits([(h.record["id"], h.record["kind"], h.record["title"], h.snippet) for h in hits])
        say_count(out, len(hits), found.total, "match", "matches")
    options.report_undated(out, catalogue, selected)


def show_command(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record's ID, as `mieux list` shows it.",
                                                  autocompletion=options.complete_ids)],
    json_: options.json_option("the record and the records linked to it") = False,
) -> None:
    """Show one record in full, with the records linked to it in both directions.

    An action lists its good practices; a practice its actions and the event where it was
    reported; an event the practices reported there.

    Examples:

      mieux show act-cr-integration-plans

      mieux show evt-2018-mexico-city-roundtable --json
    """
    from mieux_cli.cli.output import Output

    out = Output(json_)
    catalogue = load_catalogue(ctx, out)
    record = get_record(catalogue, out, record_id, by_title=True)
    linked = catalogue.linked(record)
    if out.mode == "json":
        out.json({**record, "linked": [
            {"relation": relation, "id": r["id"], "kind": r["kind"], "title": r["title"]} for relation, r in linked
        ]})
        return
    with paged(ctx, out):
        show_record(out, record, catalogue)


def show_record(out, record: dict, catalogue) -> None:
    """A record in full, with its links: what `show` prints, and `add` before saving."""
    from mieux_cli.model.display import record_fields

    pairs = record_fields(record)
    linked = catalogue.linked(record)
    if linked:
        pairs.append(("Linked records", [f"{relation}: {r['id']}  {r['title']}" for relation, r in linked]))
    out.fields(f"{record['title']}  ({record['kind']} {record['id']})", pairs)



# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "list": list_command,
    "search": search_command,
    "show": show_command,
}
