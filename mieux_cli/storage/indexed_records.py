"""The records of a catalogue read from its index (index.py), as model.catalogue.Catalogue gives
them: by ID, by former ID, their kinds, the records linking to one, IDs by their beginning; each
read as it is asked, so that a write's plan (history.commit) and a read (queries/indexed.py, which
adds every question a read command asks) touch only the records they need."""

import functools
import sqlite3

from mieux_cli.model.catalogue import Catalogue
from mieux_cli.storage.index import RecordsById, record_of, rows


def marks(values) -> str:
    """SQL parameters for `values`: "?, ?, ?"."""
    return ", ".join("?" * len(values))


class _Aliases:
    """Former ID -> the ID its record has now, read as asked (the last record that has it)."""

    def __init__(self, db):
        self.db = db

    def get(self, alias, default=None):
        found = rows(self.db, "SELECT r.id FROM record_values v JOIN records r ON r.pos = v.pos "
                     "WHERE v.field = 'aliases' AND v.value = ? ORDER BY v.pos DESC LIMIT 1", (alias,))
        return found[0][0] if found else default

    def __contains__(self, alias) -> bool:
        return self.get(alias) is not None

    def items(self) -> list[tuple[str, str]]:
        """(former ID, the ID now) of every record, in the catalogue's order (the last one wins)."""
        return rows(self.db, "SELECT v.value, r.id FROM record_values v JOIN records r ON r.pos = v.pos "
                             "WHERE v.field = 'aliases' ORDER BY v.pos")


class _Kinds:
    """ID -> kind, read as asked."""

    def __init__(self, by_id: RecordsById):
        self.by_id = by_id

    def get(self, record_id, default=None):
        record = self.by_id.get(record_id)
        return record["kind"] if record is not None else default


class _Taken:
    """IDs in use, now or formerly: `in` only."""

    def __init__(self, catalogue: "IndexedRecords"):
        self.catalogue = catalogue

    def __contains__(self, record_id) -> bool:
        return record_id in self.catalogue.by_id or record_id in self.catalogue.by_alias


class _Linking:
    """ID -> (field, record) for every record that links to it, in the catalogue's order, read as
    asked; a record linking twice is one object (Catalogue.linking_to counts it once)."""

    def __init__(self, db, at):
        self.db, self.at = db, at

    def get(self, target, default=None):
        found = rows(self.db, "SELECT pos, field FROM links WHERE target = ? ORDER BY pos, ord", (target,))
        if not found:
            return default
        records = self.at({pos for pos, _ in found})
        return [(field, records[pos]) for pos, field in found]


def _following(prefix: str) -> str | None:
    """The first text after every text that begins with `prefix`, in SQLite's order (that of
    UTF-8 bytes, which is the code points'): its last character one higher, past the surrogates
    (which no text holds, and SQLite cannot be given); None when there is none (U+10FFFF)."""
    for end in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[end]) + 1
        if code == 0xD800:
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:end] + chr(code)
    return None


class IndexedRecords(Catalogue):
    """The records of a catalogue as its index holds them (`db`, from index.open_fresh; `state`:
    what the index records of the file), with every lookup of model.catalogue.Catalogue, each
    read as it is asked. `history`, when given: a function returning the history's entries
    (file_format.history_of), all or the `newest` ones, read when they are asked for."""

    def __init__(self, db: sqlite3.Connection, state: dict, path=None, created: bool = False,
                 migrated_from: int | None = None, history=None):
        self.db = db
        self.changed = state.get("changed")
        self.counter = state.get("counter")
        self.path = path
        self.created = created
        self.migrated_from = migrated_from
        self._at: dict[int, dict] = {}
        self._history = history

    @functools.cached_property
    def history(self) -> list[dict] | None:
        return self._history() if self._history else None

    def recorded(self, newest: int | None = None) -> list[dict] | None:
        if newest is None or not self._history:
            return self.history
        return self._history(newest)

    def key_of(self, record: dict) -> str:
        """The key in the file of a record `by_id` gave."""
        return self.by_id.keys[id(record)]

    def at(self, positions) -> dict[int, dict]:
        """The records at these positions, each read once."""
        wanted = sorted(p for p in positions if p not in self._at)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            self._at.update((pos, record_of(body)) for pos, body in rows(
                self.db, f"SELECT pos, body FROM bodies WHERE pos IN ({marks(chunk)})", chunk))
        return {p: self._at[p] for p in positions}

    @functools.cached_property
    def records(self) -> list[dict]:
        """Every usable record: only for what needs them all (a link typed as words of a title)."""
        return [record_of(body) for (body,) in rows(self.db, "SELECT body FROM bodies ORDER BY pos")]

    @functools.cached_property
    def damaged(self) -> list[tuple]:
        """(what is known of the record: its ID, or None if it is not even a mapping; why)."""
        return [({"id": record_of(i)} if i is not None else None, why)
                for i, why in rows(self.db, "SELECT id, why FROM damaged ORDER BY pos")]

    @functools.cached_property
    def by_id(self) -> RecordsById:
        return RecordsById(self.db)

    @functools.cached_property
    def by_alias(self) -> _Aliases:
        return _Aliases(self.db)

    @functools.cached_property
    def kinds_by_id(self) -> _Kinds:
        return _Kinds(self.by_id)

    @property
    def taken_ids(self) -> _Taken:
        return _Taken(self)

    @functools.cached_property
    def _linking(self) -> _Linking:
        return _Linking(self.db, self.at)

    def ids_starting(self, prefix: str):
        return sorted({i for i, _ in self._starting(prefix)})

    def titles(self):
        return rows(self.db, "SELECT id, title FROM records ORDER BY pos")

    def _starting(self, prefix: str) -> list[tuple[str, str]]:
        """(ID, title) of the records whose ID begins with `prefix`."""
        if not prefix:
            return rows(self.db, "SELECT id, title FROM records")
        following = _following(prefix)
        if following is None:
            found = rows(self.db, "SELECT id, title FROM records WHERE id >= ?", (prefix,))
        else:
            found = rows(self.db, "SELECT id, title FROM records WHERE id >= ? AND id < ?", (prefix, following))
        return [(i, t) for i, t in found if i.startswith(prefix)]
