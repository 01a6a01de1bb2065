"""A backup compared with the catalogue file line by line, for `mieux restore`: a backup is a
version of the file, laid out as mieux writes it (file_layout.py), so the records a restore
changes are the lines that differ, and only those are parsed. 100,000 records of which one
changed: two reads of the files and a digest of each line, instead of parsing and checking every
record of the backup."""

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path

import orjson

from mieux_cli.errors import IndexBroken
from mieux_cli.model.migrations import CURRENT_FORMAT as FORMAT
from mieux_cli.storage.file_format import MAX_FILE_BYTES, META_TABLE, file_format
from mieux_cli.storage.file_layout import NotLaidOut, meta_of, record_values, value_at
from mieux_cli.storage.files import NotRegularFile, TooLarge, open_regular_file
from mieux_cli.storage.index import rows


@dataclass
class Difference:
    """What the records of a backup differ by from the catalogue file at its version `counter`:
    the backup's records that the file does not hold as they are (as stored: new, or other
    versions), and the IDs of the file's records that the backup does not hold as they are."""

    counter: int
    wanted: list[dict]
    unwanted: set[str]


def _digest(value: bytes) -> bytes:
    return hashlib.blake2b(value, digest_size=16).digest()


def _digests(source) -> dict[bytes, int] | None:
    """Digest -> where the line starts, for each record line (a digest, not the line: memory stays
    small); None if two lines are the same record (a hand edit)."""
    found = {}
    for offset, value in record_values(source):
        digest = _digest(value)
        if digest in found:
            return None
        found[digest] = offset
    return found


def _parsed(source, offsets) -> list:
    """The records whose lines start at these offsets, read again, in the file's order."""
    return [orjson.loads(value_at(source, offset)) for offset in sorted(offsets)]


def difference(store, backup: Path) -> Difference | None:
    """The Difference of `backup` from the catalogue file, when both are laid out as this mieux
    writes them, in this format, and the file is the one its index says, with no damaged record;
    None otherwise (the backup is then read whole)."""
    with contextlib.ExitStack() as held:
        written = store.as_written(held)
        if written is None:
            return None
        source, db, state = written
        try:
            if rows(db, "SELECT 1 FROM damaged LIMIT 1"):  # taken out by a restore: the backup is read whole
                return None
            backup_file = held.enter_context(open_regular_file(backup, MAX_FILE_BYTES))
            metas = meta_of(source), meta_of(backup_file)
            if any(meta is None or file_format({META_TABLE: meta}) != FORMAT for meta in metas):
                return None
            current, kept = _digests(source), _digests(backup_file)
            if current is None or kept is None:
                return None
            wanted = _parsed(backup_file, [offset for digest, offset in kept.items() if digest not in current])
            unwanted = {record["id"] for record in _parsed(source, [offset for digest, offset in current.items()
                                                                     if digest not in kept])}
        except (OSError, NotRegularFile, TooLarge, NotLaidOut, IndexBroken, orjson.JSONDecodeError, TypeError, KeyError):
            return None
        if not all(isinstance(record, dict) for record in wanted):
            return None
        return Difference(state["counter"], wanted, unwanted)
