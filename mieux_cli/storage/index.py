"""The index: a SQLite file beside the catalogue (catalogue.json.index.sqlite) from which reads
answer without parsing every record.

It is a cache of the catalogue file, which stays the catalogue of record (what is locked, backed
up, migrated and exported): deleting the index loses nothing. It holds
- records: one row per usable record, in the file's order (pos), with the columns filters and
  sorts use and the values summaries count; bodies: the record itself, apart, so that a scan
  of records (a summary) does not read every record's text;
- record_values: the values of the list fields filters match (countries, participants, themes,
  areas, gcm, tags) and the former IDs (aliases), one row each;
- links: every link of every record (its field, its target), for the records linking to one;
- damaged: the records reads set aside (records.damage), with why;
- words: a full-text table (FTS5), a column per searched field holding the field's words as
  search.py folds and splits them (the ASCII tokenizer then splits them at the spaces only); a
  field longer than words.INDEXED_CHARS is left out, and its record (words_whole = 0) is
  searched from its body;
- state: the index's format, and the identity of the catalogue file it was made from: device,
  inode, size, modification and change times, and the change counter the file's meta table keeps.

Every derived column is computed by the same functions the in-memory Catalogue uses (damage,
active_years, links_of, field_words), so the two answer alike.

A read opens the index only if its state names the file as it is now (open_fresh); otherwise the
store rebuilds it (build: into a temporary file, renamed over the old one, so that no reader ever
sees half an index). A write updates it in the same locked transaction as the file (update),
after the file is replaced: if the process dies between the two, the state names the old file,
and the next read rebuilds.
"""

import contextlib
import gc
import os
import sqlite3
import time
import weakref
import zlib
from collections import Counter
from pathlib import Path

import orjson

from mieux_cli import __version__
from mieux_cli.errors import IndexBroken

FORMAT = 6  # of the index itself: an index of another format is rebuilt
SUFFIX = ".index.sqlite"
BUSY_SECONDS = 10.0  # how long a reader or a writer waits for another's transaction on the index
BULK = 2000  # a write changing more records than this rebuilds the index rather than update it
CHUNK = 1000  # records whose rows are made and inserted together
VALUE_FIELDS = ("countries", "participants", "themes", "areas", "gcm", "tags", "aliases")
FACET_FIELDS = ("countries", "participants", "themes", "areas", "gcm")  # as JSON, for summaries
BIT_FIELDS = ("themes", "areas", "gcm")  # small vocabularies: also a bit a code, for filters and summaries
OUTSIDE = 1 << 62  # in a field's bits: it holds a value that has no bit of its own (see bits)

_TABLES = """
CREATE TABLE state(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE records(
    pos INTEGER PRIMARY KEY, doc TEXT NOT NULL, id TEXT NOT NULL, id_key TEXT NOT NULL, kind TEXT NOT NULL,
    kind_order INTEGER NOT NULL, title TEXT NOT NULL, title_key TEXT NOT NULL, region, status, status_as_of,
    status_known, start, "end", year_first INTEGER, year_last INTEGER, countries BLOB, participants BLOB,
    themes BLOB, areas BLOB, gcm BLOB, themes_bits INTEGER NOT NULL, areas_bits INTEGER NOT NULL,
    gcm_bits INTEGER NOT NULL, plain_vocabulary INTEGER NOT NULL, words_whole INTEGER NOT NULL);
CREATE TABLE bodies(pos INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE record_values(field TEXT NOT NULL, value, pos INTEGER NOT NULL);
CREATE TABLE links(target, pos INTEGER NOT NULL, ord INTEGER NOT NULL, field TEXT NOT NULL);
CREATE TABLE damaged(pos INTEGER PRIMARY KEY, doc TEXT NOT NULL, id BLOB, why TEXT NOT NULL);
"""
# Made after the rows are in: a sort is quicker than keeping them in order row by row. A list of
# a region, by theme, area or objective, and its count, read records_by_region alone; a page of
# the whole catalogue in its default order, records_in_order.
_INDEXES = """
CREATE INDEX records_by_id ON records(id);
CREATE INDEX records_by_doc ON records(doc);
CREATE INDEX records_by_region ON records(region, kind, themes_bits, areas_bits, gcm_bits, kind_order, id);
CREATE INDEX records_in_order ON records(kind_order, id);
CREATE INDEX values_by_value ON record_values(field, value, pos);
CREATE INDEX values_by_pos ON record_values(pos);
CREATE INDEX links_by_target ON links(target, pos, ord);
CREATE INDEX links_by_pos ON links(pos);
CREATE INDEX damaged_by_doc ON damaged(doc);
"""
_RECORD_COLUMNS = ("pos", "doc", "id", "id_key", "kind", "kind_order", "title", "title_key", "region", "status",
                   "status_as_of", "status_known", "start", '"end"', "year_first", "year_last", *FACET_FIELDS,
                   *(f"{f}_bits" for f in BIT_FIELDS), "plain_vocabulary", "words_whole")


def path_of(catalogue: Path) -> Path:
    """The index of a catalogue file: beside it, named after it."""
    return catalogue.with_name(catalogue.name + SUFFIX)


# The files SQLite keeps beside a database: the rollback journal (a transaction's pages as they
# were), and the write-ahead log and its index.
COMPANIONS = ("-journal", "-wal", "-shm")


def companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in COMPANIONS]


def remove(path: Path) -> None:
    """Remove the index and the files SQLite keeps beside it. A journal left by a writer killed
    inside a transaction is played back into whatever database next bears its name: beside a new
    index it would write the old index's pages into it (records twice, others missing). Only for
    a caller holding the catalogue's lock: a reader that opened the index has already played back
    any journal it found."""
    for stale in (path, *companions(path)):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def file_identity(info: os.stat_result) -> list[int]:
    """What tells one version of the catalogue file from another without reading it: a write
    by mieux makes a new file (a new inode), a change in place changes its times."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


# A file's times have the resolution of its file system: a tick of the kernel's clock on ext4 or
# XFS, a second on ext4 with small inodes and on many network shares, two seconds on FAT. A
# change in place made within the same tick as the version an index was made from, keeping the
# size, leaves the file's identity as it was. So while a version is this young, its identity is
# not trusted alone: the index also records a checksum of the bytes it was made from (`crc`), and
# a read compares the file's bytes with it ("racily clean", as git calls such entries). A read
# that finds them equal once the version is older than this removes the checksum: a change made
# after that moment has a later time.
RACY_NS = 3 * 10**9


def racy(info: os.stat_result) -> bool:
    """Whether the file's identity alone cannot tell this version from a change made in place
    just after it."""
    return time.time_ns() - info.st_mtime_ns < RACY_NS


def checksum(payload: bytes) -> int:
    """Of a catalogue file's bytes: CRC-32, quick (70 ms for 140 MB), and not for security."""
    return zlib.crc32(payload)


def content_check(info: os.stat_result, payload: bytes) -> int | None:
    """The checksum the index records of a version made from `payload` (the bytes of the file
    whose stat is `info`), or None when its identity is enough (see RACY_NS)."""
    return checksum(payload) if racy(info) else None


def words_columns() -> list[str]:
    """The searched fields, which are the full-text table's columns, with their weights: an index
    made for other ones is rebuilt."""
    from mieux_cli.model.schema import searched

    return [f"{f.name}:{f.weight}" for f in searched()]


def state_of(identity: list[int], counter: int, changed: str | None, crc: int | None = None) -> dict:
    """The state an index records: what it was made by, and from which file (with the checksum
    of its bytes while its identity is not enough: content_check)."""
    state = {"format": FORMAT, "version": __version__, "words": words_columns(), "file": identity,
             "counter": counter, "changed": changed}
    if crc is not None:
        state["crc"] = crc
    return state


def _same(state: dict, wanted: dict, keys=("format", "version", "words", "file")) -> bool:
    return all(state.get(k) == wanted.get(k) for k in keys)


class _Connection(sqlite3.Connection):
    """A connection to an index. A reader's holds no transaction between its statements (a
    reader that waits, for an editor or a slow pipe, must not hold up a writer's update of the
    index): `version` is the index's data version when it was opened, and a statement that finds
    it changed raises IndexBroken, and the command runs again from the file."""

    version: int | None = None
    detached = False  # this process is writing: what it reads next may be newer, and is right


# The connections of this process reading an index: a process that takes the catalogue's lock to
# write detaches them (its own update of the index changes the data version they check).
_READERS: "weakref.WeakSet[_Connection]" = weakref.WeakSet()


def end_reads() -> None:
    for reader in list(_READERS):
        reader.detached = True


def _connect(path: Path, mode: str = "rw") -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_SECONDS, check_same_thread=False,
                         factory=_Connection)
    db.execute("PRAGMA trusted_schema=OFF")  # a file that is not ours cannot run anything
    return db


def _state(db: sqlite3.Connection) -> dict | None:
    row = db.execute("SELECT value FROM state WHERE key = 'catalogue'").fetchone()
    state = orjson.loads(row[0]) if row else None
    return state if isinstance(state, dict) else None


def open_fresh(path: Path, catalogue: Path, identity: list[int] | None) -> tuple[sqlite3.Connection, dict] | None:
    """The index, with its state, for reading (see _Connection); None when it is missing,
    damaged, of another format, or made from another version of the catalogue file (whose
    `identity` is the one it has now, and whose bytes are compared while that is not enough)."""
    if identity is None or not os.path.isfile(path):
        return None
    try:
        db = _connect(path)
    except sqlite3.Error:
        return None
    try:
        version = _version(db)
        state = _state(db)
        if (state is not None and _same(state, state_of(identity, 0, None)) and _same_bytes(db, state, catalogue)
                and _version(db) == version):
            db.version = _version(db)
            _READERS.add(db)
            return db, state
    except (sqlite3.Error, orjson.JSONDecodeError):
        pass
    db.close()
    return None


def _same_bytes(db: sqlite3.Connection, state: dict, catalogue: Path) -> bool:
    """Whether the catalogue file holds the bytes the index was made from, when its state keeps
    their checksum (content_check); once the version is old enough, the checksum is removed."""
    crc = state.get("crc")
    if crc is None:
        return True
    from mieux_cli.storage.files import (
        NotRegularFile,
        TooLarge,
        read_regular_file_and_stat,
    )

    try:
        payload, info = read_regular_file_and_stat(catalogue, state["file"][2])  # its size, no more
    except (OSError, NotRegularFile, TooLarge):
        return False
    if file_identity(info) != state["file"] or checksum(payload) != crc:
        return False  # changed in place: the index is made again
    if not racy(info):
        settled = {k: v for k, v in state.items() if k != "crc"}
        with contextlib.suppress(sqlite3.Error):  # best effort: a read-only folder keeps checking
            db.execute("PRAGMA busy_timeout = 50")  # never wait on a writer for this
            db.execute("UPDATE state SET value = ? WHERE key = 'catalogue' AND value = ?",
                       (orjson.dumps(settled), orjson.dumps(state)))
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    return True


def _version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA data_version").fetchone()[0]


def unchanged(db: sqlite3.Connection) -> None:
    """IndexBroken if the index was updated since `db` opened it (its reads may then mix two
    versions of the catalogue)."""
    if db.version is not None and not db.detached and _version(db) != db.version:
        raise IndexBroken("the index was updated during the read", damaged=False)


# -- building --------------------------------------------------------------------------------------


class Lookup:
    """What facets.active_years needs of a catalogue: `by_id`, the usable records by ID (the last
    of the file's order when two share one)."""

    def __init__(self, by_id):
        self.by_id = by_id


def rows(db: sqlite3.Connection, sql: str, params=()) -> list[tuple]:
    """A read of an index opened by open_fresh; IndexBroken if it fails half-way (damage its
    header did not show)."""
    try:
        found = db.execute(sql, params).fetchall()
        unchanged(db)
        return found
    except sqlite3.Error as e:
        raise IndexBroken(str(e)) from e


def record_of(body: bytes) -> dict:
    """A record as the index holds it."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise IndexBroken(str(e)) from e


class RecordsById:
    """The index's usable records by ID, read as they are asked for."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self._cache: dict = {}

    def get(self, record_id, default=None):
        if record_id not in self._cache:
            found = rows(self.db, "SELECT body FROM bodies WHERE pos = (SELECT pos FROM records WHERE id = ? "
                                  "ORDER BY pos DESC LIMIT 1)", (record_id,)) if isinstance(record_id, str) else None
            self._cache[record_id] = record_of(found[0][0]) if found else None
        record = self._cache[record_id]
        return default if record is None else record

    def __getitem__(self, record_id):
        record = self.get(record_id)
        if record is None:
            raise KeyError(record_id)
        return record

    def __contains__(self, record_id) -> bool:
        return self.get(record_id) is not None

    def __iter__(self):
        """The IDs, in the order they first appear."""
        return (i for (i,) in rows(self.db, "SELECT id FROM records GROUP BY id ORDER BY min(pos)"))


def bit_of(field: str) -> dict:
    """Code -> its bit, for a field of BIT_FIELDS: the vocabulary's order."""
    from mieux_cli.model import vocab

    if field not in _BITS:
        codes = {"themes": vocab.THEMES, "areas": vocab.AREAS, "gcm": vocab.GCM}[field]
        _BITS[field] = {code: 1 << n for n, code in enumerate(codes)}
    return _BITS[field]


_BITS: dict[str, dict] = {}


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


def codes_of(field: str, found: int) -> list:
    """The codes whose bits are set in `found` (bits without OUTSIDE), in the vocabulary's order."""
    key = (field, found)
    if key not in _CODES:
        _CODES[key] = [code for code, bit in bit_of(field).items() if found & bit]
    return _CODES[key]


_CODES: dict[tuple, list] = {}


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
        from mieux_cli.model.facets import status_of
        from mieux_cli.model.records import last_day
        from mieux_cli.model.words import index_words

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
               _scalar(record.get("end")), *span, *(_json(record.get(f)) for f in FACET_FIELDS),
               *(bits(f, record.get(f)) for f in BIT_FIELDS), int(plain), int(whole))
        return row, (pos, *(words.get(name) for name in self.fields))

    @staticmethod
    def values(pos: int, record: dict):
        for field in VALUE_FIELDS:
            value = record.get(field)
            for item in value if isinstance(value, list) else ():
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


# -- updating after a write --------------------------------------------------------------------------


def update(path: Path, expected: dict, state: dict, old: dict, new: dict) -> bool:
    """Bring the index from the file as it was read under the lock (`old`: its records table,
    `expected`: its state) to the file as written (`new`, `state`), in one transaction. False,
    changing nothing, when there is no index, it was not made from that file (stale already, or
    damaged), or the change is so large that a rebuild is quicker: the caller rebuilds.

    Records are replaced in a write, never changed in place (TinyDB removes and inserts them): a
    record whose object is not the one read is one that changed. TinyDB keeps the order of the
    records it keeps and adds new ones at the end, which is how positions follow the file."""
    from mieux_cli.model.records import damage

    if not os.path.isfile(path):
        return False
    removed = [k for k in old if k not in new]
    changed = [k for k, r in new.items() if k in old and old[k] is not r]
    added = [k for k in new if k not in old]
    if len(removed) + len(changed) + len(added) > BULK:
        return False
    if [k for k in new if k in old] != [k for k in old if k in new] or (added and list(new)[-len(added):] != added):
        return False
    end_reads()
    try:
        db = _connect(path)
    except sqlite3.Error:
        return False
    try:
        db.execute("BEGIN IMMEDIATE")
        current = _state(db)
        if current is None or not _same(current, expected, ("format", "version", "words", "file", "counter")):
            db.execute("ROLLBACK")
            return False
        rows = _Rows(Lookup(RecordsById(db)))
        affected = set()
        positions = {}
        for key in removed + changed:
            positions[key] = _delete(db, rows, key, old[key])
            affected.add(old[key].get("id") if isinstance(old[key], dict) else None)
        following = db.execute("SELECT max(pos) FROM (SELECT max(pos) AS pos FROM records UNION ALL "
                               "SELECT max(pos) FROM damaged)").fetchone()[0] or 0
        for key in changed + added:
            if key not in positions:
                following += 1
                positions[key] = following
            record = new[key]
            _insert(db, rows, [(key, record, damage(record))], positions[key])
            affected.add(record.get("id") if isinstance(record, dict) else None)
        _respan(db, rows, {i for i in affected if isinstance(i, str)},
                [positions[k] for k in changed + added])
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


# -- checking ----------------------------------------------------------------------------------------


def verify(path: Path, identity: list[int], records: dict) -> str | None:
    """What is wrong with the index of the file whose records table is `records` ("missing", "its
    records differ from the file's" ...), or None when it matches it row for row (`mieux check`)."""
    from mieux_cli.model.records import damage

    if not os.path.isfile(path):
        return "missing"
    try:
        db = _connect(path, "ro")
    except sqlite3.Error:
        return "cannot be opened"
    try:
        db.execute("BEGIN")
        state = _state(db)
        if state is None or not _same(state, state_of(identity, 0, None)):
            return "made from another version of the catalogue file"
        rows = _Rows(Lookup({}))
        verdicts = [(doc, record, damage(record)) for doc, record in records.items()]
        rows.lookup.by_id.update((r["id"], r) for _, r, why in verdicts if not why)
        stored = db.execute(f"SELECT {', '.join(_RECORD_COLUMNS)} FROM records ORDER BY pos").fetchall()
        usable = [(pos, doc, r) for pos, (doc, r, why) in enumerate(verdicts, 1) if not why]
        wanted = [rows.entry(pos, doc, r)[0] for pos, doc, r in usable]
        if [row[1:] for row in stored] != [row[1:] for row in wanted]:
            return "its records differ from the file's"
        bodies = db.execute("SELECT b.body FROM records r JOIN bodies b USING (pos) ORDER BY pos").fetchall()
        if [body for (body,) in bodies] != [orjson.dumps(r) for _, _, r in usable]:
            return "its records differ from the file's"
        doc_at = {row[0]: row[1] for row in stored}
        for table, made, at in (("record_values", rows.values, 2), ("links", rows.links, 1)):
            def by_doc(row, doc, at=at):
                return (*row[:at], doc, *row[at + 1:])

            found = Counter(by_doc(row, doc_at.get(row[at])) for row in db.execute(f"SELECT * FROM {table}"))
            if found != Counter(by_doc(row, doc) for pos, doc, r in usable for row in made(pos, r)):
                return f"its {table.replace('_', ' ')} differ from the file's"
        damaged = db.execute("SELECT doc, id, why FROM damaged ORDER BY pos").fetchall()
        if damaged != [(doc, _damaged_id(r), why) for doc, r, why in verdicts if why]:
            return "its damaged records differ from the file's"
        if db.execute("SELECT count(*) FROM words").fetchone()[0] != len(wanted):
            return "its full-text table does not hold every record"
        problem = db.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            return f"damaged (SQLite: {problem})"
        return None
    except (sqlite3.Error, orjson.JSONDecodeError) as e:
        return f"damaged ({e})"
    finally:
        db.close()
