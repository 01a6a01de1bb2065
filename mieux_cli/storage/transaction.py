"""A write's transaction (catalogue_file.Store.change): the catalogue as read under the lock, and
what a commit takes out of it, adds to it and records in its history; then applied to the file's
tables in memory, or, by the store, to the file's lines as they are copied (file_layout.Rewrite)."""

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mieux_cli.errors import IndexBroken
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.migrations import CURRENT_FORMAT as FORMAT
from mieux_cli.model.migrations import migrate_records
from mieux_cli.storage.file_format import (
    HISTORY_TABLE,
    META_TABLE,
    RECORDS_TABLE,
    change_counter,
    file_format,
    history_of,
    number_every_key,
)
from mieux_cli.storage.file_layout import NotLaidOut, history_section, meta_of

if TYPE_CHECKING:
    from mieux_cli.storage.indexed_records import IndexedRecords


class Transaction:
    """`catalogue`: the records as they are under the lock (model.catalogue.Catalogue, or the
    index's IndexedRecords), with their history; `key_of(record)`: the key in the file of a
    record `catalogue.by_id` gave. A record is never changed in place: it is removed, and the new
    version added under a new key (which is how the index follows a write)."""

    def __init__(self, catalogue: Catalogue, key_of):
        self.catalogue = catalogue
        self.key_of = key_of
        self.gone: dict[str, object] = {}  # key -> the entry removed, as stored
        self.added: list = []  # records, then damaged records put back as they were, each under a new key
        self.entry: dict | None = None  # the history entry recorded
        self.number: int | None = None  # its number, once written

    def remove(self, key: str, stored) -> None:
        self.gone[key] = stored

    def add(self, entries: list) -> None:
        self.added.extend(entries)

    def record(self, entry: dict) -> None:
        self.entry = entry

    @property
    def changed(self) -> bool:
        return bool(self.gone or self.added or self.entry)

    def new_keys(self, following: int) -> dict[str, object]:
        """The entries added, under the keys following, following + 1 ..."""
        return {str(n): entry for n, entry in enumerate(self.added, following)}


def apply_to(data: dict, tx: Transaction) -> None:
    """Make the changes of `tx` to the file's tables (`data`, every key a number): the removed
    records taken out, the new ones added after every key there was, the entry at the end of the
    history, numbered after the last one."""
    records = data.setdefault(RECORDS_TABLE, {})
    following = max((int(key) for key in records), default=0) + 1
    for key in tx.gone:
        del records[key]
    records.update(tx.new_keys(following))
    if tx.entry is not None:
        history = data.setdefault(HISTORY_TABLE, {})
        tx.number = max((int(key) for key in history), default=0) + 1
        history[str(tx.number)] = tx.entry


def now() -> str:
    """The time of a write, as the file records it (UTC, ISO 8601, to the second)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def numbered(data: dict) -> dict:
    """Give every key of the file's tables a number (file_format.number_every_key); the records
    table as it was before, for the index (a record renumbered is one removed and one added)."""
    old_records = dict(data.get(RECORDS_TABLE, {}))
    number_every_key(data)
    return old_records


def changed_meta(meta: dict) -> dict:
    """The meta table's entry of a file written now: this format, one more change, when."""
    counter = change_counter({META_TABLE: {"1": meta}})
    changed = {**meta, "format": FORMAT, "changed": now(), "counter": counter + 1}
    changed.setdefault("created", changed["changed"])
    return changed


def migration(data: dict) -> Transaction:
    """Bring an older file's records to the current format, once (in place: a record keeps its
    key), and the history entry that records it, to write after a backup (every replace makes
    one). A record that cannot be read is kept as it was, for `mieux check` to report."""
    from mieux_cli.errors import InvalidRecord
    from mieux_cli.storage.user import current_user
    from mieux_cli.text import os_text

    older = file_format(data)
    records = data[RECORDS_TABLE]
    for key, record in records.items():
        try:
            records[key] = migrate_records([record])[0]
        except InvalidRecord:
            pass
    tx = Transaction(None, None)
    tx.record({"at": now(), "user": os_text(current_user()), "command": f"migrated from format {older}",
               "changes": [], "undoes": None, "migrated": {"from": older, "to": FORMAT}})
    return tx


@dataclasses.dataclass
class LaidOut:
    """A file a write may copy the lines of (laid_out): open, with its index's state, its meta
    table, the key following every record's, and its records as the index holds them."""

    source: object
    state: dict
    meta: dict
    following: int
    catalogue: "IndexedRecords"


def laid_out(source, db, state: dict, path, history_read_whole) -> LaidOut | None:
    """The file `source` (open; its index `db`, fresh, with its `state`) as a write copying its
    lines takes it (file_layout.Rewrite), with the index as its catalogue; None unless the index
    says mieux wrote it in its layout, in this format, with no damaged record. The history is
    read from its table alone, or by `history_read_whole(newest)` if that cannot be."""
    from mieux_cli.storage import index
    from mieux_cli.storage.indexed_records import IndexedRecords

    meta = meta_of(source)
    try:
        if (not state.get("lines") or meta is None or file_format({META_TABLE: meta}) != FORMAT
                or index.rows(db, "SELECT 1 FROM damaged LIMIT 1")):
            return None
        following = index.rows(db, "SELECT max(CAST(doc AS INTEGER)) FROM records")[0][0] or 0
    except IndexBroken:
        return None

    def history(newest: int | None = None) -> list[dict]:
        source.seek(0)
        try:
            return history_of({HISTORY_TABLE: history_section(source, newest)})
        except NotLaidOut:
            return history_read_whole(newest)

    return LaidOut(source, state, meta, following + 1, IndexedRecords(db, state, path=path, history=history))
