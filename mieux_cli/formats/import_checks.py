"""What can stop an import: every problem of a record as read (Problem), or of the import as a
whole against the catalogue as it would be after it: IDs used twice, IDs that records had before
a rename, former IDs that would rename another record, links to nothing."""

from dataclasses import dataclass

from mieux_cli.errors import MieuxError
from mieux_cli.formats.files import Item
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.records import link_problems
from mieux_cli.text import a_or_an, count_of


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
    """The records of an import, normalized, and the problems found in them one by one.
    `positions`: each entry's place in the import as read (entries set aside leave gaps), which
    problems report, so that they stay in file order."""

    entries: list[Entry]
    problems: list[Problem]
    positions: list[int] | None = None

    def problem(self, index: int, name: str, message: str) -> Problem:
        entry = self.entries[index]
        position = self.positions[index] if self.positions is not None else index
        return Problem(position, entry.item.file, entry.item.line_of(name), entry.record_id, name, message)

    def without(self, positions: set[int]) -> "Prepared":
        """The import without the records at those positions (as problems give them)."""
        kept = [(p, e) for p, e in zip(self.positions or range(len(self.entries)), self.entries) if p not in positions]
        return Prepared([e for _, e in kept], [p for p in self.problems if p.index not in positions], [p for p, _ in kept])


def renames(prepared: Prepared, catalogue: Catalogue, publisher_ref: str | None) -> tuple[dict[str, str], list[Problem]]:
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


def former_ids(prepared: Prepared, catalogue: Catalogue) -> list[Problem]:
    """A record imported under an ID that another record had before it was renamed: importing it
    would bring the old record back beside the renamed one."""
    problems = []
    for index, entry in enumerate(prepared.entries):
        current = catalogue.by_alias.get(entry.record_id)
        if current and current != entry.record_id:
            problems.append(prepared.problem(index, "id", (
                f"'{entry.record_id}' was renamed '{current}'; give the record its new ID in the file, or leave it out")))
    return problems


def duplicate_ids(prepared: Prepared) -> list[Problem]:
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


def broken_links(prepared: Prepared, catalogue: Catalogue) -> list[Problem]:
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

