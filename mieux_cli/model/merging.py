"""The record-level three-way merge behind `mieux sync`: two catalogues (mine and a colleague's,
"theirs") merged against the state both come from (the base), record by record and field by field.

A record is followed through a rename by its former IDs (`aliases`). A field changed on one side
only takes that side's value; the same field changed on both sides to different values is a
conflict; so is a record removed on one side and changed on the other, and a record removed on one
side that the other side's records still link to. Former IDs are the one field both sides add to.
Links to a renamed record follow it. Nothing here reads or writes: the caller brings the records
and decides what a conflict's answer is (`Choice`).
"""

from dataclasses import dataclass, field

from mieux_cli.model.records import links_of, relinked
from mieux_cli.model.vocab import derive_region


@dataclass(frozen=True)
class Conflict:
    """What the two sides disagree on. `identity`: the record's ID in the base (its ID on both sides
    when it is new); `field` None: the record as a whole, removed on one side (None) and changed on
    the other. `record_id`: its ID in the merge, for people."""

    identity: str
    record_id: str
    kind: str
    field: str | None
    mine: object
    theirs: object
    why: str = ""  # for a removal the other side still links to: who links to it

    @property
    def name(self) -> str:
        """'act-x:title', or 'act-x' for the record as a whole: what `sync --take` is given."""
        return self.record_id if self.field is None else f"{self.record_id}:{self.field}"


@dataclass(frozen=True)
class Choice:
    """A conflict's answer, kept until the values it answers change: the value (a record, or
    None for a removal, when `field` is None) that a conflict between `mine` and `theirs` takes."""

    identity: str
    field: str | None
    mine: object
    theirs: object
    value: object

    def answers(self, conflict: Conflict) -> bool:
        return (self.identity, self.field, self.mine, self.theirs) == (
            conflict.identity, conflict.field, conflict.mine, conflict.theirs)


@dataclass
class Merged:
    """The merge: every record that results (ID -> record; a conflicted field holds mine's value
    until it is answered), the conflicts left, and the IDs each side's changes touched."""

    records: dict[str, dict]
    conflicts: list[Conflict] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # a base ID -> its ID in the merge


def merge(base: dict[str, dict], mine: dict[str, dict], theirs: dict[str, dict],
          choices: list[Choice] = ()) -> Merged:
    """Merge `mine` and `theirs` (ID -> record) against `base`; `choices` answer conflicts met before."""
    mine_of, theirs_of = _followed(base, mine), _followed(base, theirs)
    result = Merged({})
    pending: list[tuple[str, dict | None, dict | None, dict]] = []  # removals, decided once links are known
    for identity, before in base.items():
        m, t = mine_of.get(identity), theirs_of.get(identity)
        if m is None and t is None:
            continue
        if m is None or t is None:
            kept = t if m is None else m
            if kept == before:
                pending.append((identity, m, t, before))  # removed by one side, untouched by the other
            else:
                _decide(result, Conflict(identity, kept["id"], kept["kind"], None, m, t), choices, kept)
            continue
        _fields(result, identity, before, m, t, choices)
    matched_mine = {r["id"] for r in mine_of.values()}
    matched_theirs = {r["id"] for r in theirs_of.values()}
    new_mine = {i: r for i, r in mine.items() if i not in matched_mine}
    new_theirs = {i: r for i, r in theirs.items() if i not in matched_theirs}
    for record_id in dict.fromkeys([*new_mine, *new_theirs]):
        m, t = new_mine.get(record_id), new_theirs.get(record_id)
        if m is None or t is None or m == t:
            result.records[record_id] = m or t
        else:
            _fields(result, record_id, {}, m, t, choices)
    for identity, record in list(result.records.items()):
        if record["id"] != identity:
            result.renamed[identity] = record["id"]
    _removals(result, pending, choices)
    _follow_renames(result)
    return result


def _followed(base: dict[str, dict], side: dict[str, dict]) -> dict[str, dict]:
    """base ID -> the record that side has for it: under the same ID, or renamed (the base ID
    among its former IDs); records of another kind are other records."""
    by_alias = {alias: r for r in side.values() for alias in r.get("aliases") or []}
    found = {}
    for identity, before in base.items():
        record = side.get(identity)
        if record is None or record["kind"] != before["kind"]:
            record = by_alias.get(identity)
        if record is not None and record["kind"] == before["kind"]:
            found[identity] = record
    return found


def _fields(result: Merged, identity: str, before: dict, m: dict, t: dict, choices) -> None:
    """One record changed on both sides: field by field. A region each side derived from its
    countries is derived again from the merged ones, not a conflict of its own."""
    merged = {}
    names = list(dict.fromkeys([*m, *t]))
    for name in sorted(names, key=lambda n: n == "region"):  # the region once the countries are merged
        b, x, y = before.get(name), m.get(name), t.get(name)
        if x == y or y == b:
            merged[name] = x
        elif x == b:
            merged[name] = y
        elif name == "aliases":
            merged[name] = list(dict.fromkeys([*(x or []), *(y or [])]))
        elif name == "region" and x == _derived(m) and y == _derived(t):
            merged[name] = _derived(merged)
        else:
            merged[name] = _decide(result, Conflict(identity, m["id"], m["kind"], name, x, y), choices, x)
    if merged.get("id") is not None:
        result.records[identity] = {name: merged[name] for name in names}


def _derived(record: dict) -> str | None:
    return derive_region(record.get("countries") or [])


def _decide(result: Merged, conflict: Conflict, choices, tentative):
    """The answer a choice gives the conflict, or `tentative` with the conflict recorded. A whole
    record's answer goes into the records (or leaves it out, for a removal)."""
    for choice in choices:
        if choice.answers(conflict):
            value = choice.value
            break
    else:
        result.conflicts.append(conflict)
        value = tentative
    if conflict.field is None and value is not None:
        result.records[conflict.identity] = value
    return value


def _removals(result: Merged, pending, choices) -> None:
    """A record removed on one side goes, unless a record of the merge still links to it: then
    keeping it or removing it (and the links to it) is the people's choice."""
    linking: dict[str, list[str]] = {}
    for record in result.records.values():
        for _, target in links_of(record):
            linking.setdefault(target, []).append(record["id"])
    for identity, m, t, before in pending:
        names = {before["id"], *(before.get("aliases") or [])}
        linked_by = sorted({r for name in names for r in linking.get(name, []) if r != identity})
        if not linked_by:
            continue
        conflict = Conflict(identity, before["id"], before["kind"], None, m, t, why=", ".join(linked_by))
        if _decide(result, conflict, choices, before) is None:
            for record_id in linked_by:
                key = next(k for k, r in result.records.items() if r["id"] == record_id)
                for name in names:
                    result.records[key] = relinked(result.records[key], name, None)


def _follow_renames(result: Merged) -> None:
    """Links to a former ID of a record of the merge point at its ID."""
    current = {alias: r["id"] for r in result.records.values() for alias in r.get("aliases") or []}
    current.update(result.renamed)
    for record in result.records.values():
        current.pop(record["id"], None)  # an ID in use is that record's, whatever was renamed from it
    for key, record in result.records.items():
        for _, target in links_of(record):
            if target in current:
                record = relinked(record, target, current[target])
        result.records[key] = record
