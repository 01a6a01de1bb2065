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

A read opens the index only if its state names the file as it is now (open_fresh, here, with
the reads' helpers); otherwise the store rebuilds it (index_writing.build: into a temporary file,
renamed over the old one, so that no reader ever sees half an index). A write updates it in the
same locked transaction as the file (index_writing.update), after the file is replaced: if the
process dies between the two, the state names the old file, and the next read rebuilds.
"""

import contextlib
import os
import sqlite3
import time
import weakref
import zlib
from pathlib import Path

import orjson

from mieux_cli import __version__
from mieux_cli.errors import IndexBroken

FORMAT = 11  # of the index itself: an index of another format is rebuilt


SUFFIX = ".index.sqlite"


BUSY_SECONDS = 10.0  # how long a reader or a writer waits for another's transaction on the index


FACET_FIELDS = ("countries", "participants", "themes", "areas", "gcm", "funders", "sector_codes")  # as JSON, for summaries


BIT_FIELDS = ("themes", "areas", "gcm")  # small vocabularies: also a bit a code, for filters and summaries


OUTSIDE = 1 << 62  # in a field's bits: it holds a value that has no bit of its own (see bits)


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
# after that moment has a later time. A time in whole seconds may come from a file system whose
# tick is a second or two: RACY_NS; any other comes from one whose tick is the kernel's clock's
# (10 ms at most): FINE_RACY_NS. (Comparing 140 MB costs a read, or a write, 0.2 s.)
RACY_NS = 3 * 10**9
FINE_RACY_NS = 10**8


def racy(info: os.stat_result) -> bool:
    """Whether the file's identity alone cannot tell this version from a change made in place
    just after it."""
    window = RACY_NS if info.st_mtime_ns % 10**9 == 0 else FINE_RACY_NS
    return time.time_ns() - info.st_mtime_ns < window


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


def state_of(identity: list[int], counter: int, changed: str | None, crc: int | None = None, lines: bool = False) -> dict:
    """The state an index records: what it was made by, and from which file (with the checksum
    of its bytes while its identity is not enough: content_check); `lines`: the file is one this
    mieux wrote, laid out a line per entry (file_layout), whose lines a write may copy."""
    state = {"format": FORMAT, "version": __version__, "words": words_columns(), "file": identity,
             "counter": counter, "changed": changed}
    if crc is not None:
        state["crc"] = crc
    if lines:
        state["lines"] = True
    return state


# What makes an index usable: its format and searched fields, and the file it was made from. Not
# the version of mieux that made it: an upgrade keeps the index (FORMAT changes whenever what the
# index holds, or derives from a record, does).
def same_state(state: dict, wanted: dict, keys=("format", "words", "file")) -> bool:
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


def connect(path: Path, mode: str = "rw") -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_SECONDS, check_same_thread=False,
                         factory=_Connection)
    db.execute("PRAGMA trusted_schema=OFF")  # a file that is not ours cannot run anything
    return db


def stored_state(db: sqlite3.Connection) -> dict | None:
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
        db = connect(path)
    except sqlite3.Error:
        return None
    try:
        version = data_version(db)
        state = stored_state(db)
        if (state is not None and same_state(state, state_of(identity, 0, None)) and _same_bytes(db, state, catalogue)
                and data_version(db) == version):
            db.version = data_version(db)
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
    from mieux_cli.storage.files import NotRegularFile, TooLarge, open_regular_file

    try:
        with open_regular_file(catalogue, state["file"][2]) as f:  # its size, no more
            info = os.fstat(f.fileno())
            found = 0
            while block := f.read(1 << 20):  # a block at a time: 140 MB need not be held at once
                found = zlib.crc32(block, found)
    except (OSError, NotRegularFile, TooLarge):
        return False
    if file_identity(info) != state["file"] or found != crc:
        return False  # changed in place: the index is made again
    if not racy(info):
        settled = {k: v for k, v in state.items() if k != "crc"}
        with contextlib.suppress(sqlite3.Error):  # best effort: a read-only folder keeps checking
            db.execute("PRAGMA busy_timeout = 50")  # never wait on a writer for this
            db.execute("UPDATE state SET value = ? WHERE key = 'catalogue' AND value = ?",
                       (orjson.dumps(settled), orjson.dumps(state)))
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
    return True


def data_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA data_version").fetchone()[0]


def unchanged(db: sqlite3.Connection) -> None:
    """IndexBroken if the index was updated since `db` opened it (its reads may then mix two
    versions of the catalogue)."""
    if db.version is not None and not db.detached and data_version(db) != db.version:
        raise IndexBroken("the index was updated during the read", damaged=False)


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
        self.keys: dict[int, str] = {}  # id() of each record given -> its key in the file

    def get(self, record_id, default=None):
        if record_id not in self._cache:
            found = rows(self.db, "SELECT r.doc, b.body FROM records r JOIN bodies b USING (pos) WHERE r.pos = "
                                  "(SELECT pos FROM records WHERE id = ? ORDER BY pos DESC LIMIT 1)",
                         (record_id,)) if isinstance(record_id, str) else None
            record = self._cache[record_id] = record_of(found[0][1]) if found else None
            if record is not None:
                self.keys[id(record)] = found[0][0]
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


def codes_of(field: str, found: int) -> list:
    """The codes whose bits are set in `found` (bits without OUTSIDE), in the vocabulary's order."""
    key = (field, found)
    if key not in _CODES:
        _CODES[key] = [code for code, bit in bit_of(field).items() if found & bit]
    return _CODES[key]


_CODES: dict[tuple, list] = {}
