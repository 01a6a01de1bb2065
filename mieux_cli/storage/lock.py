"""The catalogue's lock: one writer at a time, whatever the process, and a bounded wait."""

import contextlib
import fcntl
import math
import os
import time
from pathlib import Path

from mieux_cli.errors import MieuxError, StorageError

DEFAULT_LOCK_TIMEOUT = 10.0


class LockUnavailable(StorageError):
    """The catalogue's lock file cannot be opened (a read-only folder or file system): nothing
    can be written, though the file may be read."""


def lock_timeout() -> float:
    """MIEUX_LOCK_TIMEOUT in seconds (unset or empty: the default). Anything but a finite number
    of seconds, zero or more, is refused: `nan` would wait for ever, `abc` end in a traceback."""
    value = os.environ.get("MIEUX_LOCK_TIMEOUT", "")
    if not value.strip():
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds < math.inf:  # nan fails every comparison
        raise MieuxError(f"MIEUX_LOCK_TIMEOUT is '{value}', not a number of seconds.",
                         "Set it to a number such as 10 (0 to never wait), or unset it.")
    return seconds


@contextlib.contextmanager
def hold(lock_path: Path, timeout: float, write_error):
    """Hold the catalogue's exclusive lock (flock on `lock_path`, released by the system if its
    holder dies), waiting at most `timeout` seconds; the holder's process ID is written in the
    file, for the message of whoever waits too long. `write_error(OSError)`: the StorageError of
    a lock file that cannot be opened (LockUnavailable carries it)."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        error = write_error(e)
        raise LockUnavailable(error.message, error.hint) from None
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
