"""The index made, updated and checked (see index.py for what it holds): built whole into a
temporary file renamed over the old one, updated in the writer's locked transaction, compared
with the file record for record by `mieux check`."""

import contextlib
import gc
import itertools
import os
import sqlite3
from collections import Counter
from pathlib import Path

import orjson

from mieux_cli.storage.index import (
    BIT_FIELDS,
    FACET_FIELDS,
    OUTSIDE,
    RecordsById,
    bit_of,
    connect,
    end_reads,
    remove,
    same_state,
    state_of,
    stored_state,
)

BULK = 2000  # a write changing more records than this rebuilds the index rather than update it


CHUNK = 1000  # records whose rows are made and inserted together


VALUE_FIELDS = ("countries", "participants", "place_country", "themes", "areas", "gcm", "tags", "aliases")


_TABLES = """
CREATE TABLE state(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE records(
    pos INTEGER PRIMARY KEY, doc TEXT NOT NULL, id TEXT NOT NULL, id_key TEXT NOT NULL, kind TEXT NOT NULL,
    kind_order INTEGER NOT NULL, title TEXT NOT NULL, title_key TEXT NOT NULL, region, status, status_as_of,
    status_known, start, "end", year_first INTEGER, year_last INTEGER, place_country, countries BLOB, participants BLOB,
    themes BLOB, areas BLOB, gcm BLOB, funders BLOB, sector_codes BLOB, themes_bits INTEGER NOT NULL, areas_bits INTEGER NOT NULL,
    gcm_bits INTEGER NOT NULL, plain_vocabulary INTEGER NOT NULL, words_whole INTEGER NOT NULL);
CREATE TABLE bodies(pos INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE record_values(field TEXT NOT NULL, value, pos INTEGER NOT NULL);
CREATE TABLE links(target, pos INTEGER NOT NULL, ord INTEGER NOT NULL, field TEXT NOT NULL);
CREATE TABLE damaged(pos INTEGER PRIMARY KEY, doc TEXT NOT NULL, id BLOB, why TEXT NOT NULL);
"""


# Made after the rows are in: a sort is quicker than keeping them in order row by row. A list of
# a region, by theme, area or objective, and its count, read records_by_region alone; a page of
# the whole catalogue in its default order, records_in_order, and in each order of --sort, the
# index made for it (each as queries/indexed.ORDER sorts); a summary by year or by status, the
# index of those columns alone.
_INDEXES = """
CREATE INDEX records_by_id ON records(id);
CREATE INDEX records_by_doc ON records(doc);
CREATE INDEX records_by_region ON records(region, kind, themes_bits, areas_bits, gcm_bits, kind_order, id);
CREATE INDEX records_in_order ON records(kind_order, id);
CREATE INDEX records_by_id_key ON records(id_key, kind_order, id);
CREATE INDEX records_by_title ON records(title_key, kind_order, id);
CREATE INDEX records_by_start ON records(start IS NULL, coalesce(start, ''), kind_order, id);
CREATE INDEX records_by_end ON records("end" IS NULL, coalesce("end", ''), kind_order, id);
CREATE INDEX records_by_region_sort ON records(region IS NULL, coalesce(region, ''), kind_order, id);
CREATE INDEX records_by_years ON records(year_first, year_last, kind);
CREATE INDEX records_by_status ON records(status, status_as_of, kind);
CREATE INDEX values_by_value ON record_values(field, value, pos);
CREATE INDEX values_by_pos ON record_values(pos);
CREATE INDEX links_by_target ON links(target, pos, ord);
CREATE INDEX links_by_pos ON links(pos);
CREATE INDEX damaged_by_doc ON damaged(doc);
"""


_RECORD_COLUMNS = ("pos", "doc", "id", "id_key", "kind", "kind_order", "title", "title_key", "region", "status",
                   "status_as_of", "status_known", "start", '"end"', "year_first", "year_last", "place_country", *FACET_FIELDS,
                   *(f"{f}_bits" for f in BIT_FIELDS), "plain_vocabulary", "words_whole")


class Lookup:
    """What facets.active_years needs of a catalogue: `by_id`, the usable records by ID (the last
    of the file's order when two share one)."""

    def __init__(self, by_id):
        self.by_id = by_id


def bits(field: str, values) -> int:
    """The bits of the codes a record has in a field of BIT_FIELDS. A value outside the
    vocabulary (which no filter can name) or a code given twice sets OUTSIDE instead: the bits
    then do not say all the field holds, and a summary reads the record's values as they are."""
    bit = bit_of(field)
    found = 0
    for value in values if isinstance(values, list) else ():
        code = bit.get(value, 0) if isinstance(value, (str, int)) else 0
        found |= code if code and not found & code else OUTSIDE
    return found


def _json(values) -> bytes:
    return orjson.dumps(values) if values else b"[]"


def _scalar(value):
    """A value SQLite can hold as it is; anything else (a list where a code belongs, in a record
    changed by hand) as JSON, which no filter value equals."""
    if value is None or type(value) in (str, int, float):
        return value
    return orjson.dumps(value)


class _Rows:
    """The rows of records for the index."""

    def __init__(self, lookup: Lookup):
        from mieux_cli.model import schema
        from mieux_cli.model.words import searched_fields

        self.lookup = lookup
        self.fields = searched_fields()
        self.kind_order = schema.KIND_ORDER

    def span(self, record: dict) -> tuple | None:
        from mieux_cli.model.facets import active_years

        return active_years(record, self.lookup)

    def entry(self, pos: int, doc: str, record: dict) -> tuple[tuple, tuple]:
        """The record's row in `records`, and in `words` (its body is orjson.dumps(record))."""
        from mieux_cli.model.facets import record_funders, record_sectors, record_themes, status_of
        from mieux_cli.model.records import last_day
        from mieux_cli.model.words import index_words

        # with the themes its specific areas give, and the funders and sectors summaries count
        facets = {**record, "themes": record_themes(record), "funders": record_funders(record),
                  "sector_codes": record_sectors(record)}
        status = status_of(record)
        known = None
        if status and status[1]:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                known = last_day(status[1]).isoformat()
        span = self.span(record) or (None, None)
        words, plain, whole = index_words(record, self.fields)
        row = (pos, doc, record["id"], record["id"].casefold(), record["kind"], self.kind_order[record["kind"]],
               record["title"], record["title"].casefold(), _scalar(record.get("region")),
               _scalar(record.get("status")), _scalar(record.get("status_as_of")), known, _scalar(record.get("start")),
               _scalar(record.get("end")), *span, _scalar(record.get("place_country")), *(_json(facets.get(f)) for f in FACET_FIELDS),
               *(bits(f, facets.get(f)) for f in BIT_FIELDS), int(plain), int(whole))
        return row, (pos, *(words.get(name) for name in self.fields))

    @staticmethod
    def values(pos: int, record: dict):
        for field in VALUE_FIELDS:
            value = record.get(field)
            for item in value if isinstance(value, list) else () if value is None else (value,):
                yield field, _scalar(item), pos

    @staticmethod
    def links(pos: int, record: dict):
        from mieux_cli.model.records import links_of

        for n, (field, target) in enumerate(links_of(record)):
            yield _scalar(target), pos, n, field


def _words_table(fields) -> str:
    # contentless: the words are only looked up, never read back (bodies holds the records)
    return f"CREATE VIRTUAL TABLE words USING fts5({_quoted(fields)}, content='', tokenize='ascii')"


def _quoted(fields) -> str:
    return ", ".join(f'"{name}"' for name in fields)


def _insert_words(fields) -> str:
    return f"INSERT INTO words(rowid, {_quoted(fields)}) VALUES (?{', ?' * len(fields)})"


def _damaged_id(record) -> bytes | None:
    """A damaged record's ID as stored, for naming it (None: not even a mapping)."""
    return orjson.dumps(record.get("id")) if isinstance(record, dict) else None


def _nothing(n: int = 1) -> None:
    pass


@contextlib.contextmanager
def _no_progress(total: int, description: str):
    yield _nothing


def build(path: Path, records: dict, state: dict, like: os.stat_result | None = None, progress=None) -> None:
    """Write the index of `records` (the file's records table: key -> record) with `state`, as a
    new file renamed over `path` once complete and durable. `like`: the catalogue file's stat,
    whose permissions the index keeps (it holds the same records). `progress(total, what)`:
    as Output.progress. Raises OSError or sqlite3.Error, leaving no temporary file behind."""
    from mieux_cli.model.records import damage
    from mieux_cli.storage.files import (
        keep_owner_and_mode,
        remove_temporary_files,
        sync_folder,
    )

    remove_temporary_files(path.parent, of=path.name)  # of a build killed before its rename (we hold the lock)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    collecting = gc.isenabled()
    gc.disable()  # rows for every record, none of them garbage: collecting would only cost time
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            if like is not None:
                keep_owner_and_mode(fd, like)
        finally:
            os.close(fd)
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;")
            rows = _Rows(Lookup({}))
            db.executescript(_TABLES)
            db.execute(_words_table(rows.fields))
            db.execute("BEGIN")
            verdicts = [(doc, record, damage(record)) for doc, record in records.items()]
            rows.lookup.by_id.update((r["id"], r) for _, r, why in verdicts if not why)
            with (progress or _no_progress)(len(verdicts), "Indexing the catalogue") as advance:
                _insert(db, rows, verdicts, 1, advance)
            for statement in _INDEXES.split(";"):  # executescript would end the transaction
                db.execute(statement)
            db.execute("INSERT INTO state VALUES ('catalogue', ?)", (orjson.dumps(state),))
            db.execute("COMMIT")
        finally:
            db.close()
        with open(tmp, "rb") as f:  # a rename of a file not on disk yet could leave a hole after a crash
            os.fsync(f.fileno())
        remove(path)  # and the old index's journal, which would be played back into this one
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        if collecting:
            gc.enable()
    sync_folder(path.parent)


def _insert(db, rows: _Rows, verdicts, first: int, advance=_nothing) -> None:
    """Rows for (doc, record, why damaged) at positions first, first + 1 ..., a thousand records
    at a time (the rows of them all would take more memory than the records)."""
    insert_record = f"INSERT INTO records({', '.join(_RECORD_COLUMNS)}) VALUES ({', '.join('?' * len(_RECORD_COLUMNS))})"
    insert_words = _insert_words(rows.fields)
    for start in range(0, len(verdicts), CHUNK):
        usable, damaged, entries = [], [], []
        for pos, (doc, record, why) in enumerate(verdicts[start:start + CHUNK], first + start):
            if why:
                damaged.append((pos, doc, _damaged_id(record), why))
            else:
                usable.append((pos, record))
                entries.append(rows.entry(pos, doc, record))
        db.executemany(insert_record, [row for row, _ in entries])
        db.executemany("INSERT INTO bodies VALUES (?, ?)", [(pos, orjson.dumps(record)) for pos, record in usable])
        db.executemany(insert_words, [words for _, words in entries])
        db.executemany("INSERT INTO record_values VALUES (?, ?, ?)",
                       [value for pos, record in usable for value in rows.values(pos, record)])
        db.executemany("INSERT INTO links VALUES (?, ?, ?, ?)",
                       [link for pos, record in usable for link in rows.links(pos, record)])
        db.executemany("INSERT INTO damaged VALUES (?, ?, ?, ?)", damaged)
        advance(len(entries) + len(damaged))


def differences(old: dict, new: dict) -> tuple[dict, dict] | None:
    """What a write changed in the records table (`old` as read, `new` as written: key -> record),
    as `update` takes it: the entries gone (removed, or replaced under their key), and those that
    came (replacing, or added at the end); None when the order of the records kept changed.
    A record is replaced, never changed in place: one whose object is not the one read changed."""
    if [k for k in new if k in old] != [k for k in old if k in new]:
        return None
    added = [k for k in new if k not in old]
    if added and list(new)[-len(added):] != added:
        return None
    gone = {k: r for k, r in old.items() if k not in new or new[k] is not r}
    return gone, {k: r for k, r in new.items() if k not in old or old[k] is not r}


def update(path: Path, expected: dict, state: dict, gone: dict, came: dict) -> bool:
    """Bring the index from the file as it was read under the lock (`expected`: its state) to the
    file as written (`state`), in one transaction: the records `gone` (key -> record as it was)
    taken out, those that `came` (key -> record) put in, at the position of the one they replace
    under the same key, else after every other, in their order (which is how positions follow
    the file). False, changing nothing, when there is no index, it was not made from that file
    (stale already, or damaged), or the change is so large that a rebuild is quicker: the caller
    rebuilds."""
    from mieux_cli.model.records import damage

    if not os.path.isfile(path):
        return False
    if len(gone) + len(came) > BULK:
        return False
    end_reads()
    try:
        db = connect(path)
    except sqlite3.Error:
        return False
    try:
        db.execute("BEGIN IMMEDIATE")
        current = stored_state(db)
        if current is None or not same_state(current, expected, ("format", "words", "file", "counter")):
            db.execute("ROLLBACK")
            return False
        rows = _Rows(Lookup(RecordsById(db)))
        affected = set()
        positions = {}
        for key, record in gone.items():
            positions[key] = _delete(db, rows, key, record)
            affected.add(record.get("id") if isinstance(record, dict) else None)
        following = db.execute("SELECT max(pos) FROM (SELECT max(pos) AS pos FROM records UNION ALL "
                               "SELECT max(pos) FROM damaged)").fetchone()[0] or 0
        for key, record in came.items():
            if key not in positions:
                following += 1
                positions[key] = following
            _insert(db, rows, [(key, record, damage(record))], positions[key])
            affected.add(record.get("id") if isinstance(record, dict) else None)
        _respan(db, rows, {i for i in affected if isinstance(i, str)}, [positions[k] for k in came])
        db.execute("UPDATE state SET value = ? WHERE key = 'catalogue'", (orjson.dumps(state),))
        db.execute("COMMIT")
        return True
    except _Stale:
        db.execute("ROLLBACK")
        return False
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()


class _Stale(Exception):
    """The index does not hold what its state says: it is rebuilt."""


def _delete(db, rows: _Rows, doc: str, record) -> int:
    """Remove the rows of the record stored under `doc`; its position."""
    found = db.execute("SELECT pos FROM records WHERE doc = ?", (doc,)).fetchone()
    if found is None:
        found = db.execute("SELECT pos FROM damaged WHERE doc = ?", (doc,)).fetchone()
        if found is None:
            raise _Stale(doc)
        db.execute("DELETE FROM damaged WHERE pos = ?", found)
        return found[0]
    (pos,) = found
    _, words = rows.entry(pos, doc, record)  # a contentless table forgets a row given its words
    db.execute(f"INSERT INTO words(words, rowid, {_quoted(rows.fields)}) VALUES ('delete', ?{', ?' * len(rows.fields)})",
               words)
    for table in ("records", "bodies", "record_values", "links"):
        db.execute(f"DELETE FROM {table} WHERE pos = ?", (pos,))
    return pos


def _respan(db, made: _Rows, changed_ids: set[str], inserted: list[int]) -> None:
    """Recompute the years active of the practices whose years come from records that changed
    (a practice without dates takes those of its actions or event), and of those inserted."""
    todo = set(inserted)
    seen_ids: set[str] = set()
    while changed_ids - seen_ids or todo:
        fresh = changed_ids - seen_ids
        seen_ids |= fresh
        if fresh:
            marks = ", ".join("?" * len(fresh))
            todo |= {pos for (pos,) in db.execute(
                f"SELECT DISTINCT l.pos FROM links l JOIN records r ON r.pos = l.pos "
                f"WHERE l.target IN ({marks}) AND r.kind = 'practice'", sorted(fresh))}
        positions, todo = sorted(todo), set()
        made.lookup.by_id = RecordsById(db)  # what changed meanwhile is read anew
        for pos in positions:
            body, record_id, first, last = db.execute(
                "SELECT body, id, year_first, year_last FROM records JOIN bodies USING (pos) WHERE pos = ?", (pos,)).fetchone()
            span = made.span(orjson.loads(body)) or (None, None)
            if tuple(span) != (first, last):
                db.execute("UPDATE records SET year_first = ?, year_last = ? WHERE pos = ?", (*span, pos))
                changed_ids.add(record_id)  # a practice linking to this one (a hand edit) follows it


def verify(path: Path, identity: list[int], records: dict) -> str | None:
    """What is wrong with the index of the file whose records table is `records` ("missing", "its
    records differ from the file's" ...), or None when it matches it row for row (`mieux check`)."""
    from mieux_cli.model.records import damage

    if not os.path.isfile(path):
        return "missing"
    try:
        db = connect(path, "ro")
    except sqlite3.Error:
        return "cannot be opened"
    try:
        db.execute("BEGIN")
        state = stored_state(db)
        if state is None or not same_state(state, state_of(identity, 0, None)):
            return "made from another version of the catalogue file"
        rows = _Rows(Lookup({}))
        verdicts = [(doc, record, damage(record)) for doc, record in records.items()]
        rows.lookup.by_id.update((r["id"], r) for _, r, why in verdicts if not why)
        usable = [(pos, doc, r) for pos, (doc, r, why) in enumerate(verdicts, 1) if not why]
        # Row by row as the index gives them, never all of them at once (as many again as the records).
        doc_at = {}
        stored = db.execute(f"SELECT {', '.join(_RECORD_COLUMNS)}, b.body FROM records JOIN bodies b USING (pos) ORDER BY pos")
        for found, wanted in itertools.zip_longest(stored, usable):
            if found is None or wanted is None:
                return "its records differ from the file's"
            pos, doc, record = wanted
            if found[1:-1] != rows.entry(pos, doc, record)[0][1:] or found[-1] != orjson.dumps(record):
                return "its records differ from the file's"
            doc_at[found[0]] = found[1]
        for table, made, at in (("record_values", rows.values, 2), ("links", rows.links, 1)):
            def by_doc(row, doc, at=at):
                return (*row[:at], doc, *row[at + 1:])

            found = Counter(by_doc(row, doc_at.get(row[at])) for row in db.execute(f"SELECT * FROM {table}"))
            if found != Counter(by_doc(row, doc) for pos, doc, r in usable for row in made(pos, r)):
                return f"its {table.replace('_', ' ')} differ from the file's"
        damaged = db.execute("SELECT doc, id, why FROM damaged ORDER BY pos").fetchall()
        if damaged != [(doc, _damaged_id(r), why) for doc, r, why in verdicts if why]:
            return "its damaged records differ from the file's"
        if db.execute("SELECT count(*) FROM words").fetchone()[0] != len(usable):
            return "its full-text table does not hold every record"
        problem = db.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            return f"damaged (SQLite: {problem})"
        return None
    except (sqlite3.Error, orjson.JSONDecodeError) as e:
        return f"damaged ({e})"
    finally:
        db.close()
