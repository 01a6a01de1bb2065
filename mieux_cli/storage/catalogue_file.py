"""The catalogue file (the Store): read, locked, changed, replaced whole, backed up, and its index
kept with it.

The working catalogue is a TinyDB JSON file, laid out a line per entry (file_layout.py). TinyDB's
own JSONStorage rewrites the file in place and never locks, so a crash mid-write or two writers at
once corrupt it. Here instead:
- reads answer from the index beside the file (index.py), a SQLite cache of it, and never lock
  while it matches the file; a missing or stale index is rebuilt once, under the lock, and a
  reader that cannot rebuild it (a read-only folder, the lock held too long) parses the file
  (orjson, the garbage collector paused);
- every write is a transaction (Store.change): an exclusive inter-process lock (flock, released by
  the OS if the holder dies); the catalogue as it is under the lock, from the index when it
  matches the very file mieux wrote last (and the file's other lines then copied as bytes), else
  from the file parsed whole; one atomic replace (temporary file in the same folder, fsync,
  rename, fsync of the folder); then the index updated to match (if the process dies between
  the two, the next read rebuilds it);
- before each replace, the previous file is kept in its backups (backups.py); they rotate only
  after the replace succeeded; a symlinked catalogue is written through the link (the lock and
  the backups sit beside the file it points to); only a regular file is read, never more than
  MAX_FILE_BYTES of it.
Beside it: file_format.py and file_layout.py (the file's tables and bytes), transaction.py,
lock.py, files.py (bounded reads, atomic writes), backups.py, index.py, index_writing.py and
indexed_records.py (the index), history.py (every change, recorded and undoable).

MIEUX_NO_INDEX=1 makes reads parse the file instead of using the index (writes still keep the
index up to date): a troubleshooting switch, and how the tests compare the two.
"""

import contextlib
import dataclasses
import functools
import os
import stat
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from mieux_cli.errors import StorageError
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.migrations import CURRENT_FORMAT as FORMAT
from mieux_cli.storage.file_format import (
    HISTORY_TABLE,
    MAX_FILE_BYTES,
    META_TABLE,
    RECORDS_TABLE,
    NewerFormat,
    NotACatalogue,
    catalogue_of,
    change_counter,
    changed_at,
    file_format,
    history_of,
    parse_catalogue,
)
from mieux_cli.storage.file_layout import NotLaidOut, Rewrite, TooDeep, history_section, is_laid_out, lines_of
from mieux_cli.storage.files import (
    NotRegularFile,
    TooLarge,
    open_regular_file,
    read_regular_file_and_stat,
    remove_temporary_files,
    write_atomically,
)
from mieux_cli.storage.lock import LockUnavailable, hold, lock_timeout
from mieux_cli.storage.problems import damaged_file, not_saved, too_deep
from mieux_cli.storage.transaction import LaidOut, Transaction, apply_to, changed_meta, laid_out, migration, numbered

if TYPE_CHECKING:
    from mieux_cli.storage.backups import Backup, Backups

INDEX_SUFFIX = ".index.sqlite"  # the index of catalogue.json is catalogue.json.index.sqlite


NO_INDEX = "MIEUX_NO_INDEX"


def data_dir_path() -> Path:
    """catalogue.json in the user's data directory (~/.local/share/mieux on Linux)."""
    from platformdirs import user_data_path

    return user_data_path("mieux", appauthor=False) / "catalogue.json"


@dataclasses.dataclass
class Opened:
    """A catalogue opened for a read (Store.read): its index, fresh (a read connection and its
    state), or else the file's data; and whether this command created it, or migrated it (from
    which format)."""

    path: Path
    index: tuple | None = None
    data: dict | None = None
    created: bool = False
    migrated_from: int | None = None


@dataclasses.dataclass
class _Read:
    """The catalogue file as one command read it: its data (None: there is no file yet), its
    stat, the checksum the index records of it (index.content_check), and whether this command
    created it or migrated it (from which format)."""

    data: dict | None
    info: os.stat_result | None
    crc: int | None = None
    created: bool = False
    migrated_from: int | None = None


class Store:
    def __init__(self, path: Path | None = None):
        """`path`, else $MIEUX_DB, else the user's data directory, which is created if need be
        (a folder named explicitly must exist: a typo should not scatter catalogues around)."""
        path = path or os.environ.get("MIEUX_DB")
        self.path = Path(path).expanduser() if path else data_dir_path()
        if not path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # The file written: a symlinked catalogue is written through the link (see above).
        self.real_path = Path(os.path.realpath(self.path))
        self.lock_path = self.real_path.with_name(self.real_path.name + ".lock")
        self.index_path = self.real_path.with_name(self.real_path.name + INDEX_SUFFIX)
        self.lock_timeout = lock_timeout()  # refused now, not after the user typed a whole record

    # -- reading ---------------------------------------------------------------------------------

    def read(self, progress=None) -> "Opened":
        """The catalogue for a read: its index, opened (index.open_fresh), after making it again,
        once and under the lock, when it is missing or does not match the file (with `progress`,
        as Output.progress, when that takes a while); or the file's data, with MIEUX_NO_INDEX set
        or when no index can be made. The file is created from the shipped catalogue if it does not
        exist yet, and migrated if an older mieux wrote it. queries/reading.py answers reads
        over either."""
        if os.environ.get(NO_INDEX):
            return self._opened_file()
        opened = self._indexed()
        if opened is not None:
            return Opened(self.path, index=opened)
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(self._locked())
            except StorageError:  # a read-only folder, or a writer holding the lock too long: the file is whole
                return self._opened_file()
            opened = self._indexed()  # another process rebuilt it meanwhile
            if opened is None:
                read = self._read_locked(create=True, progress=progress)
                opened = self._indexed()  # made already if this read created or migrated the file
                if opened is None and self._index_file(read, progress):
                    opened = self._indexed()
                if opened is None:
                    return Opened(self.path, data=read.data, created=read.created, migrated_from=read.migrated_from)
                return Opened(self.path, index=opened, created=read.created, migrated_from=read.migrated_from)
            return Opened(self.path, index=opened)

    def _opened_file(self) -> "Opened":
        read = self._read_and_stat()
        if read.data is None or file_format(read.data) < FORMAT:
            with self._locked():
                read = self._read_locked(create=True)
        return Opened(self.path, data=read.data, created=read.created, migrated_from=read.migrated_from)

    def load(self) -> Catalogue:
        """The catalogue from the file itself (model/catalogue.py), created from the shipped one if the
        file does not exist yet, migrated if an older mieux wrote it."""
        opened = self._opened_file()
        return catalogue_of(opened.data, self.path, opened.created, opened.migrated_from)

    def history(self, newest: int | None = None) -> list[dict]:
        """Every recorded change, or the `newest` ones, oldest first, each with its number `n` (see
        history.py); read from the history table alone in a file as mieux wrote it (as_written)."""
        with contextlib.ExitStack() as held:
            written = self.as_written(held)
            if written is not None:
                with contextlib.suppress(NotLaidOut):
                    return history_of({HISTORY_TABLE: history_section(written[0], newest)})
        entries = history_of(self._read() or {})
        return entries if newest is None else entries[len(entries) - newest:] if newest else []

    def as_written(self, held: contextlib.ExitStack):
        """(the file, open; its index, open; the index's state) when the index matches the file
        and says this is a file mieux wrote in its layout (file_layout), a line per entry; None
        otherwise. Both are closed with `held`."""
        from mieux_cli.storage import index

        try:
            source = held.enter_context(open_regular_file(self.real_path, MAX_FILE_BYTES))
            info = os.fstat(source.fileno())
        except (OSError, NotRegularFile, TooLarge):
            return None
        opened = index.open_fresh(self.index_path, self.real_path, index.file_identity(info))
        if opened is None:
            return None
        held.callback(opened[0].close)
        return (source, *opened) if opened[1].get("lines") else None

    def _indexed(self):
        """The index, opened for reading with its state, if it matches the file; else None."""
        from mieux_cli.storage import index

        try:
            info = os.stat(self.real_path)
        except OSError:
            return None
        return index.open_fresh(self.index_path, self.real_path,
                                index.file_identity(info) if stat.S_ISREG(info.st_mode) else None)

    def discard_index(self) -> None:
        """Remove an index that cannot be read: the next read makes it again."""
        from mieux_cli.storage import index

        with contextlib.suppress(StorageError, OSError), self._locked():
            index.remove(self.index_path)

    def _index_file(self, read: "_Read", progress=None, lines: bool = False) -> bool:
        """(Re)build the index of the file as read under the lock (`lines`: as this process just
        wrote it, in its layout, file_layout; else the file is compared with that layout); False
        if none can be made here (a read-only folder, a full disk, a SQLite without full-text
        search): reads then answer from the file, which is always right, only slower."""
        from mieux_cli.storage import index, index_writing

        data = read.data
        lines = lines or is_laid_out(self.real_path, read.info, data)
        state = index.state_of(index.file_identity(read.info), change_counter(data), changed_at(data), read.crc, lines)
        try:
            index_writing.build(self.index_path, data.get(RECORDS_TABLE, {}), state, like=read.info, progress=progress)
        except Exception:  # noqa: BLE001 - whatever stops the cache, the file answers
            return False
        return True

    def verify_index(self) -> tuple[Catalogue, str | None, bool]:
        """The catalogue, from the file; what is wrong with its index (None: it matches the file
        record for record, index_writing.verify); and whether a wrong one could be made again."""
        from mieux_cli.storage import index, index_writing

        with contextlib.ExitStack() as held:
            try:
                held.enter_context(self._locked())
            except LockUnavailable:  # a read-only folder: the file is checked, the index cannot be remade
                read = self._read_and_stat()
                if read.data is None or file_format(read.data) < FORMAT:
                    raise  # to create or migrate the file, which needs the lock
                problem = index_writing.verify(self.index_path, index.file_identity(read.info), read.data.get(RECORDS_TABLE, {}))
                return catalogue_of(read.data, self.path), problem, False
            read = self._read_locked(create=True)
            problem = index_writing.verify(self.index_path, index.file_identity(read.info), read.data.get(RECORDS_TABLE, {}))
            remade = problem is not None and self._index_file(read)
        return catalogue_of(read.data, self.path, read.created, read.migrated_from), problem, remade

    def _read(self) -> dict | None:
        """The parsed file, or None when it does not exist. Anything else wrong is a StorageError
        that names the way to recover; the file itself is never touched."""
        return self._read_and_stat().data

    def _read_and_stat(self) -> "_Read":
        """_read, with the stat of the file read, and the checksum of its bytes while its stat
        alone cannot tell a change in place (index.content_check)."""
        try:
            raw, info = read_regular_file_and_stat(self.real_path, MAX_FILE_BYTES)
        except FileNotFoundError:
            if not self.real_path.parent.is_dir():
                raise StorageError(
                    f"The folder {self.real_path.parent} does not exist.",
                    "Create it first, or choose another file with --db or MIEUX_DB.",
                ) from None
            return _Read(None, None)
        except NotRegularFile as e:
            raise StorageError(f"{self.path} is {e.what}, not a catalogue file.", "Give the path of a .json file with --db.") from None
        except TooLarge:
            raise self._damaged("is far too large to be a mieux catalogue") from None
        except PermissionError:
            raise StorageError(f"Cannot read {self.path}: permission denied.", "Check the file's permissions, or use --db to choose another file.") from None
        except OSError as e:
            raise StorageError(f"Cannot read {self.path}: {e.strerror}.", "Check the disk, or use --db to choose another file.") from None
        try:
            data = parse_catalogue(raw)
        except NotACatalogue as e:
            raise self._damaged(e.what) from None
        except NewerFormat as e:
            raise StorageError(
                f"{self.path} was written by a newer mieux (format {e.file_format}; this one reads {FORMAT}).",
                "Upgrade mieux (pip install --upgrade mieux-cli) to use it; the file was left as it is.",
            ) from None
        from mieux_cli.storage import index

        return _Read(data, info, index.content_check(info, raw))

    def _read_locked(self, create: bool, progress=None) -> "_Read":
        """With the lock held: the file as read, after creating it from the shipped catalogue if
        it does not exist and `create` is set, or migrating it if an older mieux wrote it."""
        read = self._read_and_stat()
        if read.data is None and create:
            from mieux_cli.storage.shipped import shipped_records

            data = {RECORDS_TABLE: {str(n): record for n, record in enumerate(shipped_records(), 1)}}
            self._write(data, None, {}, None, progress)
            return dataclasses.replace(self._read_and_stat(), created=True)
        if read.data is not None and file_format(read.data) < FORMAT:
            older = file_format(read.data)
            old_records = numbered(read.data)
            self._write(read.data, read.info, old_records, migration(read.data), progress)
            return dataclasses.replace(self._read_and_stat(), migrated_from=older)
        return read

    def _damaged(self, what: str) -> StorageError:
        return damaged_file(self.path, self.real_path, self.backups(), what)

    @property
    def backups_folder(self) -> Path:
        """Where this catalogue's backups are made."""
        return self._backups.folder

    def backups(self) -> list["Backup"]:
        """This catalogue's backups, automatic and manual, oldest first."""
        return self._backups.all()

    @functools.cached_property
    def _backups(self) -> "Backups":
        from mieux_cli.storage.backups import Backups  # not needed to answer a query

        return Backups(self.real_path)

    @property
    def _index_companions(self) -> list[Path]:
        """The files SQLite keeps beside the index (its journal, a write-ahead log)."""
        from mieux_cli.storage import index

        return index.companions(self.index_path)

    def part_at(self, path: Path) -> str | None:
        """What `path` is of this catalogue, or None: its file, its lock, its index (and the
        index's journal), in its backups folder, one of its temporary files. However the path is spelled (symlinks, "..") and whatever its
        name (a hard link), so that no export or brief is ever written over them."""
        resolved = Path(os.path.realpath(path))
        if resolved == self.real_path:
            return f"the catalogue file {self.path}"
        if resolved == self.lock_path:
            return f"the lock file of the catalogue {self.path}"
        if resolved in (self.index_path, *self._index_companions):
            return f"the index of the catalogue {self.path}"
        if resolved == self._backups.root or self._backups.root in resolved.parents:
            return f"in the backups folder of the catalogue {self.path}"
        if resolved.parent == self.real_path.parent and resolved.name.startswith(f".{self.real_path.name}."):
            return f"a temporary file of the catalogue {self.path}"
        for own, what in ((self.real_path, "the catalogue file"), (self.lock_path, "the lock file of the catalogue"),
                          (self.index_path, "the index of the catalogue")):
            with contextlib.suppress(OSError):
                if os.path.samefile(path, own):
                    return f"a hard link to {what} {self.path}"
        return None

    # -- writing ---------------------------------------------------------------------------------

    def change(self, make, progress=None):
        """Run make(tx), a transaction.Transaction over the catalogue as it is under the lock, and
        write what it changed, the index with it; make's result. Nothing is written when it
        changes nothing, or raises. The very file mieux wrote last, in its layout (file_layout),
        whose index says so and matches it, is changed by copying its unchanged lines, the plan's
        lookups answered by the index; any other is read whole (and migrated first, if an older
        mieux wrote it), and written back in that layout."""
        with self._locked(), contextlib.ExitStack() as held:
            laid = self._laid_out(held)
            if laid is not None:
                tx = Transaction(laid.catalogue, laid.catalogue.key_of)
                result = make(tx)
                if not tx.changed:
                    return result
                try:
                    self._rewrite(laid, tx, progress)
                    return result
                except NotLaidOut:  # the index did not tell the truth: the file is read whole
                    from mieux_cli.storage import index

                    laid.catalogue.db.close()
                    index.remove(self.index_path)
            read = self._read_locked(create=False, progress=progress)
            data = read.data or {RECORDS_TABLE: {}}
            old_records = numbered(data)
            records = data[RECORDS_TABLE]
            keys = {id(r): key for key, r in records.items()}
            tx = Transaction(Catalogue(list(records.values()), path=self.path, history=history_of(data),
                                       counter=change_counter(data)),
                             lambda record: keys[id(record)])
            result = make(tx)
            if tx.changed:
                self._write(data, read.info, old_records, tx, progress)
            return result

    def _laid_out(self, held: contextlib.ExitStack) -> "LaidOut | None":
        """The file, open, with its index as a catalogue, when a write may copy its lines
        (transaction.laid_out); None otherwise."""
        written = self.as_written(held)
        return laid_out(*written, self.path, self.history) if written else None

    def _rewrite(self, laid: "LaidOut", tx: Transaction, progress=None) -> None:
        """Write the changes of `tx` by copying the file's other lines (file_layout.Rewrite), and
        update the index with them."""
        from mieux_cli.storage import index, index_writing

        meta = {**laid.meta, "1": changed_meta(laid.meta.get("1", {}))}
        added = tx.new_keys(laid.following)
        laid.source.seek(0)
        rewrite = Rewrite(laid.source, meta, set(tx.gone), [tx.entry] if tx.entry else [], added)
        crc = self._replace(rewrite)
        if tx.entry is not None:
            tx.number = rewrite.last_history + 1
        laid.catalogue.db.close()
        written = {META_TABLE: meta}
        with contextlib.suppress(Exception):  # a cache that cannot be updated is made again below
            info = os.stat(self.real_path)
            state = index.state_of(index.file_identity(info), change_counter(written), changed_at(written),
                                   crc if index.racy(info) else None, lines=True)
            if index_writing.update(self.index_path, laid.state, state, tx.gone, added):
                return
        with contextlib.suppress(StorageError):  # a change too large to update the index with: made again
            self._index_file(self._read_and_stat(), progress, lines=True)

    def _write(self, data: dict, info: os.stat_result | None, old_records: dict, tx: Transaction | None,
               progress=None) -> None:
        """Write `data` (the file's tables, read under the lock held, with the stat `info` of the
        file read and its records table as read, `old_records`) with the changes of `tx`, whole,
        and update the index."""
        from mieux_cli.storage import index

        expected = index.state_of(index.file_identity(info), change_counter(data), changed_at(data)) if info else None
        if tx is not None:
            apply_to(data, tx)
        meta = data.setdefault(META_TABLE, {})
        meta["1"] = changed_meta(meta.get("1", {}))
        crc = self._replace(lines_of(data))
        self._update_index(data, crc, old_records, expected, progress)

    def _update_index(self, data: dict, crc: int, old_records: dict, expected: dict | None, progress=None) -> None:
        """The index brought to the file just written (`crc`: the checksum of its bytes): updated
        if it matched the file as read, else rebuilt. The change is saved whatever happens here; an
        index left as it was no longer matches the file, which the next read sees."""
        from mieux_cli.storage import index, index_writing

        try:
            written = _Read(data, os.stat(self.real_path))
            written.crc = crc if index.racy(written.info) else None
            state = index.state_of(index.file_identity(written.info), change_counter(data), changed_at(data), written.crc,
                                   lines=True)
            found = index_writing.differences(old_records, data[RECORDS_TABLE]) if expected is not None else None
            if found is not None and index_writing.update(self.index_path, expected, state, *found):
                return
        except Exception:  # noqa: BLE001 - a cache that cannot be updated is made again by the next read
            return
        self._index_file(written, progress, lines=True)

    @contextlib.contextmanager
    def _locked(self):
        index = sys.modules.get("mieux_cli.storage.index")
        if index is not None:  # this process's own update of the index is no reason to read its reads again
            index.end_reads()
        with hold(self.lock_path, self.lock_timeout, self._write_error):
            yield

    def _replace(self, chunks) -> int:
        """Write the file's bytes, `chunks`, as the catalogue file (see the module's docstring); their
        checksum (index.checksum)."""
        remove_temporary_files(self.real_path.parent, of=self.real_path.name)  # we hold the lock: no live writer's
        kept: list[Path] = []

        def keep_previous() -> None:
            kept.append(self._backups.keep_previous())

        crc = 0

        def checksummed():
            nonlocal crc
            for chunk in chunks:
                crc = zlib.crc32(chunk, crc)
                yield chunk

        previous = keep_previous if self.real_path.exists() else None
        try:
            write_atomically(self.real_path, checksummed(), before_replace=previous)
        except TooDeep:
            raise too_deep(self.path) from None
        except OSError as e:
            for backup in kept:  # a backup of a write that did not happen would push a real one out
                with contextlib.suppress(OSError):
                    backup.unlink()
            raise self._write_error(e) from None
        self._backups.rotate()
        return crc

    def backup(self) -> Path:
        """A backup kept until removed by hand (automatic ones rotate)."""
        with self._locked():
            if self._read() is None:
                raise StorageError(f"There is no catalogue at {self.path} yet.", "Run any mieux command to create it.")
            try:
                return self._backups.copy()
            except OSError as e:
                raise self._write_error(e) from None

    def _write_error(self, e: OSError) -> StorageError:
        return not_saved(self.path, e)
