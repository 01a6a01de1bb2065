"""YAML: a folder with one file per record (DIR/actions/<id>.yaml, DIR/practices/ ...), keys in
canonical order and every value on one line, so that a git diff shows exactly what changed, with a
manifest of the files mieux wrote there (and, in the user's cache, what each holds: storage/
exported.py, so that an unchanged record costs a stat); and YAML files read back, each record with the line of
every key, with the C loader when PyYAML has it."""

import contextlib
import functools
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats.files import (
    MAX_IMPORT_BYTES,
    Item,
    UnreadableFile,
    nothing,
    write_error,
    write_file,
)
from mieux_cli.model.records import canonical
from mieux_cli.model.schema import KINDS
from mieux_cli.storage import exported
from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file, sync_all
from mieux_cli.storage.history import digest

KIND_FOLDERS = {kind: f"{kind}s" for kind in KINDS}


YAML_SUFFIXES = (".yaml", ".yml")


# PyYAML folds strings longer than 80 columns over several lines; one line per value keeps a
# git diff to the lines that changed.
YAML_WIDTH = 2**31 - 1


_FILE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# In an export folder, the list of the files mieux wrote there: a whole-catalogue export removes
# those of records that are gone, and never any other file.
MANIFEST = ".mieux-export.json"


MANIFEST_ABOUT = ("The files `mieux export` wrote in this folder. Exporting the whole catalogue again removes "
                  "those whose records are gone, and no other file.")


_LISTED = re.compile("(?:" + "|".join(KIND_FOLDERS.values()) + ")/" + _FILE_NAME.pattern + r"\.yaml")


# libyaml's emitter (PyYAML's C one, five times quicker) writes these otherwise than PyYAML's own
# (as escapes): a record holding one is written by PyYAML's, so that every machine writes alike.
_EMITTED_APART = re.compile("[\x85\U00010000-\U0010ffff]")


def record_text(record: dict) -> str:
    return _dumped(canonical(record))


def field_text(name: str, value) -> str:
    """One field as record_text writes it (a record's text is its fields' texts one after another)."""
    return _dumped({name: value})


def _dumped(data: dict) -> str:
    import orjson
    import yaml

    dumper = getattr(yaml, "CSafeDumper", None)
    if dumper is None or _EMITTED_APART.search(orjson.dumps(data).decode()):
        dumper = yaml.SafeDumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=YAML_WIDTH)


@dataclass
class FolderExport:
    written: int
    unchanged: int
    removed: list[Path]


def export_folder(records: list[dict], folder: Path, prune: bool, advance=nothing) -> FolderExport:
    """One YAML file per record in folder/<kind>s/; a file whose content is already right is left
    alone. The files mieux writes there are listed in folder/.mieux-export.json (MANIFEST). With
    `prune` (the whole catalogue is exported), the listed files whose records are no longer in the
    catalogue are removed; nothing else in `folder` is ever removed."""
    # Every file name is checked before anything is written, so a bad ID leaves the folder as it was.
    targets = [(folder / KIND_FOLDERS[r["kind"]] / _file_name(r["id"]), r) for r in records]
    _make_folder(folder)
    for kind_folder in {path.parent for path, _ in targets}:
        _make_folder(kind_folder)
    names = {f"{path.parent.name}/{path.name}" for path, _ in targets}
    listed, gone = _read_manifest(folder)
    gone -= {r["id"] for r in records}
    # Listed before they are written: an export stopped half-way still knows what it wrote.
    _write_if_changed(folder / MANIFEST, _manifest_text(listed | names, gone))
    known = exported.load(folder)
    written = 0
    try:
        for path, record in targets:
            name = f"{path.parent.name}/{path.name}"
            mark = digest(record)
            if known.get(name, [None])[1:] != exported.identity(path) or known[name][0] != mark:
                written += _write_if_changed(path, record_text(record), durable=False)
                known[name] = [mark, *(exported.identity(path) or [])]
            advance()
    finally:  # what was written is made durable, and known, even if the export stopped half-way
        if written:
            sync_all({path.parent for path, _ in targets})
        exported.save(folder, known)
    removed = []
    if prune:
        removed = _remove_listed(folder, listed - names)
        gone |= {Path(name).stem for name in listed - names} - {r["id"] for r in records}
        _write_if_changed(folder / MANIFEST, _manifest_text(names, gone))
        exported.save(folder, {name: known[name] for name in names if name in known})
    return FolderExport(written, len(targets) - written, removed)


def removed_in(folder: Path) -> set[str]:
    """The IDs of the records whose files whole-catalogue exports removed from `folder` (what
    `import --prune` removes); MieuxError when the folder has no manifest, which says it."""
    if not (folder / MANIFEST).is_file():
        raise MieuxError(f"{folder} has no {MANIFEST}, so nothing says which records were removed from it.",
                         "--prune takes a folder written by `mieux export --output DIR`; import without --prune.")
    return _read_manifest(folder)[1]


def _read_manifest(folder: Path) -> tuple[set[str], set[str]]:
    """The files an earlier export listed, as names relative to `folder`, and the IDs of the
    records whose files exports removed; only names of the form <kind>s/<id>.yaml, so that no
    manifest can lead a removal anywhere else."""
    import orjson

    path = folder / MANIFEST
    try:
        data = orjson.loads(read_regular_file(path, MAX_IMPORT_BYTES))
    except FileNotFoundError:  # a new folder, or one exported by an older mieux: nothing to remove
        return set(), set()
    except (NotRegularFile, TooLarge, orjson.JSONDecodeError):
        data = None
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", "Check its permissions and export again.") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise MieuxError(f"{path} is damaged (not the list of files mieux wrote there).",
                         "Delete it and export again: files of records that are gone are then left for you to delete.")
    removed = data.get("removed", [])
    return ({name for name in files if isinstance(name, str) and _LISTED.fullmatch(name)},
            {i for i in removed if isinstance(i, str) and _FILE_NAME.fullmatch(i)} if isinstance(removed, list) else set())


def _manifest_text(names: set[str], removed: set[str]) -> str:
    """Sorted, one file a line: stable, and a git diff shows the files added and removed. The IDs
    of records whose files were removed are kept ("removed", once there is one), so that
    `import --prune` removes them from a colleague's catalogue too."""
    import orjson

    manifest = {"about": MANIFEST_ABOUT, "files": sorted(names), **({"removed": sorted(removed)} if removed else {})}
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2).decode() + "\n"


def _file_name(record_id: str) -> str:
    """<id>.yaml. IDs are validated slugs, but whatever a catalogue holds, a file name must never
    lead out of the folder (no "/", no "..")."""
    if not _FILE_NAME.fullmatch(record_id):
        raise MieuxError(
            f"The record ID '{record_id}' cannot be used as a file name.",
            "IDs are lowercase letters, digits and single hyphens; this one was not written by mieux.",
        )
    return f"{record_id}.yaml"


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(exist_ok=True)  # not its parents: a typo should not scatter folders around
    except FileNotFoundError:
        raise MieuxError(f"The folder {folder.parent} does not exist.", "Create it first, or choose another --output.") from None
    except OSError as e:
        raise write_error(folder, e) from None


def _write_if_changed(path: Path, text: str, durable: bool = True) -> bool:
    data = text.encode("utf-8")
    try:
        # Never more than the comparison needs, and never from a named pipe or a device, which the
        # write then replaces.
        if read_regular_file(path, len(data)) == data:
            return False
    except (FileNotFoundError, NotRegularFile, TooLarge):
        pass
    except OSError as e:
        raise write_error(path, e) from None
    write_file(path, data, durable)
    return True


def _remove_listed(folder: Path, names: set[str]) -> list[Path]:
    removed = []
    for name in sorted(names):
        path = folder / name
        if path.is_file():
            try:
                path.unlink()
            except OSError as e:
                raise write_error(path, e) from None
            removed.append(path)
    return removed


def files_in(folder: Path):
    for root, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".")]  # .git, .github: never records
        yield from (Path(root, n) for n in names if n.endswith(YAML_SUFFIXES) and not n.startswith("."))


class _Mapping(dict):
    """A YAML mapping that knows its line and the line of each of its keys."""

    line: int
    key_lines: dict[str, int]


@functools.cache
def _yaml_loader():
    import yaml

    class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """The safe loader (no Python objects), keeping lines for the error report and refusing
        duplicate keys, which YAML forbids and PyYAML would silently resolve to the last one."""

        reached = None  # called with the position of each mapping built, for progress

        def construct_lined_map(self, node):
            if self.reached is not None:
                self.reached(node.start_mark.index)
            mapping = _Mapping()
            mapping.line = node.start_mark.line + 1
            yield mapping
            mapping.key_lines = self.key_lines(node)
            mapping.update(self.construct_mapping(node))

        def key_lines(self, node) -> dict[str, int]:
            lines = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # "<<": its keys may be overridden
                    continue
                key = self.construct_object(key_node)
                with contextlib.suppress(TypeError):  # an unhashable key: construct_mapping says so
                    if key in lines:
                        raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
                    lines[key] = key_node.start_mark.line + 1
            return {str(key): line for key, line in lines.items()}

    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_lined_map)
    return LineLoader


class _ReadingStream(io.StringIO):
    """The text as the YAML parser reads it, piece by piece, saying how far it got."""

    def __init__(self, text: str, reached):
        super().__init__(text)
        self.reached = reached

    def read(self, size: int = -1) -> str:
        piece = super().read(size)
        self.reached(self.tell())
        return piece


def read(text: str, name: str, reached=lambda fraction: None) -> list[Item]:
    """A record (mapping), a list of records, or several documents of either. `reached(fraction)`
    follows the work: the parser reading the text (the first half), then the records being built."""
    import yaml

    size = max(len(text), 1)
    loader = _yaml_loader()(_ReadingStream(text, lambda read: reached(read / size / 2)))
    loader.reached = lambda position: reached(0.5 + position / size / 2)
    items = []
    try:
        while loader.check_data():
            document = loader.get_data()
            if document is None:  # an empty document, as a trailing "---" makes
                continue
            for raw in document if isinstance(document, list) else [document]:
                items.append(Item(raw, name, getattr(raw, "line", None), getattr(raw, "key_lines", {})))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise UnreadableFile(name, mark.line + 1 if mark else None, f"not valid YAML: {e.problem}") from None
    except yaml.reader.ReaderError as e:
        raise UnreadableFile(name, text.count("\n", 0, e.position) + 1, f"not valid YAML: {e.reason}") from None
    finally:
        loader.dispose()
    return items
