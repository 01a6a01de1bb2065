"""The one validation every way into the catalogue goes through, driven by the schema.

`normalize` turns a raw mapping (from YAML, JSON, CSV, options or prompts) into the canonical
record: every field of its kind in schema order, codes resolved through the vocabularies, dates
checked, lists de-duplicated. It collects every problem instead of stopping at the first, so an
import can list them all.
"""

import difflib
import math
import re
from datetime import date

from mieux_cli.errors import InvalidRecord, MieuxError
from mieux_cli.model import schema, vocab
from mieux_cli.model.schema import KIND_PLURALS, KINDS, Field
from mieux_cli.text import a_or_an

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
# "45", "-3", "1.5", "15,000"; then, optionally, a unit written after it: "300%", "45 people".
_NUMBER = re.compile(r"^([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(%|[^\W\d][\w .%/-]*)?$")
MAX_ID_LENGTH = 80
MAX_NUMBER = 10**15  # JSON readers keep integers exactly up to 2**53


def resolve_kind(value: str) -> str:
    """'action', 'actions', 'Practice' ... -> the kind."""
    text = str(value).strip().lower()
    kind = KIND_PLURALS.get(text, text)
    if kind not in KINDS:
        raise vocab.unknown_value(str(value), {k: k for k in KIND_PLURALS}, "record kind", "kinds")
    return kind


# -- dates ---------------------------------------------------------------------------------------


def parse_date(value) -> str:
    """'2018', '2018-7', '2018-07-15', 2018 or a date -> 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"'{value}' is not a date; write a year (2017), a month (2017-11) or a day (2017-11-30)")
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


def first_day(value: str) -> date:
    """The first day of the period a canonical date names: '2022' -> 2022-01-01."""
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def last_day(value: str) -> date:
    """The last day of the period a canonical date names: '2022' -> 2022-12-31."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts)
    year, month = parts[0], parts[1] if len(parts) > 1 else 12
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


# -- values by type ------------------------------------------------------------------------------


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
        raise TypeError("expected text, not a list or mapping")
    text = str(value).strip()
    return text or None


def _texts(value) -> list[str]:
    return list(dict.fromkeys(t for t in (_text(v) for v in _as_list(value)) if t))


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


def parse_new_id(value) -> str:
    """An ID given for a record, which cannot be left empty (an unset shell variable gives "")."""
    record_id = _record_id(value)
    if record_id is None:
        raise ValueError("the new ID is empty; give lowercase letters, digits and single hyphens "
                         "(for example act-cr-integration-plans)")
    return record_id


def resolve_code(vocabulary: str, value):
    """A value of a vocabulary -> its code, with the look-ups some vocabularies need."""
    if vocabulary == "areas":
        return vocab.resolve_area(value)
    if vocabulary == "gcm":
        return vocab.resolve_gcm(value)
    return vocab.get(vocabulary).resolve(value)


def _codes(vocabulary: str, value) -> list:
    return sorted({resolve_code(vocabulary, v) for v in _texts(value)})


def parse_number(value) -> tuple[int | float | str, str | None]:
    """A figure's value -> (number, unit written after it) or (the text as written, None):
    '15,000' -> (15000, None); '300%' -> (300, '%'); 'about half' -> ('about half', None)."""
    if isinstance(value, bool):
        raise TypeError("expected a number, not true or false")
    unit = None
    if isinstance(value, (int, float)):
        number = value
    else:
        text = _text(value)
        match = _NUMBER.match(text or "")
        if not match:
            return text, None
        digits, unit = match.groups()
        number = float(digits.replace(",", "")) if "." in digits else int(digits.replace(",", ""))
        unit = unit.strip() if unit else None
    if not math.isfinite(number) or abs(number) >= MAX_NUMBER:
        raise ValueError(f"{value} is not a number mieux can keep (at most 15 digits)")
    return (int(number) if isinstance(number, float) and number.is_integer() else number), unit


def _count(value) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isascii()
                                                                  and value.strip().isdigit())):
        raise ValueError(f"'{value}' is not a whole number")
    number = int(value)
    if number < 1:
        raise ValueError("a count is at least 1")
    return number


def parse_part(f: Field, name: str, value, kind: str, item: dict | None = None):
    """One part of an item; `item` holds the parts read before it (an expert's kind needs the
    country). A figure's value comes back as (number or text, unit written after it)."""
    part = f.part(name)
    if part.type == "number":
        return parse_number(value) if value not in (None, "") else (None, None)
    if part.type == "text":
        return _text(value)
    if value is None or value == "":
        return None
    if part.type == "date":
        return parse_date(value)
    if part.type == "count":
        return _count(value)
    if part.type == "field":
        field_name = _text(value)
        choices = [g.name for g in schema.settable(kind) if g.name != "alternatives"]
        if field_name not in choices:
            close = difflib.get_close_matches(str(field_name), choices, n=1)
            raise ValueError(f"'{field_name}' is not a field of {a_or_an(kind)}" + (f"; did you mean '{close[0]}'?" if close else ""))
        return field_name
    if part.vocab == "expert-kinds":
        return vocab.resolve_expert_kind(_text(value), (item or {}).get("country"))
    return resolve_code(part.vocab, _text(value))


def parse_item(f: Field, raw, kind: str) -> dict:
    """One item of an items field: every part present (None when not given)."""
    if not isinstance(raw, dict):
        raw = {f.parts[0].name: raw}  # a plain text is the first part: "Spain" is an expert from Spain
    names = [p.name for p in f.parts]
    unknown = [str(k) for k in raw if k not in names]
    noun = f.label.lower().rstrip("s")
    if unknown:
        raise ValueError(f"{a_or_an(noun)} has {_words(names)}, not {', '.join(unknown)}")
    item: dict = {}
    for part in f.parts:
        try:
            value = parse_part(f, part.name, raw.get(part.name), kind, item)
        except (MieuxError, ValueError, TypeError) as e:
            raise ValueError(f"{part.name}: {e}") from None
        if part.type == "number":
            value, unit = value
            if unit and not _text(raw.get("unit")):
                raw = {**raw, "unit": unit}
        item[part.name] = value
    missing = [p.name for p in f.parts if p.required and item[p.name] is None]
    if missing:
        raise ValueError(f"every {noun} needs {_words(missing)}")
    if all(v is None for v in item.values()):
        raise ValueError(f"{a_or_an(noun)} needs at least one of {_words(names)}")
    return item


def _items(f: Field, value, kind: str) -> list[dict]:
    items = []
    for raw in _as_list(value):
        item = parse_item(f, raw, kind)
        if item not in items:
            items.append(item)
    return items


def parse_field(name: str, value, kind: str):
    """One field's canonical value, for prompts, options and --set; raises ValueError or MieuxError."""
    f = schema.get(name)
    if f.type == "id":
        return _record_id(value)
    if f.type == "kind":
        return resolve_kind(value)
    if f.type == "text":
        return _text(value)
    if f.type == "date":
        return parse_date(value) if value not in (None, "") else None
    if f.type == "code":
        text = _text(value)
        return resolve_code(f.vocab_for(kind), text) if text is not None else None
    if f.type == "codes":
        return _codes(f.vocab_for(kind), value)
    if f.type == "texts":
        return _texts(value)
    if f.type == "tags":
        return list(dict.fromkeys(t.lower() for t in _texts(value)))
    if f.type == "link":
        return _record_id(value)
    if f.type in ("links", "ids"):
        return list(dict.fromkeys(i for i in (_record_id(v) for v in _as_list(value)) if i))
    return _items(f, value, kind)


# -- whole records -------------------------------------------------------------------------------


def cross_problems(record: dict) -> list[tuple[str, str]]:
    """Rules across fields, checked as soon as the fields they need are known (prompts ask again
    at the field that breaks one)."""
    problems = []
    start, end = record.get("start"), record.get("end")
    if start and end and last_day(end) < first_day(start):
        problems.append(("end", f"{end} is before the start {start}"))
    if record.get("status_as_of") and not record.get("status"):
        problems.append(("status_as_of", "is given without a status; give the status too"))
    return problems


def place_country(place: str) -> str | None:
    """The country a place names, as its last part: 'Cotonou, Benin' -> 'BJ'; None for 'Bangkok'
    (stated, not inferred: a city's country is for the record to say)."""
    return vocab.country_named(place.rsplit(",", 1)[-1])


def normalize(raw: dict) -> dict:
    """The canonical record for `raw`, or InvalidRecord listing every problem found."""
    if not isinstance(raw, dict):
        raise InvalidRecord("?", [("record", "expected a mapping of fields, not " + type(raw).__name__)])
    record_id = str(raw.get("id") or "?")
    try:
        kind = resolve_kind(raw.get("kind") or "")
    except MieuxError:
        raise InvalidRecord(record_id, [("kind", f"'{raw.get('kind')}' is not one of {', '.join(KINDS)}")]) from None
    fields = schema.fields_of(kind)
    names = [f.name for f in fields]
    problems: list[tuple[str, str]] = []
    for key in raw:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"its fields are {', '.join(names)}"
            problems.append((str(key), f"{a_or_an(kind)} has no such field; {hint}"))
    record: dict = {}
    for f in fields:
        try:
            record[f.name] = parse_field(f.name, raw.get(f.name), kind)
        except (MieuxError, ValueError, TypeError) as e:
            problems.append((f.name, str(e)))
            record[f.name] = f.empty()
    for name in ["id", *schema.required(kind)]:
        if record.get(name) in (None, []) and not any(p[0] == name for p in problems):
            problems.append((name, "is required"))
    problems += cross_problems(record)
    if record["region"] is None:
        record["region"] = vocab.derive_region(record["countries"])
    if kind == "event" and record["place_country"] is None and record["place"]:
        record["place_country"] = place_country(record["place"])
    if problems:
        raise InvalidRecord(record_id, problems)
    return record


def link_problems(record: dict, kinds_by_id: dict[str, str]) -> list[tuple[str, str]]:
    """Links that point nowhere, or to a record of the wrong kind."""
    problems = []
    for f in link_fields(record):
        for target in _as_list(record.get(f.name)):
            if kinds_by_id.get(target) != f.link_kind:
                problems.append((f.name, f"no {f.link_kind} with ID '{target}' in the catalogue"))
    return problems


def damage(record) -> str | None:
    """What makes a stored record unusable, or None. Only the shape is checked (cheap enough for
    every read): a mapping with a text ID, a known kind and a title, and each field of its kind
    of the right type. A file changed by hand can hold anything; `mieux check` says the rest."""
    if not isinstance(record, dict):
        return f"is {type(record).__name__}, not a record"
    if not isinstance(record.get("id"), str) or not record["id"]:
        return "has no ID"
    if record.get("kind") not in KINDS:
        return f"has no known kind ({record.get('kind')!r})"
    if not isinstance(record.get("title"), str):
        return "has no title"
    for name, shape in _shape(record["kind"]):
        value = record.get(name)
        if value is None:
            if (isinstance(shape, tuple) or shape < _SCALAR) and name in record:  # a list may be left out, not null
                return f"has a {name} field that is not a list"
            continue
        if isinstance(shape, tuple):  # items: each a mapping, each part of the type it is read as
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                return f"has a {name} field that is not a list"
            for item in value:
                for part, allowed, required in shape:
                    held = item.get(part)
                    if held is None and required or held is not None and not _holds(held, allowed):
                        return f"has a {name} item whose {part} is not {_PART_WORDS[allowed]}"
        elif shape in (_LIST, _NUMBERS):
            if not isinstance(value, list):
                return f"has a {name} field that is not a list"
            for v in value:
                if not (isinstance(v, str) or shape == _NUMBERS and isinstance(v, int) and not isinstance(v, bool)):
                    return f"has a {name} field that holds something other than text"
        elif not isinstance(value, str) and not (shape == _SCALAR_OR_NUMBER and isinstance(value, int)):
            return f"has a {name} field that is not text"
    return None


# What a field holds, as `damage` checks it: a list of texts, a list of texts or whole numbers (GCM
# objectives are numbers), one text, one text or number; an items field's shape is a tuple of its
# parts' (name, what it holds, whether it is required).
_LIST, _NUMBERS, _SCALAR, _SCALAR_OR_NUMBER = range(4)
_PART_WORDS = {"text": "text", "count": "a whole number", "number": "a number or text"}
_SHAPES: dict[tuple, tuple] = {}


def _holds(value, allowed: str) -> bool:
    if isinstance(value, bool):
        return False
    if allowed == "count":
        return isinstance(value, int)
    if allowed == "number":
        return isinstance(value, str | int | float)
    return isinstance(value, str)


def _shape(kind: str) -> tuple[tuple[str, object], ...]:
    """(field, what it must hold) for the fields of a kind, as `damage` checks them; made once
    for each schema (schema.extended adds fields)."""
    key = (kind, len(schema.FIELDS))
    if key not in _SHAPES:
        _SHAPES[key] = tuple(
            (f.name, tuple((p.name, p.type if p.type in ("count", "number") else "text", p.required) for p in f.parts)
             if f.type == "items" else _NUMBERS if f.is_list and f.vocab == "gcm" else _LIST if f.is_list else
             _SCALAR_OR_NUMBER if f.vocab == "gcm" else _SCALAR)
            for f in schema.fields_of(kind))
    return _SHAPES[key]


def link_fields(record: dict) -> list[Field]:
    return [f for f in schema.fields_of(record["kind"]) if f.type in ("link", "links")]


def links_of(record: dict) -> list[tuple[str, str]]:
    """(field, ID) for every record this one links to."""
    return [(f.name, target) for f in link_fields(record) for target in _as_list(record.get(f.name))]


def relinked(record: dict, target: str, new_id: str | None) -> dict:
    """The record with every link to `target` pointed at `new_id`, or removed when it is None."""
    changed = {**record}
    for field, linked in links_of(record):
        if linked == target:
            value = record[field]
            if isinstance(value, list):
                changed[field] = [v for v in (new_id if v == target else v for v in value) if v]
            else:
                changed[field] = new_id
    return changed


def canonical(record: dict) -> dict:
    """The record with exactly its kind's fields, in canonical order."""
    return {f.name: record.get(f.name, f.empty()) for f in schema.fields_of(record["kind"])}


def validate_catalogue(raw_records: list[dict]) -> list[dict]:
    """Normalize every record, then check IDs are unique and links resolve. Raises the first
    InvalidRecord."""
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



def _words(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)
