"""The backups of one catalogue file, in a folder of their own beside it:
backups/<file name>/<time>.json (automatic) and <time>-manual.json (`mieux backup`), the time in
UTC to the microsecond, so that names sort by age. A folder per catalogue file name keeps apart
the backups of catalogues that share a folder, whatever their names hold (a.json and a-b.json,
cat.json and cat.db, glob characters such as team[1].json): nothing is matched by prefix or glob.

Backups made before this layout sit directly in backups/ as <stem>-<time>[-manual].json. Those
named exactly after this catalogue are listed too, marked "old layout", and never deleted by
mieux: two catalogues whose names differ only in the extension (cat.json, cat.db) wrote them
under the same names, so they cannot be told apart and none is rotated away.
"""

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mieux_cli.storage.files import copy_atomically, remove_temporary_files

KEPT = 10  # automatic backups, one per change; manual ones are kept until deleted by hand
MANUAL_SUFFIX = "-manual"
_NAME = r"(?P<stamp>\d{8}T\d{12}Z)(?P<manual>-manual)?\.json"


@dataclass(frozen=True)
class Backup:
    path: Path
    stamp: str  # when it was made, as in its name: backups sort by it
    manual: bool  # made by `mieux backup`, kept until deleted by hand
    old_layout: bool  # directly in backups/, as mieux named them before a folder per catalogue

    @property
    def kind(self) -> str:
        kind = "manual" if self.manual else "automatic"
        return f"{kind} (old layout)" if self.old_layout else kind


class Backups:
    def __init__(self, catalogue: Path):
        self.catalogue = catalogue
        self.root = catalogue.parent / "backups"  # shared by the catalogues of this folder
        self.folder = self.root / catalogue.name
        self._name = re.compile(_NAME)
        self._old_name = re.compile(re.escape(catalogue.stem) + "-" + _NAME)

    def all(self) -> list[Backup]:
        """Oldest first."""
        found = self._found(self.folder, self._name, old_layout=False) + self._found(self.root, self._old_name, old_layout=True)
        return sorted(found, key=lambda b: (b.stamp, b.path.name))

    @staticmethod
    def _found(folder: Path, name: re.Pattern, old_layout: bool) -> list[Backup]:
        try:
            with os.scandir(folder) as entries:
                # Files only: backups/ also holds the folders of catalogues named like old backups.
                found = [(e.name, m) for e in entries if (m := name.fullmatch(e.name)) and e.is_file()]
        except OSError:  # no backups yet (or a folder that cannot be read: none to offer)
            return []
        return [Backup(folder / n, m["stamp"], bool(m["manual"]), old_layout) for n, m in found]

    def keep_previous(self) -> Path:
        """An automatic backup of the catalogue as it is, just before mieux replaces it. A hard
        link, which costs no copy, and is safe here: mieux only ever replaces the catalogue (a
        new file renamed over it), so once the replace is done the backup's file is no longer
        the live one, and nothing writes to it. The caller removes it if the replace fails."""
        target = self._new(suffix="")
        try:
            os.link(self.catalogue, target)
        except OSError:  # a file system without hard links
            copy_atomically(self.catalogue, target)
        return target

    def copy(self) -> Path:
        """A manual backup: a real copy, because the catalogue stays where it is after it, and a
        hard link would share whatever another program later writes into it in place."""
        target = self._new(suffix=MANUAL_SUFFIX)
        copy_atomically(self.catalogue, target)
        return target

    def rotate(self) -> None:
        """Keep the newest KEPT automatic backups of the current layout; never a manual or an
        old-layout one. Only after a write succeeded: a failed one must not push real backups out."""
        remove_temporary_files(self.folder)  # of copies killed half-way
        automatic = [b for b in self.all() if not b.manual and not b.old_layout]
        for old in automatic[:-KEPT]:
            with contextlib.suppress(OSError):  # the change is saved; an old backup left over is no failure
                old.path.unlink()

    def _new(self, suffix: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return self.folder / f"{stamp}{suffix}.json"
