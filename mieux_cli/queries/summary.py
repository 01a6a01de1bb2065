"""Counts of records by one field, or by two (a crosstab). A record with several values in a
field (countries, themes ...) counts once under each; one with none counts under NONE."""

import difflib
from dataclasses import dataclass

from mieux_cli.errors import MieuxError
from mieux_cli.model import schema, vocab
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.facets import (
    active_years,
    record_countries,
    record_funders,
    record_sectors,
    record_themes,
    status_fields,
    status_label,
    status_of,
)
from mieux_cli.model.schema import KINDS

NONE = "(none)"
BY_FIELDS = ("kind", "region", "country", "theme", "area", "gcm", "year", "status", "funder", "sector")
_BY_PLURALS = {"kinds": "kind", "regions": "region", "countries": "country", "themes": "theme",
               "areas": "area", "objectives": "gcm", "years": "year", "statuses": "status", "funders": "funder",
               "donors": "funder", "donor": "funder", "sectors": "sector"}


def _values(record: dict, by: str, span: tuple[int, int] | None, role: str | None, years: list) -> list:
    """The values a record counts under; `span` is the years it was active (facets.active_years),
    of which only those in `years` (the --year ranges) count when some are given."""
    if by == "kind":
        values = [record["kind"]]
    elif by == "region":
        values = [record["region"]] if record["region"] else []
    elif by == "country":  # as --country matches: the bar of a country counts what `list --country` lists
        values = list(dict.fromkeys(record_countries(record, role)))
    elif by == "theme":
        values = record_themes(record)
    elif by == "area":
        values = record["areas"]
    elif by == "gcm":
        values = record["gcm"]
    elif by == "funder":
        values = record.get("funders") if "funders" in record else record_funders(record)
    elif by == "sector":
        values = record.get("sector_codes") if "sector_codes" in record else record_sectors(record)
    elif by == "year":
        values = [y for y in range(span[0], span[1] + 1) if not years or any(lo <= y <= hi for lo, hi in years)] if span else []
    else:  # a status with the date it was known: an old "ongoing" is never counted as current
        values = [status_of(record)] if status_of(record) else []
    return values or [NONE]


def label(by: str, value) -> str:
    """The human name of a value: 'LAC' -> 'Latin America and the Caribbean'."""
    if value == NONE:
        return "not set"
    if by == "region":
        return vocab.REGIONS.label(value)
    if by == "country":
        return vocab.country_name(value)
    if by == "theme":
        return vocab.THEMES.label(value)
    if by == "area":
        return vocab.AREAS.label(value)
    if by == "gcm":
        return vocab.GCM.label(value)
    if by == "status":
        return status_label(value)
    if by == "sector":
        return SECTOR_NAMES.get(value, "")
    return str(value)


SECTOR_NAMES = {"15190": "Facilitation of orderly, safe, regular and responsible migration and mobility"}  # OECD DAC


def _natural_order(by: str):
    orders = {"kind": KINDS, "region": tuple(vocab.REGIONS), "theme": tuple(vocab.THEMES),
              "area": tuple(vocab.AREAS)}

    def key(value):
        if value == NONE:
            return (1, 0, "")
        if by in orders:
            return (0, orders[by].index(value) if value in orders[by] else 99, str(value))
        if by == "status":
            order = [*vocab.ACTION_STATUSES, *vocab.EVENT_STATUSES]
            rank = order.index(value[0]) if value[0] in order else len(order)
            return (0, rank, str(value[0]), value[1] is None, str(value[1] or ""))
        if by == "country":
            return (0, 0, vocab.country_name(value))
        if isinstance(value, int):  # gcm and year are numbers
            return (0, 0, value, "")
        return (0, 1, 0, str(value))  # a value a hand edit left: after the numbers

    return key


@dataclass
class Summary:
    by: list[str]
    kinds: list[str]  # the kinds counted: those that have every field counted by
    total: int  # records in scope
    rows: list  # values of by[0], in display order
    columns: list  # values of by[1] (crosstab), else []
    counts: dict  # (row,) or (row, column) -> number of records


def parse_by(values: list[str]) -> list[str]:
    fields = []
    for value in values or ["kind"]:
        field = value.strip().lower()
        field = _BY_PLURALS.get(field, field)
        if field not in BY_FIELDS:
            close = difflib.get_close_matches(field, BY_FIELDS, n=1)
            hint = f"Did you mean '{close[0]}'? " if close else ""
            raise MieuxError(f"Cannot count by '{value}'.", f"{hint}Use one of: {', '.join(BY_FIELDS)}.")
        fields.append(field)
    if len(fields) > 2:
        raise MieuxError("At most two --by fields can be combined.", "Write for example --by region --by theme.")
    if len(fields) == 2 and fields[0] == fields[1]:
        raise MieuxError(f"--by {fields[0]} is given twice.", "Give two different fields for a crosstab.")
    return fields


def json_value(by: str, value) -> dict:
    """A counted value as JSON keys: a status with the date it was known is two."""
    if by == "status":
        return status_fields(None if value == NONE else value)
    return {by: None if value == NONE else value}


# The field a count "by" reads, where only the kinds that have it are counted.
_KIND_FIELDS = {"status": "status", "sector": "sectors", "funder": "partners"}


def counted_kinds(by: list[str]) -> list[str]:
    """Only the kinds that have a field are counted by it: --by status counts actions and events,
    --by sector actions."""
    return [k for k in KINDS if all(b not in _KIND_FIELDS or k in schema.get(_KIND_FIELDS[b]).kinds for b in by)]


def summarize(records: list[dict], by: list[str], catalogue: Catalogue, role: str | None = None,
              years: list = ()) -> Summary:
    """The counts over records in memory (Catalogue.summary); the index counts groups of
    records that have the same values (query.py), through `count_groups` too."""
    kinds = counted_kinds(by)
    return count_groups(((r, active_years(r, catalogue) if "year" in by else None, 1) for r in records if r["kind"] in kinds),
                        by, role, years)


def count_groups(groups, by: list[str], role: str | None = None, years: list = ()) -> Summary:
    """The summary of (record, years active, number of such records) groups, each record (or a
    stand-in holding the fields counted by) of a kind counted_kinds(by) keeps; by year, only the
    `years` asked for (--year 2018 counts 2018, not the other years of a record active in it)."""
    counts: dict = {}
    total = 0
    for record, span, n in groups:
        total += n
        first = _values(record, by[0], span, role, years)
        second = _values(record, by[1], span, role, years) if len(by) == 2 else [None]
        for a in first:
            for b in second:
                key = (a,) if b is None else (a, b)
                counts[key] = counts.get(key, 0) + n
    rows = sorted({k[0] for k in counts}, key=_natural_order(by[0]))
    columns = sorted({k[1] for k in counts}, key=_natural_order(by[1])) if len(by) == 2 else []
    if len(by) == 1 and by[0] not in ("year", "gcm"):
        rows.sort(key=lambda v: (v == NONE, -counts[(v,)]))  # stable: equal counts keep the natural order; none last
    return Summary(by=by, kinds=counted_kinds(by), total=total, rows=rows, columns=columns, counts=counts)
