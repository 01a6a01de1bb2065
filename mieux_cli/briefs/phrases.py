"""The words of a brief: lists as a sentence writes them, country names with their article,
dates and spans of dates in words, when a record took place relative to the day the brief was
compiled, and its partners and experts as phrases. Plain strings of the record's text; the
templates make them safe for their format."""

import re

from mieux_cli.model import schema, vocab
from mieux_cli.model.display import MONTHS, date_words
from mieux_cli.model.records import first_day, last_day, parse_date
from mieux_cli.text import join_words


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


def give_none(n: int) -> str:
    """' (5 give none)' after a key figure, for the records that state nothing of it; '' for none."""
    return f" ({n} {'gives' if n == 1 else 'give'} none)" if n else ""


_WITH_THE = ("United ", "Dominican Republic", "Central African Republic", "Czech Republic", "Netherlands",
             "Philippines", "Gambia", "Bahamas", "Comoros", "Maldives", "Seychelles", "Democratic Republic",
             "Republic of", "European Neighbourhood", "Holy See", "State of")


def in_sentence(name: str) -> str:
    """A country or region's name as a sentence uses it: 'the United States', 'the Dominican Republic'."""
    return f"the {name}" if name.startswith(_WITH_THE) or name.endswith(("Islands", "Republic")) else name


def country_list(codes) -> list[str]:
    """Countries as a sentence names them, in the order of their names: ['Mexico', 'the United States']."""
    return [in_sentence(name) for name in sorted({vocab.country_name(c) for c in codes})]


def countries_text(codes) -> str:
    """'Argentina, the Dominican Republic and Mexico'."""
    return join_words(country_list(codes))


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def span_words(start: str | None, end: str | None) -> str:
    """Two dates as one span: '5-6 March 2018', '5 March-6 April 2018', 'March-May 2018',
    '2013-2017', 'March 2017 to May 2018'; one alone as itself; a date a hand edit broke as written."""
    if not (start and end) or start == end:
        return date_words(start or end)
    try:
        a, b = parse_date(start).split("-"), parse_date(end).split("-")
    except (ValueError, TypeError):
        return f"{date_words(start)} to {date_words(end)}"
    if len(a) == len(b) == 1:
        return f"{a[0]}-{b[0]}"
    if len(a) == len(b) and a[0] == b[0]:  # one year
        if len(a) == 2:
            return f"{MONTHS[int(a[1]) - 1]}-{MONTHS[int(b[1]) - 1]} {a[0]}"
        if a[1] == b[1]:
            return f"{int(a[2])}-{int(b[2])} {MONTHS[int(a[1]) - 1]} {a[0]}"
        return f"{int(a[2])} {MONTHS[int(a[1]) - 1]}-{int(b[2])} {MONTHS[int(b[1]) - 1]} {a[0]}"
    return f"{date_words(start)} to {date_words(end)}"


def has_passed(value: str | None, compiled: str) -> bool:
    """Whether the whole of a date (a year, a month, a day) was over on the day `compiled`."""
    try:
        return bool(value) and last_day(value) < first_day(compiled)
    except (ValueError, TypeError):
        return False


def planned_and_past(record: dict, compiled: str) -> bool:
    """A record planned (as its source said) whose date had passed when the brief was compiled:
    its plans are written in the past tense ("was to take place")."""
    return record.get("status") == "planned" and has_passed(record.get("end") or record.get("start"), compiled)


def period(record: dict, compiled: str) -> str:
    """When, in words, as the status allows: a planned event "is to take place in October 2018"
    before that date, "was to take place in October 2018" after it (and when it was cancelled)."""
    start, end = record.get("start"), record.get("end")
    span = span_words(start, end)
    if start and not end and record.get("status") in ("ongoing", "planned") and record["kind"] != "event":
        span = f"from {date_words(start)}"
    elif end and not start:
        span = f"until {date_words(end)}"
    if span and record["kind"] == "event" and record.get("status") in ("planned", "cancelled"):
        future = record["status"] == "planned" and not planned_and_past(record, compiled)
        return ("is to take place in " if future else "was to take place in ") + span
    return span


def place_words(record: dict) -> str:
    """Where an event took place: 'Cotonou, Benin'; 'Bangkok (Thailand)' when the place does not
    name its country; the country alone when there is no place; '' when neither is known."""
    place, country = record.get("place") or "", record.get("place_country")
    name = vocab.country_name(country) if country else ""
    if place and name and vocab.country_named(place.rsplit(",", 1)[-1]) != country:
        return f"{place} ({name})"
    return place or in_sentence(name)


def names_country(text: str, country: str) -> bool:
    """Whether a title names a country as such: 'in Cotonou, Benin' does; 'Mexico City' does not
    name Mexico."""
    name = vocab.country_name(country)
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)(?! [A-Z])", text) is not None


def experts_phrase(experts: list[dict]) -> str:
    """'experts from Belgium (NGO) and the United States'; experts with no country by what is
    known of them ('experts: two past experts')."""
    def one(expert: dict) -> str:
        details = [vocab.EXPERT_KINDS.label(expert["kind"])] if expert.get("kind") else []
        details += [expert[p] for p in ("institution", "note") if expert.get(p)]
        if expert.get("count"):
            details.insert(0, str(expert["count"]))
        lead = in_sentence(vocab.country_name(expert["country"])) if expert.get("country") else details.pop(0) if details else ""
        return lead + (f" ({'; '.join(details)})" if details else "")

    from_countries = [one(e) for e in experts if e.get("country")]
    others = [one(e) for e in experts if not e.get("country")]
    parts = (["from " + join_words(from_countries)] if from_countries else []) + [o for o in others if o]
    if not parts:
        return ""
    return "experts " + parts[0] + "".join("; " + p for p in parts[1:]) if from_countries else "experts: " + "; ".join(parts)


def _partner(partner: dict, role: bool) -> str:
    """'National Institute of Migration (co-host; Mexico; agency)', the role left out unless `role`."""
    details = [vocab.PARTNER_ROLES.label(partner["role"]).lower()] if role and partner.get("role") else []
    details += [vocab.country_name(partner["country"])] if partner.get("country") else []
    details += [vocab.PARTNER_KINDS.label(partner["kind"]).lower().replace("ngo", "NGO").replace("eu ", "EU ")
                ] if partner.get("kind") else []
    return partner["name"] + (f" ({'; '.join(details)})" if details else "")


def partner_list(partners: list[dict]) -> str:
    """Partners in a sentence, each with its role: 'MIEUX (host) and National Institute of
    Migration (co-host; Mexico)'."""
    return join_words(_partner(p, role=True) for p in partners)


def partners_phrase(partners: list[dict]) -> str:
    """Partners by role, those without one first, then the hosts, then the vocabulary's order:
    'National Migration School (Dominican Republic); host: MIEUX; co-hosts: A and B; regional body: COMESA'."""
    def one(partner: dict) -> str:
        return _partner(partner, role=False)

    roles = [None, "host", "co-host", *(r for r in vocab.PARTNER_ROLES if r not in ("host", "co-host"))]
    groups: dict = {}
    for partner in partners:
        role = partner.get("role") if partner.get("role") in vocab.PARTNER_ROLES else None
        groups.setdefault(role, []).append(one(partner))
    parts = []
    for role in sorted(groups, key=roles.index):
        names = join_words(groups[role])
        if role is None:
            parts.append(names)
        else:
            label = vocab.PARTNER_ROLES.label(role).lower()
            parts.append(f"{label if len(groups[role]) == 1 else label + 's'}: {names}")
    return "; ".join(parts)


def alternative_text(item: dict) -> str:
    """A value another source gives, in words: 'End: March 2019, according to MIEUX factsheet 2019'."""
    field = schema.get(item["field"]) if schema.has(item["field"]) else None
    value = item["value"]
    if field is not None and field.type == "date":
        value = date_words(value)
    label = field.label if field is not None else item["field"]
    text = f"{label}: {value}, according to {item['source']}"
    return text + (f" (note: {item['note']})" if item.get("note") else "")


def then(text: str, mark: str = ".") -> str:
    """Text followed by a full stop, unless it ends a sentence already ('What next?')."""
    return text if text.rstrip().endswith((".", "?", "!")) else text + mark
