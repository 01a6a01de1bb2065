"""Every change to the catalogue goes through `commit`: planned against the data read under the
lock (so two colleagues writing at once never overwrite each other), applied in one transaction
(storage/transaction.py), and recorded in the history table with who, when, which command and what changed,
so that it can be shown and undone.

A history entry: {"at", "user", "command", "changes": [...], "undoes": [numbers] or null}; its
number is its key in the file's history table, never reused. A change is recorded compactly, because the
history sits in the catalogue file that every command reads:
- add: {"op", "id", "kind", "title", "hash"}: the record itself is in the catalogue;
- update: the same, with "diff": {field: [old, new]} for the fields that changed;
- remove: {"op", "id", "kind", "title", "record"}: the whole record, to bring it back;
- drop: {"op", "id", "why", "record"}: a damaged record taken out of the file (by `restore`),
  kept whole, as it was, so that an undo can put it back; revive: the same, put back.
A change a sync brings from a colleague also says who made it: "by".
"hash" is a digest of the record as the change left it, so that an undo can tell whether it
has changed since. "id" of a damaged record is its ID if it has one that is text, else "?".
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from mieux_cli.errors import MieuxError
from mieux_cli.storage.catalogue_file import Store
from mieux_cli.storage.transaction import Transaction
from mieux_cli.storage.user import current_user
from mieux_cli.text import os_text


def digest(record: dict) -> str:
    return hashlib.blake2b(orjson.dumps(record, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()


@dataclass
class Change:
    op: str  # "add", "update", "remove"; for damaged records, "drop" and "revive"
    record_id: str
    before: dict | None
    after: dict | None
    by: str | None = None  # who made it, when not whoever ran the command (a colleague's, brought by a sync)

    def as_dict(self) -> dict:
        """The change as the history keeps it."""
        entry = self._as_dict()
        return {**entry, "by": self.by} if self.by else entry

    def _as_dict(self) -> dict:
        if self.op in DAMAGED_OPS:
            from mieux_cli.model.records import damage

            raw = self.before if self.op == "drop" else self.after
            return {"op": self.op, "id": self.record_id, "why": damage(raw), "record": raw}
        record = self.after or self.before
        entry = {"op": self.op, "id": self.record_id, "kind": record["kind"], "title": record["title"]}
        if self.op == "remove":
            return {**entry, "record": self.before}
        if self.op == "update":
            entry["diff"] = {field: [old, new] for field, (old, new) in diff(self.before, self.after).items()}
        return {**entry, "hash": digest(self.after)}


def added(record: dict) -> Change:
    return Change("add", record["id"], None, record)


def updated(before: dict, after: dict) -> Change:
    return Change("update", after["id"], before, after)


def removed(record: dict) -> Change:
    return Change("remove", record["id"], record, None)


DAMAGED_OPS = ("drop", "revive")


def damaged_id(raw) -> str:
    """How a damaged record is named: its ID, if it has one that is text."""
    found = raw.get("id") if isinstance(raw, dict) else None
    return found if isinstance(found, str) and found else "?"


def dropped(raw) -> Change:
    """A damaged record (as stored, whatever it holds) taken out of the file."""
    return Change("drop", damaged_id(raw), raw, None)


def revived(raw) -> Change:
    """A damaged record put back into the file as it was (the undo of a drop)."""
    return Change("revive", damaged_id(raw), None, raw)


def diff(before: dict | None, after: dict | None) -> dict[str, tuple]:
    """field -> (old, new) for every field that differs."""
    before, after = before or {}, after or {}
    return {f: (before.get(f), after.get(f)) for f in dict.fromkeys([*before, *after]) if before.get(f) != after.get(f)}


def commit(store: Store, plan, command: str, progress=None) -> int | None:
    """Run plan(catalogue) -> [Change] under the lock and apply what it returns; the number of
    the history entry, or None when there was nothing to change. The catalogue the plan gets
    holds the history too; a plan that undoes changes says which in `plan.undoes`."""

    def make(tx: Transaction) -> Transaction | None:
        changes = plan(tx.catalogue)
        if not changes:
            return None
        apply(tx, changes)
        tx.record({
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            # What the OS gives may hold bytes that are not UTF-8, which no JSON file can store.
            "user": os_text(current_user()),
            "command": os_text(command),
            "changes": [c.as_dict() for c in changes],
            "undoes": getattr(plan, "undoes", None),
        })
        return tx

    done = store.change(make, progress)
    return done.number if done is not None else None


def apply(tx: Transaction, changes: list[Change]) -> None:
    """Take out of the file the records the changes replace or remove, as they are under the lock
    (or refuse, if one changed since the change was planned), and add the new versions."""
    from mieux_cli.model.records import damage

    catalogue = tx.catalogue
    stale: dict[str, object] = {}
    for change in changes:
        if change.op in DAMAGED_OPS:
            if change.op == "drop":
                raw = _damaged_taken(tx, change, stale)
                stale[tx.key_of(raw)] = raw
            continue
        if change.after is not None and (why := damage(change.after)):
            # No way in may store a record that every read would then set aside (an ID of None
            # made the record vanish, and its links with it).
            raise MieuxError(f"Refused to save '{change.record_id}': the record {why}. Nothing was written.",
                             "This is a bug in mieux: please report the command that led to it.")
        current = catalogue.by_id.get(change.record_id)
        if change.op == "add" and current is not None:
            raise MieuxError(f"A record with ID '{change.record_id}' already exists.", "Choose another ID.")
        if change.op in ("update", "remove"):
            if current != change.before:
                raise MieuxError(
                    f"The record '{change.record_id}' changed since this change was prepared.",
                    "Run the command again.",
                )
            stale[tx.key_of(current)] = current
    for key, stored in stale.items():
        tx.remove(key, stored)
    # the damaged records put back as they were, whatever they hold, after every other
    tx.add([c.after for c in changes if c.op in ("add", "update")] + [c.after for c in changes if c.op == "revive"])


def _damaged_taken(tx: Transaction, change: Change, taken: dict[str, object]):
    """The damaged record a drop takes out: the very one read under the lock, or one equal to it
    (a plan made from the history), and not one another drop takes."""
    from mieux_cli.storage.file_format import encoded

    wanted = None
    for raw, _ in sorted(tx.catalogue.damaged, key=lambda pair: pair[0] is not change.before):
        if tx.key_of(raw) in taken:
            continue
        if raw is change.before:
            return raw
        wanted = wanted or encoded(change.before, sort_keys=True)  # == would recurse as deep as a hand edit nested
        if encoded(raw, sort_keys=True) == wanted:
            return raw
    raise MieuxError(f"The damaged record '{change.record_id}' changed since this change was prepared.",
                     "Run the command again.")


def undo_into(records: dict[str, dict], entry: dict) -> None:
    """Take `records` (ID -> record) back to where they were before the history entry; a
    MieuxError if a record it changed has changed again since."""
    for change in reversed(entry["changes"]):
        if change["op"] in DAMAGED_OPS:  # damaged records have no usable ID: plan_undo puts them back
            continue
        current = records.get(change["id"])
        if change["op"] == "remove":
            unchanged = current is None
        else:
            unchanged = current is not None and digest(current) == change["hash"]
        if not unchanged:
            raise MieuxError(
                f"Change #{entry['n']} cannot be undone: '{change['id']}' has changed since.",
                "Undo the later changes first (see `mieux history`).",
            )
        if change["op"] == "add":
            del records[change["id"]]
        elif change["op"] == "remove":
            records[change["id"]] = change["record"]
        else:
            records[change["id"]] = {**current, **{field: old for field, (old, _) in change["diff"].items()}}
