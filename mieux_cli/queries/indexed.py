"""Reads answered by the index (storage/index.py): the filter options turned into SQL, their values
always as parameters, and every question list, search, show, summary, brief and completion ask
of a catalogue, answered as queries/memory.py answers it over the records in memory (its
reference implementation; tests/test_index.py compares the two command by command).

Only what a command shows is read: the records of a page, the hits of a search, counts as
numbers. Search finds its candidates and their words' counts in the full-text table, then
scores them with search.py's own arithmetic, so that its ranking is exactly the in-memory one.
"""

import functools
import sqlite3
from collections import Counter

import orjson

from mieux_cli.errors import IndexBroken
from mieux_cli.model.schema import KINDS
from mieux_cli.storage.index import (
    BIT_FIELDS,
    OUTSIDE,
    bit_of,
    codes_of,
    record_of,
    rows,
    unchanged,
)
from mieux_cli.storage.indexed_records import IndexedRecords, marks

# The fields that hold the countries of each role (filters.ROLES; None: any).
ROLE_FIELDS = {"beneficiary": ["countries"], "participant": ["participants"], "place": ["place_country"],
               None: ["countries", "participants", "place_country"]}


def where(filters) -> tuple[str, list]:
    """The condition on the `records` table, and its parameters, that keeps what
    filters.Filters.matches keeps."""
    from mieux_cli.model.records import first_day

    clauses: list[str] = []
    params: list = []

    def among(column: str, values) -> None:
        values = sorted(values)
        clauses.append(f"{column} IN ({marks(values)})")
        params.extend(values)

    def listed(fields: list[str], values) -> None:
        values = sorted(values)
        clauses.append(f"pos IN (SELECT pos FROM record_values WHERE field IN ({marks(fields)}) "
                       f"AND value IN ({marks(values)}))")
        params.extend([*fields, *values])

    if filters.kinds:
        among("kind", filters.kinds)
    if filters.regions:
        among("region", filters.regions)
    if filters.countries:
        listed(ROLE_FIELDS.get(filters.role, ROLE_FIELDS[None]), filters.countries)
    for field in ("themes", "areas", "gcm"):  # small vocabularies: a bit a code
        if getattr(filters, field):
            bit = bit_of(field)
            clauses.append(f"({field}_bits & ?) != 0")
            params.append(sum(bit[code] for code in set(getattr(filters, field))))
    if filters.tags:
        listed(["tags"], filters.tags)
    if filters.statuses:
        among("status", filters.statuses)
    if filters.as_of:  # status_known: the last day of the period the status was known in
        clauses.append("status_known >= ?")
        params.append(first_day(filters.as_of).isoformat())
    if filters.no_years:
        clauses.append("year_first IS NULL")
    elif filters.years:  # years active overlapping any of the ranges
        ranges = " OR ".join("(year_last >= ? AND year_first <= ?)" for _ in filters.years)
        clauses.append(f"({ranges}{' OR year_first IS NULL' if filters.undated else ''})")
        params.extend(bound for span in filters.years for bound in span)
    return " AND ".join(clauses) or "1", params


STREAM_PAGE = 200  # positions of a list streamed read at first (IndexedCatalogue.stream)


# Catalogue.select's sorts (catalogue.sort_records), then the catalogue's order for equal keys.
ORDER = {
    None: "pos",
    "kind": "kind_order, id, pos",
    "id": "id_key, kind_order, id, pos",
    "title": "title_key, kind_order, id, pos",
    "start": "start IS NULL, coalesce(start, ''), kind_order, id, pos",
    "end": '"end" IS NULL, coalesce("end", \'\'), kind_order, id, pos',
    "region": "region IS NULL, coalesce(region, ''), kind_order, id, pos",
}
# The columns a summary groups by, for each field it counts by (summary._values reads them).
GROUPED = {"kind": ("kind",), "region": ("region",), "country": ("countries", "participants", "place_country"), "theme": ("themes",),
           "area": ("areas",), "gcm": ("gcm",), "year": ("year_first", "year_last"), "status": ("status", "status_as_of"),
           "funder": ("funders",), "sector": ("sector_codes",)}
_JSON_COLUMNS = {"countries", "participants", "themes", "areas", "gcm", "funders", "sector_codes"}
# Summaries by these alone are counted by SQLite over records_by_region, which holds them all.
_BIT_GROUPED = {"kind": "kind", "region": "region", "theme": "themes", "area": "areas", "gcm": "gcm"}


def _guarded(method):
    """A read that fails half-way (in SQLite, or a record that does not parse) raises IndexBroken."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            answer = method(self, *args, **kwargs)
            unchanged(self.db)
            return answer
        except (sqlite3.Error, orjson.JSONDecodeError) as e:
            raise IndexBroken(str(e)) from e

    return guarded


class IndexedCatalogue(IndexedRecords):
    """A catalogue read from its index (storage/indexed_records.py), in one read transaction,
    with every read a command asks of it."""

    # -- reads -----------------------------------------------------------------------------------

    @_guarded
    def select(self, filters, sort: str | None = None, limit: int | None = None) -> list[dict]:
        condition, params = where(filters)
        positions = [pos for (pos,) in rows(self.db, f"SELECT pos FROM records WHERE {condition} ORDER BY {ORDER[sort]} LIMIT ?",
                                            [*params, -1 if limit is None else limit])]
        records = self.at(positions)
        return [records[pos] for pos in positions]

    def stream(self, filters, sort: str | None = None, limit: int | None = None):
        """`select`, read and given a few hundred records at a time, none of them kept: a list of
        100,000 records piped to `head` reads only what it shows. IndexBroken from a read that
        finds the index changed since the first (the command then says its output is incomplete)."""
        condition, params = where(filters)
        query = f"SELECT pos FROM records WHERE {condition} ORDER BY {ORDER[sort]} LIMIT ? OFFSET ?"
        offset, page = 0, STREAM_PAGE
        while limit is None or offset < limit:
            size = page if limit is None else min(page, limit - offset)
            positions = [pos for (pos,) in rows(self.db, query, [*params, size, offset])]
            for start in range(0, len(positions), 500):
                chunk = positions[start:start + 500]
                bodies = dict(rows(self.db, f"SELECT pos, body FROM bodies WHERE pos IN ({marks(chunk)})", chunk))
                for pos in chunk:
                    yield record_of(bodies[pos])
            if len(positions) < size:
                return
            offset, page = offset + size, page * 4  # each page skips those before it: they grow, so that costs little

    @_guarded
    def kinds_selected(self, filters, sort: str | None = None, limit: int | None = None) -> set[str]:
        condition, params = where(filters)
        if limit is None:
            return {kind for (kind,) in rows(self.db, f"SELECT DISTINCT kind FROM records WHERE {condition}", params)}
        return {kind for (kind,) in rows(self.db, f"SELECT DISTINCT kind FROM (SELECT kind FROM records WHERE {condition} "
                                                  f"ORDER BY {ORDER[sort]} LIMIT ?)", [*params, limit])}

    @_guarded
    def count(self, filters) -> int:
        condition, params = where(filters)
        return rows(self.db, f"SELECT count(*) FROM records WHERE {condition}", params)[0][0]

    @_guarded
    def completions(self, prefix: str) -> list[tuple[str, str]]:
        return self._starting(prefix)

    @_guarded
    def summary(self, filters, by: list[str], role: str | None = "beneficiary"):
        from mieux_cli.queries.summary import count_groups, counted_kinds

        condition, params = where(filters)
        kinds = counted_kinds(by)
        if len(kinds) < len(KINDS):
            condition, params = f"{condition} AND kind IN ({marks(kinds)})", [*params, *kinds]
        if set(by) <= _BIT_GROUPED.keys():
            return count_groups(self._grouped_by_bits(condition, params, by), by, role, filters.years)
        if by == ["country"]:
            return self._by_country(condition, params, role)
        columns = list(dict.fromkeys(c for field in by for c in GROUPED[field]))
        # Counted here rather than by GROUP BY, which sorts every row first (twice as long).
        found = Counter(rows(self.db, f"SELECT {', '.join(columns)} FROM records WHERE {condition}", params))

        def groups():
            for values, n in found.items():
                record = {c: orjson.loads(v) if c in _JSON_COLUMNS else v for c, v in zip(columns, values)}
                first, last = record.pop("year_first", None), record.pop("year_last", None)
                yield record, (first, last) if first is not None else None, n

        return count_groups(groups(), by, role, filters.years)

    def _by_country(self, condition: str, params: list, role: str | None):
        """A summary by country alone, counted by SQLite over the values of the countries of that
        role (record_values): each record once under each of its countries, those with none under
        NONE; 20 ms for 100,000 records, against 250 for reading each record's countries."""
        import dataclasses

        from mieux_cli.queries.summary import count_groups

        fields = ROLE_FIELDS.get(role, ROLE_FIELDS[None])
        scope = f"v.field IN ({marks(fields)})" + (f" AND v.pos IN (SELECT pos FROM records WHERE {condition})"
                                                     if condition != "1" else "")
        found = rows(self.db, f"SELECT v.value, count(DISTINCT v.pos) FROM record_values v WHERE {scope} GROUP BY v.value",
                     [*fields, *(params if condition != "1" else [])])
        total = rows(self.db, f"SELECT count(*) FROM records WHERE {condition}", params)[0][0]
        # none of those fields holds a country: an empty list, no place
        empty = {"countries": "countries = x'5b5d'", "participants": "participants = x'5b5d'",
                 "place_country": "(place_country IS NULL OR place_country = '')"}
        none = rows(self.db, f"SELECT count(*) FROM records WHERE {condition} AND {' AND '.join(empty[f] for f in fields)}",
                    params)[0][0]
        groups = [({"countries": [value], "participants": [value], "place_country": value}, None, n) for value, n in found]
        groups.append(({"countries": [], "participants": [], "place_country": None}, None, none))
        counted = count_groups((g for g in groups if g[2]), ["country"], role)
        return dataclasses.replace(counted, total=total)

    def _grouped_by_bits(self, condition: str, params: list, by: list[str]):
        """(stand-in record, None, number) for each group of records with the same values of the
        fields counted by (the codes of a small vocabulary as their bits), counted by SQLite.
        Grouped by a beginning of records_by_region (region, kind, themes), it reads that index in
        its order: 6 ms for 100,000 records, against 50 for reading each record's values; other
        groupings sort first (20-40 ms). A group whose bits do not say all a field holds
        (OUTSIDE) is read record by record."""
        wanted = {_BIT_GROUPED[field] for field in by}
        columns = [f"{f}_bits" if f in BIT_FIELDS else f for f in ("region", "kind", *BIT_FIELDS) if f in wanted]
        in_order = ["region", "kind", "themes_bits"]
        if set(columns) <= set(in_order):
            columns = in_order[:max(in_order.index(c) for c in columns) + 1]
        fields = [c.removesuffix("_bits") for c in columns]
        groups = rows(self.db, f"SELECT {', '.join(columns)}, count(*) FROM records WHERE {condition} "
                               f"GROUP BY {', '.join(columns)}", params)
        for *values, n in groups:
            if not any(v & OUTSIDE for f, v in zip(fields, values) if f in BIT_FIELDS):
                yield {f: codes_of(f, v) if f in BIT_FIELDS else v for f, v in zip(fields, values)}, None, n
                continue
            same = " AND ".join(f"{c} IS ?" for c in columns)
            for exact in rows(self.db, f"SELECT {', '.join(fields)} FROM records WHERE {condition} AND {same}",
                              [*params, *values]):
                yield {f: orjson.loads(v) if f in BIT_FIELDS else v for f, v in zip(fields, exact)}, None, 1

    @_guarded
    def search(self, filters, query: str, limit: int):
        from mieux_cli.queries.search import (
            Found,
            Hit,
            Results,
            query_terms,
            with_snippets,
        )

        words = query_terms(query)
        searching = _Searching(self, filters)
        if not words:
            return Found([], 0, {})
        found = [searching.weights(word) for word in words]
        corrections: dict[str, list[str]] = {}
        for i, word in enumerate(words):
            if not found[i] and searching.correctable(word):
                close = searching.corrections(word)
                if close:
                    corrections[word] = close
                    found[i] = searching.weights(word, tuple(close))
        scored = searching.scores(found)
        best = searching.best(scored, limit)
        records = self.at([pos for _, pos in best])
        hits = [Hit(records[pos], score, []) for score, pos in best]
        return Found(with_snippets(Results(hits, corrections), query, limit), len(scored), corrections)


def _in_order(keys: list[tuple[int, str]], column: dict[str, int]) -> bool:
    """Whether (record, field) keys come by record, then by the field's column."""
    previous = (-1, -1)
    for doc, col in keys:
        current = (doc, column[col])
        if current < previous:
            return False
        previous = current
    return True


class _Searching:
    """One search over the index: the words' occurrences in the records `filters` keep, read
    from the full-text table, counted and scored as search.search counts and scores them."""

    def __init__(self, catalogue: IndexedCatalogue, filters):
        from mieux_cli.model.words import searched_fields

        self.catalogue = catalogue
        self.db = catalogue.db
        self.filtered = filters != type(filters)()
        self.condition, self.params = where(filters)
        self.fields = searched_fields()
        self.column = {name: i for i, name in enumerate(self.fields)}
        self.weight = {name: f.weight for name, f in self.fields.items()}
        if not self.db.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'word_instances'").fetchone():
            self.db.execute("CREATE VIRTUAL TABLE temp.word_instances USING fts5vocab(main, words, instance)")
            self.db.execute("CREATE VIRTUAL TABLE temp.word_list USING fts5vocab(main, words, row)")

    def _in_scope(self) -> tuple[str, list]:
        if not self.filtered:
            return "", []
        return f" AND doc IN (SELECT pos FROM records WHERE {self.condition})", self.params

    def weights(self, word: str, corrections: tuple[str, ...] = ()) -> dict[int, float]:
        """Record -> how strongly it holds the word (search.term_weight over its fields), for the
        records that hold it: the word itself, longer words it begins (for words of PREFIX_MIN
        letters or more) and the corrections, the first COUNTED_MAX matches of a field counted."""
        from mieux_cli.queries.search import (
            COUNTED_MAX,
            PREFIX_MIN,
            frequency,
            saturated,
            weight_in,
        )

        scope, params = self._in_scope()
        # Rows come by record, then field (in the table's column order), then place.
        exact = Counter(self.db.execute(f"SELECT doc, col FROM temp.word_instances WHERE term = ?{scope}", [word, *params]))
        others: dict[tuple[int, str], set[int]] = {}  # where the other words matched are (their offsets)
        queries = [(f"term > ? AND term < ?{scope}", [word, word + "\U0010ffff", *params])] if len(word) >= PREFIX_MIN else []
        queries += [(f"term = ?{scope}", [c, *params]) for c in corrections]
        for condition, values in queries:
            for doc, col, term, offset in self.db.execute(
                    f"SELECT doc, col, term, offset FROM temp.word_instances WHERE {condition}", values):
                if term != word and (term.startswith(word) or term in corrections):
                    others.setdefault((doc, col), set()).add(offset)
        if self.partial:  # records the full-text table does not hold whole: weighed from the records
            for pos in self.partial:
                exact.pop(pos, None)
            others = {key: found for key, found in others.items() if key[0] not in self.partial}
        column = self.column
        keys = list(exact.keys() | others.keys()) if others else list(exact)
        if others or not _in_order(keys, column):
            keys.sort(key=lambda k: (k[0], column[k[1]]))
        weight = self.weight
        found: dict[int, float] = {}
        for key in keys:  # by record, then field: summed as term_weight sums, in the schema's field order
            whole, partial = exact.get(key, 0), len(others.get(key, ()))
            if whole + partial > COUNTED_MAX and partial:  # only the first matches count: which ones, by their place
                whole, partial = self._first_matches(word, key, others[key])
            found[key[0]] = found.get(key[0], 0.0) + saturated(weight[key[1]], frequency(min(whole, COUNTED_MAX), partial))
        for pos, record in self.partial.items():
            held = weight_in(record, word, corrections, self.fields)
            if held:
                found[pos] = held
        return found

    @functools.cached_property
    def partial(self) -> dict[int, dict]:
        """The records in scope whose words the full-text table does not hold whole (a field longer
        than words.INDEXED_CHARS), by position: few, or none."""
        return {pos: orjson.loads(body) for pos, body in self.db.execute(
            f"SELECT pos, body FROM bodies WHERE pos IN (SELECT pos FROM records WHERE words_whole = 0 AND "
            f"{self.condition})", self.params)}

    def _first_matches(self, word: str, key: tuple[int, str], other_offsets: set[int]) -> tuple[int, int]:
        from mieux_cli.queries.search import COUNTED_MAX

        offsets = [(o, True) for (o,) in self.db.execute(
            "SELECT offset FROM temp.word_instances WHERE term = ? AND doc = ? AND col = ?", (word, *key))]
        first = sorted(offsets + [(o, False) for o in other_offsets])[:COUNTED_MAX]
        whole = sum(1 for _, is_word in first if is_word)
        return whole, len(first) - whole

    def correctable(self, word: str) -> bool:
        from mieux_cli.queries.search import FUZZY_MIN

        return len(word) >= FUZZY_MIN

    def corrections(self, word: str) -> list[str]:
        """search.search's corrections: the closest words (difflib, as it ranks them) of those
        the records in scope hold in the first SCAN_CHARS characters of their fields. Those are
        the index's words for most records; for the others (index_words), read from the records."""
        import difflib

        from mieux_cli.queries.search import FUZZY_CUTOFF, scan_vocabulary

        special: set[str] = set()
        for (body,) in self.db.execute(f"SELECT body FROM bodies WHERE pos IN (SELECT pos FROM records "
                                       f"WHERE plain_vocabulary = 0 AND {self.condition})", self.params):
            special |= scan_vocabulary(orjson.loads(body), self.fields)
        known = {term for (term,) in self.db.execute("SELECT term FROM temp.word_list")} | special
        ranked = difflib.get_close_matches(word, list(known), n=len(known) or 1, cutoff=FUZZY_CUTOFF)
        close = []
        for candidate in ranked:
            if candidate in special or self.db.execute(
                    f"SELECT 1 FROM words WHERE words MATCH ? AND rowid IN "
                    f"(SELECT pos FROM records WHERE plain_vocabulary = 1 AND {self.condition}) LIMIT 1",
                    [f'"{candidate}"', *self.params]).fetchone():
                close.append(candidate)
                if len(close) == 3:
                    break
        return close

    def total(self) -> int:
        return self.db.execute(f"SELECT count(*) FROM records WHERE {self.condition}", self.params).fetchone()[0]

    def scores(self, found: list[dict[int, float]]) -> dict[int, float]:
        """Record -> its score (search.combined), for every record that holds a word."""
        from mieux_cli.queries.search import combined, rarity

        idf = [rarity(self.total(), len(weights)) for weights in found]
        terms = len(found)
        if terms == 1:  # many records weigh the same: each weight scored once
            scored: dict[float, float] = {}
            for weight in set(found[0].values()):
                scored[weight] = combined(idf, [weight], 1, 1)
            return {pos: scored[weight] for pos, weight in found[0].items()}
        return {pos: combined(idf, [weights.get(pos, 0.0) for weights in found], sum(1 for w in found if pos in w), terms)
                for pos in set().union(*found)}

    def best(self, scored: dict[int, float], limit: int) -> list[tuple[float, int]]:
        """The `limit` best (score, position), as search.search orders hits: by score, then ID,
        then the catalogue's order."""
        if not scored:
            return []
        ranked = sorted(scored.values(), reverse=True)
        threshold = ranked[min(limit, len(ranked)) - 1]
        contenders = [pos for pos, score in scored.items() if score >= threshold]
        ids = {}
        for start in range(0, len(contenders), 500):
            chunk = contenders[start:start + 500]
            ids.update(self.db.execute(f"SELECT pos, id FROM records WHERE pos IN ({marks(chunk)})", chunk))
        return sorted(((scored[pos], pos) for pos in contenders), key=lambda sp: (-sp[0], ids[sp[1]], sp[1]))[:limit]
