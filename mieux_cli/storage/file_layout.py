"""The catalogue file's bytes: one JSON document, which TinyDB (or any JSON reader) opens as it
is, laid out one entry per line, so that a write copies the lines it does not change as bytes
instead of parsing and re-encoding every record:

    {"meta":{"1":{...}},
    "history":{
    "1":{...}
    ,"2":{...}
    },
    "records":{
    "1":{...}
    ,"2":{...}
    }}

Each history entry and each record is one line, its key first; the comma that separates it from
the one before starts the line, so that lines are added at the end of a table, and left out
anywhere, without touching their neighbours (only the first line of a table has no comma). JSON
escapes every line break inside a value, so a line is always one whole entry. Any other table (a
hand edit's) sits on a line of its own after the meta table.

A write trusts this layout only in the very file mieux wrote (its index says so, and it matches
the file's identity: see catalogue_file.Store.transaction); any other file is parsed whole, and
written back in this layout.
"""

from collections.abc import Iterator

import orjson

from mieux_cli.storage.file_format import HISTORY_TABLE, META_TABLE, RECORDS_TABLE, encoded

_HISTORY_OPEN = b'"history":{\n'
_RECORDS_OPEN = b'"records":{\n'
_TABLE_CLOSE = b"},\n"
_END = b"}}\n"


class NotLaidOut(Exception):
    """The file is not in this layout, or does not hold what its index says: it is parsed whole."""


class TooDeep(Exception):
    """A value (left by a hand edit) nested deeper than a read of the file would take."""


def entry_bytes(value) -> bytes:
    """A table's entry as compact JSON; TooDeep if it is nested too deeply for the file to be read
    back (orjson writes 255 levels, reads 1,024; encoded writes deeper ones)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        pass
    try:
        payload = encoded(value)
        orjson.loads(b'{"t":{"1":' + payload + b"}}")  # as deep as it sits in the file
    except (ValueError, TypeError, RecursionError, orjson.JSONDecodeError):
        raise TooDeep() from None
    return payload


def _entry(key: str, payload: bytes, first: bool) -> bytes:
    return (b"" if first else b",") + b'"' + key.encode() + b'":' + payload + b"\n"


def _table(table: dict) -> Iterator[bytes]:
    for n, (key, value) in enumerate(table.items()):
        yield _entry(key, entry_bytes(value), first=not n)


def lines_of(data: dict) -> Iterator[bytes]:
    """The file's bytes for `data` (its tables: key -> entry, every key a number), line by line."""
    yield b'{"meta":' + entry_bytes(data.get(META_TABLE, {})) + b",\n"
    for name, table in data.items():
        if name not in (META_TABLE, HISTORY_TABLE, RECORDS_TABLE):
            yield orjson.dumps(name) + b":" + entry_bytes(table) + b",\n"
    yield _HISTORY_OPEN
    yield from _table(data.get(HISTORY_TABLE, {}))
    yield _TABLE_CLOSE
    yield _RECORDS_OPEN
    yield from _table(data.get(RECORDS_TABLE, {}))
    yield _END


def _key(line: bytes) -> bytes:
    """The key of an entry's line (`"12":{...}` or `,"12":{...}`)."""
    start = 2 if line[:1] == b"," else 1
    end = line.find(b'"', start)
    if line[start - 1:start] != b'"' or end < 0:
        raise NotLaidOut("an entry's line does not start with its key")
    return line[start:end]


_BLOCK = 1 << 20  # of the records table, copied a block at a time


class Rewrite:
    """The file `source` (in this layout, opened in binary) with a new meta table, the records
    under the keys `gone` left out, `records` (key -> entry, keys after every one there) added at
    the end of their table, and the entries `history` at the end of the history, numbered after
    the last one. Iterate it for the new file's bytes, the unchanged records copied a block at a
    time; `last_history` is then the number of the last history entry before the ones added (0:
    none). NotLaidOut, before anything is replaced, if the file is not
    laid out so or lacks one of the records `gone`."""

    def __init__(self, source, meta: dict, gone, history: list[dict], records: dict[str, object]):
        self.source = source
        self.meta, self.history, self.records = meta, history, records
        self.gone = {key.encode() for key in gone}
        self.last_history = 0

    def __iter__(self) -> Iterator[bytes]:
        source = self.source
        if not source.readline().startswith(b'{"meta":'):
            raise NotLaidOut("the file does not start with its meta table")
        yield b'{"meta":' + entry_bytes(self.meta) + b",\n"
        for line in iter(source.readline, b""):  # other tables, each on its line
            if line == _HISTORY_OPEN:
                break
            yield line
        else:
            raise NotLaidOut("no history table")
        yield _HISTORY_OPEN
        last = None
        for line in iter(source.readline, b""):
            if line == _TABLE_CLOSE:
                break
            last = line
            yield line
        else:
            raise NotLaidOut("the history table does not end")
        self.last_history = int(_key(last)) if last is not None else 0
        numbered = {str(n): entry for n, entry in enumerate(self.history, self.last_history + 1)}
        yield from self._added(numbered, first=last is None)
        yield _TABLE_CLOSE
        if source.readline() != _RECORDS_OPEN:
            raise NotLaidOut("no records table after the history")
        yield _RECORDS_OPEN
        first, missing = True, set(self.gone)
        for lines in self._record_blocks():
            if missing:
                lines = _without(lines, missing)
            if lines:
                yield lines[1:] if first and lines[:1] == b"," else lines
                first = False
        if missing:
            raise NotLaidOut("the records table does not hold what the index says")
        yield from self._added(self.records, first)
        yield _END

    def _record_blocks(self) -> Iterator[bytes]:
        """The records table's lines, whole, a block of them at a time; NotLaidOut unless the
        file ends with the table."""
        carry = b""
        while block := self.source.read(_BLOCK):
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            if block.endswith(b"\n" + _END) and not carry and not self.source.peek(1):
                yield block[:-len(_END)]
                return
            if block == _END and not carry and not self.source.peek(1):  # no records
                return
            yield block[:cut]
        raise NotLaidOut("the records table does not end")

    @staticmethod
    def _added(entries: dict[str, object], first: bool) -> Iterator[bytes]:
        for n, (key, value) in enumerate(entries.items()):
            yield _entry(key, entry_bytes(value), first and not n)


def _without(lines: bytes, keys: set[bytes]) -> bytes:
    """Whole lines of a table without the entries under `keys`; each key found is taken out of
    `keys`. A key sits at the start of its line only (a value's line breaks are escaped)."""
    if len(keys) > _SEARCHED:
        kept = []
        for line in lines.splitlines(keepends=True):
            if _key(line) in keys:
                keys.discard(_key(line))
            else:
                kept.append(line)
        return b"".join(kept)
    for key in list(keys):
        needle = b'"' + key + b'":'
        at = lines.find(needle)
        while at >= 0:  # the same text inside a record (a nested mapping's key) is not at a line's start
            start = at - 1 if lines[at - 1:at] == b"," else at
            if start == 0 or lines[start - 1:start] == b"\n":
                lines = lines[:start] + lines[lines.index(b"\n", at) + 1:]
                keys.discard(key)
                break
            at = lines.find(needle, at + 1)
    return lines


_SEARCHED = 8  # keys left out by searching for them; more, by reading every line's key


def meta_of(source) -> dict | None:
    """The meta table of a file in this layout, from its first line alone; None if the file does
    not start as this layout does."""
    line = source.readline()
    if not (line.startswith(b'{"meta":') and line.endswith(b",\n")):
        return None
    try:
        meta = orjson.loads(line[len(b'{"meta":'):-2])
    except orjson.JSONDecodeError:
        return None
    return meta if isinstance(meta, dict) else None


def history_section(source, newest: int | None = None) -> dict:
    """The history table of a file in this layout (opened in binary), or its `newest` entries,
    each parsed alone: the records, after it, are not read."""
    if meta_of(source) is None:
        raise NotLaidOut("the file does not start with its meta table")
    lines = _history_lines(source)
    chosen = lines if newest is None else lines[len(lines) - newest:] if newest else []
    try:
        return {_key(line).decode(): orjson.loads(line[line.index(b":") + 1:]) for line in chosen}
    except orjson.JSONDecodeError:
        raise NotLaidOut("a history entry is not JSON") from None


def _history_lines(source) -> list[bytes]:
    """The lines of the history table, read from the line after the meta table's."""
    for line in iter(source.readline, b""):  # other tables, each on its line
        if line == _HISTORY_OPEN:
            break
    else:
        raise NotLaidOut("no history table")
    lines = []
    for line in iter(source.readline, b""):
        if line == _TABLE_CLOSE:
            return lines
        lines.append(line)
    raise NotLaidOut("the history table does not end")


def record_values(source):
    """The records of a file in this layout (opened in binary, after its first line: meta_of),
    each as (where its line starts, the bytes of its value: without its key, its comma or its line
    break); `value_at` reads one again. NotLaidOut as soon as the file is not laid out so (its
    history and its records table, then the end)."""
    _history_lines(source)
    if source.readline() != _RECORDS_OPEN:
        raise NotLaidOut("no records table after the history")
    offset = source.tell()
    for line in source:
        if line == _END:
            if source.read(1):
                raise NotLaidOut("the file goes on after its records table")
            return
        if line[:1] not in (b'"', b","):
            raise NotLaidOut("an entry's line does not start with its key")
        yield offset, line[line.index(b":") + 1:-1]
        offset += len(line)
    raise NotLaidOut("the records table does not end")


def value_at(source, offset: int) -> bytes:
    """The value of the record whose line starts at `offset` (record_values)."""
    source.seek(offset)
    line = source.readline()
    return line[line.index(b":") + 1:-1]


def is_laid_out(path, info, data: dict) -> bool:
    """Whether the file at `path` (whose stat was `info` when `data`, its tables, were read from
    it) is byte for byte the file mieux writes for `data`: so that an index made from a read, not
    from a write, may still let writes copy its lines (an upgrade that remakes the index keeps
    them quick). Compared a block at a time; any doubt is False."""
    import os

    from mieux_cli.storage.files import open_regular_file

    try:
        with open_regular_file(path, info.st_size) as f:
            if os.fstat(f.fileno()).st_ino != info.st_ino:
                return False
            for chunk in lines_of(data):
                if f.read(len(chunk)) != chunk:
                    return False
            return not f.read(1)
    except Exception:  # noqa: BLE001 - any doubt is a no: a value nested too deep, a file that went away
        return False
