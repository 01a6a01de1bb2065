"""What a record says of when, where and on what, read the same way by filters, summaries, the
index, `show` and briefs: its status and the date it was known, the years it was active, its
countries, its thematic areas (with those its specific areas give). Pure functions of records
(and, for a practice's years, of the records it links to)."""


def record_countries(record: dict, role: str | None = None) -> list[str]:
    """The countries a record is about (beneficiary), that took part (participant), where an event
    took place (place), or all of them (None)."""
    place = [record["place_country"]] if record.get("place_country") else []
    if role == "beneficiary":
        return record["countries"]
    if role == "participant":
        return record.get("participants", [])
    if role == "place":
        return place
    return record["countries"] + record.get("participants", []) + place


def record_funders(record: dict) -> list[str]:
    """The names of the partners that fund a record (role donor: IATI's Funding), once each."""
    return list(dict.fromkeys(p["name"] for p in record.get("partners") or [] if p.get("role") == "donor"))


def record_sectors(record: dict) -> list[str]:
    """A record's sector codes, once each (with the vocabulary when it is not OECD DAC 5-digit: '99:A1')."""
    return list(dict.fromkeys(s["code"] if (s.get("vocabulary") or "1") == "1" else f"{s['vocabulary']}:{s['code']}"
                              for s in record.get("sectors") or []))


def record_themes(record: dict) -> list:
    """The thematic areas a record is under: those it gives, and the pillar of each specific area
    it gives (every area belongs to one pillar, as the region follows from the countries); in the
    vocabulary's order, a value the vocabulary does not know (a hand edit) after them."""
    from mieux_cli.model.vocab import AREA_PILLARS, THEMES

    given = record.get("themes") or []
    wanted = set(given) | {AREA_PILLARS[a] for a in record.get("areas") or [] if a in AREA_PILLARS}
    return [t for t in THEMES if t in wanted] + [t for t in dict.fromkeys(given) if t not in THEMES]


def derived_themes(record: dict) -> list:
    """The thematic areas a record is under only through its specific areas."""
    given = set(record.get("themes") or [])
    return [t for t in record_themes(record) if t not in given]


def status_of(record: dict) -> tuple[str, str | None] | None:
    """(status, the date it was known) or None: a status never travels without its date."""
    return (record["status"], record.get("status_as_of")) if record.get("status") else None


def status_fields(status: tuple[str, str | None] | None) -> dict:
    """A status as the record's own fields, for JSON."""
    return {"status": status[0] if status else None, "status_as_of": status[1] if status else None}


def status_label(record: dict | tuple | None) -> str:
    """'ongoing as of 2018', 'completed', 'ongoing (date not recorded)' for a record or a
    status_of() pair: an old status never reads as current."""
    status = status_of(record) if isinstance(record, dict) else record
    if not status:
        return ""
    code, as_of = status
    if as_of:
        return f"{code} as of {as_of}"
    return code if code in ("completed", "cancelled", "held", "unknown") else f"{code} (date not recorded)"


def status_known_on(record: dict) -> str | None:
    """The date a record's status was known: its `status_as_of`, else, for a status that is known
    (not "unknown"), the date of its newest source, which stated it; None when there is neither."""
    if record.get("status_as_of"):
        return record["status_as_of"]
    if not record.get("status") or record["status"] == "unknown":
        return None
    dates = [s["date"] for s in record.get("sources") or [] if isinstance(s, dict) and isinstance(s.get("date"), str)]
    return max(dates) if dates else None


def active_years(record: dict, catalogue) -> tuple[int, int] | None:
    """The years a record was active in, or None when the catalogue does not know (`catalogue`:
    anything with `by_id`, the records by ID, for the records a practice comes from).
    Its own start and end first. An ongoing or planned record with no end runs to the year its
    status was last known (not to this year: that would make an old status current); a record
    with no dates of its own whose status was known on a date (status_known_on) is active in that
    year; a practice without dates of its own takes those of the actions it came from, or the
    year it was reported. Dates a hand edit broke ("20x") give none: `mieux check` reports them."""
    try:
        return _active_years(record, catalogue)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _active_years(record: dict, catalogue) -> tuple[int, int] | None:
    # the actual dates, else the planned ones (an IATI activity may give only its plans)
    start, end = record.get("start") or record.get("planned_start"), record.get("end") or record.get("planned_end")
    if start is None and end is None and record["kind"] == "practice":
        # only an action or an event gives its years: a practice a hand edit linked to itself (or
        # to another practice) would take them round in a circle
        actions = [catalogue.by_id.get(i) for i in record["actions"]]
        spans = [active_years(a, catalogue) for a in actions if a is not None and a["kind"] == "action"]
        spans = [s for s in spans if s]
        if spans:
            return min(s[0] for s in spans), max(s[1] for s in spans)
        event = catalogue.by_id.get(record.get("event") or "")
        return active_years(event, catalogue) if event and event["kind"] == "event" else None
    known = status_known_on(record)
    if start is None and end is None:
        return (int(known[:4]),) * 2 if known else None
    first = int((start or end)[:4])
    if end:
        last = int(end[:4])
    elif record.get("status") in ("ongoing", "planned") and known:
        last = max(first, int(known[:4]))
    else:
        last = first
    return first, last


def years_label(record: dict) -> str:
    """'2013-2017', '2017', '2018-' (open end), or '' when unknown (the actual dates, else the planned)."""
    start, end = record.get("start") or record.get("planned_start"), record.get("end") or record.get("planned_end")
    if not start and not end:
        return ""
    first = (start or end)[:4]
    if end and end[:4] != first:
        return f"{first}-{end[:4]}"
    if not end and record.get("status") == "ongoing":
        return f"{first}-"
    return first
