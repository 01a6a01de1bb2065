"""The catalogue file's layout, which TinyDB reads and writes: the records, meta and history
tables; what the meta table records (format, change counter, last change); a file's bytes parsed
and refused when no mieux wrote them; and values encoded at any depth a hand edit left."""

import gc
import sys
from pathlib import Path

import orjson

from mieux_cli.errors import MieuxError
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.migrations import CURRENT_FORMAT as FORMAT
from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

RECORDS_TABLE = "records"


META_TABLE = "meta"


HISTORY_TABLE = "history"


# A catalogue file larger than this is not one mieux wrote (100,000 records are about 100 MB).
MAX_FILE_BYTES = 1 << 30


BYTE_ORDER_MARK = b"\xef\xbb\xbf"  # written by some editors; not data


def encoded(value, sort_keys: bool = False) -> bytes:
    """`value` as compact JSON. orjson stops at 255 levels of nesting, and a hand edit can leave a
    value nested deeper (a read allows 1,024), which would otherwise stop every write, and undo:
    such a value is written by the standard library's encoder instead."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except orjson.JSONEncodeError:
        import json

        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 10_000))
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")
        finally:
            sys.setrecursionlimit(limit)


def catalogue_of(data: dict, path: Path | None = None, created: bool = False, migrated_from: int | None = None,
                 kind: type[Catalogue] = Catalogue) -> Catalogue:
    """The catalogue a file's data holds, as a `kind` of Catalogue (the queries layer's answers
    reads over it)."""
    return kind(
        records=list(data.get(RECORDS_TABLE, {}).values()),
        changed=changed_at(data),
        counter=change_counter(data),
        path=path,
        created=created,
        migrated_from=migrated_from,
    )


def history_of(data: dict) -> list[dict]:
    """Every recorded change, oldest first, each with its number `n` (see history.py). An entry
    damaged by a hand edit is kept in its place as {"n", "damaged": why}: `history` shows it,
    `check` reports it, and `undo` refuses to go back across it."""
    entries = []
    for key, entry in data.get(HISTORY_TABLE, {}).items():
        numbered = key.isascii() and key.isdigit()
        n = int(key) if numbered else key  # the next write numbers it (number_every_key)
        why = entry_damage(entry) if numbered else "has a number that is not a number"
        entries.append({"n": n, "damaged": why} if why else {"n": n, **entry})
    return entries


# What each kind of change must hold besides its ID (history.py); drop and revive: a damaged
# record, which may be anything, kept whole.
_OPS = {"add": ("kind", "title", "hash"), "update": ("kind", "title", "hash"), "remove": ("kind", "title"),
        "drop": (), "revive": ()}


def entry_damage(entry) -> str | None:
    """What makes a history entry unusable, in words; None if nothing does."""
    if not isinstance(entry, dict):
        return "is not a change"
    if not all(isinstance(entry.get(name), str) for name in ("at", "user", "command")):
        return "lacks its time, user or command"
    undoes = entry.get("undoes")
    if not (undoes is None or isinstance(undoes, list) and all(isinstance(n, int) for n in undoes)):
        return "has an 'undoes' that is not a list of change numbers"
    changes = entry.get("changes")
    if not isinstance(changes, list):
        return "has no list of changes"
    for change in changes:
        op = change.get("op") if isinstance(change, dict) else None
        if op not in _OPS or not isinstance(change.get("id"), str):
            return "holds a change without its operation, ID, kind, title or digest"
        for name in _OPS[op]:  # a loop, not all(...): an entry may hold 100,000 changes
            if not isinstance(change.get(name), str):
                return "holds a change without its operation, ID, kind, title or digest"
        if change["op"] == "remove" and not isinstance(change.get("record"), dict):
            return "holds a removal without the record removed"
        if change["op"] in ("drop", "revive") and "record" not in change:
            return "holds a damaged record taken out or put back without the record"
        if change["op"] == "update" and not (isinstance(change.get("diff"), dict) and all(
                isinstance(pair, list) and len(pair) == 2 for pair in change["diff"].values())):
            return "holds a change without the fields it changed"
    return None


def change_counter(data: dict) -> int:
    """How many times mieux has written the file (its index records the count it was made at)."""
    counter = data.get(META_TABLE, {}).get("1", {}).get("counter", 0)
    return counter if isinstance(counter, int) and not isinstance(counter, bool) else 0


def changed_at(data: dict) -> str | None:
    """When mieux last wrote the file (UTC, ISO 8601), as its meta table says; None if it does not
    say it as text (a hand edit)."""
    changed = data.get(META_TABLE, {}).get("1", {}).get("changed")
    return changed if isinstance(changed, str) else None


def file_format(data: dict) -> int:
    """The format a catalogue file was written in; files from before formats were recorded are 1."""
    return data.get(META_TABLE, {}).get("1", {}).get("format", 1)


class NotACatalogue(Exception):
    """Bytes that are not a catalogue: `what` completes "The catalogue X ..."."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class NewerFormat(Exception):
    def __init__(self, file_format):
        super().__init__(file_format)
        self.file_format = file_format


def parse_catalogue(raw: bytes) -> dict:
    """The data of a catalogue file; NotACatalogue or NewerFormat if it is not one this mieux reads."""
    collecting = gc.isenabled()
    gc.disable()  # millions of new objects, none of them garbage: collecting would only cost time
    try:
        data = orjson.loads(raw.removeprefix(BYTE_ORDER_MARK))
    except orjson.JSONDecodeError:
        raise NotACatalogue("is damaged (not valid JSON)") from None
    finally:
        if collecting:  # in a program that uses mieux as a library (the mieux command runs without it)
            gc.enable()
    meta = data.get(META_TABLE, {}) if isinstance(data, dict) else None
    if not (isinstance(meta, dict) and isinstance(meta.get("1", {}), dict) and isinstance(data.get(RECORDS_TABLE), dict)
            and isinstance(data.get(HISTORY_TABLE, {}), dict)):
        raise NotACatalogue("is not a mieux catalogue")
    written = file_format(data)
    if not isinstance(written, int) or isinstance(written, bool) or written < 1:  # a hand edit: true, -5, "2"
        raise NotACatalogue(f"says it is in format {orjson.dumps(written).decode()}, which no mieux writes")
    if written > FORMAT:
        raise NewerFormat(written)
    return data


def read_backup(path: Path) -> list[dict]:
    """The records of a backup to restore (or of any catalogue file), as they are stored: the
    caller validates them. Never more than MAX_FILE_BYTES, and only from a regular file."""
    hint = "Choose another backup: see `mieux backup --list`."
    try:
        data = parse_catalogue(read_regular_file(path, MAX_FILE_BYTES))
    except FileNotFoundError:
        raise MieuxError(f"There is no backup file {path}.", "See `mieux backup --list`.") from None
    except NotRegularFile as e:
        raise MieuxError(f"{path} is {e.what}, not a backup file.", hint) from None
    except TooLarge:
        raise MieuxError(f"{path} is far too large to be a mieux backup.", hint) from None
    except NotACatalogue as e:
        raise MieuxError(f"The backup {path} {e.what}.", hint) from None
    except NewerFormat as e:
        raise MieuxError(f"The backup {path} was written by a newer mieux (format {e.file_format}; this one reads {FORMAT}).",
                         "Upgrade mieux (pip install --upgrade mieux-cli) to restore it.") from None
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", hint) from None
    return list(data[RECORDS_TABLE].values())


def number_every_key(data: dict) -> None:
    """Give a key that is not a plain number ("abc", "01", left by a hand edit) the next free
    number: TinyDB takes every key for a number when it writes. The key is only where a record
    sits in the file; the record itself, its ID included, is unchanged."""
    for table in data.values():
        if not isinstance(table, dict):
            continue
        odd = [key for key in table if not (key.isascii() and key.isdigit() and str(int(key)) == key)]
        free = max((int(key) for key in table if key not in odd), default=0) + 1
        for number, key in enumerate(odd, free):
            table[str(number)] = table.pop(key)
