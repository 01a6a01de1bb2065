"""What a catalogue file that cannot be read or written says, with the way out: each a
StorageError whose hint is a command to type (every path quoted for the shell)."""

import errno
import shlex
from pathlib import Path

from mieux_cli.errors import StorageError


def damaged_file(path: Path, real_path: Path, backups: list, what: str) -> StorageError:
    """The catalogue `path` {what} ("is damaged (not valid JSON)" ...). The hint names the real
    file (a symlink's target), which is the one to restore or move aside."""
    quoted = shlex.quote(str(real_path))
    if backups:
        hint = f"Restore the latest backup with: cp {shlex.quote(str(backups[-1].path))} {quoted}"
    else:
        broken = shlex.quote(str(real_path) + ".broken")
        hint = f"Move it aside (mv {quoted} {broken}) and mieux starts again from the shipped catalogue."
    return StorageError(f"The catalogue {path} {what}.", hint)


def not_saved(path: Path, e: OSError) -> StorageError:
    """A write that failed, `e` said why: nothing was changed."""
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
    }.get(e.errno, e.strerror or str(e))
    return StorageError(f"Could not save the catalogue {path}: {reason}.",
                        "Nothing was changed; fix that and run the command again.")


def too_deep(path: Path) -> StorageError:
    """A value a hand edit nested deeper than the file can be written back with."""
    return StorageError(f"The catalogue {path} holds a value nested too deeply to be written back "
                        "(a hand edit?): nothing was changed.",
                        "See `mieux check` for the damaged record; fix it in the file or restore a backup.")
