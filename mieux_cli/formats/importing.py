"""Import: records read from a file or a folder in any format (the registry in formats/__init__.py),
checked, and planned into the catalogue.

An import is all or nothing. Every record is normalized, then checked against the catalogue as
it would be after the import; one problem anywhere and nothing is written. Every problem is
reported with the file and line it comes from, so that a file can be fixed in one pass. A former
ID carries a rename of the same record only (see _renames).
"""

import importlib
from dataclasses import dataclass
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
    read_text,
)
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.migrations import upgrade_record
from mieux_cli.model.records import (
    link_problems,
    links_of,
    normalize,
    relinked,
    resolve_kind,
)
from mieux_cli.storage.history import Change, added, removed, updated
from mieux_cli.text import a_or_an, count_of

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
    items = []
    with progress(len(paths) * FILE_STEPS, "Reading") as advance:
        for file, fmt in zip(paths, formats):
            done = 0

            def reached(fraction: float) -> None:
                nonlocal done
                steps = min(FILE_STEPS, int(fraction * FILE_STEPS))
                if steps > done:
                    advance(steps - done)
                    done = steps

            items += importlib.import_module(f"mieux_cli.formats.{fmt.module}").read(read_text(file), str(file), reached)
            reached(1.0)
    if not items:
        raise MieuxError(f"There are no records in {path}.", "A file to import holds a record, or a list of records.")
    return Reading(items)


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
                         "Name it .yaml, .yml, .json or .csv, or .xml for an IATI activity file.")
    return [path]


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
                    refuse(f"gives '{alias}' as a former ID, but '{alias}' is {a_or_an(old['kind'])} in the catalogue and "
                           f"'{new_id}' is {a_or_an(entry.kind)}: a rename keeps the kind; remove '{alias}' from its aliases")
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
                    f"'{entry.record_id}' is {a_or_an(before['kind'])} in the catalogue, and {', '.join(linked)} "
                    f"{'links' if len(linked) == 1 else 'link'} to it as one; it cannot become {a_or_an(entry.kind)}"
                )))
    return problems

