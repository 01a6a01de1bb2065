"""The records of one catalogue as a command holds them: plain record dicts, indexed by ID and
by former ID, with their links; the damaged records set aside. What writes plan against (the
records read under the lock), and what reads answer over: queries/memory.py answers them over
these records in memory, queries/indexed.py over the SQLite index, with the same lookups.
"""

import difflib
import functools
from collections.abc import Iterable
from pathlib import Path

from mieux_cli.errors import UnknownValue

PREFIX_CANDIDATES_LISTED = 5
class Catalogue:
    def __init__(self, records: list[dict], changed: str | None = None, path: Path | None = None, created: bool = False,
                 migrated_from: int | None = None, history: list[dict] | None = None, counter: int | None = None):
        from mieux_cli.model.records import damage

        # A file changed by hand may hold records no command can use: they are set aside, named
        # by every read, and reported by `mieux check`, instead of failing every command.
        verdicts = [damage(r) for r in records]
        self.damaged = [(r, why) for r, why in zip(records, verdicts) if why]
        self.records = [r for r, why in zip(records, verdicts) if not why] if self.damaged else records
        self.changed = changed  # when the catalogue last changed (UTC, ISO 8601)
        self.counter = counter  # how many times mieux has written it, when known (a version's number)
        self.path = path
        self.created = created  # True when this command created it from the shipped catalogue
        self.migrated_from = migrated_from  # the format this command migrated it from, if it did
        self.history = history  # the changes recorded, oldest first, when read with them (a write's)

    def recorded(self, newest: int | None = None) -> list[dict] | None:
        """The history's entries, oldest first (None: not read with them): all, or the `newest`."""
        if newest is None or self.history is None:
            return self.history
        return self.history[len(self.history) - newest:] if newest else []

    @functools.cached_property
    def by_id(self) -> dict[str, dict]:
        return {r["id"]: r for r in self.records}

    @functools.cached_property
    def by_alias(self) -> dict[str, str]:
        """A former ID (see `mieux rename`) -> the record's ID now."""
        return {alias: r["id"] for r in self.records for alias in r.get("aliases", [])}

    @functools.cached_property
    def kinds_by_id(self) -> dict[str, str]:
        return {r["id"]: r["kind"] for r in self.records}

    @property
    def taken_ids(self) -> set[str]:
        """IDs in use, now or formerly: a new record cannot take either."""
        return set(self.by_id) | set(self.by_alias)

    def current_id(self, record_id: str) -> str:
        """The ID a record has now: `record_id` itself, or the ID it was renamed to."""
        return self.by_alias.get(record_id, record_id)

    def get(self, record_id: str) -> dict:
        """The record with this ID, or with this former ID."""
        wanted = record_id.strip().lower()
        record = self.by_id.get(self.current_id(wanted))
        if record is None:
            raise self.unknown_id(record_id)
        return record

    def with_current_links(self, record: dict) -> dict:
        """The record with links to former IDs pointed at the IDs those records have now."""
        from mieux_cli.model.records import link_fields

        changed = {}
        for f in link_fields(record):
            value = record[f.name]
            if isinstance(value, list):
                if any(v in self.by_alias for v in value):
                    changed[f.name] = list(dict.fromkeys(self.current_id(v) for v in value))
            elif value in self.by_alias:
                changed[f.name] = self.current_id(value)
        return {**record, **changed} if changed else record

    def find(self, typed: str) -> dict:
        """The record a person means: its ID, or the beginning of only one ID."""
        return self.by_id[self.resolve_id(typed)]

    def resolve_id(self, typed: str, also: Iterable[str] = ()) -> str:
        """The ID a person means by `typed`: the ID itself, or the beginning of exactly one ID (as
        git takes the first characters of a hash), among the catalogue's IDs and `also` (IDs that
        only the history still knows); a whole former ID gives the ID the record has now. Used where people type IDs; changes look IDs up exactly
        (get), so that a record removed meanwhile is never mistaken for one its ID begins."""
        wanted = typed.strip().lower()
        also = set(also)
        if wanted in self.by_id or wanted in also or wanted in self.by_alias:  # a former ID gives the record's ID now
            return self.current_id(wanted)
        candidates = sorted(set(self.ids_starting(wanted)) | {i for i in also if i.startswith(wanted)}) if wanted else []
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            listed = ", ".join(candidates[:PREFIX_CANDIDATES_LISTED])
            more = len(candidates) - PREFIX_CANDIDATES_LISTED
            raise UnknownValue(f"'{typed}' is the beginning of {len(candidates)} IDs: {listed}"
                               + (f" and {more} more" if more > 0 else "") + ".", "Type more of the one you mean.")
        raise self.unknown_id(typed)

    def unknown_id(self, record_id: str) -> UnknownValue:
        wanted = record_id.strip().lower()
        for record, why in self.damaged:
            if isinstance(record, dict) and record.get("id") == wanted:
                return UnknownValue(f"The record '{wanted}' is damaged: it {why}.",
                                    "Fix it in the catalogue file, or restore a backup (`mieux backup --list`).")
        close = difflib.get_close_matches(record_id.strip().lower(), list(self.by_id), n=3, cutoff=0.6)
        if not close:  # people type words from the title rather than the ID
            words = record_id.lower().split()
            close = [i for i, title in self.titles() if words and all(w in title.lower() for w in words)][:3]
        hint = ("Did you mean " + " or ".join(f"'{c}'" for c in close) + "? ") if close else ""
        return UnknownValue(f"No record with ID '{record_id}'.", f"{hint}See `mieux list` for the IDs.")

    def ids_starting(self, prefix: str):
        """The IDs (of usable records) that begin with `prefix`."""
        return [i for i in self.by_id if i.startswith(prefix)]

    def titled(self, words: str) -> list[str]:
        """The IDs of the records whose title holds every word typed, in any case or accent
        ('mexico city' finds the Mexico City round-table), in the catalogue's order."""
        from mieux_cli.text import tokens

        wanted = set(tokens(words))
        return [i for i, title in self.titles() if wanted and wanted <= set(tokens(title))] if wanted else []

    def titles(self):
        """(ID, title) of every record, in the catalogue's order."""
        return ((r["id"], r["title"]) for r in self.records)

    @functools.cached_property
    def _linking(self) -> dict[str, list[tuple[str, dict]]]:
        """ID -> (field, record) for every record that links to it."""
        from mieux_cli.model.records import links_of

        index: dict[str, list[tuple[str, dict]]] = {}
        for record in self.records:
            for field, target in links_of(record):
                index.setdefault(target, []).append((field, record))
        return index

    def linking_to(self, record_id: str) -> list[dict]:
        """The records that link to this one (practices from an action, facts about it ...)."""
        return list({id(r): r for _, r in self._linking.get(record_id, [])}.values())

    def practices_linked_to(self, record_id: str) -> list[dict]:
        """Practices that came from this action, or were reported at this event."""
        return [r for r in self.linking_to(record_id) if r["kind"] == "practice"]

    def completions(self, prefix: str) -> list[tuple[str, str]]:
        """(ID, title) of the records whose ID begins with `prefix`, in no particular order."""
        return [(r["id"], r["title"]) for r in self.records if r["id"].startswith(prefix)]

    def linked(self, record: dict) -> list[tuple[str, dict]]:
        """(relation, record) for every record this one links to or is linked from."""
        from mieux_cli.model.records import links_of

        links = [(LINK_RELATIONS.get(field, field), self.by_id[target]) for field, target in links_of(record) if target in self.by_id]
        links += [(BACKLINK_RELATIONS.get((r["kind"], field), f"{r['kind']} linking here"), r)
                  for field, r in self._linking.get(record["id"], [])]
        return links


# How `show` names a link: by the field it is in, and, seen from the other end, by the linking
# record's kind and field.
LINK_RELATIONS = {"actions": "came from action", "event": "reported at"}
BACKLINK_RELATIONS = {("practice", "actions"): "good practice", ("fact", "actions"): "fact about it",
                      ("practice", "event"): "practice reported here"}
