"""The plans behind add, edit, remove, rename, undo and restore: each a function of the catalogue
as read under the lock that returns the changes to make (storage/history.commit applies them),
with the checks of IDs and links they need. No Typer and no printing here; cli/commands is the
thin layer over it."""

from mieux_cli.errors import InvalidRecord, MieuxError, UnknownValue
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.records import (
    MAX_ID_LENGTH,
    link_problems,
    normalize,
    parse_new_id,
    relinked,
)
from mieux_cli.model.schema import ID_PREFIXES
from mieux_cli.storage.history import (
    DAMAGED_OPS,
    Change,
    added,
    dropped,
    removed,
    revived,
    undo_into,
    updated,
)
from mieux_cli.text import tokens

_STOPWORDS = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "de", "la", "el", "y"}


def suggest_id(kind: str, title: str, taken) -> str:
    """A free ID made from the kind and the first words of the title: 'prc-aqui-todos-somos-migrantes'."""
    words = [w for w in tokens(title) if w not in _STOPWORDS][:6] or ["record"]
    base = f"{ID_PREFIXES[kind]}-" + "-".join(words)
    base = base[:MAX_ID_LENGTH - 4].rstrip("-")
    return free_id(base, taken)


def free_id(base: str, taken) -> str:
    """`base`, or `base-2`, `base-3` ... whichever is not taken."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class Ambiguous(MieuxError):
    def __init__(self, text: str, candidates: list[dict]):
        self.candidates = candidates
        super().__init__(
            f"'{text}' matches {len(candidates)} records.",
            "Give one of their IDs: " + ", ".join(c["id"] for c in candidates[:5]) + ".",
        )


def resolve_link(catalogue: Catalogue, text: str, kind: str) -> str:
    """A record of `kind` named by its ID or by words of its title -> its ID."""
    text = text.strip()
    record = catalogue.by_id.get(catalogue.current_id(text.lower()))
    if record is None:
        words = tokens(text)
        record_matches = [
            r for r in catalogue.records
            if r["kind"] == kind and words and all(w in tokens(r["title"]) or w in r["id"] for w in words)
        ]
        if len(record_matches) == 1:
            return record_matches[0]["id"]
        if record_matches:
            raise Ambiguous(text, record_matches)
        raise catalogue.unknown_id(text)
    if record["kind"] != kind:
        raise UnknownValue(f"'{record['id']}' is a {record['kind']}, not a {kind}.", f"Give the ID of a {kind}.")
    return record["id"]


def check_new(record: dict, catalogue: Catalogue) -> None:
    """Refuse an ID already taken, now or formerly (with a free one to use instead), or links that
    point nowhere."""
    check_free(record["id"], catalogue)
    check_links(record, catalogue)


def check_free(record_id: str, catalogue: Catalogue) -> None:
    taken = catalogue.by_id.get(catalogue.current_id(record_id))
    if taken is not None:
        former = " (it was its ID before `mieux rename`)" if record_id != taken["id"] else ""
        raise MieuxError(
            f"The ID '{record_id}' is taken by \"{taken['title']}\"{former}.",
            f"Choose another, for example '{free_id(record_id, catalogue.taken_ids)}'.",
        )


def check_links(record: dict, catalogue: Catalogue) -> None:
    problems = link_problems(record, catalogue.kinds_by_id)
    if problems:
        field, message = problems[0]
        raise MieuxError(f"{field}: {message}.", "See `mieux list` for the IDs.")


def plan_add(records: list[dict]):
    def plan(catalogue: Catalogue) -> list[Change]:
        current = [catalogue.with_current_links(r) for r in records]  # links to former IDs follow the rename
        for record in current:
            check_new(record, catalogue)
        return [added(r) for r in current]

    return plan


def plan_rename(old_id: str, new_id: str):
    """The record under a new ID, keeping the old one as an alias, with every link to it updated.
    ValueError at once for a new ID that is empty or not an ID."""
    new_id = parse_new_id(new_id)

    def plan(catalogue: Catalogue) -> list[Change]:
        record = catalogue.get(old_id)
        if record["id"] == new_id:
            raise MieuxError(f"'{old_id}' is already called '{new_id}'.", "Nothing to rename.")
        if new_id not in record.get("aliases", []):  # renaming back to a former ID is allowed
            check_free(new_id, catalogue)
        aliases = [a for a in record.get("aliases", []) if a != new_id] + [record["id"]]
        renamed = {**record, "id": new_id, "aliases": aliases}
        linking = catalogue.linking_to(record["id"])
        return [removed(record), added(renamed)] + [updated(r, relinked(r, record["id"], new_id)) for r in linking]

    return plan


class EditConflict(MieuxError):
    """A field the person changed was changed by someone else since they opened the record."""

    def __init__(self, record_id: str, conflicts: list[tuple[str, object, object]]):
        self.conflicts = conflicts  # (field, its value now, the value the person wrote)
        field, now, wrote = conflicts[0]
        more = f" (and {len(conflicts) - 1} more fields)" if len(conflicts) > 1 else ""
        super().__init__(
            f"'{record_id}' was changed by someone else while you edited it: {field} is now {_short(now)}, "
            f"you wrote {_short(wrote)}{more}.",
        )


def _short(value, limit: int = 60) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plan_edit(record_id: str, changes: dict, seen: dict):
    """Set fields of a record as it is under the lock, never from a copy read before it, so that
    two people editing different fields of one record at once both keep their changes. A field
    someone else changed since `seen` (the record as this person saw it), and that is changed
    differently here, is a conflict: nothing is written and EditConflict says which. The plan's
    `fields` lists the fields it changed."""

    def plan(catalogue: Catalogue) -> list[Change]:
        current = catalogue.get(record_id)
        try:
            wanted = normalize({**seen, **changes})  # the values as stored, to compare with what is there
            conflicts = [(f, current.get(f), wanted[f]) for f in changes
                         if current.get(f) != seen.get(f) and current.get(f) != wanted[f]]
            if conflicts:
                raise EditConflict(record_id, conflicts)
            after = catalogue.with_current_links(normalize({**current, **{f: wanted[f] for f in changes}}))
        except InvalidRecord as e:  # valid alone, but not with what someone else changed meanwhile
            field, message = e.problems[0]
            raise MieuxError(f"{field}: {message}.", "Nothing was saved; run the command again.") from None
        check_links(after, catalogue)
        plan.fields[:] = [f for f in after if after[f] != current.get(f)]
        return [] if after == current else [updated(current, after)]

    plan.fields = []
    return plan


def linking_records(catalogue: Catalogue, record_id: str) -> list[dict]:
    return catalogue.linking_to(record_id)


def plan_remove(record_id: str, force: bool):
    def plan(catalogue: Catalogue) -> list[Change]:
        record = catalogue.get(record_id)
        linking = linking_records(catalogue, record["id"])
        if linking and not force:
            names = ", ".join(r["id"] for r in linking)
            raise MieuxError(
                f"{len(linking)} record{'s' if len(linking) > 1 else ''} link to '{record['id']}': {names}.",
                "Remove or edit them first, or add --force to remove the links as well.",
            )
        changes = [updated(other, relinked(other, record["id"], None)) for other in linking]
        return changes + [removed(record)]

    return plan


def plan_undo(history: list[dict], to: int | None):
    """Changes that take the records back to where they were after change `to` (by default,
    before the latest change); their history entry lists the changes undone."""
    if not history:
        raise MieuxError("There is nothing to undo: the history is empty.", "See `mieux history`.")
    numbers = [e["n"] for e in history]
    if to is not None and to not in numbers:
        raise MieuxError(f"There is no change #{to}.", "See `mieux history` for the numbers.")
    if to is not None and to == numbers[-1]:
        raise MieuxError(f"Change #{to} is the latest: there is nothing after it to undo.", "See `mieux history`.")
    undone = [e for e in history if not isinstance(e["n"], int) or e["n"] > to] if to is not None else history[-1:]
    damaged = next((e for e in undone if "damaged" in e), None)
    if damaged is not None:
        raise MieuxError(f"Change #{damaged['n']} is damaged in the catalogue file (it {damaged['damaged']}): "
                         "it cannot be undone.",
                         "See `mieux check`; `mieux restore` a backup to go back further.")
    migration = next((e for e in undone if e.get("migrated")), None)
    if migration is not None:
        # The changes before it hold records in the older format: the way back is the backup.
        raise MieuxError(
            f"Change #{migration['n']} is the migration of the catalogue to format {migration['migrated']['to']}; "
            "it cannot be undone.",
            "To go back to the records as they were before it, `mieux restore` the backup made just before it "
            "(see `mieux backup --list`).",
        )

    touched = list(dict.fromkeys(c["id"] for e in undone for c in e["changes"] if c["op"] not in DAMAGED_OPS))

    def plan(catalogue: Catalogue) -> list[Change]:
        # only the records the changes touched: each looked up once (the index reads them alone)
        target = {i: r for i in touched if (r := catalogue.by_id.get(i)) is not None}
        for entry in reversed(undone):
            undo_into(target, entry)
        changes = []
        for record_id in touched:
            before, after = catalogue.by_id.get(record_id), target.get(record_id)
            if before == after:
                continue
            changes.append(added(after) if before is None else removed(before) if after is None else updated(before, after))
        return changes + _damaged_back(undone, catalogue)

    return plan, [e["n"] for e in undone]


def _damaged_back(undone: list[dict], catalogue: Catalogue) -> list[Change]:
    """What undoing `undone` does to damaged records: each one dropped is put back, each one put
    back is dropped again (the two cancel out when both are undone)."""
    from mieux_cli.storage.file_format import encoded

    net: dict[bytes, list] = {}
    for entry in undone:
        for change in entry["changes"]:
            if change["op"] in DAMAGED_OPS:
                key = encoded(change["record"], sort_keys=True)
                raw, count = net.get(key, (change["record"], 0))
                net[key] = [raw, count + (1 if change["op"] == "drop" else -1)]
    changes = []
    for raw, count in net.values():
        changes += [revived(raw)] * count if count > 0 else [dropped(raw)] * -count
    return changes


def plan_restore(backup_records=None, difference=None):
    """Make the records what they were in a backup, as one change that can itself be undone: the
    damaged records of the file are taken out too (a backup to restore has none). `backup_records`:
    the backup's records, checked (formats.importing.check_whole_catalogue), or a function giving
    them. Given the `difference` of the backup from the file as well (storage.restoring.Difference,
    its records checked: formats.importing.difference_is_whole), only the records it names are
    looked at while the catalogue is the version it was taken from; another version (a colleague
    wrote meanwhile) is compared with the whole backup."""

    def changed_to(catalogue: Catalogue, wanted: dict[str, dict], changes: list[Change]) -> list[Change]:
        for record_id, record in wanted.items():
            current = catalogue.by_id.get(record_id)
            if current is None:
                changes.append(added(record))
            elif current != record:
                changes.append(updated(current, record))
        return changes

    def plan(catalogue: Catalogue) -> list[Change]:
        if difference is not None and catalogue.counter == difference.counter:
            wanted = {r["id"]: r for r in difference.wanted}
            gone = sorted(difference.unwanted - wanted.keys())
            return changed_to(catalogue, wanted, [removed(catalogue.by_id[i]) for i in gone if i in catalogue.by_id])
        records = backup_records() if callable(backup_records) else backup_records
        wanted = {r["id"]: r for r in records}
        changes = [dropped(raw) for raw, _ in catalogue.damaged]
        changes += [removed(r) for r in catalogue.records if r["id"] not in wanted]
        return changed_to(catalogue, wanted, changes)

    return plan

