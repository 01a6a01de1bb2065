"""What each element of one IATI activity becomes in an Action, as the publisher gave it: texts in
the language asked for, dates planned and actual kept apart, the geography and sectors of the
activity or of its transactions, every participating organisation with its IATI role and
identifier, and the money (budgets, commitments, disbursements) as sums by year and currency.
What mieux has no field for is noted on the item, never dropped in silence."""

from collections import Counter
from decimal import Decimal, InvalidOperation

from mieux_cli.formats.files import Item, UnreadableFile
from mieux_cli.formats.iati import (
    _PARTIAL_DATE,
    ACTUAL_END,
    ACTUAL_START,
    DAC_REGIONS,
    DATE_NAMES,
    DESCRIPTION_NAMES,
    FUNDING_TRANSACTIONS,
    GENERAL,
    MAX_TEXT_CHARS,
    OBJECTIVES,
    OTHER,
    OUTCOME,
    OUTPUT,
    OWN_VOCABULARY,
    PARTNER_KINDS,
    PLANNED_END,
    PLANNED_START,
    PREVIOUS_IDENTIFIER,
    REVISED_BUDGET,
    ROLES,
    STATUSES,
    XML_LANG,
    record_id,
)
from mieux_cli.model import vocab
from mieux_cli.model.records import first_day, last_day, parse_date


class Texts:
    """Narratives in the language asked for (else the first given), counting the others."""

    def __init__(self, file: str, lang: str):
        self.file = file
        self.lang = lang
        self.other_languages: Counter = Counter()
        self.fallbacks = 0
        self.default_lang: str | None = None  # of the activity being read

    def text(self, parent) -> str | None:
        return self.choose(parent)[0]

    def choose(self, parent) -> tuple[str | None, str | None]:
        """(text, language) of the narrative in the chosen language, else of the first one."""
        if parent is None:
            return None, None
        narratives = []
        for narrative in parent.iterchildren("narrative"):
            text = (narrative.text or "").strip()
            if len(text) > MAX_TEXT_CHARS:
                raise UnreadableFile(self.file, narrative.sourceline, (
                    f"a text of {len(text):,} characters, longer than any text of an IATI activity (the limit is "
                    f"{MAX_TEXT_CHARS:,})"), "Give the file as its publisher or the IATI Registry serves it.")
            if text:
                lang = (narrative.get(XML_LANG) or "").strip().lower() or self.default_lang
                narratives.append((lang, text))
        if not narratives:
            return None, None
        # the language asked for; else a text whose language is not stated; else the first
        chosen = next((n for n in narratives if n[0] == self.lang), None) or next(
            (n for n in narratives if n[0] is None), None)
        if chosen is None:
            chosen = narratives[0]
            self.fallbacks += 1
        for other in narratives:
            if other is not chosen:
                self.other_languages[other[0] or "?"] += 1
        return chosen[1], chosen[0]


def code_of(element, name: str = "code") -> str:
    return (element.get(name) or "").strip()


# -- texts -----------------------------------------------------------------------------------------


def descriptions(element, item: Item, texts: Texts) -> None:
    """The general description is the summary (else the objectives, said so); "other" ones are notes."""
    found: dict[str, list[str]] = {}
    for description in element.iterchildren("description"):
        kind = code_of(description, "type") or GENERAL
        text = texts.text(description)
        if text:
            found.setdefault(kind, []).append(text)
    summary = found.get(GENERAL) or found.get(OBJECTIVES)
    item.raw["summary"] = "\n\n".join(summary) if summary else None
    item.raw["notes"] = "\n\n".join(found.get(OTHER, [])) or None
    if not found.get(GENERAL) and found.get(OBJECTIVES):
        item.notes.append("no general description: the summary is the description of objectives")
    for kind in found:
        if kind not in (GENERAL, OTHER) and (kind != OBJECTIVES or found.get(GENERAL)):
            item.notes.append(f"description of {DESCRIPTION_NAMES.get(kind, f'type {kind}')}")


# -- status and dates ------------------------------------------------------------------------------


def status_and_dates(element, item: Item, updated: str | None, known_on: str) -> None:
    """The status as of the activity's last update (`updated`); dates planned and actual apart.
    An "actual" date after `known_on` (the activity's last update, or the file's, or today) has
    not happened: it is kept as planned (an actual end of 2050-12-31 is a placeholder)."""
    raw = item.raw
    status = element.find("activity-status")
    code = code_of(status) if status is not None else ""
    raw["status"] = STATUSES.get(code)
    if code and code not in STATUSES:
        item.notes.append(f"activity-status {code} (not an IATI status)")
    elif code == "3":
        item.notes.append("activity-status 3 Finalisation (kept as completed)")
    # The status is as of the activity's last update, when the file says it; never the file's
    # generated-datetime, which is when the file was written (the Datastore writes its files daily).
    raw["status_as_of"] = updated if raw["status"] else None
    dates: dict[str, str] = {}
    for activity_date in element.iterchildren("activity-date"):
        kind, iso = code_of(activity_date, "type"), code_of(activity_date, "iso-date")
        if kind not in DATE_NAMES or not iso:
            item.notes.append(f"activity-date {kind or '(no type)'} {iso}".rstrip())
            continue
        narratives = [n.text or "" for n in activity_date.iterchildren("narrative")]
        dates.setdefault(kind, _recorded_date(iso, kind, narratives))
    for actual, planned in ((ACTUAL_START, PLANNED_START), (ACTUAL_END, PLANNED_END)):
        if actual in dates and _after(dates[actual], known_on):
            item.notes.append(f"{DATE_NAMES[actual]} {dates[actual]} is after {known_on}, when the activity was "
                              f"last known: kept as the {DATE_NAMES[planned]}"
                              + (f" (the file's {DATE_NAMES[planned]}, {dates[planned]}, is not kept)"
                                 if planned in dates and dates[planned] != dates[actual] else ""))
            dates[planned] = dates.pop(actual)
    raw["start"], raw["end"] = dates.get(ACTUAL_START), dates.get(ACTUAL_END)
    raw["planned_start"], raw["planned_end"] = dates.get(PLANNED_START), dates.get(PLANNED_END)


def _after(value: str, day: str) -> bool:
    try:
        return first_day(value) > last_day(day)
    except (TypeError, ValueError):
        return False


def _recorded_date(iso: str, kind: str, narratives: list[str]) -> str:
    """The date as the record had it: a narrative that is the year or month whose first (start)
    or last (end) day `iso` is gives the date back as that year or month."""
    try:
        day = parse_date(iso[:10])
    except (TypeError, ValueError):
        return iso
    for text in narratives:
        text = text.strip()
        if _PARTIAL_DATE.match(text):
            edge = first_day(text) if kind in (PLANNED_START, ACTUAL_START) else last_day(text)
            if edge.isoformat() == day:
                return text
    return day


# -- where -----------------------------------------------------------------------------------------


def places(element, item: Item) -> None:
    """Countries and regions of the activity, else of its transactions (USAID gives them there);
    their percentages as shares when the source divides the work; a region-only activity keeps
    its region (and the MIEUX region, when an OECD DAC region lies in one)."""
    countries, regions = _geography(element)
    from_transactions = not countries and not regions
    if from_transactions:
        for transaction in element.iterchildren("transaction"):
            more_countries, more_regions = _geography(transaction)
            countries += [c for c in more_countries if c[0] not in {k for k, _ in countries}]
            regions += [r for r in more_regions if r[:2] not in {(k, v) for k, v, _ in regions}]
        if countries or regions:
            item.notes.append("recipient countries and regions given on transactions (kept for the activity)")
    item.raw["countries"] = [code for code, _ in countries]
    divided = len(countries) + len(regions) > 1 or any(p not in (None, Decimal(100)) for _, p in countries)
    shares = [{"country": code, "percentage": _number(p)} for code, p in countries] if divided else []
    for code, vocabulary, percentage in regions:
        if vocabulary == OWN_VOCABULARY and code in vocab.REGIONS and not item.raw.get("region"):
            item.raw["region"] = code
            continue
        shares.append({"region": code, "vocabulary": vocabulary, "percentage": _number(percentage)})
        if vocabulary == "1" and code in DAC_REGIONS and not countries and not item.raw.get("region"):
            item.raw["region"] = DAC_REGIONS[code]
    item.raw["shares"] = shares


def _geography(parent) -> tuple[list[tuple[str, Decimal | None]], list[tuple[str, str, Decimal | None]]]:
    countries = [(code_of(c).upper(), _decimal(c.get("percentage"))) for c in parent.iterchildren("recipient-country")]
    regions = [(code_of(r), code_of(r, "vocabulary") or "1", _decimal(r.get("percentage")))
               for r in parent.iterchildren("recipient-region")]
    return countries, regions


def countries_of(element) -> set[str]:
    """Every recipient country an activity names, on itself or on its transactions (for filters)."""
    return {code_of(c).upper() for parent in (element, *element.iterchildren("transaction"))
            for c in parent.iterchildren("recipient-country")}


def sectors_of(element) -> set[str]:
    return {code_of(s) for parent in (element, *element.iterchildren("transaction")) for s in parent.iterchildren("sector")}


def sectors(element, item: Item) -> None:
    """The sectors of the activity, else of its transactions, with their vocabulary and share."""
    found = [(code_of(s), code_of(s, "vocabulary") or "1", _decimal(s.get("percentage")))
             for s in element.iterchildren("sector")]
    if not found:
        for transaction in element.iterchildren("transaction"):
            found += [(code_of(s), code_of(s, "vocabulary") or "1", None) for s in transaction.iterchildren("sector")
                      if (code_of(s), code_of(s, "vocabulary") or "1") not in {(c, v) for c, v, _ in found}]
        if found:
            item.notes.append("sectors given on transactions (kept for the activity)")
    item.raw["sectors"] = [{"code": code, "vocabulary": vocabulary, "percentage": _number(percentage)}
                           for code, vocabulary, percentage in found if code]


# -- who -------------------------------------------------------------------------------------------


def partners(element, item: Item, texts: Texts, reporting, reporting_ref: str, own: bool) -> None:
    """Every participating organisation, with its IATI role and identifier; the reporting
    organisation too, unless it takes part under its own identifier already. In an activity mieux
    exported (`own`), the publisher is the catalogue's own organisation, not a partner."""
    found = []
    for org in element.iterchildren("participating-org"):
        ref, role, type_ = code_of(org, "ref"), code_of(org, "role"), code_of(org, "type")
        name = texts.text(org) or ref
        if own and ref and ref == reporting_ref:
            continue  # the publisher's own role in every activity (iati.publisher-role)
        if not name:
            item.notes.append("participating-org without a name or identifier")
            continue
        if type_ and type_ not in PARTNER_KINDS:
            item.notes.append(f"participating-org {name}: type {type_}")
        if role not in ROLES:
            item.notes.append(f"participating-org {name}: role {role or '(none)'}")
        if org.get("activity-id"):
            item.notes.append(f"participating-org {name}: activity {org.get('activity-id')}")
        found.append({"name": name, "role": ROLES.get(role), "kind": PARTNER_KINDS.get(type_), "ref": ref or None})
    if reporting is not None and not own:
        name = texts.text(reporting) or reporting_ref
        if name and not any(p["ref"] == reporting_ref for p in found if reporting_ref):
            found.insert(0, {"name": name, "role": "reporting organisation",
                             "kind": PARTNER_KINDS.get(code_of(reporting, "type")), "ref": reporting_ref or None})
    unique = []
    for partner in found:
        if partner not in unique:
            unique.append(partner)
    item.raw["partners"] = unique


# -- money -----------------------------------------------------------------------------------------


def funding(element, item: Item) -> None:
    """Budgets (a revised one replaces the original for its period) and the activity's
    commitments, disbursements and other funds, each summed by year and currency."""
    currency = code_of(element, "default-currency") or None
    budgets: dict[tuple, list] = {}
    for budget in element.iterchildren("budget"):
        period = (_iso(budget.find("period-start")), _iso(budget.find("period-end")))
        budgets.setdefault(period, []).append(budget)
    totals: dict[tuple, Decimal] = {}

    def add(kind: str, value_element, day: str | None) -> None:
        amount = _decimal(value_element.text if value_element is not None else None)
        if amount is None:
            item.notes.append(f"{kind} without a value")
            return
        money = code_of(value_element, "currency") or currency
        year = (day or code_of(value_element, "value-date"))[:4] or None
        key = (kind, year, money)
        totals[key] = totals.get(key, Decimal(0)) + amount

    for period, kept in budgets.items():
        revised = [b for b in kept if code_of(b, "type") == REVISED_BUDGET]
        for budget in revised or kept:
            add("budget", budget.find("value"), period[0])
        if revised and len(revised) < len(kept):
            item.notes.append(f"original budget for {period[0]} (the revised one is kept)")
    for transaction in element.iterchildren("transaction"):
        type_element = transaction.find("transaction-type")
        code = code_of(type_element) if type_element is not None else ""
        if code not in FUNDING_TRANSACTIONS:
            item.notes.append(f"transaction of type {code or '(none)'}")
            continue
        add(FUNDING_TRANSACTIONS[code], transaction.find("value"), _iso(transaction.find("transaction-date")))
    item.raw["funding"] = [{"type": kind, "year": year, "value": _number(total), "currency": money}
                           for (kind, year, money), total in sorted(totals.items(), key=lambda kv: _money_order(kv[0]))]


def _money_order(key: tuple) -> tuple:
    kind, year, money = key
    return (list(FUNDING_TRANSACTIONS.values()).index(kind) if kind != "budget" else -1, year or "", money or "")


def _iso(element) -> str | None:
    return code_of(element, "iso-date")[:10] or None if element is not None else None


def _decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text).strip().replace(",", "")) if text is not None and str(text).strip() else None
    except InvalidOperation:
        return None


def _number(value: Decimal | None):
    """A decimal as the record stores a number: 250000, 33.5; None stays None."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(round(value, 2))


# -- the rest ----------------------------------------------------------------------------------------


def tags(element, item: Item) -> None:
    found = {"theme": [], "area": [], "gcm": [], "tag": []}
    for tag in element.iterchildren("tag"):
        vocabulary = code_of(tag, "vocabulary")
        code = tag.get("code") or ""
        prefix, _, value = code.partition(":")
        if vocabulary == OWN_VOCABULARY and prefix in found and value and _known(prefix, value):
            found[prefix].append(int(value) if prefix == "gcm" else value)
        else:
            item.notes.append(f"tag {code} (vocabulary {vocabulary or '?'})")
    item.raw.update(themes=found["theme"], areas=found["area"], gcm=found["gcm"], tags=found["tag"])


def _known(prefix: str, value: str) -> bool:
    if prefix == "theme":
        return value in vocab.THEMES
    if prefix == "area":
        return value in vocab.AREAS
    if prefix == "gcm":
        return value.isdigit() and int(value) in vocab.GCM
    return True


def documents(element, item: Item, texts: Texts) -> list[dict]:
    from mieux_cli.formats.iati import _source

    sources = []
    for link in element.iterchildren("document-link"):
        title = texts.text(link.find("title"))
        languages = [code_of(lang).lower() for lang in link.iterchildren("language")]
        known = [code for code in languages if code in vocab.LANGUAGES]
        date = link.find("document-date")
        day = _iso(date)
        sources.append(_source(title, url=code_of(link, "url") or None, date=day, language=known[0] if known else None))
        if link.find("description") is not None:
            item.notes.append(f"document-link {title}: description")
        if len(languages) > len(known[:1]):
            item.notes.append(f"document-link {title}: languages {', '.join(languages)}")
    return sources


def results(element, item: Item, texts: Texts) -> None:
    outputs, found = [], []
    for result in element.iterchildren("result"):
        kind = code_of(result, "type")
        title = texts.text(result.find("title"))
        (outputs if kind == OUTPUT else found).append(title)
        if kind not in (OUTPUT, OUTCOME):
            item.notes.append(f"result {title}: type {kind} (kept as a result)")
        if result.find("description") is not None:
            item.notes.append(f"result {title}: description")
        for indicator in result.iterchildren("indicator"):
            heading = indicator.find("title")
            names = [(n.text or "").strip() for n in heading.iterchildren("narrative")] if heading is not None else []
            details = [c for c in indicator if isinstance(c.tag, str) and c.tag != "title"]
            if title not in names or details:
                item.notes.append(f"result {title}: indicator {names[0] if names else ''}".rstrip())
    item.raw["outputs"] = [t for t in outputs if t]
    item.raw["results"] = [t for t in found if t]


def aliases(element, item: Item, reporting_ref: str) -> list[str]:
    found = []
    for other in element.iterchildren("other-identifier"):
        ref, kind = code_of(other, "ref"), code_of(other, "type")
        if kind == PREVIOUS_IDENTIFIER and ref:
            alias = record_id(ref, reporting_ref)
            found.append(alias)
            item.previous[alias] = (ref, reporting_ref)
        else:
            item.notes.append(f"other-identifier {kind} {ref}")
    return found
