"""A brief on a scope (a region, a country, a theme ...): what it holds in the order a reader
wants it. Key figures first, each counting what the records say and how many say nothing; the
scope's own Actions, good practices and events; for a country, the events that took place there
and what it only took part in; the facts; the context of its region, labelled so; the sources."""

from mieux_cli.briefs.entries import Sources, dating, entry
from mieux_cli.briefs.phrases import capitalised, countries_text, in_sentence, place_words, plural
from mieux_cli.errors import MieuxError
from mieux_cli.model import vocab
from mieux_cli.model.alike import same_work
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.facets import record_themes
from mieux_cli.model.schema import KIND_ORDER
from mieux_cli.queries.filters import Filters
from mieux_cli.text import join_words

SECTION_MAX = 25  # records a section of a brief names: the latest; it says how many more there are


KIND_WORDS = {"action": ("action", "actions"), "practice": ("good practice", "good practices"),
              "event": ("event", "events"), "fact": ("fact", "facts")}


def describe(filters: Filters) -> tuple[str, str]:
    """(title, scope sentence) for a brief over `filters`, in words."""
    def names(values, table):
        return join_words(sorted(table(v) for v in values))

    subject_parts, scope_parts = [], []
    if filters.countries:
        subject_parts.append(names(filters.countries, vocab.country_name))
    if filters.regions:
        subject_parts.append(names(filters.regions, vocab.region_name))
    if filters.themes:
        subject_parts.append(names(filters.themes, vocab.THEMES.label))
    if filters.areas:
        subject_parts.append(names(filters.areas, vocab.AREAS.label))
    if filters.gcm:
        subject_parts.append("GCM objective " + join_words([f"{n} ({vocab.GCM.label(n)})" for n in sorted(filters.gcm)]))
    title = "MIEUX brief: " + (" - ".join(subject_parts) if subject_parts else "the whole catalogue")
    where = []
    if filters.countries:
        where.append("about " + countries_text(filters.countries))
    if filters.regions:
        where.append("on " + names(filters.regions, lambda r: in_sentence(vocab.region_name(r))))
    scope_parts.append("This brief covers what the MIEUX catalogue holds" + (" " + " and ".join(where) if where else ""))
    if filters.themes:
        scope_parts.append("on " + names(filters.themes, vocab.THEMES.label))
    if filters.areas:
        scope_parts.append(("and " if filters.themes else "on ") + names(filters.areas, vocab.AREAS.label))
    if filters.gcm:
        scope_parts.append("under GCM objective " + join_words([str(n) for n in sorted(filters.gcm)]))
    if filters.years:
        spans = [f"{lo}" if lo == hi else (f"since {lo}" if hi == 9999 else f"{lo}-{hi}") for lo, hi in filters.years]
        scope_parts.append("active in " + join_words(spans) + (" (and records with no dates)" if filters.undated else ""))
    if filters.statuses:
        scope_parts.append("with status " + join_words(sorted(filters.statuses)))
    if filters.tags:
        scope_parts.append("tagged " + join_words(sorted(f"'{t}'" for t in filters.tags)))
    if filters.kinds:
        scope_parts.append("(" + join_words(sorted(KIND_WORDS[k][1] for k in filters.kinds)) + " only)")
    return title, " ".join(scope_parts) + "."


def split_by_role(records: list[dict], filters: Filters) -> tuple[list[dict], list[dict], list[dict]]:
    """(records about the countries asked for, events that only took place there, records they
    only took part in); without --country, every record is about the scope."""
    if not filters.countries:
        return records, [], []
    wanted = filters.countries
    about = [r for r in records if filters.role in (None, "beneficiary") and not wanted.isdisjoint(r["countries"])]
    held = [r for r in records if r not in about and filters.role in (None, "place") and r.get("place_country") in wanted]
    took_part = [r for r in records if r not in about and r not in held]
    return about, held, took_part


def region_facts(catalogue: Catalogue, filters: Filters, in_scope: list[dict]) -> tuple[str, list[dict]]:
    """(the region's name, facts about the whole region) for a brief on countries of one region:
    the context of the region, which the scope itself does not hold."""
    regions = {vocab.COUNTRY_REGION[c] for c in filters.countries if c in vocab.COUNTRY_REGION}
    if not regions:
        return "", []
    # Only facts count: other kinds are not read (a kind filter without facts keeps none).
    kinds = filters.kinds if filters.kinds and "fact" not in filters.kinds else {"fact"}
    wider = Filters(**{**filters.__dict__, "countries": set(), "role": None, "regions": regions, "kinds": kinds})
    held = {r["id"] for r in in_scope}
    facts = [r for r in catalogue.select(wider) if r["kind"] == "fact" and not r["countries"] and r["id"] not in held]
    return join_words(sorted(vocab.region_name(r) for r in regions)), _in_order(facts)


def _in_order(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: (r.get("start") or "9999", r["id"]))


def own_years(record: dict) -> tuple[int, int] | None:
    """The years a record's own dates give (a practice's are not taken from its action or event);
    None for dates a hand edit broke ("20x"), which `mieux check` reports."""
    start, end = record.get("start"), record.get("end")
    if not start and not end:
        return None
    try:
        first = int((start or end)[:4])
        return first, int(end[:4]) if end else first
    except (ValueError, TypeError):
        return None


def _years(records: list[dict]) -> str:
    spans = [span for r in records for span in [own_years(r)] if span]
    if not spans:
        return ""
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    return str(first) if first == last else f"{first}-{last}"


def counted(records: list[dict]) -> str:
    """'1 action and 2 good practices'."""
    return join_words(plural(sum(1 for r in records if r["kind"] == kind), *KIND_WORDS[kind])
                      for kind in ("action", "practice", "event", "fact") if any(r["kind"] == kind for r in records))


def figures(about: list[dict], held: list[dict], took_part: list[dict], facts: int, context: int,
            subject: str) -> dict:
    """The key figures: what the scope holds, and what its records say (with how many say nothing).
    `facts`: the facts in scope; `context`: the facts on the context of the region."""
    own = about + [{"kind": "fact"}] * facts if subject else about  # a country's own facts are its own
    if about:
        line = f"In scope: {counted(own)}" + (f" about {subject}" if subject else "")
    elif subject:
        line = f"No action, good practice or event is about {subject}"
        line += f"; {plural(facts, 'fact')} about {subject}" if facts else ""
    else:
        line = f"In scope: {plural(facts, 'fact')}"
    also = []
    if facts and about and not subject:
        line += f", with {plural(facts, 'context fact')}"
    if held:
        also.append(f"{plural(len(held), 'event')} took place {'in ' + subject if about else 'there'}")
    if took_part:
        also.append(f"{subject} {'also ' if about or held else ''}took part in {counted(took_part)}")
    if context:
        also.append(f"{plural(context, 'fact')} on the context of the region")
    events = [r for r in about + held if r["kind"] == "event"]
    places = [place_words(r) for r in events]
    themes = {t for r in about for t in record_themes(r)}
    return {
        "in_scope": capitalised(line + ("; " + "; ".join(also) if also else "") + "."),
        "counts": counted(about),
        "alike": _alike(about),
        "countries": countries_text({c for r in about for c in r["countries"]}),
        "countries_none": sum(1 for r in about if not r["countries"]),
        "took_part": countries_text({c for r in about for c in r.get("participants", [])}),
        "places": join_words(sorted({p for p in places if p})),
        "places_none": sum(1 for p in places if not p),
        "themes": join_words(vocab.THEMES.label(t) for t in vocab.THEMES if t in themes),
        "themes_none": sum(1 for r in about if not record_themes(r)),
        "years": _years(about),
        "undated": sum(1 for r in about if not own_years(r)),
        "funding": _funding(about),
        "funding_none": sum(1 for r in about if r["kind"] == "action" and not r.get("funding")),
    }


def _funding(records: list[dict]) -> str:
    """'budgets of 120,000 EUR; disbursements of 50,000.50 EUR': the sums the records give, by
    kind of funding and currency, over all their years."""
    from mieux_cli.model import vocab
    from mieux_cli.model.display import number_text

    totals: dict[tuple[str, str], float] = {}
    for record in records:
        for item in record.get("funding") or []:
            if isinstance(item["value"], int | float) and item.get("currency"):
                key = (item["type"], item["currency"])
                totals[key] = totals.get(key, 0) + item["value"]
    order = list(vocab.FUNDING_TYPES)
    return "; ".join(f"{vocab.FUNDING_TYPES.label(kind).lower()}s of {number_text(round(total, 2), currency)}"
                     for (kind, currency), total in sorted(totals.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])))


def _alike(records: list[dict]) -> list[str]:
    """Sentences naming Actions in scope that may record the same work (model/alike.py): counted
    apart, so a reader should know. The first SECTION_MAX groups, each naming up to SECTION_MAX
    Actions, then how many more there are."""
    groups = same_work(records)
    lines = []
    for group in groups[:SECTION_MAX]:
        named = group.ids[:SECTION_MAX]
        if len(group.ids) > SECTION_MAX:
            named = [*named, plural(len(group.ids) - SECTION_MAX, "more")]
        lines.append(f"{group.centre} may record the same work as {join_words(named)} (Actions in one country, in years "
                     f"that overlap or are not known, whose titles share most of their words)")
    if len(groups) > SECTION_MAX:
        lines.append(f"{plural(len(groups) - SECTION_MAX, 'more Action', 'more Actions')} may record the same work as "
                     "others in scope (`mieux check` names them all)")
    return lines


def build_scope(catalogue: Catalogue, filters: Filters, compiled: str) -> dict:
    in_scope = catalogue.select(filters)
    if not in_scope:  # wider context alone is no brief
        raise MieuxError("No records in this scope: there is nothing to brief on.", nearest_hint(catalogue, filters))
    about, held, took_part = split_by_role([r for r in in_scope if r["kind"] != "fact"], filters)
    own_facts = _in_order([r for r in in_scope if r["kind"] == "fact"])
    region, context = region_facts(catalogue, filters, in_scope)
    subject = countries_text(filters.countries) if filters.countries else ""
    title, scope = describe(filters)
    sources = Sources()

    more: dict[str, int] = {}

    def entries(section: str, records: list[dict]) -> list[dict]:
        """The entries of a section: its SECTION_MAX latest records, in its order; how many
        more it holds goes in `more`."""
        if len(records) > SECTION_MAX:
            more[section] = len(records) - SECTION_MAX
            latest = set(map(id, sorted(records, key=lambda r: (r.get("start") or "", r["id"]))[-SECTION_MAX:]))
            records = [r for r in records if id(r) in latest]
        return [entry(r, catalogue, sources, compiled) for r in records]

    by_kind = {kind: _in_order([r for r in about if r["kind"] == kind]) for kind in ("action", "practice", "event")}
    brief = {
        "kind": "scope",
        "title": title,
        "scope": scope,
        "subject": subject,
        "actions": entries("actions", by_kind["action"]),
        "practices": entries("practices", by_kind["practice"]),
        "events": entries("events", by_kind["event"]),
        "held": entries("held", _in_order(held)),
        "facts": entries("facts", own_facts),
        "took_part": entries("took_part", sorted(took_part, key=lambda r: (KIND_ORDER[r["kind"]], r["id"]))),
        "region": {"name": region, "facts": entries("region", context)},
        "figures": figures(about, held, took_part, len(own_facts), len(context), subject),
    }
    return {**brief, "more": more, "named_at_most": SECTION_MAX, **dating(sources, compiled)}


def nearest_hint(catalogue: Catalogue, filters: Filters) -> str:
    """The filter whose removal would bring records back, with how many."""
    options = {
        "kinds": "the kind", "regions": "--region", "countries": "--country", "themes": "--theme",
        "areas": "--area", "gcm": "--gcm", "statuses": "--status", "years": "--year", "tags": "--tag",
    }
    best = None
    for field, option in options.items():
        if getattr(filters, field):
            relaxed = Filters(**{**filters.__dict__, field: type(getattr(filters, field))()})
            count = catalogue.count(relaxed)
            if count and (best is None or count > best[1]):
                best = (option, count)
    if best is None:
        return "See `mieux summary` for what the catalogue holds."
    return f"Without {best[0]} there would be {plural(best[1], 'record')}."
