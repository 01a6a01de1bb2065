"""Whole-file reads and writes that a hostile path can neither hang, exhaust nor leave half done:
for the catalogue and its backups, and for every file mieux reads or writes for the user
(imports, exports, briefs, templates)."""

import contextlib
import os
import stat
from pathlib import Path

# ioctl FICLONE (Linux): the copy shares the source's blocks, copy-on-write (Btrfs, XFS, bcachefs).
FICLONE = 0x40049409

_WHAT = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
         stat.S_IFSOCK: "a socket"}


class NotRegularFile(Exception):
    """A folder, a named pipe, a device or a socket: reading one could block, or never end."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what  # "a folder", "a named pipe", ...


class TooLarge(Exception):
    def __init__(self, size: int | None, limit: int):
        super().__init__(size, limit)
        self.size = size  # in bytes; None when the file said it was smaller than it is (/proc)
        self.limit = limit

    def __str__(self) -> str:
        """"300 MB; the limit is 256 MB", or "the limit is 256 MB" when the size is not known."""
        return (f"{_size_text(self.size)}; " if self.size else "") + f"the limit is {_size_text(self.limit)}"


def _size_text(size: int) -> str:
    return f"{size // 2**20} MB" if size >= 2**20 else f"{size} bytes"


def read_regular_file(path, limit: int) -> bytes:
    """The bytes of a regular file (symlinks followed) of at most `limit` bytes. Anything else
    is refused before a byte is read; the read itself is bounded too, because some files say
    they are smaller than they are. Raises NotRegularFile, TooLarge or OSError."""
    return read_regular_file_and_stat(path, limit)[0]


def read_regular_file_and_stat(path, limit: int) -> tuple[bytes, os.stat_result]:
    """read_regular_file, with the stat of the file read (which a rename may have replaced since)."""
    with open_regular_file(path, limit) as f:
        info = os.fstat(f.fileno())
        data = f.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(None, limit)
    return data, info


def open_regular_file(path, limit: int):
    """A regular file (symlinks followed) of at most `limit` bytes, open for reading in binary;
    anything else is refused before a byte is read: NotRegularFile, TooLarge or OSError. The check
    is made on the file opened, so nothing can be put in its place in between."""
    # O_NONBLOCK: opening a named pipe does not wait for a writer (it has no effect on files).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)  # before Python's open(), which refuses a folder with an error of its own
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(_WHAT.get(stat.S_IFMT(info.st_mode), "not a regular file"))
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit)
    except BaseException:
        os.close(fd)
        raise
    return open(fd, "rb")


def write_atomically(path, payload, before_replace=None, durable: bool = True) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, fsync, rename, fsync of
    the folder. `payload`: bytes, or chunks of bytes (an exception while they are made leaves
    nothing written). A file replaced keeps its permissions and group. `before_replace()` runs
    just before the rename. Not `durable`: no fsync, for a writer that syncs many files at once
    (sync_all) or a cache. Raises OSError (nothing written)."""
    path = Path(path)
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None

    def fill(f) -> None:
        if isinstance(payload, bytes):
            f.write(payload)
        else:
            for chunk in payload:
                f.write(chunk)

    _replace_whole(path, fill, existing, before_replace, durable)


def copy_atomically(source: Path, target: Path) -> None:
    """A copy of `source` at `target`, whole or not at all, with the source's permissions and
    group: a reflink where the file system offers one (no space used until either changes), else
    a copy of the bytes. Raises OSError (nothing written)."""
    with open(source, "rb") as src:

        def fill(f) -> None:
            try:
                import fcntl

                fcntl.ioctl(f.fileno(), FICLONE, src.fileno())
            except OSError:  # no reflinks here (ext4, tmpfs, across file systems): copy the bytes
                import shutil

                shutil.copyfileobj(src, f, 1 << 20)

        _replace_whole(Path(target), fill, os.fstat(src.fileno()))


def _temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def remove_temporary_files(folder: Path, of: str = "") -> None:
    """Temporary files left by writers that died before their rename: those of the file named
    `of` in `folder`, or every one there. Only for a caller holding the lock they were written under."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for stale in names:
        if stale.startswith(f".{of}." if of else ".") and stale.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(folder / stale)


def _replace_whole(path: Path, fill, like: os.stat_result | None, before_replace=None, durable: bool = True) -> None:
    """Fill a temporary file, make it durable (unless not `durable`) and rename it to `path`;
    `like`: the stat of the file replaced (or copied), whose permissions and group the new file
    keeps."""
    tmp = _temporary_path(path)
    try:
        # Readable by its owner alone until it has the permissions of the file it replaces.
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        with open(os.open(tmp, flags, 0o600 if like else 0o666), "wb") as f:
            if like is not None:
                keep_owner_and_mode(f.fileno(), like)
            fill(f)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        if before_replace:
            before_replace()
        os.replace(tmp, path)
    except BaseException:  # an OSError, or whatever stopped the chunks being made
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        sync_folder(path.parent)


def sync_all(folders) -> None:
    """Make durable, at once, every file written without it (write_atomically, not durable) in
    `folders`: one sync of the file systems, then of each folder (the renames)."""
    if hasattr(os, "sync"):
        os.sync()
    for folder in folders:
        sync_folder(folder)


def keep_owner_and_mode(fd: int, like: os.stat_result) -> None:
    # The group, if this user may give it (a member of it, or root); the owner too when root
    # writes another user's file (sudo). Changing them can clear set-ID bits: the mode comes last.
    owner = like.st_uid if os.geteuid() == 0 else -1
    if owner != -1 or like.st_gid != os.getegid():
        with contextlib.suppress(OSError):
            os.fchown(fd, owner, like.st_gid)
    os.fchmod(fd, stat.S_IMODE(like.st_mode))


def sync_folder(folder: Path) -> None:
    """Make a rename durable. Best effort: the file is already replaced by then (reporting a
    failure would be wrong), and some file systems cannot sync a folder."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
