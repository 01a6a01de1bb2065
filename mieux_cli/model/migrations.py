"""How the catalogue's format evolves: each format change is a function here that takes a record
as the previous format stored or exported it, and gives it as the next one, losing nothing.

The catalogue file records its format (meta.format); the store migrates an older file once, under
the lock, after a backup, and records it in the history. Import files carry no format, so every
imported record goes through `upgrade_record`, which leaves a current record as it is.

Format 1 -> 2:
- an event's `hosts` (names) become `partners` with the role "host";
- a fact's `figure` (a value as written, "300%") becomes one of its `figures` (value 300, unit %);
- an expert's kind "public official" becomes the administration of the expert's country (a
  member state's for an EU country, a partner country's otherwise), in vocab.resolve_expert_kind;
- a CSV expert cell "ES (public official)" becomes {country: ES, kind: public official};
- an action's status stays, with no date it was known (format 1 had none); it is no longer required.
Every other field keeps its value; new fields are empty.

Format 2 -> 3:
- an event's `place_country`, the country its place names when the place ends in one ("Cotonou,
  Benin" gives Benin; "Bangkok" gives none: the record has to say it);
- new, empty: an Action's `planned_start`, `planned_end`, `shares`, `sectors` and `funding`, and a
  partner's `ref` (its organisation identifier). Every other field keeps its value.
"""

import re

CURRENT_FORMAT = 3
_OLD_EXPERT_KINDS = {"public official", "ngo", "academia", "private sector", "eu agency", "international organisation"}
_OLD_EXPERT_CELL = re.compile(r"^(?P<country>.*?)\s*\((?P<kind>[^()]*)\)$")


def upgrade_record(raw):
    """A record of format 1, 2 or 3 (as a mapping, before validation) -> format 3 (normalize
    derives what format 3 adds)."""
    if not isinstance(raw, dict):
        return raw
    record = dict(raw)
    if "hosts" in record:
        hosts = record.pop("hosts")
        hosts = hosts if isinstance(hosts, list) else [] if hosts is None else [hosts]
        partners = record.get("partners")
        partners = partners if isinstance(partners, list) else [] if partners is None else [partners]
        record["partners"] = partners + [{"name": host, "role": "host"} for host in hosts]
    if "figure" in record:
        figure = record.pop("figure")
        if figure not in (None, ""):
            figures = record.get("figures")
            figures = figures if isinstance(figures, list) else [] if figures is None else [figures]
            record["figures"] = figures + [{"value": figure}]
    if isinstance(record.get("experts"), list):
        record["experts"] = [_upgrade_expert(e) for e in record["experts"]]
    return record


def _upgrade_expert(expert):
    if isinstance(expert, dict) and set(expert) == {"country"} and isinstance(expert["country"], str):
        match = _OLD_EXPERT_CELL.match(expert["country"])
        if match and match.group("kind").strip().lower() in _OLD_EXPERT_KINDS:
            return {"country": match.group("country"), "kind": match.group("kind")}
    return expert


def migrate_records(records: list[dict]) -> list[dict]:
    """An older catalogue's records in the current format; raises InvalidRecord if one cannot be read,
    in which case the store leaves the file as it is."""
    from mieux_cli.model.records import normalize

    return [normalize(upgrade_record(r)) for r in records]
