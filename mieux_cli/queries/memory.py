"""Reads answered over the records in memory: the reference implementation of every question
list, search, summary and brief ask of a catalogue, which the index answers too
(queries/indexed.py; tests/test_index.py runs every read both ways; MIEUX_NO_INDEX=1 makes reads
use this one)."""

from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.schema import KIND_ORDER

SORT_KEYS = ("kind", "id", "title", "start", "end", "region")


def sort_records(records: list[dict], key: str) -> list[dict]:
    """Sorted by `key`, then kind and ID; records without a date sort after those with one."""
    tie = lambda r: (KIND_ORDER[r["kind"]], r["id"])
    if key == "kind":
        return sorted(records, key=tie)
    if key in ("start", "end", "region"):
        return sorted(records, key=lambda r: (r.get(key) is None, r.get(key) or "", tie(r)))
    return sorted(records, key=lambda r: (str(r[key]).casefold(), tie(r)))



class MemoryCatalogue(Catalogue):
    """A catalogue that answers reads over its records in memory."""

    def select(self, filters, sort: str | None = None, limit: int | None = None) -> list[dict]:
        """The records `filters` keep, in the catalogue's order or sorted by `sort` (SORT_KEYS)."""
        matching = [r for r in self.records if filters.matches(r, self)]
        return (sort_records(matching, sort) if sort else matching)[:limit]

    def stream(self, filters, sort: str | None = None, limit: int | None = None):
        """`select`, one record at a time (the index reads them as they are asked for)."""
        return iter(self.select(filters, sort, limit))

    def kinds_selected(self, filters, sort: str | None = None, limit: int | None = None) -> set[str]:
        """The kinds of the records `select` gives."""
        return {r["kind"] for r in self.select(filters, sort, limit)}

    def count(self, filters) -> int:
        return sum(1 for r in self.records if filters.matches(r, self))

    def search(self, filters, query: str, limit: int):
        """The best `limit` records for `query` among those `filters` keep (search.py)."""
        from mieux_cli.queries.search import (  # only for a search
            Found,
            search,
            with_snippets,
        )

        results = search(self.select(filters), query)
        return Found(with_snippets(results, query, limit), len(results.hits), results.corrections)

    def summary(self, filters, by: list[str], role: str | None = "beneficiary"):
        """The records `filters` keep, counted by one or two fields (summary.py); by country, the
        countries of that role (filters.ROLES; None: any)."""
        from mieux_cli.queries.summary import summarize  # only for a summary

        return summarize(self.select(filters), by, self, role, filters.years)
