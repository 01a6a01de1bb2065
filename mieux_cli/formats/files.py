"""What every format's reader and writer share: a record as read, with where it came from (Item),
a file that cannot be read at all, a file's text read within a bound, and a file written whole or
not at all."""

import contextlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.storage.files import (
    NotRegularFile,
    TooLarge,
    read_regular_file,
    write_atomically,
)

# An import file larger than this is refused before it is read: 100,000 real records are about
# 100 MB of JSON, and parsing takes several times a file's size in memory.
MAX_IMPORT_BYTES = 256 * 1024 * 1024


def nothing(n: int = 1) -> None:
    """The default progress callback."""


def write_file(path: Path, data: bytes, durable: bool = True) -> None:
    """Write `path` whole or not at all (the one atomic write, store.write_atomically), so that
    neither a reader nor a failed export ever sees half a file; not `durable`: synced later, with
    others (storage.files.sync_all)."""
    try:
        write_atomically(path, data, durable=durable)
    except OSError as e:
        raise write_error(path, e) from None


def write_error(path: Path, e: OSError) -> MieuxError:
    return MieuxError(f"Could not write {path}: {e.strerror or e}.", "Fix that and run the export again.")


@dataclass
class Item:
    """One record as read, with where it came from, for the error report."""

    raw: object
    file: str
    line: int | None = None  # of the record (a YAML mapping, a CSV row); None for JSON
    key_lines: dict[str, int] = field(default_factory=dict)  # field -> line of its key (YAML)
    problems: list[tuple[str, str]] = field(default_factory=list)  # found while reading (CSV cells)
    notes: list[str] = field(default_factory=list)  # what the file holds that mieux has no field for (IATI)
    # IATI: former ID -> (the previous activity identifier it was read from, the reporting org's ref)
    previous: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the fields the source states, which an import updates (None: every field of the raw record)
    carried: set[str] | None = None

    def line_of(self, name: str) -> int | None:
        return self.key_lines.get(name, self.line)


class UnreadableFile(MieuxError):
    """A file that cannot be parsed at all: one line naming it, the line and the fix."""

    def __init__(self, name: str, line: int | None, what: str, hint: str = "Fix it and run the import again."):
        super().__init__(f"{name}{f':{line}' if line else ''}: {what}.", hint)


@contextlib.contextmanager
def no_progress(total: int, description: str):
    yield nothing


@dataclass
class Reading:
    items: list[Item]
    report: list[str] = field(default_factory=list)  # about a file as a whole (IATI: activities, languages)


FILE_STEPS = 1000  # progress steps per file read: a large YAML file reports how far it got


def checked_size(path: Path) -> int:
    """The size of an IATI file to import (it is streamed, not read whole); refused before it is
    read when it is not a regular file or too large."""
    try:
        info = os.stat(path)  # symlinks followed
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", "Check the path and its permissions.") from None
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end: an IATI file is streamed
        raise UnreadableFile(str(path), None, "not a regular file, not a file that can be imported",
                             "Give an IATI activity file (.xml).")
    if info.st_size > MAX_IMPORT_BYTES:
        raise UnreadableFile(str(path), None, f"too large to import ({info.st_size // 2**20} MB; the limit is "
                             f"{MAX_IMPORT_BYTES // 2**20} MB)", "Download a smaller selection (by country, sector or publisher).")
    return info.st_size


def read_text(path: Path) -> str:
    """A file to import, as UTF-8 text (a byte-order mark left out)."""
    data = _text_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnreadableFile(str(path), data.count(b"\n", 0, e.start) + 1, f"not UTF-8 text (byte 0x{data[e.start]:02x})",
                             "Save it as UTF-8 and run the import again.") from None


def read_spreadsheet_text(path: Path) -> tuple[str, str | None]:
    """A CSV file to import, as text, and the encoding it was read in when not UTF-8: Excel in
    Western Europe saves CSV in Windows-1252, which is read as such."""
    data = _text_bytes(path)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def _text_bytes(path: Path) -> bytes:
    try:
        data = read_regular_file(path, MAX_IMPORT_BYTES)
    except NotRegularFile as e:
        raise UnreadableFile(str(path), None, f"{e.what}, not a file that can be imported",
                             "Give a YAML, JSON or CSV file, or a folder of YAML files.") from None
    except TooLarge as e:
        raise UnreadableFile(str(path), None, f"too large to import ({e})",
                             "Split it into smaller files and import them one by one.") from None
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", "Check the path and its permissions.") from None
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise UnreadableFile(str(path), line, "not a text file (it holds NUL bytes: a binary file, or UTF-16)",
                             "Give a YAML, JSON or CSV file saved as UTF-8.")
    return data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark, as some editors (and Excel) write, is not data
