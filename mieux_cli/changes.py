"""Every change to the catalogue goes through `commit`: planned against the data read under the
lock (so two colleagues writing at once never overwrite each other), applied with TinyDB in one
transaction, and recorded in the history table with who, when, which command and what changed,
so that it can be shown and undone.

A history entry: {"at", "user", "command", "changes": [{"op", "id", "before", "after"}],
"undoes": [numbers] or null}; its number is its TinyDB document ID, never reused.
"""

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone

from mieux_cli.catalogue import Catalogue
from mieux_cli.errors import MieuxError
from mieux_cli.store import HISTORY_TABLE, RECORDS_TABLE, Store


@dataclass
class Change:
    op: str  # "add", "update" or "remove"
    record_id: str
    before: dict | None
    after: dict | None

    def as_dict(self) -> dict:
        return {"op": self.op, "id": self.record_id, "before": self.before, "after": self.after}


def added(record: dict) -> Change:
    return Change("add", record["id"], None, record)


def updated(before: dict, after: dict) -> Change:
    return Change("update", after["id"], before, after)


def removed(record: dict) -> Change:
    return Change("remove", record["id"], record, None)


def diff(before: dict | None, after: dict | None) -> dict[str, tuple]:
    """field -> (old, new) for every field that differs."""
    before, after = before or {}, after or {}
    return {f: (before.get(f), after.get(f)) for f in dict.fromkeys([*before, *after]) if before.get(f) != after.get(f)}


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user ID (some containers)
        return "unknown"


def commit(store: Store, plan, command: str, undoes: list[int] | None = None) -> int | None:
    """Run plan(catalogue) -> [Change] under the lock and apply what it returns; the number of
    the history entry, or None when there was nothing to change."""
    with store.transaction() as db:
        documents = db.table(RECORDS_TABLE).all()
        catalogue = Catalogue([dict(d) for d in documents], path=store.path)
        changes = plan(catalogue)
        if not changes:
            return None
        apply(db.table(RECORDS_TABLE), {d["id"]: d.doc_id for d in documents}, catalogue, changes)
        return db.table(HISTORY_TABLE).insert({
            "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user": current_user(),
            "command": command,
            "changes": [c.as_dict() for c in changes],
            "undoes": undoes,
        })


def apply(records, doc_ids: dict[str, int], catalogue: Catalogue, changes: list[Change]) -> None:
    """Apply changes to the TinyDB table in two calls whatever their number: removing the old
    versions, then inserting the new ones (per-document updates rewrite the table each time)."""
    for change in changes:
        current = catalogue.by_id.get(change.record_id)
        if change.op == "add" and current is not None:
            raise MieuxError(f"A record with ID '{change.record_id}' already exists.", "Choose another ID.")
        if change.op in ("update", "remove") and current != change.before:
            raise MieuxError(
                f"The record '{change.record_id}' changed since this change was prepared.",
                "Run the command again.",
            )
    stale = [doc_ids[c.record_id] for c in changes if c.op in ("update", "remove")]
    if stale:
        records.remove(doc_ids=stale)
    fresh = [c.after for c in changes if c.op in ("add", "update")]
    if fresh:
        records.insert_multiple(fresh)


def inverse(entry: dict) -> list[Change]:
    """The changes that take the catalogue back to where it was before `entry`."""
    undo = {"add": "remove", "remove": "add", "update": "update"}
    return [
        Change(undo[c["op"]], c["id"], c["after"], c["before"])
        for c in reversed(entry["changes"])
    ]
