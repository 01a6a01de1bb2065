"""Import: records read from a file or a folder in any format (the registry in formats/__init__.py),
checked, and planned into the catalogue.

An import is all or nothing. Every record is normalized, then checked against the catalogue as
it would be after the import; one problem anywhere and nothing is written. Every problem is
reported with the file and line it comes from, so that a file can be fixed in one pass. A former
ID carries a rename of the same record only (see _renames).
"""

import importlib
from pathlib import Path

from mieux_cli.errors import InvalidRecord, MieuxError
from mieux_cli.formats import of_suffix, yaml_folder
from mieux_cli.formats.files import (
    FILE_STEPS,
    Item,
    Reading,
    checked_size,
    no_progress,
    nothing,
    read_spreadsheet_text,
    read_text,
)
from mieux_cli.formats.import_checks import Entry, Prepared, Problem, duplicate_ids
from mieux_cli.formats.import_plan import plan_import
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.migrations import upgrade_record
from mieux_cli.model.records import (
    normalize,
    resolve_kind,
)
from mieux_cli.text import count_of

PROBLEMS_LISTED = 100  # an import report lists this many problems, then counts the rest


def read_import(path: Path, progress=no_progress, iati_options=None) -> Reading:
    """The records in a file, or in the .yaml and .yml files under a folder (sorted), as read by
    the module of its format (formats.FORMATS); an IATI activity file (.xml) is read as Actions,
    with `iati_options` (formats.iati.reading.ReadOptions: the language of its texts, filters).
    `progress(total, description)` is a context manager yielding advance(), as Output.progress."""
    paths = _import_files(path)
    formats = [of_suffix(p.suffix) for p in paths]
    if formats[0].name == "iati":
        return _read_iati(paths[0], progress, iati_options)
    if iati_options is not None:
        raise MieuxError("--lang, --country, --sector and --reporting-org choose what to read from an IATI file (.xml).",
                         "Leave them out to import a YAML, JSON or CSV file.")
    items, report = [], []
    with progress(len(paths) * FILE_STEPS, "Reading") as advance:
        for file, fmt in zip(paths, formats):
            done = 0

            def reached(fraction: float) -> None:
                nonlocal done
                steps = min(FILE_STEPS, int(fraction * FILE_STEPS))
                if steps > done:
                    advance(steps - done)
                    done = steps

            module = importlib.import_module(f"mieux_cli.formats.{fmt.module}")
            if fmt.name == "xlsx":  # a workbook is read from its bytes, by openpyxl
                items += module.read_file(file, str(file), reached)
            elif fmt.name == "csv":
                text, encoding = read_spreadsheet_text(file)
                if encoding:
                    report.append(f"{file} is not UTF-8: it was read as {encoding}, as Excel saves CSV files.")
                items += module.read(text, str(file), reached)
            else:
                items += module.read(read_text(file), str(file), reached)
            reached(1.0)
    if not items:
        raise MieuxError(f"There are no records in {path}.", "A file to import holds a record, or a list of records.")
    return Reading(items, report)


def _read_iati(path: Path, progress, options) -> Reading:
    from mieux_cli.formats.iati.reading import ReadOptions, read

    size = checked_size(path)
    with progress(size, "Reading IATI activities") as advance:
        return read(path, options or ReadOptions(), advance)


def _import_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(yaml_folder.files_in(path))
        if not found:
            raise MieuxError(f"There are no .yaml files in {path}.", "Give a folder written by `mieux export --output DIR`, or a YAML, JSON or CSV file.")
        return found
    if not path.exists():
        raise MieuxError(f"There is no file or folder {path}.", "Check the path.")
    if of_suffix(path.suffix) is None:
        raise MieuxError(f"Cannot tell the format of {path} from its name.",
                         "Name it .yaml, .yml, .json, .csv or .xlsx, or .xml for an IATI activity file.")
    return [path]


def prepare(items: list[Item], advance=nothing) -> Prepared:
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
    problems = sorted(prepared.problems + duplicate_ids(prepared), key=Problem.file_order)
    if problems:
        more = f" (and {count_of(len(problems) - 1, 'more problem')})" if len(problems) > 1 else ""
        raise MieuxError(f"{problems[0]}{more}.", f"Fix it and run the command again; "
                         f"`mieux import --dry-run {shlex.quote(str(path))}` lists every problem.")
    return [e.record for e in prepared.entries]


def difference_is_whole(difference, catalogue: Catalogue) -> bool:
    """Whether the records a backup differs by from the catalogue (storage.restoring.Difference)
    pass what check_whole_catalogue checks of the whole backup: each valid and as mieux stores it,
    IDs unique, links resolving among the backup's records (its other records are the catalogue's
    own, unchanged). False says nothing about the backup: check_whole_catalogue then reads it all,
    and names its problems."""
    from mieux_cli.model.records import damage, link_problems, normalize

    wanted = {}
    for record in difference.wanted:
        if damage(record) or record["id"] in wanted or (record["id"] in catalogue.by_id and record["id"] not in difference.unwanted):
            return False
        try:
            if normalize(record) != record:
                return False
        except InvalidRecord:
            return False
        wanted[record["id"]] = record["kind"]

    class BackupKinds:
        @staticmethod
        def get(record_id, default=None):
            if record_id in wanted:
                return wanted[record_id]
            return default if record_id in difference.unwanted else catalogue.kinds_by_id.get(record_id, default)

    return not any(link_problems(record, BackupKinds) for record in difference.wanted)


def check_whole_catalogue(raw_records: list, name: str) -> list[dict]:
    """The records of a whole catalogue (a backup to restore), checked as an import into an empty
    catalogue checks them: each normalized, IDs unique, links resolving among themselves.
    ImportRefused lists every problem."""
    prepared = prepare([Item(raw, name) for raw in raw_records])
    plan_import(prepared, Catalogue([]))
    return [e.record for e in prepared.entries]


