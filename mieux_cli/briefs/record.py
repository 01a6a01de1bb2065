"""A brief on one event, Action or good practice, with the records linked to it: for an event,
the Actions whose practices were reported there and those practices; for a practice, the Actions
it came from and the event where it was reported; for an Action, its practices."""

import shlex

from mieux_cli.briefs.entries import Sources, dating, entry
from mieux_cli.errors import MieuxError
from mieux_cli.model.catalogue import Catalogue

KIND_LABELS = {"event": "event", "action": "action", "practice": "good practice"}


def build_record(catalogue: Catalogue, record: dict, compiled: str) -> dict:
    if record["kind"] == "fact":
        raise MieuxError(f"'{record['id']}' is a fact: briefs are made for an event, an action or a practice.",
                         f"See it with `mieux show {shlex.quote(record['id'])}`.")
    sources = Sources()

    def entries(records):
        return [entry(r, catalogue, sources, compiled) for r in records]

    main = entry(record, catalogue, sources, compiled)
    linked = sorted(catalogue.practices_linked_to(record["id"]), key=lambda r: r["id"])
    if record["kind"] == "event":  # the actions whose practices were reported there
        action_ids = sorted({a for p in linked for a in p["actions"] if a in catalogue.by_id})
    else:
        action_ids = [a["id"] for a in main["actions"]]
    actions = entries([catalogue.by_id[i] for i in action_ids])
    practices = entries(linked)
    event = catalogue.by_id.get(record.get("event") or "")
    brief = {
        "kind": record["kind"],
        "title": f"MIEUX brief: {record['title']}",
        "scope": (f"This brief summarises one {KIND_LABELS[record['kind']]} of the MIEUX catalogue ({record['id']}) "
                  "and the records linked to it."),
        "record": main,
        "actions": actions,
        "practices": practices,
        "events": entries([event]) if event else [],
    }
    return {**brief, **dating(sources, compiled)}
