"""An import planned into the catalogue, under the lock: each record added, merged into the record
it updates (only the fields its source carries; the rest is kept), replaced whole with
--replace, or left alone; renames carried by former IDs; and, with --skip-invalid, the records
that cannot be imported set aside with their reasons, the others imported."""

from dataclasses import dataclass, field

from mieux_cli.formats.import_checks import (
    ImportRefused,
    Prepared,
    Problem,
    broken_links,
    duplicate_ids,
    former_ids,
    renames,
)
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.records import links_of, relinked
from mieux_cli.storage.history import Change, added, removed, updated
from mieux_cli.text import count_of


@dataclass
class Effect:
    """What an import does to one record it changes, field by field."""

    gains: list[str] = field(default_factory=list)  # fields empty before, with a value now
    changes: list[str] = field(default_factory=list)  # fields whose value changes
    loses: list[str] = field(default_factory=list)  # fields with a value before, empty now

    def __str__(self) -> str:
        return self.said(("gains", "changes", "loses"))

    def said(self, verbs) -> str:
        """'gains status; loses experts', of the verbs asked for."""
        return "; ".join(f"{verb} {', '.join(getattr(self, verb))}" for verb in verbs if getattr(self, verb))


@dataclass
class ImportPlan:
    """What an import does, as changes to apply and as a person reads it: the imported records
    added, changed (with what each gains, changes and loses), renamed (the old ID -> the new
    one) or left unchanged, the other records of the catalogue whose links follow a rename, and
    the records set aside (--skip-invalid) with their problems. Every count is of records, and
    none is negative."""

    changes: list[Change]
    added: list[str]
    changed: list[str]
    renamed: dict[str, str]
    relinked: list[str]
    unchanged: int
    effects: dict[str, Effect] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # --prune: records the folder's exports removed
    skipped: list[Problem] = field(default_factory=list)  # the problems of the records set aside

    @property
    def skipped_records(self) -> int:
        return len({p.index for p in self.skipped})

    def summary(self, would: bool = False) -> str:
        """"Added 1, changed 0, unchanged 23." (with a change: "changed 1 (act-x gains status;
        changes summary)"; with a rename: "...; renamed act-a to act-b, relinked 3 other
        records."); "Would add 1, change 0, leave 23 unchanged." for a dry run."""
        changed = f"{'change' if would else 'changed'} {len(self.changed)}" + self._effects()
        if would:
            line = f"Would add {len(self.added)}, {changed}, leave {self.unchanged} unchanged"
        else:
            line = f"Added {len(self.added)}, {changed}, unchanged {self.unchanged}"
        also = []
        if self.removed:
            also.append(f"{'would remove' if would else 'removed'} {', '.join(self.removed[:RENAMES_NAMED])}"
                        + (f" and {len(self.removed) - RENAMES_NAMED} more" if len(self.removed) > RENAMES_NAMED else ""))
        if self.skipped:
            also.append(f"{'would skip' if would else 'skipped'} {count_of(self.skipped_records, 'invalid record')}")
        if self.renamed:
            names = ", ".join(f"{old} to {new}" for old, new in list(self.renamed.items())[:RENAMES_NAMED])
            more = len(self.renamed) - RENAMES_NAMED
            also.append(f"{'would rename' if would else 'renamed'} {names}" + (f" and {more} more" if more > 0 else ""))
        if self.relinked:
            also.append(f"{'would relink' if would else 'relinked'} {count_of(len(self.relinked), 'other record')} "
                        "to the new IDs")
        return line + ("; " + ", ".join(also) if also else "") + "."

    def _effects(self) -> str:
        """' (act-x gains status; loses experts)': what the first few changed records gain and lose
        (a value changed in place is for --verbose and --dry-run to list)."""
        named = [f"{record_id} {said}" for record_id in self.changed
                 if (said := self.effects[record_id].said(("gains", "loses")))]
        if not named:
            return ""
        more = len(named) - EFFECTS_NAMED
        return " (" + ", ".join(named[:EFFECTS_NAMED]) + (f", and {more} more" if more > 0 else "") + ")"


RENAMES_NAMED = 3  # renames the summary line names before it counts the rest
EFFECTS_NAMED = 3  # changed records whose gains and losses the summary line names


def plan_import(prepared: Prepared, catalogue: Catalogue, publisher_ref: str | None = None,
                replace: bool = False, skip_invalid: bool = False, pruned: frozenset[str] = frozenset()) -> ImportPlan:
    """The changes that bring the import into `catalogue`: new records added, records already
    there updated in the fields the import carries (all of them with `replace`), identical ones
    left alone. A record that gives a catalogue record's ID among its former IDs (renamed in a
    colleague's copy) takes that record's place, and links to it follow; it may only be that
    record renamed (see import_checks.renames; `publisher_ref`: the IATI publisher of the
    settings, whose own activities an IATI file may rename). ImportRefused if there is any
    problem; with `skip_invalid`, the records with problems (and those that then link to nothing)
    are set aside in the plan and the others imported."""
    skipped: list[Problem] = []
    while True:
        renamed, rename_problems = renames(prepared, catalogue, publisher_ref)
        problems = prepared.problems + duplicate_ids(prepared) + former_ids(prepared, catalogue) + rename_problems
        problems += broken_links(prepared, catalogue)
        merged, merge_problems = _merged(prepared, catalogue, renamed, replace)
        problems += merge_problems
        if not problems:
            break
        if not skip_invalid:
            raise ImportRefused(problems)
        skipped += problems
        prepared = prepared.without({p.index for p in problems})
        if not prepared.entries:
            raise ImportRefused(skipped)
    imported = {e.record_id for e in prepared.entries}
    new_ids = set(renamed.values())
    plan = ImportPlan([], [], [], renamed, [], 0, skipped=sorted(skipped, key=Problem.file_order))
    for entry, (before, record) in zip(prepared.entries, merged):
        if entry.record_id in new_ids:  # renamed: the old record goes, the new takes its place
            plan.changes.append(added(record))
        elif before is None:
            plan.changes.append(added(record))
            plan.added.append(entry.record_id)
        elif before != record:
            plan.changes.append(updated(before, record))
            plan.changed.append(entry.record_id)
            plan.effects[entry.record_id] = effect(before, record)
        else:
            plan.unchanged += 1
    for old_id, new_id in renamed.items():
        plan.changes.append(removed(catalogue.by_id[old_id]))
        for other in catalogue.linking_to(old_id):
            if other["id"] not in imported and other["id"] not in renamed:
                plan.changes.append(updated(other, relinked(other, old_id, new_id)))
                plan.relinked.append(other["id"])
    _prune(plan, catalogue, pruned - imported - set(renamed), [e.record for e in prepared.entries])
    return plan


def _prune(plan: ImportPlan, catalogue: Catalogue, ids: set[str], imported: list[dict]) -> None:
    """The records of `ids` removed; refused (MieuxError) while a record that stays links to one."""
    from mieux_cli.errors import MieuxError

    gone = sorted(i for i in ids if i in catalogue.by_id and not any(i in r.get("aliases", []) for r in imported))
    changed = {c.record_id: c.after for c in plan.changes}
    linking = [r for i in gone for r in catalogue.linking_to(i) if r["id"] not in changed and r["id"] not in gone]
    for record in linking + [r for r in changed.values() if r is not None]:
        for name, target in links_of(record):
            if target in gone:
                raise MieuxError(f"{record['id']} links to {target} ({name}), which the folder's export removed.",
                                 f"Remove the link first (`mieux edit {record['id']}`), then import with --prune again.")
    for record_id in gone:
        plan.changes.append(removed(catalogue.by_id[record_id]))
        plan.removed.append(record_id)


def _merged(prepared: Prepared, catalogue: Catalogue, renamed: dict[str, str],
            replace: bool) -> tuple[list[tuple[dict | None, dict]], list[Problem]]:
    """(the record the catalogue has, the record after the import) for each entry, and the
    problems of the records a merge makes (an end now before a start kept from the catalogue)."""
    from mieux_cli.errors import InvalidRecord

    renamed_from = {new: old for old, new in renamed.items()}
    results, problems = [], []
    for index, entry in enumerate(prepared.entries):
        if entry.record is None:  # its problems are listed already
            results.append((None, None))
            continue
        record = catalogue.with_current_links(entry.record)
        record = {**record, **{f: _renamed(record[f], renamed) for f, _ in links_of(record)}}
        before = catalogue.by_id.get(renamed_from.get(entry.record_id, entry.record_id))
        if before is not None and not replace and before["kind"] == record["kind"]:
            try:
                record = merge(before, record, entry.item.carried)
            except InvalidRecord as e:
                problems += [prepared.problem(index, name, f"{message} (once merged with the record in the catalogue)")
                             for name, message in e.problems]
        results.append((catalogue.by_id.get(entry.record_id), record))
    return results, problems


def merge(before: dict, imported: dict, carried: set[str] | None) -> dict:
    """The record `before` updated by `imported` in the fields its source carries (`carried`;
    None: every field), the rest kept; sources and former IDs are added to, never replaced (the
    article a curated record rests on stays); the region follows new countries unless the
    import gives it. InvalidRecord if the result breaks a rule."""
    from mieux_cli.model.records import normalize

    result = dict(before)
    for name, value in imported.items():
        if carried is None or name in carried:
            result[name] = value
    result["id"] = imported["id"]
    result["sources"] = before["sources"] + [s for s in imported["sources"] if not _cited(s, before["sources"])]
    result["aliases"] = list(dict.fromkeys(before.get("aliases", []) + imported.get("aliases", [])))
    if carried is not None and "countries" in carried and "region" not in carried:
        result["region"] = None  # derived again from the countries
    return normalize(result)


def _cited(source: dict, sources: list[dict]) -> bool:
    return any(source == s or (source.get("url") and source.get("url") == s.get("url")) for s in sources)


def effect(before: dict, after: dict) -> Effect:
    made = Effect()
    for name, value in after.items():
        if name in ("id", "kind") or before.get(name) == value:
            continue
        if before.get(name) in (None, [], ""):
            made.gains.append(name)
        elif value in (None, [], ""):
            made.loses.append(name)
        else:
            made.changes.append(name)
    return made


def _renamed(value, renamed: dict[str, str]):
    if isinstance(value, list):
        return list(dict.fromkeys(renamed.get(v, v) for v in value))
    return renamed.get(value, value)


