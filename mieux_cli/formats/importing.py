"""Import and export: the catalogue as files that people edit, review in git or open in a
spreadsheet, and back again.

Formats:
- YAML: a folder with one file per record (DIR/actions/<id>.yaml, DIR/practices/ ...), keys in
  canonical order and every value on one line, so that a git diff shows exactly what changed;
- JSON: one array of full records;
- CSV: one row per record and a column per field, each cell in the one text form of values
  (cells.py: list items joined with "; ", the parts of a source or a partner with " | ",
  backslash escapes), with formula-like cells neutralised for spreadsheets;
- IATI activity XML (formats/iati.py): Actions as IATI activities, and IATI files read as Actions.

An import is all or nothing. Every record is normalized, then checked against the catalogue as
it would be after the import; one problem anywhere and nothing is written. Every problem is
reported with the file and line it comes from, so that a file can be fixed in one pass.
"""

import contextlib
import functools
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mieux_cli.errors import InvalidRecord, MieuxError
from mieux_cli.model import schema
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.cells import csv_cell, from_csv_cell
from mieux_cli.model.migrations import upgrade_record
from mieux_cli.model.records import (
    link_problems,
    links_of,
    normalize,
    relinked,
    resolve_kind,
)
from mieux_cli.model.schema import KIND_ORDER, KINDS
from mieux_cli.storage.files import (
    NotRegularFile,
    TooLarge,
    read_regular_file,
    write_atomically,
)
from mieux_cli.storage.history import Change, added, removed, updated

KIND_FOLDERS = {kind: f"{kind}s" for kind in KINDS}
YAML_SUFFIXES = (".yaml", ".yml")
# PyYAML folds strings longer than 80 columns over several lines; one line per value keeps a
# git diff to the lines that changed.
YAML_WIDTH = float("inf")
_FILE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# In an export folder, the list of the files mieux wrote there: a whole-catalogue export removes
# those of records that are gone, and never any other file.
MANIFEST = ".mieux-export.json"
MANIFEST_ABOUT = ("The files `mieux export` wrote in this folder. Exporting the whole catalogue again removes "
                  "those whose records are gone, and no other file.")
_LISTED = re.compile("(?:" + "|".join(KIND_FOLDERS.values()) + ")/" + _FILE_NAME.pattern + r"\.yaml")
# An import file larger than this is refused before it is read: 100,000 real records are about
# 100 MB of JSON, and parsing takes several times a file's size in memory.
MAX_IMPORT_BYTES = 256 * 1024 * 1024
PROBLEMS_LISTED = 100  # an import report lists this many problems, then counts the rest


def _nothing(n: int = 1) -> None:
    """The default progress callback."""


# -- export ---------------------------------------------------------------------------------------


def canonical(record: dict) -> dict:
    """The record with exactly its kind's fields, in canonical order."""
    return {f.name: record.get(f.name, f.empty()) for f in schema.fields_of(record["kind"])}


def export_order(records: list[dict]) -> list[dict]:
    """Canonical records sorted by kind (action, practice, event, fact), then ID: every export's order."""
    return sorted((canonical(r) for r in records), key=lambda r: (KIND_ORDER[r["kind"]], r["id"]))


def yaml_text(record: dict) -> str:
    import yaml

    return yaml.safe_dump(canonical(record), sort_keys=False, allow_unicode=True, default_flow_style=False, width=YAML_WIDTH)


def json_text(records: list[dict]) -> str:
    import orjson

    return orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"


def csv_columns() -> list[schema.Field]:
    """Every field, in the schema's order, once."""
    return schema.all_fields()


def csv_text(records: list[dict], advance=_nothing) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = csv_columns()
    writer.writerow([f.name for f in columns])
    for record in records:
        writer.writerow([csv_cell(f, record.get(f.name)) for f in columns])  # other kinds' fields: empty
        advance()
    return buffer.getvalue()


@dataclass
class FolderExport:
    written: int
    unchanged: int
    removed: list[Path]


def export_folder(records: list[dict], folder: Path, prune: bool, advance=_nothing) -> FolderExport:
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
    listed = _read_manifest(folder)
    # Listed before they are written: an export stopped half-way still knows what it wrote.
    _write_if_changed(folder / MANIFEST, _manifest_text(listed | names))
    written = 0
    for path, record in targets:
        written += _write_if_changed(path, yaml_text(record))
        advance()
    removed = []
    if prune:
        removed = _remove_listed(folder, listed - names)
        _write_if_changed(folder / MANIFEST, _manifest_text(names))
    return FolderExport(written, len(targets) - written, removed)


def _read_manifest(folder: Path) -> set[str]:
    """The files an earlier export listed, as names relative to `folder`; only names of the form
    <kind>s/<id>.yaml, so that no manifest can lead a removal anywhere else."""
    import orjson

    path = folder / MANIFEST
    try:
        data = orjson.loads(read_regular_file(path, MAX_IMPORT_BYTES))
    except FileNotFoundError:  # a new folder, or one exported by an older mieux: nothing to remove
        return set()
    except (NotRegularFile, TooLarge, orjson.JSONDecodeError):
        data = None
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", "Check its permissions and export again.") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise MieuxError(f"{path} is damaged (not the list of files mieux wrote there).",
                         "Delete it and export again: files of records that are gone are then left for you to delete.")
    return {name for name in files if isinstance(name, str) and _LISTED.fullmatch(name)}


def _manifest_text(names: set[str]) -> str:
    """Sorted, one file a line: stable, and a git diff shows the files added and removed."""
    import orjson

    manifest = {"about": MANIFEST_ABOUT, "files": sorted(names)}
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
        raise _write_error(folder, e) from None


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        # Never more than the comparison needs, and never from a named pipe or a device, which the
        # write then replaces.
        if read_regular_file(path, len(data)) == data:
            return False
    except (FileNotFoundError, NotRegularFile, TooLarge):
        pass
    except OSError as e:
        raise _write_error(path, e) from None
    write_file(path, data)
    return True


def _remove_listed(folder: Path, names: set[str]) -> list[Path]:
    removed = []
    for name in sorted(names):
        path = folder / name
        if path.is_file():
            try:
                path.unlink()
            except OSError as e:
                raise _write_error(path, e) from None
            removed.append(path)
    return removed


def write_file(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (the one atomic write, store.write_atomically), so that
    neither a reader nor a failed export ever sees half a file."""
    try:
        write_atomically(path, data)
    except OSError as e:
        raise _write_error(path, e) from None


def _write_error(path: Path, e: OSError) -> MieuxError:
    return MieuxError(f"Could not write {path}: {e.strerror or e}.", "Fix that and run the export again.")


# -- reading files ------------------------------------------------------------------------------


@dataclass
class Item:
    """One record as read, with where it came from, for the error report."""

    raw: object
    file: str
    line: int | None = None  # of the record (a YAML mapping, a CSV row); None for JSON
    key_lines: dict[str, int] = field(default_factory=dict)  # field -> line of its key (YAML)
    problems: list[tuple[str, str]] = field(default_factory=list)  # found while reading (CSV cells)
    notes: list[str] = field(default_factory=list)  # what the file holds that mieux has no field for (IATI)
    # IATI: former ID -> (the previous activity identifier it was read from, the reporting org's ref)
    previous: dict[str, tuple[str, str]] = field(default_factory=dict)

    def line_of(self, name: str) -> int | None:
        return self.key_lines.get(name, self.line)


class UnreadableFile(MieuxError):
    """A file that cannot be parsed at all: one line naming it, the line and the fix."""

    def __init__(self, name: str, line: int | None, what: str, hint: str = "Fix it and run the import again."):
        super().__init__(f"{name}{f':{line}' if line else ''}: {what}.", hint)


@contextlib.contextmanager
def _no_progress(total: int, description: str):
    yield _nothing


@dataclass
class Reading:
    items: list[Item]
    report: list[str] = field(default_factory=list)  # about a file as a whole (IATI: activities, languages)


FILE_STEPS = 1000  # progress steps per file read: a large YAML file reports how far it got


def read_import(path: Path, progress=_no_progress, iati_options=None) -> Reading:
    """The records in a file, or in the .yaml and .yml files under a folder (sorted), as read; an
    IATI activity file (.xml) is read as Actions, with `iati_options` (formats.iati.ReadOptions:
    the language of its texts, filters). `progress(total, description)` is a context manager
    yielding advance(), as Output.progress."""
    paths = _import_files(path)
    if paths[0].suffix.lower() == ".xml":
        return _read_iati(paths[0], progress, iati_options)
    if iati_options is not None:
        raise MieuxError("--lang, --country, --sector and --reporting-org choose what to read from an IATI file (.xml).",
                         "Leave them out to import a YAML, JSON or CSV file.")
    items = []
    with progress(len(paths) * FILE_STEPS, "Reading") as advance:
        for file in paths:
            done = 0

            def reached(fraction: float) -> None:
                nonlocal done
                steps = min(FILE_STEPS, int(fraction * FILE_STEPS))
                if steps > done:
                    advance(steps - done)
                    done = steps

            suffix = file.suffix.lower()
            text = _read_text(file)
            if suffix == ".json":
                items += _read_json(text, str(file))
            elif suffix == ".csv":
                items += _read_csv(text, str(file))
            else:
                items += _read_yaml(text, str(file), reached)
            reached(1.0)
    if not items:
        raise MieuxError(f"There are no records in {path}.", "A file to import holds a record, or a list of records.")
    return Reading(items)


def _read_iati(path: Path, progress, options) -> Reading:
    from mieux_cli.formats import iati

    size = _checked_size(path)
    with progress(size, "Reading IATI activities") as advance:
        return iati.read(path, options or iati.ReadOptions(), advance)


def _import_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(_yaml_files(path))
        if not found:
            raise MieuxError(f"There are no .yaml files in {path}.", "Give a folder written by `mieux export --output DIR`, or a YAML, JSON or CSV file.")
        return found
    if not path.exists():
        raise MieuxError(f"There is no file or folder {path}.", "Check the path.")
    if path.suffix.lower() not in (*YAML_SUFFIXES, ".json", ".csv", ".xml"):
        raise MieuxError(f"Cannot tell the format of {path} from its name.",
                         "Name it .yaml, .yml, .json or .csv, or .xml for an IATI activity file.")
    return [path]


def _yaml_files(folder: Path):
    for root, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".")]  # .git, .github: never records
        yield from (Path(root, n) for n in names if n.endswith(YAML_SUFFIXES) and not n.startswith("."))


def _checked_size(path: Path) -> int:
    """The size of an IATI file to import (it is streamed, not read whole); refused before it is
    read when it is not a regular file or too large."""
    try:
        info = os.stat(path)  # symlinks followed
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", "Check the path and its permissions.") from None
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end: an IATI file is streamed
        raise UnreadableFile(str(path), None, "not a regular file, not a file that can be imported",
                             "Give an IATI activity file (.xml).")
    if info.st_size > MAX_IMPORT_BYTES:
        raise UnreadableFile(str(path), None, f"too large to import ({info.st_size // 2**20} MB; the limit is "
                             f"{MAX_IMPORT_BYTES // 2**20} MB)", "Download a smaller selection (by country, sector or publisher).")
    return info.st_size


def _read_text(path: Path) -> str:
    try:
        data = read_regular_file(path, MAX_IMPORT_BYTES)
    except NotRegularFile as e:
        raise UnreadableFile(str(path), None, f"{e.what}, not a file that can be imported",
                             "Give a YAML, JSON or CSV file, or a folder of YAML files.") from None
    except TooLarge as e:
        raise UnreadableFile(str(path), None, f"too large to import ({e})",
                             "Split it into smaller files and import them one by one.") from None
    except OSError as e:
        raise MieuxError(f"Cannot read {path}: {e.strerror or e}.", "Check the path and its permissions.") from None
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise UnreadableFile(str(path), line, "not a text file (it holds NUL bytes: a binary file, or UTF-16)",
                             "Give a YAML, JSON or CSV file saved as UTF-8.")
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark, as some editors write, is not data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UnreadableFile(str(path), data.count(b"\n", 0, e.start) + 1, f"not UTF-8 text (byte 0x{data[e.start]:02x})",
                             "Save it as UTF-8 and run the import again.") from None


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


def _read_yaml(text: str, name: str, reached=lambda fraction: None) -> list[Item]:
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


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple]) -> dict:
    mapping = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def _read_json(text: str, name: str) -> list[Item]:
    """A record (object) or an array of records. The standard library's parser, not orjson: it
    gives the line of a syntax error and lets duplicate keys be refused."""
    import json

    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise UnreadableFile(name, e.lineno, f"not valid JSON: {e.msg}") from None
    except _DuplicateKey as e:
        raise UnreadableFile(name, None, f"duplicate key '{e.args[0]}' in a JSON object") from None
    return [Item(raw, name) for raw in (data if isinstance(data, list) else [data])]


def _read_csv(text: str, name: str) -> list[Item]:
    """A header row of field names, then one record a row, as `csv_text` writes them."""
    import csv

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    items, line = [], 1
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        twice = [c for c in dict.fromkeys(header) if header.count(c) > 1]
        if twice:
            raise UnreadableFile(name, 1, f"the column '{twice[0]}' appears twice in the header")
        while True:
            line = reader.line_num + 1  # where the next row starts (a quoted cell may span lines)
            row = next(reader, None)
            if row is None:
                break
            if any(cell.strip() for cell in row):
                items.append(_row_item(header, row, name, line))
    except csv.Error as e:
        raise UnreadableFile(name, line, f"not valid CSV: {e}") from None  # the line where its row starts
    return items


def _row_item(header: list[str], row: list[str], name: str, line: int) -> Item:
    item = Item({}, name, line)
    if len(row) != len(header):
        item.problems.append(("row", f"has {len(row)} cells but the header has {len(header)} columns"))
    for column, cell in zip(header, row):
        if not cell.strip():  # an empty field; and every other kind's columns are empty
            continue
        if not schema.has(column) and column in _FORMAT_1_COLUMNS:  # upgraded by migrations.upgrade_record
            item.raw[column] = [v.strip() for v in cell.split("; ") if v.strip()] if column == "hosts" else cell
            continue
        try:
            item.raw[column] = from_csv_cell(schema.get(column), cell) if schema.has(column) else cell
        except ValueError as e:
            item.problems.append((column, str(e)))
    return item


# Columns of format-1 exports that format 2 keeps under another name (migrations.py): an event's
# hosts (a list, joined with "; " as format 1 wrote lists) and a fact's figure.
_FORMAT_1_COLUMNS = ("hosts", "figure")


# -- checking and planning an import ------------------------------------------------------------


@dataclass
class Problem:
    index: int  # of the record in the import, to report in file order and count records
    file: str
    line: int | None
    record_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.record_id}: {self.field}: {self.message}"

    def file_order(self) -> tuple[int, int]:
        return self.index, self.line or 0


class ImportRefused(MieuxError):
    """Nothing was imported; `problems` lists every problem, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.file_order)
        records = len({p.index for p in problems})
        super().__init__(
            f"Nothing was imported: {count_of(len(problems), 'problem')} in {count_of(records, 'record')}.",
            f"Fix {'it' if len(problems) == 1 else 'them'} and run the import again.",
        )


def count_of(n: int, noun: str) -> str:
    """"1 record", "2 records"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class Entry:
    """A record of the import: as read, normalized (None when it has problems), its ID and kind
    as far as they can be told."""

    item: Item
    record: dict | None
    record_id: str
    kind: str | None


@dataclass
class Prepared:
    entries: list[Entry]
    problems: list[Problem]

    def problem(self, index: int, name: str, message: str) -> Problem:
        entry = self.entries[index]
        return Problem(index, entry.item.file, entry.item.line_of(name), entry.record_id, name, message)


def prepare(items: list[Item], advance=_nothing) -> Prepared:
    """Normalize every record, collecting every problem. Done before the catalogue is locked:
    it needs no catalogue, and a large import would otherwise hold the lock all that time."""
    prepared = Prepared([], [])
    for index, item in enumerate(items):
        try:
            record, problems = normalize(upgrade_record(item.raw)), []
        except InvalidRecord as e:
            record, problems = None, e.problems
        unread = {name for name, _ in item.problems}
        # A field that could not be read is left out of the record; normalize's "is required"
        # for it would only repeat the problem.
        problems = item.problems + [p for p in problems if p[0] not in unread]
        prepared.entries.append(Entry(item, None if problems else record, *_id_and_kind(item.raw, record)))
        prepared.problems += [prepared.problem(index, name, message) for name, message in problems]
        advance()
    return prepared


def _id_and_kind(raw, record: dict | None) -> tuple[str, str | None]:
    if record is not None:
        return record["id"], record["kind"]
    if not isinstance(raw, dict):
        return "?", None
    try:
        kind = resolve_kind(raw.get("kind") or "")
    except MieuxError:
        kind = None
    return str(raw.get("id") or "?"), kind  # the ID as InvalidRecord reports it


def read_records(path: Path) -> list[dict]:
    """The records in a file or folder, normalized, for commands that take records from a file
    (`add --from`); their links are the caller's to check, under the lock. A MieuxError names the
    first problem, with its file and line, and says how many more there are."""
    import shlex

    prepared = prepare(read_import(path).items)
    problems = sorted(prepared.problems + _duplicate_ids(prepared), key=Problem.file_order)
    if problems:
        more = f" (and {count_of(len(problems) - 1, 'more problem')})" if len(problems) > 1 else ""
        raise MieuxError(f"{problems[0]}{more}.", f"Fix it and run the command again; "
                         f"`mieux import --dry-run {shlex.quote(str(path))}` lists every problem.")
    return [e.record for e in prepared.entries]


def check_whole_catalogue(raw_records: list, name: str) -> list[dict]:
    """The records of a whole catalogue (a backup to restore), checked as an import into an empty
    catalogue checks them: each normalized, IDs unique, links resolving among themselves.
    ImportRefused lists every problem."""
    prepared = prepare([Item(raw, name) for raw in raw_records])
    plan_import(prepared, Catalogue([]))
    return [e.record for e in prepared.entries]


@dataclass
class ImportPlan:
    """What an import does, as changes to apply and as a person reads it: the imported records
    added, changed, renamed (the old ID -> the new one) or left unchanged, and the other records
    of the catalogue whose links follow a rename. Every count is of records, and none is negative."""

    changes: list[Change]
    added: list[str]
    changed: list[str]
    renamed: dict[str, str]
    relinked: list[str]
    unchanged: int

    def summary(self, would: bool = False) -> str:
        """"Added 1, changed 0, unchanged 23." (with a rename: "...; renamed act-a to act-b,
        relinked 3 other records."); "Would add 1, change 0, leave 23 unchanged." for a dry run."""
        if would:
            line = f"Would add {len(self.added)}, change {len(self.changed)}, leave {self.unchanged} unchanged"
        else:
            line = f"Added {len(self.added)}, changed {len(self.changed)}, unchanged {self.unchanged}"
        also = []
        if self.renamed:
            names = ", ".join(f"{old} to {new}" for old, new in list(self.renamed.items())[:RENAMES_NAMED])
            more = len(self.renamed) - RENAMES_NAMED
            also.append(f"{'would rename' if would else 'renamed'} {names}" + (f" and {more} more" if more > 0 else ""))
        if self.relinked:
            also.append(f"{'would relink' if would else 'relinked'} {count_of(len(self.relinked), 'other record')} "
                        "to the new IDs")
        return line + ("; " + ", ".join(also) if also else "") + "."


RENAMES_NAMED = 3  # renames the summary line names before it counts the rest


def plan_import(prepared: Prepared, catalogue: Catalogue, publisher_ref: str | None = None) -> ImportPlan:
    """The changes that bring the import into `catalogue`: new records added, changed ones
    replaced, identical ones left alone. A record that gives a catalogue record's ID among its
    former IDs (renamed in a colleague's copy) replaces that record, and links to it follow; it
    may only be that record renamed (see _renames; `publisher_ref`: the IATI publisher of the
    settings, whose own activities an IATI file may rename). ImportRefused if there is any problem."""
    renamed, rename_problems = _renames(prepared, catalogue, publisher_ref)
    problems = prepared.problems + _duplicate_ids(prepared) + _former_ids(prepared, catalogue) + rename_problems
    problems += _broken_links(prepared, catalogue)
    if problems:
        raise ImportRefused(problems)
    imported = {e.record_id for e in prepared.entries}
    new_ids = set(renamed.values())
    plan = ImportPlan([], [], [], renamed, [], 0)
    for entry in prepared.entries:
        record = catalogue.with_current_links(entry.record)
        record = {**record, **{f: _renamed(record[f], renamed) for f, _ in links_of(record)}}
        before = catalogue.by_id.get(entry.record_id)
        if before is None:
            plan.changes.append(added(record))
            if entry.record_id not in new_ids:
                plan.added.append(entry.record_id)
        elif before != record:
            plan.changes.append(updated(before, record))
            plan.changed.append(entry.record_id)
        else:
            plan.unchanged += 1
    for old_id, new_id in renamed.items():
        plan.changes.append(removed(catalogue.by_id[old_id]))
        for other in catalogue.linking_to(old_id):
            if other["id"] not in imported and other["id"] not in renamed:
                plan.changes.append(updated(other, relinked(other, old_id, new_id)))
                plan.relinked.append(other["id"])
    return plan


def _renames(prepared: Prepared, catalogue: Catalogue, publisher_ref: str | None) -> tuple[dict[str, str], list[Problem]]:
    """The renames an import carries (a catalogue record's ID -> the ID the import gives it), and
    the former IDs that cannot be renames. A former ID may only carry a rename of the same record:
    a record of the catalogue of the same kind, that the file does not also hold, and that no
    other record of the file or of the catalogue claims; from an IATI file, one that was imported
    from the activity the previous identifier names, or one of the publisher's own activities.
    Anything else would remove or repoint another record, so it is refused with both IDs named."""
    imported = {e.record_id: e for e in prepared.entries if e.record_id != "?"}
    renamed: dict[str, str] = {}
    problems = []
    for index, entry in enumerate(prepared.entries):
        if entry.record is None:
            continue
        new_id = entry.record_id

        def refuse(message: str, index: int = index) -> None:
            problems.append(prepared.problem(index, "aliases", message))

        current = [a for a in entry.record["aliases"] if a in catalogue.by_id and a != new_id]
        if len(current) > 1:
            refuse(f"gives {_quoted_ids(current)} as former IDs, and {len(current)} records of the catalogue have "
                   "them: importing it would remove them and put one record in their place; keep only the ID it "
                   "was renamed from")
            continue
        for alias in entry.record["aliases"]:
            if alias in imported and alias != new_id:
                refuse(f"gives '{alias}' as a former ID, but the file also holds a record '{alias}'; "
                       "a record cannot be both: leave one of them out")
            elif alias in catalogue.by_id and alias != new_id:
                old = catalogue.by_id[alias]
                if old["kind"] != entry.kind:
                    refuse(f"gives '{alias}' as a former ID, but '{alias}' is {_a(old['kind'])} in the catalogue and "
                           f"'{new_id}' is {_a(entry.kind)}: a rename keeps the kind; remove '{alias}' from its aliases")
                elif new_id in catalogue.by_id:
                    refuse(f"gives '{alias}' as a former ID, but '{alias}' and '{new_id}' are two records in the "
                           f"catalogue: importing it would remove '{alias}'; remove '{alias}' from its aliases")
                elif alias in renamed:
                    refuse(f"gives '{alias}' as a former ID, and so does '{renamed[alias]}' in the same import: "
                           "only one record can be renamed from it")
                elif alias in entry.item.previous and not _same_activity(old, *entry.item.previous[alias], publisher_ref):
                    ref, reporting_ref = entry.item.previous[alias]
                    refuse(f"gives {ref} as its previous IATI identifier, which would rename '{alias}', but "
                           f"'{alias}' in the catalogue was not imported from that activity, nor published by "
                           f"{reporting_ref} as the publisher of your settings: it is another record; leave it "
                           "out, or set iati.publisher-ref if this file is your organisation's")
                else:
                    renamed[alias] = new_id
            elif alias in catalogue.by_alias:
                now = catalogue.current_id(alias)
                if now not in (new_id, *[a for a in entry.record["aliases"] if a in catalogue.by_id]):
                    refuse(f"gives '{alias}' as a former ID, but '{alias}' was renamed '{now}' in this catalogue: "
                           f"'{new_id}' and '{now}' cannot both be that record; remove '{alias}' from its aliases")
    return renamed, problems


def _same_activity(record: dict, ref: str, reporting_ref: str, publisher_ref: str | None) -> bool:
    """Whether `record` is the IATI activity `ref` (a previous activity identifier in a file
    `reporting_ref` published): imported from it, or made in mieux and published by the
    publisher of the settings, which that file is then from."""
    from mieux_cli.formats.iati import imported_from

    activity = imported_from(record)
    if activity is not None:
        return activity == ref
    return bool(publisher_ref) and reporting_ref == publisher_ref and ref == f"{publisher_ref}-{record['id']}"


def _quoted_ids(ids: list[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids[:-1]) + f" and '{ids[-1]}'"


def _renamed(value, renamed: dict[str, str]):
    if isinstance(value, list):
        return list(dict.fromkeys(renamed.get(v, v) for v in value))
    return renamed.get(value, value)


def _former_ids(prepared: Prepared, catalogue: Catalogue) -> list[Problem]:
    """A record imported under an ID that another record had before it was renamed: importing it
    would bring the old record back beside the renamed one."""
    problems = []
    for index, entry in enumerate(prepared.entries):
        current = catalogue.by_alias.get(entry.record_id)
        if current and current != entry.record_id:
            problems.append(prepared.problem(index, "id", (
                f"'{entry.record_id}' was renamed '{current}'; give the record its new ID in the file, or leave it out")))
    return problems


def _duplicate_ids(prepared: Prepared) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for index, entry in enumerate(prepared.entries):
        if entry.record_id == "?":
            continue
        other = first.setdefault(entry.record_id, index)
        if other != index:
            item = prepared.entries[other].item
            where = f"{item.file}:{item.line}" if item.line else item.file
            problems.append(prepared.problem(index, "id", f"is also the ID of the record at {where}; IDs must be unique"))
    return problems


def _broken_links(prepared: Prepared, catalogue: Catalogue) -> list[Problem]:
    """Links checked against the catalogue as it will be after the import. Records with problems
    count with the kind they claim: once fixed they will be there, and a link to one of them is
    not a second problem."""
    kinds_by_id = {r["id"]: r["kind"] for r in catalogue.records}
    kinds_by_id.update((e.record_id, e.kind) for e in prepared.entries if e.kind)
    # a link may use a former ID, in the catalogue or in the import: it follows the rename
    kinds_by_id.update((alias, kinds_by_id[current]) for alias, current in catalogue.by_alias.items())
    kinds_by_id.update((alias, e.kind) for e in prepared.entries if e.record and e.kind for alias in e.record["aliases"])
    imported = {e.record_id for e in prepared.entries}
    problems = []
    for index, entry in enumerate(prepared.entries):
        if entry.record is None:
            continue
        problems += [prepared.problem(index, name, message) for name, message in link_problems(entry.record, kinds_by_id)]
        before = catalogue.by_id.get(entry.record_id)
        if before and before["kind"] != entry.kind:
            # A practice already in the catalogue (and not re-imported) would lose its link.
            linked = [p["id"] for p in catalogue.practices_linked_to(entry.record_id) if p["id"] not in imported]
            if linked:
                problems.append(prepared.problem(index, "kind", (
                    f"'{entry.record_id}' is {_a(before['kind'])} in the catalogue, and {', '.join(linked)} "
                    f"{'links' if len(linked) == 1 else 'link'} to it as one; it cannot become {_a(entry.kind)}"
                )))
    return problems


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
