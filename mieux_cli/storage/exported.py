"""What `mieux export` last wrote to a YAML folder, kept in the user's cache directory
(platformdirs: ~/.cache/mieux/exports on Linux, $XDG_CACHE_HOME/mieux/exports when that is set),
one JSON file per folder, named by a digest of the folder's path: for each file, the digest of the
record it holds and the file's identity (size, modification time, inode) once written. An export
that finds both unchanged neither writes the file nor reads it, nor even turns its record into
YAML: exporting 10,000 unchanged records is a matter of a stat each. A cache: lost, damaged or
stale (the file changed since: a git pull, a hand edit), the export compares the file itself.
"""

import contextlib
import hashlib
import os
from pathlib import Path

import orjson

from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file, write_atomically

MAX_BYTES = 1 << 28  # 100,000 files take about 12 MB


def _path(folder: Path) -> Path:
    from platformdirs import user_cache_path

    name = hashlib.blake2b(os.fsencode(os.path.realpath(folder)), digest_size=12).hexdigest()
    return user_cache_path("mieux", appauthor=False) / "exports" / f"{name}.json"


def identity(path: Path) -> list[int] | None:
    """What tells the file mieux wrote from one written since, without reading it."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def load(folder: Path) -> dict[str, list]:
    """File name (relative to `folder`) -> [the record's digest, the file's identity...]; empty
    when nothing is known."""
    with contextlib.suppress(OSError, NotRegularFile, TooLarge, orjson.JSONDecodeError):
        known = orjson.loads(read_regular_file(_path(folder), MAX_BYTES))
        if isinstance(known, dict) and isinstance(known.get("files"), dict):
            return known["files"]
    return {}


def save(folder: Path, files: dict[str, list]) -> None:
    """Best effort: an export that cannot keep this is only slower the next time."""
    path = _path(folder)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, orjson.dumps({"folder": str(folder), "files": files}), durable=False)
