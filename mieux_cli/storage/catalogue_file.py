"""The catalogue file (the Store): read, locked, replaced whole, backed up, and its index kept with it.

The working catalogue is a TinyDB JSON file. TinyDB's own JSONStorage rewrites the file in place
and never locks, so a crash mid-write or two writers at once corrupt it. Here instead:
- reads answer from the index beside the file (index.py), a SQLite cache of it, and never lock
  while it matches the file; a missing or stale index is rebuilt once, under the lock, and a
  reader that cannot rebuild it (a read-only folder, the lock held too long) reads the file;
- the file is parsed (orjson) once per command that needs it, with the garbage collector
  paused: writers replace the file atomically, so a reader sees either the old or the new file,
  never half of one;
- every write is a transaction: an exclusive inter-process lock (flock, released by the OS if the
  holder dies), a fresh read, TinyDB operations on that data in memory, then one atomic replace
  (temporary file in the same folder, fsync, rename, fsync of the folder), then the index
  updated to match (if the process dies between the two, the next read rebuilds it);
- before each replace, the previous file is kept in its backups (backups.py); they rotate only
  after the replace succeeded;
- a symlinked catalogue (kept in a synced folder, say) is written through the link: the file it
  points to is replaced, and the lock and the backups sit beside that file;
- the file is read only if it is a regular file, and never more than MAX_FILE_BYTES of it.
Beside this module: file_format.py (the file's tables, parsed and encoded), lock.py (the lock),
files.py (bounded reads, atomic writes and copies, used for every file mieux reads or writes),
backups.py (each catalogue's backups), index.py and index_writing.py (the index), history.py
(every change, recorded and undoable).

MIEUX_NO_INDEX=1 makes reads parse the file instead of using the index (writes still keep the
index up to date): a troubleshooting switch, and how the tests compare the two.
"""

import contextlib
import dataclasses
import errno
import functools
import os
import shlex
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from mieux_cli.errors import StorageError
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.migrations import CURRENT_FORMAT as FORMAT
from mieux_cli.model.migrations import migrate_records
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
    encoded,
    file_format,
    history_of,
    number_every_key,
    parse_catalogue,
)
from mieux_cli.storage.files import (
    NotRegularFile,
    TooLarge,
    read_regular_file_and_stat,
    remove_temporary_files,
    write_atomically,
)
from mieux_cli.storage.lock import LockUnavailable, hold, lock_timeout

if TYPE_CHECKING:
    from mieux_cli.storage.backups import Backup, Backups

INDEX_SUFFIX = ".index.sqlite"  # the index of catalogue.json is catalogue.json.index.sqlite


NO_INDEX = "MIEUX_NO_INDEX"


def data_dir_path() -> Path:
    """catalogue.json in the user's data directory (~/.local/share/mieux on Linux)."""
    from platformdirs import user_data_path

    return user_data_path("mieux", appauthor=False) / "catalogue.json"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _MemoryStorage:
    """What TinyDB reads from and writes to inside a transaction: the data already read under the
    lock. TinyDB only needs read/write/close; the file is written once, when the transaction ends."""

    def __init__(self, data: dict):
        self.data = data

    def read(self) -> dict:
        return self.data

    def write(self, data: dict) -> None:
        self.data = data

    def close(self) -> None:
        pass


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
        return self.load_with_history()[0]

    def load_with_history(self) -> tuple[Catalogue, list[dict]]:
        """The catalogue, as `load` gives it, and its history, from one read of the file."""
        opened = self._opened_file()
        return catalogue_of(opened.data, self.path, opened.created, opened.migrated_from), history_of(opened.data)

    def history(self) -> list[dict]:
        """Every recorded change, oldest first, each with its number `n` (see history.py)."""
        return history_of(self._read() or {})

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

    def _index_file(self, read: "_Read", progress=None) -> bool:
        """(Re)build the index of the file as read under the lock; False if none can be made here
        (a read-only folder, a full disk, a SQLite without full-text search): reads then answer
        from the file, which is always right, only slower."""
        from mieux_cli.storage import index, index_writing

        data = read.data
        state = index.state_of(index.file_identity(read.info), change_counter(data), changed_at(data), read.crc)
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

            self._change({RECORDS_TABLE: {}}, lambda db: db.table(RECORDS_TABLE).insert_multiple(shipped_records()), progress)
            return dataclasses.replace(self._read_and_stat(), created=True)
        if read.data is not None and file_format(read.data) < FORMAT:
            older = file_format(read.data)
            self._change(read.data, self._migration, progress)
            return dataclasses.replace(self._read_and_stat(), migrated_from=older)
        return read

    @staticmethod
    def _migration(db) -> None:
        """Bring an older file to the current format, once: after a backup (every replace makes
        one), recorded in the history. A record that cannot be read is kept as it was, for
        `mieux check` to report."""
        from mieux_cli.errors import InvalidRecord
        from mieux_cli.storage.user import current_user
        from mieux_cli.text import os_text

        data = db.storage.read()
        older = file_format(data)
        records = data[RECORDS_TABLE]
        for key, record in records.items():
            try:
                records[key] = migrate_records([record])[0]
            except InvalidRecord:
                pass
        db.table(HISTORY_TABLE).insert({
            "at": _now(), "user": os_text(current_user()), "command": f"migrated from format {older}",
            "changes": [], "undoes": None, "migrated": {"from": older, "to": FORMAT},
        })

    def _damaged(self, what: str) -> StorageError:
        # Hints are typed into a shell: every path quoted. They name the real file (a symlink's
        # target), which is the one to restore or move aside.
        backups = self.backups()
        path = shlex.quote(str(self.real_path))
        if backups:
            hint = f"Restore the latest backup with: cp {shlex.quote(str(backups[-1].path))} {path}"
        else:
            broken = shlex.quote(str(self.real_path) + ".broken")
            hint = f"Move it aside (mv {path} {broken}) and mieux starts again from the shipped catalogue."
        return StorageError(f"The catalogue {self.path} {what}.", hint)

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

    @contextlib.contextmanager
    def transaction(self, progress=None):
        """Yield a TinyDB over the current data, locked; write it back atomically on success, and
        the index with it. An exception inside the block writes nothing. A file an older mieux
        wrote is migrated first. Records are replaced (TinyDB insert and remove), never changed in
        place: the index follows the records that are new objects (index_writing.update)."""
        with self._locked():
            read = self._read_locked(create=False, progress=progress)
            yield from self._changing(read.data or {RECORDS_TABLE: {}}, read.info, progress)

    def _change(self, data: dict, change, progress=None) -> None:
        """Apply change(db) to the data read under the lock held, and write it."""
        with contextlib.contextmanager(self._changing)(data, None, progress) as db:
            change(db)

    def _changing(self, data: dict, info: os.stat_result | None, progress=None):
        """Yield a TinyDB over `data` (read under the lock held, with the stat `info` of the file
        read), then write it and update the index."""
        import tinydb

        from mieux_cli.storage import index

        old_records = dict(data.get(RECORDS_TABLE, {}))
        number_every_key(data)  # a renumbered record is one removed and one added, for the index
        expected = index.state_of(index.file_identity(info), change_counter(data), changed_at(data)) if info else None
        storage = _MemoryStorage(data)
        db = tinydb.TinyDB(storage=lambda: storage)
        yield db
        data = storage.data
        meta = data.setdefault(META_TABLE, {}).setdefault("1", {})
        meta.update(format=FORMAT, changed=_now(), counter=change_counter(data) + 1)
        meta.setdefault("created", meta["changed"])
        payload = self._replace(data)
        self._update_index(data, payload, old_records, expected, progress)

    def _update_index(self, data: dict, payload: bytes, old_records: dict, expected: dict | None, progress=None) -> None:
        """The index brought to the file just written (`payload`: its bytes): updated if it
        matched the file as read, else rebuilt. The change is saved whatever happens here; an
        index left as it was no longer matches the file, which the next read sees."""
        from mieux_cli.storage import index, index_writing

        try:
            written = _Read(data, os.stat(self.real_path))
            written.crc = index.content_check(written.info, payload)
            state = index.state_of(index.file_identity(written.info), change_counter(data), changed_at(data), written.crc)
            if expected is not None and index_writing.update(self.index_path, expected, state, old_records, data[RECORDS_TABLE]):
                return
        except Exception:  # noqa: BLE001 - a cache that cannot be updated is made again by the next read
            return
        self._index_file(written, progress)

    @contextlib.contextmanager
    def _locked(self):
        index = sys.modules.get("mieux_cli.storage.index")
        if index is not None:  # this process's own update of the index is no reason to read its reads again
            index.end_reads()
        with hold(self.lock_path, self.lock_timeout, self._write_error):
            yield

    def _replace(self, data: dict) -> bytes:
        """Write `data` as the catalogue file (see the module's docstring); the bytes written."""
        remove_temporary_files(self.real_path.parent, of=self.real_path.name)  # we hold the lock: no live writer's
        kept: list[Path] = []

        def keep_previous() -> None:
            kept.append(self._backups.keep_previous())

        previous = keep_previous if self.real_path.exists() else None
        payload = self._encoded(data)
        try:
            write_atomically(self.real_path, payload, before_replace=previous)
        except OSError as e:
            for backup in kept:  # a backup of a write that did not happen would push a real one out
                with contextlib.suppress(OSError):
                    backup.unlink()
            raise self._write_error(e) from None
        self._backups.rotate()
        return payload

    def _encoded(self, data: dict) -> bytes:
        """The file's bytes for `data`; when a hand edit left a value nested deeper than orjson
        writes (see encoded), read back first, to be sure a read takes them."""
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            pass
        try:
            payload = encoded(data)
            orjson.loads(payload)
        except (ValueError, TypeError, RecursionError, orjson.JSONDecodeError):
            raise StorageError(f"The catalogue {self.path} holds a value nested too deeply to be written back "
                               "(a hand edit?): nothing was changed.",
                               "See `mieux check` for the damaged record; fix it in the file or restore a backup.") from None
        return payload

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
        reason = {
            errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is exceeded",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.EROFS: "the file system is read-only",
        }.get(e.errno, e.strerror or str(e))
        return StorageError(
            f"Could not save the catalogue {self.path}: {reason}.",
            "Nothing was changed; fix that and run the command again.",
        )
