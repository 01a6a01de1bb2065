"""list, search and show."""

from typing import Annotated

import typer

from mieux_cli.commands import load_catalogue, options

SORT_KEYS = ("kind", "id", "title", "start", "end", "region")
KIND_ORDER = {"action": 0, "practice": 1, "event": 2, "fact": 3}


def sort_records(records: list[dict], key: str) -> list[dict]:
    """Sorted by `key`, then kind and ID; records without a date sort after those with one."""
    tie = lambda r: (KIND_ORDER[r["kind"]], r["id"])
    if key == "kind":
        return sorted(records, key=tie)
    if key in ("start", "end", "region"):
        return sorted(records, key=lambda r: (r.get(key) is None, r.get(key) or "", tie(r)))
    return sorted(records, key=lambda r: (str(r[key]).casefold(), tie(r)))


def list_rows(records: list[dict]) -> list[dict]:
    from mieux_cli.filters import years_label

    return [
        {"id": r["id"], "kind": r["kind"], "years": years_label(r), "countries": ", ".join(r["countries"]) or r["region"] or "",
         "title": r["title"]}
        for r in records
    ]


def list_columns(kinds: set[str]):
    from mieux_cli.output import Column

    # On a narrow terminal the kind goes first (the ID's prefix says it), then where, then the
    # years; long IDs break after a hyphen before titles are squeezed.
    columns = [Column("ID", "id", wrap=True, min_width=24, style="cyan")]
    if len(kinds) != 1:
        columns.append(Column("Kind", "kind", drop=3))
    columns += [Column("Years", "years", drop=1), Column("Where", "countries", wrap=True, min_width=8, drop=2),
                Column("Title", "title", wrap=True, main=True, min_width=20)]
    return columns


def list_command(
    ctx: typer.Context,
    kind: options.Kind = None,
    region: options.Region = None,
    country: options.Country = None,
    theme: options.Theme = None,
    area: options.Area = None,
    gcm: options.Gcm = None,
    status: options.Status = None,
    year: options.Year = None,
    tag: options.Tag = None,
    sort: Annotated[str, typer.Option("--sort", metavar="FIELD", help=f"Sort by {', '.join(SORT_KEYS)}.",
                                      autocompletion=lambda: list(SORT_KEYS))] = "kind",
    limit: options.Limit = None,
    json_: options.Json = False,
) -> None:
    """List records, filtered.

    The same option twice means either value (OR); different options must all hold (AND).

    Examples:

      mieux list

      mieux list practices --country "costa rica"

      mieux list actions --region LAC --theme IMT --year 2015-2018

      mieux list --area THB --area SOM --sort start --json
    """
    from mieux_cli.errors import MieuxError
    from mieux_cli.filters import Filters
    from mieux_cli.output import Output

    if sort not in SORT_KEYS:
        raise MieuxError(f"Cannot sort by '{sort}'.", f"Use one of: {', '.join(SORT_KEYS)}.")
    out = Output(json_)
    selected = options.filters(kind, region, country, theme, area, gcm, status, year, tag)
    catalogue = load_catalogue(ctx, out)
    matching = sort_records(selected.apply(catalogue), sort)
    records = matching[:limit]
    if out.mode == "json":
        out.json(records)
        say_count(out, len(records), len(matching), "record", "records")
        return
    if not records:
        out.notice("No records match." + (" Try fewer filters." if selected != Filters() else ""))
        return
    kinds = selected.kinds or {r["kind"] for r in records}
    out.table(list_columns(kinds), list_rows(records))
    say_count(out, len(records), len(matching), "record", "records")


def say_count(out, shown: int, total: int, one: str, many: str) -> None:
    """How many there are, on standard error: always when some were left out ("3 of 8
    matches"), on a terminal also when all are shown."""
    if shown < total:
        out.notice(f"{shown} of {total} {many}. Show more with --limit.")
    elif out.mode == "rich":
        out.notice(f"{total} {one if total == 1 else many}.")


def search_command(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(metavar="WORDS...", help="What to look for, in any case, with or without accents.")],
    kind: Annotated[str | None, typer.Option("--kind", "-k", metavar="KIND", help="Only actions, practices, events or facts.",
                                             show_default=False)] = None,
    region: options.Region = None,
    country: options.Country = None,
    theme: options.Theme = None,
    area: options.Area = None,
    gcm: options.Gcm = None,
    status: options.Status = None,
    year: options.Year = None,
    tag: options.Tag = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="Show at most N results.")] = 20,
    json_: options.Json = False,
) -> None:
    """Search every text field, best match first, with the matching words highlighted.

    Examples:

      mieux search unaccompanied children

      mieux search integracion --country CR

      mieux search protocol --kind practices --json
    """
    from mieux_cli.output import Output
    from mieux_cli.search import search, with_snippets

    out = Output(json_)
    selected = options.filters(kind, region, country, theme, area, gcm, status, year, tag)
    catalogue = load_catalogue(ctx, out)
    query = " ".join(words)
    results = search(selected.apply(catalogue), query)
    hits = with_snippets(results, query, limit)
    for word, used in results.corrections.items():
        out.notice(f"No record contains '{word}'; showing matches for {' or '.join(repr(w) for w in used)}.")
    if out.mode == "json":
        out.json([
            {"id": h.record["id"], "score": h.score, "snippet": "".join(t for t, _ in h.snippet), "record": h.record}
            for h in hits
        ])
        say_count(out, len(hits), len(results.hits), "match", "matches")
        return
    if not hits:
        out.notice("No records match.")
        return
    out.hits([(h.record["id"], h.record["kind"], h.record["title"], h.snippet) for h in hits])
    say_count(out, len(hits), len(results.hits), "match", "matches")


# What `show` prints, in reading order; the ID and title head it, and links to other records
# (a practice's actions and event) are listed with the reverse links under "Linked records".
SHOW_ORDER = (
    "text", "figure", "summary", "why", "status", "start", "place", "hosts", "countries", "region",
    "partners", "experts", "themes", "areas", "gcm", "principles", "activities", "outputs",
    "results", "tags", "sources",
)


def period_label(record: dict) -> str:
    """'2013 to 2017', '2018-07', 'from 2017 (ongoing)', 'until 2018'."""
    start, end = record["start"], record["end"]
    if start and end:
        return start if start == end else f"{start} to {end}"
    if start:
        return f"from {start} (ongoing)" if record.get("status") == "ongoing" else start
    return f"until {end}"


def record_fields(record: dict) -> list[tuple[str, list[str]]]:
    """A record's fields as (label, lines), codes spelled out; empty fields left out."""
    from mieux_cli import vocab
    from mieux_cli.records import FIELD_LABELS, fields_of

    def country(code):
        return f"{vocab.country_name(code)} ({code})"

    def lines(field, value):
        if field == "countries":
            return [country(c) for c in value]
        if field == "region":
            return [f"{value}  {vocab.region_name(value)}"]
        if field == "themes":
            return [f"{t}  {vocab.THEMES.get(t, '')}" for t in value]
        if field == "areas":
            return [f"{a}  {vocab.AREAS[a][1]}" if a in vocab.AREAS else a for a in value]
        if field == "gcm":
            return [f"{g}  {vocab.GCM_OBJECTIVES.get(g, '')}" for g in value]
        if field == "principles":
            return [vocab.PRINCIPLES.get(p, p) for p in value]
        if field == "experts":
            return [country(e["country"]) + (f", {e['kind']}" if e["kind"] else "") for e in value]
        if field == "activities":
            return [
                (f"{a['kind']}: " if a["kind"] else "") + a["title"]
                + "".join(f", {x}" for x in (a["place"], a["date"]) if x)
                for a in value
            ]
        if field == "sources":
            return [
                f"[{i}] " + ". ".join(x for x in (s["title"], s["publisher"], s["date"], s["url"]) if x)
                for i, s in enumerate(value, 1)
            ]
        if isinstance(value, list):
            return [str(v) for v in value]
        return [str(value)]

    pairs = []
    for field in SHOW_ORDER:
        if field == "start" and (record["start"] or record["end"]):
            pairs.append(("When", [period_label(record)]))
        elif field in fields_of(record["kind"]) and field != "end" and record.get(field) not in (None, [], ""):
            pairs.append((FIELD_LABELS[field], lines(field, record[field])))
    return pairs


def show_command(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record's ID, as `mieux list` shows it.",
                                                  autocompletion=options.complete_ids)],
    json_: options.Json = False,
) -> None:
    """Show one record in full, with the records linked to it in both directions.

    An action lists its good practices; a practice its actions and the event where it was
    reported; an event the practices reported there.

    Examples:

      mieux show act-cr-integration-plans

      mieux show evt-2018-mexico-city-roundtable --json
    """
    from mieux_cli.output import Output

    out = Output(json_)
    catalogue = load_catalogue(ctx, out)
    record = catalogue.find(record_id)
    linked = catalogue.linked(record)
    if out.mode == "json":
        out.json({**record, "linked": [
            {"relation": relation, "id": r["id"], "kind": r["kind"], "title": r["title"]} for relation, r in linked
        ]})
        return
    show_record(out, record, catalogue)


def show_record(out, record: dict, catalogue) -> None:
    """A record in full, with its links: what `show` prints, and `add` before saving."""
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
