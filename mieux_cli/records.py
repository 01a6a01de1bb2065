"""The four record kinds, their fields, and the one validation every way in goes through.

`normalize` turns a raw mapping (from YAML, JSON, options or prompts) into the canonical record:
codes resolved through the vocabularies, dates checked, lists de-duplicated, keys in a fixed
order. It collects every problem instead of stopping at the first, so an import can list them all.
"""

import difflib
import re
from datetime import date

from mieux_cli import vocab
from mieux_cli.errors import InvalidRecord, MieuxError

KINDS = ("action", "practice", "event", "fact")
KIND_PLURALS = {f"{k}s": k for k in KINDS}
ID_PREFIXES = {"action": "act", "practice": "prc", "event": "evt", "fact": "fct"}

COMMON_FIELDS = (
    "id", "kind", "title", "summary", "countries", "region", "themes", "areas", "gcm",
    "start", "end", "tags", "sources",
)
KIND_FIELDS = {
    "action": ("partners", "status", "experts", "activities", "outputs", "results"),
    "practice": ("why", "results", "actions", "event", "principles"),
    "event": ("place", "hosts", "experts", "results"),
    "fact": ("text", "figure"),
}
REQUIRED = {
    "action": ("title", "summary", "status", "sources"),
    "practice": ("title", "summary", "sources"),
    "event": ("title", "start", "sources"),
    "fact": ("title", "text", "sources"),
}
LIST_FIELDS = {
    "countries", "themes", "areas", "gcm", "tags", "sources", "partners", "experts", "activities",
    "outputs", "results", "actions", "principles", "hosts",
}

FIELD_LABELS = {
    "id": "ID", "kind": "Kind", "title": "Title", "summary": "Summary", "countries": "Countries",
    "region": "Region", "themes": "Thematic areas", "areas": "Specific areas", "gcm": "GCM objectives",
    "start": "Start", "end": "End", "tags": "Tags", "sources": "Sources", "partners": "Partners",
    "status": "Status", "experts": "Experts", "activities": "Activities", "outputs": "Outputs",
    "results": "Results", "why": "Why it worked", "actions": "From actions", "event": "Reported at",
    "principles": "Guiding principles", "place": "Place", "hosts": "Hosts", "text": "Text",
    "figure": "Figure",
}

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
MAX_ID_LENGTH = 80


def fields_of(kind: str) -> tuple[str, ...]:
    return COMMON_FIELDS + KIND_FIELDS[kind]


def resolve_kind(value: str) -> str:
    """'action', 'actions', 'Practice' ... -> the kind."""
    text = str(value).strip().lower()
    kind = KIND_PLURALS.get(text, text)
    if kind not in KINDS:
        raise vocab.unknown_value(str(value), {k: k for k in KIND_PLURALS}, "record kind", "kinds")
    return kind


def parse_date(value) -> str:
    """'2018', '2018-7', '2018-07-15', 2018 or a date -> 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    if isinstance(value, date):
        return value.isoformat()
    match = _DATE.match(str(value).strip())
    if not match:
        raise ValueError(f"'{value}' is not a date; write a year (2017), a month (2017-11) or a day (2017-11-30)")
    year, month, day = match.groups()
    if not 1900 <= int(year) <= 2100:
        raise ValueError(f"year {year} is out of range (1900-2100)")
    if month is None:
        return year
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month {month} in '{value}' does not exist")
    if day is None:
        return f"{year}-{int(month):02d}"
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"day {day} in '{value}' does not exist") from None
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise ValueError("expected text, not a list or mapping")
    text = str(value).strip()
    return text or None


def _texts(value) -> list[str]:
    return list(dict.fromkeys(t for t in (_text(v) for v in _as_list(value)) if t))


def _unique_sorted(values) -> list:
    return sorted(set(values))


def _countries(value) -> list[str]:
    codes = []
    for item in _texts(value):
        body = vocab.regional_body(item)
        if body:
            raise ValueError(f"'{body}' is a regional body, not a country; list it under partners")
        codes.append(vocab.resolve_country(item))
    return list(dict.fromkeys(codes))


def _experts(value) -> list[dict]:
    experts = []
    for item in _as_list(value):
        if isinstance(item, dict):
            unknown = set(item) - {"country", "kind"}
            if unknown:
                raise ValueError(f"an expert has only 'country' and 'kind', not {', '.join(sorted(unknown))}")
            country, kind = _text(item.get("country")), _text(item.get("kind"))
        else:
            country, kind = _text(item), None
        if not country:
            raise ValueError("every expert needs a country")
        experts.append({
            "country": vocab.resolve_country(country),
            "kind": vocab.resolve_expert_kind(kind) if kind else None,
        })
    return experts


def _activities(value) -> list[dict]:
    activities = []
    for item in _as_list(value):
        if not isinstance(item, dict):
            item = {"title": item}
        unknown = set(item) - {"title", "kind", "place", "date"}
        if unknown:
            raise ValueError(f"an activity has title, kind, place and date, not {', '.join(sorted(unknown))}")
        title = _text(item.get("title"))
        if not title:
            raise ValueError("every activity needs a title")
        kind, when = _text(item.get("kind")), item.get("date")
        activities.append({
            "title": title,
            "kind": vocab.resolve_activity_kind(kind) if kind else None,
            "place": _text(item.get("place")),
            "date": parse_date(when) if when not in (None, "") else None,
        })
    return activities


def _sources(value) -> list[dict]:
    sources = []
    for item in _as_list(value):
        if not isinstance(item, dict):
            item = {"title": item}
        unknown = set(item) - {"title", "publisher", "date", "url"}
        if unknown:
            raise ValueError(f"a source has title, publisher, date and url, not {', '.join(sorted(unknown))}")
        title = _text(item.get("title"))
        if not title:
            raise ValueError("every source needs a title")
        when = item.get("date")
        sources.append({
            "title": title,
            "publisher": _text(item.get("publisher")),
            "date": parse_date(when) if when not in (None, "") else None,
            "url": _text(item.get("url")),
        })
    return sources


def _record_id(value) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if len(text) > MAX_ID_LENGTH or not _ID.match(text):
        raise ValueError(
            f"'{text}' is not a valid ID; use lowercase letters, digits and single hyphens, "
            f"at most {MAX_ID_LENGTH} characters (for example act-cr-integration-plans)"
        )
    return text


def _id_list(value) -> list[str]:
    return list(dict.fromkeys(i for i in (_record_id(v) for v in _as_list(value)) if i))


_PARSERS = {
    "id": _record_id,
    "title": _text,
    "summary": _text,
    "countries": _countries,
    "region": lambda v: vocab.resolve_region(_text(v)) if _text(v) else None,
    "themes": lambda v: _unique_sorted(vocab.resolve_theme(t) for t in _texts(v)),
    "areas": lambda v: _unique_sorted(vocab.resolve_area(a) for a in _texts(v)),
    "gcm": lambda v: _unique_sorted(vocab.resolve_gcm(g) for g in _texts(v)),
    "start": lambda v: parse_date(v) if v not in (None, "") else None,
    "end": lambda v: parse_date(v) if v not in (None, "") else None,
    "tags": lambda v: list(dict.fromkeys(t.lower() for t in _texts(v))),
    "sources": _sources,
    "partners": _texts,
    "status": lambda v: vocab.resolve_status(_text(v)) if _text(v) else None,
    "experts": _experts,
    "activities": _activities,
    "outputs": _texts,
    "results": _texts,
    "why": _text,
    "actions": _id_list,
    "event": _record_id,
    "principles": lambda v: _unique_sorted(vocab.resolve_principle(p) for p in _texts(v)),
    "place": _text,
    "hosts": _texts,
    "text": _text,
    "figure": _text,
}


def parse_field(field: str, value):
    """One field's canonical value, for prompts and --set; raises ValueError or MieuxError."""
    return _PARSERS[field](value)


def normalize(raw: dict) -> dict:
    """The canonical record for `raw`, or InvalidRecord listing every problem found."""
    if not isinstance(raw, dict):
        raise InvalidRecord("?", [("record", "expected a mapping of fields, not " + type(raw).__name__)])
    record_id = str(raw.get("id") or "?")
    problems: list[tuple[str, str]] = []
    try:
        kind = resolve_kind(raw.get("kind") or "")
    except MieuxError:
        raise InvalidRecord(record_id, [("kind", f"'{raw.get('kind')}' is not one of {', '.join(KINDS)}")]) from None
    fields = fields_of(kind)
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            article = "an" if kind[0] in "aeiou" else "a"
            hint = f"did you mean '{close[0]}'?" if close else f"its fields are {', '.join(fields)}"
            problems.append((str(key), f"{article} {kind} has no such field; {hint}"))
    record: dict = {}
    for field in fields:
        if field == "kind":
            record["kind"] = kind
            continue
        value = raw.get(field)
        try:
            record[field] = parse_field(field, value)
        except (MieuxError, ValueError, TypeError) as e:
            problems.append((field, str(e)))
            record[field] = [] if field in LIST_FIELDS else None
    for field in REQUIRED[kind] + ("id",):
        if record.get(field) in (None, []) and not any(p[0] == field for p in problems):
            problems.append((field, "is required"))
    if record["start"] and record["end"] and record["end"] < record["start"]:
        problems.append(("end", f"{record['end']} is before the start {record['start']}"))
    if record["region"] is None:
        record["region"] = vocab.derive_region(record["countries"])
    if problems:
        raise InvalidRecord(record_id, problems)
    return record


def link_problems(record: dict, kinds_by_id: dict[str, str]) -> list[tuple[str, str]]:
    """Links that point nowhere, or to a record of the wrong kind."""
    problems = []
    if record["kind"] == "practice":
        for action_id in record["actions"]:
            if kinds_by_id.get(action_id) != "action":
                problems.append(("actions", f"no action with ID '{action_id}' in the catalogue"))
        event_id = record["event"]
        if event_id and kinds_by_id.get(event_id) != "event":
            problems.append(("event", f"no event with ID '{event_id}' in the catalogue"))
    return problems


def validate_catalogue(raw_records: list[dict]) -> list[dict]:
    """Normalize every record, then check IDs are unique and links resolve. Raises the first
    InvalidRecord; the authoring issue's import reports all of them."""
    records = [normalize(r) for r in raw_records]
    kinds_by_id: dict[str, str] = {}
    for record in records:
        if record["id"] in kinds_by_id:
            raise InvalidRecord(record["id"], [("id", "is used by two records; IDs must be unique")])
        kinds_by_id[record["id"]] = record["kind"]
    for record in records:
        problems = link_problems(record, kinds_by_id)
        if problems:
            raise InvalidRecord(record["id"], problems)
    return records
