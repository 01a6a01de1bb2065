"""Unfinished records of `mieux add`: the answers given before Ctrl-C, the end of the input or a
save that failed, kept so that `mieux add --resume` asks only the rest.

One draft per catalogue and kind, a JSON file in the user's state directory (platformdirs:
~/.local/state/mieux/drafts on Linux, $XDG_STATE_HOME/mieux/drafts when that is set), named by the
kind and a digest of the catalogue's path. An add that stops again replaces it; a record saved
removes it.
"""

import contextlib
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from mieux_cli.errors import MieuxError
from mieux_cli.model.schema import KINDS
from mieux_cli.storage.files import (
    NotRegularFile,
    TooLarge,
    read_regular_file,
    write_atomically,
)
from mieux_cli.text import os_text

MAX_DRAFT_BYTES = 1 << 24  # a record typed at the prompts is a few KB


@dataclass(frozen=True)
class Draft:
    kind: str
    answers: dict  # field name (and "id") -> the value as answered
    saved: str  # when, "2026-11-28 10:02:03 UTC"
    path: Path


def folder() -> Path:
    from platformdirs import user_state_path

    return user_state_path("mieux", appauthor=False) / "drafts"


def _path(catalogue: Path, kind: str) -> Path:
    return folder() / f"{kind}-{hashlib.sha256(os.fsencode(catalogue)).hexdigest()[:16]}.json"


def save(catalogue: Path, kind: str, answers: dict) -> Path:
    """Keep the answers; OSError if they cannot be written."""
    path = _path(catalogue, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    write_atomically(path, orjson.dumps({"catalogue": os_text(str(catalogue)), "kind": kind, "saved": saved,
                                         "answers": answers}, option=orjson.OPT_INDENT_2))
    return path


def load(catalogue: Path, kind: str) -> Draft | None:
    """The draft of a `kind` for this catalogue, if there is one."""
    path = _path(catalogue, kind)
    hint = f"Delete it (rm {path}) and start again with `mieux add {kind}`."
    try:
        data = orjson.loads(read_regular_file(path, MAX_DRAFT_BYTES).removeprefix(b"\xef\xbb\xbf"))  # an editor's BOM
    except FileNotFoundError:
        return None
    except (NotRegularFile, TooLarge, orjson.JSONDecodeError):
        raise MieuxError(f"The draft {path} is damaged.", hint) from None
    except OSError as e:
        raise MieuxError(f"Cannot read the draft {path}: {e.strerror or e}.", hint) from None
    if not (isinstance(data, dict) and isinstance(data.get("answers"), dict)):
        raise MieuxError(f"The draft {path} is damaged.", hint)
    return Draft(kind, data["answers"], str(data.get("saved", "?")), path)


def of(catalogue: Path) -> list[Draft]:
    """Every draft kept for this catalogue, in the order of the kinds."""
    return [draft for kind in KINDS if (draft := load(catalogue, kind)) is not None]


def remove(catalogue: Path, kind: str) -> None:
    with contextlib.suppress(OSError):  # a draft left behind is replaced by the next one
        _path(catalogue, kind).unlink(missing_ok=True)
