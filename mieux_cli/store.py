"""The only module that touches the catalogue file.

The working catalogue is a TinyDB JSON file. TinyDB's own JSONStorage rewrites the file in place
and never locks, so a crash mid-write or two writers at once corrupt it. Here instead:
- reads parse the file once per command (orjson) and never lock: writers replace the file
  atomically, so a reader sees either the old or the new file, never half of one;
- every write is a transaction: an exclusive inter-process lock (flock, released by the OS if the
  holder dies), a fresh read, TinyDB operations on that data in memory, then one atomic replace
  (temporary file in the same folder, fsync, rename, fsync of the folder);
- before each replace, the previous file is kept in `backups/` (a hard link, so it costs no copy);
  the newest BACKUPS_KEPT are kept.
"""

import contextlib
import errno
import fcntl
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from mieux_cli.catalogue import Catalogue
from mieux_cli.errors import StorageError
from mieux_cli.migrations import CURRENT_FORMAT as FORMAT
from mieux_cli.migrations import migrate_records

RECORDS_TABLE = "records"
META_TABLE = "meta"
HISTORY_TABLE = "history"
BACKUPS_KEPT = 10  # automatic backups, one per change; `mieux backup` makes ones kept for good
MANUAL_SUFFIX = "-manual"
DEFAULT_LOCK_TIMEOUT = 10.0
# A catalogue file larger than this is not one mieux wrote (100,000 records are about 100 MB).
MAX_FILE_BYTES = 1 << 30


def data_dir_path() -> Path:
    """catalogue.json in the user's data directory (~/.local/share/mieux on Linux)."""
    from platformdirs import user_data_path

    return user_data_path("mieux", appauthor=False) / "catalogue.json"


def catalogue_of(data: dict, path: Path | None = None, created: bool = False, migrated_from: int | None = None) -> Catalogue:
    return Catalogue(
        records=list(data.get(RECORDS_TABLE, {}).values()),
        changed=data.get(META_TABLE, {}).get("1", {}).get("changed"),
        path=path,
        created=created,
        migrated_from=migrated_from,
    )


def file_format(data: dict) -> int:
    """The format a catalogue file was written in; files from before formats were recorded are 1."""
    return data.get(META_TABLE, {}).get("1", {}).get("format", 1)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_atomically(path: Path, payload: bytes, before_replace=None) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, fsync, rename, fsync of
    the folder. `before_replace()` runs just before the rename. Raises OSError (nothing written)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if before_replace:
            before_replace()
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


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


class Store:
    def __init__(self, path: Path | None = None):
        """`path`, else $MIEUX_DB, else the user's data directory, which is created if need be
        (a folder named explicitly must exist: a typo should not scatter catalogues around)."""
        path = path or os.environ.get("MIEUX_DB")
        self.path = Path(path).expanduser() if path else data_dir_path()
        if not path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.backup_dir = self.path.parent / "backups"

    # -- reading ---------------------------------------------------------------------------------

    def load(self) -> Catalogue:
        """The catalogue, created from the shipped one if the file does not exist yet, migrated
        if an older mieux wrote it."""
        data = self._read()
        created, migrated_from = False, None
        if data is None:
            created = self._create_from_shipped()
            data = self._read()
        elif file_format(data) < FORMAT:
            migrated_from = self._migrate()
            data = self._read()
        return catalogue_of(data, self.path, created, migrated_from)

    def read_records(self) -> list[dict]:
        """The records of this file without changing it, migrated in memory if it is older
        (a backup to restore is read this way)."""
        data = self._read()
        if data is None:
            raise StorageError(f"There is no catalogue file {self.path}.", "Check the path.")
        records = list(data[RECORDS_TABLE].values())
        return migrate_records(records) if file_format(data) < FORMAT else records

    def history(self) -> list[dict]:
        """Every recorded change, oldest first, each with its number `n` (see changes.py)."""
        data = self._read() or {}
        return [{"n": int(n), **entry} for n, entry in data.get(HISTORY_TABLE, {}).items()]

    def _read(self) -> dict | None:
        """The parsed file, or None when it does not exist. Anything else wrong is a StorageError
        that names the way to recover; the file itself is never touched."""
        try:
            with open(self.path, "rb") as f:
                if os.fstat(f.fileno()).st_size > MAX_FILE_BYTES:
                    raise self._damaged("is far too large to be a mieux catalogue")
                raw = f.read()
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                raise StorageError(
                    f"The folder {self.path.parent} does not exist.",
                    "Create it first, or choose another file with --db or MIEUX_DB.",
                ) from None
            return None
        except IsADirectoryError:
            raise StorageError(f"{self.path} is a folder, not a catalogue file.", "Give the path of a .json file with --db.") from None
        except PermissionError:
            raise StorageError(f"Cannot read {self.path}: permission denied.", "Check the file's permissions, or use --db to choose another file.") from None
        except OSError as e:
            raise StorageError(f"Cannot read {self.path}: {e.strerror}.", "Check the disk, or use --db to choose another file.") from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise self._damaged("is damaged (not valid JSON)") from None
        if not isinstance(data, dict) or not isinstance(data.get(RECORDS_TABLE), dict):
            raise self._damaged("is not a mieux catalogue")
        written = data.get(META_TABLE, {}).get("1", {}).get("format", 1)
        if not isinstance(written, int) or written > FORMAT:
            raise StorageError(
                f"{self.path} was written by a newer mieux (format {written}; this one reads {FORMAT}).",
                "Upgrade mieux (pip install --upgrade mieux-cli) to use it; the file was left as it is.",
            )
        return data

    def _damaged(self, what: str) -> StorageError:
        backups = self.backups()
        if backups:
            hint = f"Restore the latest backup with: cp '{backups[-1]}' '{self.path}'"
        else:
            hint = f"Move it aside (mv '{self.path}' '{self.path}.broken') and mieux starts again from the shipped catalogue."
        return StorageError(f"The catalogue {self.path} {what}.", hint)

    def backups(self) -> list[Path]:
        """This catalogue's backups, automatic and manual, oldest first (their names sort by time)."""
        if not self.backup_dir.is_dir():
            return []
        return sorted(self.backup_dir.glob(f"{self.path.stem}-*.json"))

    # -- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self):
        """Yield a TinyDB over the current data, locked; write it back atomically on success.
        An exception inside the block writes nothing."""
        import tinydb

        with self._locked():
            data = self._read() or {RECORDS_TABLE: {}}
            storage = _MemoryStorage(data)
            db = tinydb.TinyDB(storage=lambda: storage)
            yield db
            meta = storage.data.setdefault(META_TABLE, {}).setdefault("1", {})
            meta.update(format=FORMAT, changed=_now())
            meta.setdefault("created", meta["changed"])
            self._replace(storage.data)

    def _migrate(self) -> int | None:
        """Bring an older file to the current format, once: under the lock (another process may
        have done it meanwhile), after a backup (every replace makes one), recorded in the
        history. A record that cannot be read is kept as it was, for `mieux check` to report."""
        from mieux_cli.changes import current_user
        from mieux_cli.errors import InvalidRecord

        with self.transaction() as db:
            data = db.storage.read()
            older = file_format(data)
            if older >= FORMAT:
                return None
            records = data[RECORDS_TABLE]
            for key, record in records.items():
                try:
                    records[key] = migrate_records([record])[0]
                except InvalidRecord:
                    pass
            db.table(HISTORY_TABLE).insert({
                "at": _now(), "user": current_user(), "command": f"migrated from format {older}",
                "changes": [], "undoes": None, "migrated": {"from": older, "to": FORMAT},
            })
        return older

    def _create_from_shipped(self) -> bool:
        """Fill a missing catalogue file from the shipped records; False if another process did
        it first (both wait on the same lock)."""
        from mieux_cli.shipped import shipped_records

        records = shipped_records()
        with self.transaction() as db:
            table = db.table(RECORDS_TABLE)
            if len(table):
                return False
            table.insert_multiple(records)
        return True

    @contextlib.contextmanager
    def _locked(self):
        timeout = float(os.environ.get("MIEUX_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise self._write_error(e) from None
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                        raise StorageError(
                            f"The catalogue is being changed by another mieux process (PID {holder}); "
                            f"waited {timeout:g} s.",
                            "Try again when it has finished, or set MIEUX_LOCK_TIMEOUT to wait longer.",
                        ) from None
                    time.sleep(0.02)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _replace(self, data: dict) -> None:
        self._remove_stale_temporary_files()
        try:
            write_atomically(self.path, orjson.dumps(data), before_replace=self._backup if self.path.exists() else None)
        except OSError as e:
            raise self._write_error(e) from None

    def backup(self) -> Path:
        """A backup kept until removed by hand (automatic ones rotate)."""
        with self._locked():
            if self._read() is None:
                raise StorageError(f"There is no catalogue at {self.path} yet.", "Run any mieux command to create it.")
            try:
                return self._backup(MANUAL_SUFFIX)
            except OSError as e:
                raise self._write_error(e) from None

    def _remove_stale_temporary_files(self) -> None:
        """Temporary files of writers that died before their rename (we hold the lock: no live
        writer of this catalogue is writing one)."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def _backup(self, suffix: str = "") -> Path:
        self.backup_dir.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.backup_dir / f"{self.path.stem}-{stamp}{suffix}.json"
        try:
            os.link(self.path, target)  # the file is only ever replaced, never rewritten: a link is a snapshot
        except OSError:  # a file system without hard links
            import shutil

            shutil.copy2(self.path, target)
        automatic = [b for b in self.backups() if not b.stem.endswith(MANUAL_SUFFIX)]
        for old in automatic[:-BACKUPS_KEPT]:
            old.unlink()
        return target

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
