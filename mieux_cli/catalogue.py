"""The catalogue as read for one command: plain record dicts, indexed by ID, with their links."""

import difflib
import functools
from collections.abc import Iterable
from pathlib import Path

from mieux_cli.errors import UnknownValue

PREFIX_CANDIDATES_LISTED = 5


class Catalogue:
    def __init__(self, records: list[dict], changed: str | None = None, path: Path | None = None, created: bool = False):
        self.records = records
        self.changed = changed  # when the catalogue last changed (UTC, ISO 8601)
        self.path = path
        self.created = created  # True when this command created it from the shipped catalogue

    @functools.cached_property
    def by_id(self) -> dict[str, dict]:
        return {r["id"]: r for r in self.records}

    def get(self, record_id: str) -> dict:
        """The record with this exact ID (in any case)."""
        record = self.by_id.get(record_id.strip().lower())
        if record is None:
            raise self.unknown_id(record_id)
        return record

    def find(self, typed: str) -> dict:
        """The record a person means: its ID, or the beginning of only one ID."""
        return self.by_id[self.resolve_id(typed)]

    def resolve_id(self, typed: str, also: Iterable[str] = ()) -> str:
        """The ID a person means by `typed`: the ID itself, or the beginning of exactly one ID (as
        git takes the first characters of a hash), among the catalogue's IDs and `also` (IDs that
        only the history still knows). Used where people type IDs; changes look IDs up exactly
        (get), so that a record removed meanwhile is never mistaken for one its ID begins."""
        wanted = typed.strip().lower()
        known = self.by_id.keys() | set(also)
        if wanted in known:
            return wanted
        candidates = sorted(i for i in known if wanted and i.startswith(wanted))
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            listed = ", ".join(candidates[:PREFIX_CANDIDATES_LISTED])
            more = len(candidates) - PREFIX_CANDIDATES_LISTED
            raise UnknownValue(f"'{typed}' is the beginning of {len(candidates)} IDs: {listed}"
                               + (f" and {more} more" if more > 0 else "") + ".", "Type more of the one you mean.")
        raise self.unknown_id(typed)

    def unknown_id(self, record_id: str) -> UnknownValue:
        close = difflib.get_close_matches(record_id.strip().lower(), list(self.by_id), n=3, cutoff=0.6)
        if not close:  # people type words from the title rather than the ID
            words = record_id.lower().split()
            close = [r["id"] for r in self.records if words and all(w in r["title"].lower() for w in words)][:3]
        hint = ("Did you mean " + " or ".join(f"'{c}'" for c in close) + "? ") if close else ""
        return UnknownValue(f"No record with ID '{record_id}'.", f"{hint}See `mieux list` for the IDs.")

    @functools.cached_property
    def _practices_by_link(self) -> dict[str, list[dict]]:
        index: dict[str, list[dict]] = {}
        for record in self.records:
            if record["kind"] == "practice":
                for target in record.get("actions", []) + ([record["event"]] if record.get("event") else []):
                    index.setdefault(target, []).append(record)
        return index

    def practices_linked_to(self, record_id: str) -> list[dict]:
        """Practices that came from this action, or were reported at this event."""
        return self._practices_by_link.get(record_id, [])

    def linked(self, record: dict) -> list[tuple[str, dict]]:
        """(relation, record) for every record this one links to or is linked from."""
        links: list[tuple[str, dict]] = []
        if record["kind"] == "practice":
            links += [("came from action", self.by_id[i]) for i in record["actions"] if i in self.by_id]
            if record["event"] in self.by_id:
                links.append(("reported at", self.by_id[record["event"]]))
        elif record["kind"] == "action":
            links += [("good practice", p) for p in self.practices_linked_to(record["id"])]
        elif record["kind"] == "event":
            links += [("practice reported here", p) for p in self.practices_linked_to(record["id"])]
        return links
