"""One Action written as an IATI 2.03 iati-activity, in the order the schema requires and by IATI's
rules (a start date, a country or region, shares that add up to 100, an identifier that starts
with the publisher's reference, the publisher's own codes with their vocabulary-uri), noting
what IATI has no place for."""

import mimetypes
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mieux_cli.formats.iati import (
    _NOT_XML,
    ACTUAL_END,
    ACTUAL_START,
    EXPERT_TYPES,
    GENERAL,
    IMPLEMENTING,
    MIGRATION_SECTOR,
    ORIGINAL_BUDGET,
    OTHER,
    OUTCOME,
    OUTPUT,
    OWN_VOCABULARY,
    PARTNER_KINDS,
    PARTNER_TYPES,
    PLANNED_END,
    PLANNED_START,
    PREVIOUS_IDENTIFIER,
    QUALITATIVE,
    RESULTS_DOCUMENT,
    ROLE_CODES,
    ROLE_NAMES,
    ROLES,
    STARTED,
    STATUS_CODES,
    TRANSACTION_CODES,
    WEB_PAGE,
    XML_LANG,
    Publisher,
    _source,
    imported_from,
    record_id,
)
from mieux_cli.model import vocab
from mieux_cli.model.records import first_day, last_day


@dataclass(frozen=True)
class Loss:
    """Something of a record that IATI has no place for (or that comes back changed)."""

    record_id: str
    field: str
    reason: str  # the same words for every record, so that the report groups them
    what: str | None = None  # which item: a partner's name, a source's title


class ActivityWriter:
    """One Action as an iati-activity, noting what is lost (`losses`) and what is written by a
    convention the reader takes back (`notes`)."""

    def __init__(self, record: dict, publisher: Publisher, today: date):
        self.record = record
        self.publisher = publisher
        self.today = today  # an actual date is never in the future (an IATI rule)
        self.losses: list[Loss] = []
        self.notes: list[Loss] = []
        self.imported = imported_from(record)
        self.orgs = self._organisations()

    def lose(self, name: str, reason: str, what: str | None = None) -> None:
        self.losses.append(Loss(self.record["id"], name, reason, what))

    def note(self, name: str, reason: str, what: str | None = None) -> None:
        self.notes.append(Loss(self.record["id"], name, reason, what))

    def text(self, name: str, value: str, what: str | None = None) -> str:
        clean = _NOT_XML.sub("", value)
        if clean != value:
            self.lose(name, "control characters, which XML cannot hold, are left out", what)
        return clean

    # -- what IATI requires ---------------------------------------------------------------------

    def identifier(self) -> str:
        """An Action imported from IATI keeps its activity's identifier; any other is the
        publisher's identifier and the Action's ID."""
        return self.imported or f"{self.publisher.ref}-{self.record['id']}"

    def missing(self) -> list[str]:
        record = self.record
        needs = []
        if record["status"] not in STATUS_CODES:
            needs.append(f"a status (it is {record['status'] or 'not set'})")
        if not (record["start"] or record.get("planned_start")):
            needs.append("a start date, planned or actual (IATI rule 6.11.1)")
        if not self.orgs:
            needs.append("a participating organisation (a partner with its role, or an expert's institution)")
        if not (record["countries"] or self._regions()):
            needs.append("a recipient country or region (IATI rule 3.7.1)" + (
                "; its region is MIEUX's own, written only with `mieux config set iati.vocabulary-uri URL`"
                if record["region"] and not self.publisher.vocabulary_uri else ""))
        if self.imported and not record.get("sectors"):
            needs.append("a sector")
        return needs

    def _organisations(self) -> list[tuple[str | None, str, str | None, str]]:
        """(ref, role, type, name) of every participating organisation, noting what is lost."""
        orgs = []
        for partner in self.record["partners"]:
            name, role, kind, ref = partner["name"], partner["role"], partner["kind"], partner.get("ref")
            if role == "reporting organisation":
                if ref != self.publisher.ref:
                    self.lose("partners", "the reporting organisation of an activity is its publisher", name)
                continue
            code = ROLE_CODES.get(role)
            if code is None:
                self.lose("partners", "a partner needs one of IATI's roles (donor, accountable, extending, implementing "
                          "partner, requesting institution, host ...) to be written", name)
                continue
            if ROLES[code] != role:
                self.lose("partners", f"IATI has no role '{role}': it is written as {ROLE_NAMES[code]} and comes back as "
                          f"'{ROLES[code]}'", name)
            type_ = PARTNER_TYPES.get(kind)
            if kind and PARTNER_KINDS.get(type_) != kind:
                back = PARTNER_KINDS.get(type_)
                self.lose("partners", f"IATI has no organisation type '{kind}'" + (
                    f": it is written as {type_} and comes back as '{back}'" if back else ": it is left out"), name)
            if partner["country"]:
                self.lose("partners", "IATI gives an organisation no country", name)
            orgs.append((ref, code, type_, name))
        names = {o[3] for o in orgs}
        for expert in self.record["experts"]:
            institution = expert["institution"]
            if institution and institution not in names:
                names.add(institution)
                orgs.append((None, IMPLEMENTING, EXPERT_TYPES.get(expert["kind"]), institution))
                self.lose("partners", "gains the experts' institutions, written as implementing organisations",
                          institution)
        if self.record["experts"]:
            self.lose("experts", "IATI has no experts; their institutions are written as implementing organisations")
        if self.publisher.role:
            orgs.append((self.publisher.ref, self.publisher.role, self.publisher.type, self.publisher.name))
        return orgs

    # -- the activity --------------------------------------------------------------------------

    def activity(self):
        from lxml import etree

        record, publisher = self.record, self.publisher
        sub = etree.SubElement
        activity = etree.Element("iati-activity")
        activity.set(XML_LANG, publisher.language)
        identifier = self.identifier()
        back = record_id(identifier, publisher.ref)
        if back != record["id"]:
            self.lose("id", f"comes back as {back} (an Action's ID from IATI starts with act-)")
        sub(activity, "iati-identifier").text = identifier
        reporting = sub(activity, "reporting-org", ref=publisher.ref, type=publisher.type)
        _narrative(reporting, publisher.name)
        _narrative(sub(activity, "title"), self.text("title", record["title"]))
        _narrative(sub(activity, "description", type=GENERAL), self.text("summary", record["summary"]))
        if record["notes"]:
            _narrative(sub(activity, "description", type=OTHER), self.text("notes", record["notes"]))
        for ref, role, type_, name in self.orgs:
            org = sub(activity, "participating-org", role=role)
            if ref:
                org.set("ref", ref)
            if type_:
                org.set("type", type_)
            _narrative(org, self.text("partners", name, name))
        for alias in record["aliases"]:
            sub(activity, "other-identifier", ref=f"{publisher.ref}-{alias}", type=PREVIOUS_IDENTIFIER)
        sub(activity, "activity-status", code=STATUS_CODES[record["status"]])
        self.dates(activity)
        self.places(activity)
        self.sectors(activity)
        self.tags(activity)
        self.money(activity)
        self.documents(activity)
        for kind, texts in ((OUTPUT, record["outputs"]), (OUTCOME, record["results"])):
            name = "outputs" if kind == OUTPUT else "results"
            for text in texts:
                text = self.text(name, text, text)
                result = sub(activity, "result", type=kind)
                _narrative(sub(result, "title"), text)
                indicator = sub(result, "indicator", measure=QUALITATIVE)
                _narrative(sub(indicator, "title"), text)
        self.unwritten()
        return activity

    def dates(self, activity) -> None:
        """Planned dates as planned. An Action made in mieux tells actual from planned by its
        status (and an actual date never lies ahead); one that records its plans apart, or came
        from IATI, has actual dates in start and end."""
        from lxml import etree

        record, status = self.record, self.record["status"]
        apart = self.imported or record.get("planned_start") or record.get("planned_end")
        kinds = (("start", "planned_start", status in STARTED, ACTUAL_START, PLANNED_START, first_day),
                 ("end", "planned_end", status == "completed", ACTUAL_END, PLANNED_END, last_day))
        for name, plan, happened, actual, planned, day in kinds:
            written = []
            if record.get(plan):
                written.append((plan, record[plan], planned))
            if record[name]:
                iso = day(record[name])
                if apart:
                    kind = actual if iso <= self.today else None
                    if kind is None:
                        self.lose(name, "an actual date cannot lie ahead: it is left out", record[name])
                else:
                    kind = actual if happened and iso <= self.today else planned
                    if kind == planned:
                        self.lose(name, f"an Action that has not {'started' if name == 'start' else 'ended'} has its "
                                  f"{name} written as planned, and it comes back as the planned {name}")
                        self.lose(plan, f"comes back with the {name} written as planned")
                if kind:
                    written.append((name, record[name], kind))
            for field_name, value, kind in sorted(written, key=lambda w: w[2]):
                element = etree.SubElement(activity, "activity-date", type=kind,
                                           attrib={"iso-date": day(value).isoformat()})
                if len(value) < 10:  # a year or a month: the narrative keeps it, and the reader takes it back
                    _narrative(element, value)
                    self.note(field_name, "a year or month is written as its first (start) or last (end) day; the "
                              "date's narrative keeps it as recorded", value)
        if record["status_as_of"]:
            self.lose("status_as_of", "an IATI status has no date of its own")

    def _regions(self) -> list[tuple[str, str, str | None, object]]:
        """(code, vocabulary, MIEUX region name or None, percentage or None) of the regions to write."""
        record = self.record
        regions = [(s["region"], s.get("vocabulary") or "1", None, s.get("percentage"))
                   for s in record.get("shares", []) if s.get("region")]
        if record["region"] and not record["countries"] and not regions and self.publisher.vocabulary_uri:
            regions.append((record["region"], OWN_VOCABULARY, vocab.region_name(record["region"]), None))
        return regions

    def places(self, activity) -> None:
        """Recipient countries and regions with the shares the record gives; equal shares (said
        so) when it gives none; they add up to 100."""
        from lxml import etree

        record = self.record
        countries, regions = record["countries"], self._regions()
        given = {s["country"]: s.get("percentage") for s in record.get("shares", []) if s.get("country")}
        percentages = [given.get(c) for c in countries] + [r[3] for r in regions]
        if len(percentages) > 1 and None in percentages:
            shares = _shares(len(percentages))
            self.lose("shares", "the record gives no shares: the recipient countries and regions are written with "
                      "equal percentages, and come back with them")
        else:
            shares = [_percent(Decimal(str(p if p is not None else 100))) for p in percentages]
        for code, share in zip(countries, shares):
            etree.SubElement(activity, "recipient-country", code=code, percentage=share)
        for (code, vocabulary, name, _), share in zip(regions, shares[len(countries):]):
            element = etree.SubElement(activity, "recipient-region", code=code, vocabulary=vocabulary, percentage=share)
            if vocabulary == OWN_VOCABULARY:
                element.set("vocabulary-uri", self.publisher.vocabulary_uri)
                _narrative(element, name, self._label_language())
        if record["region"] and not countries and not regions:
            self.lose("region", "a region of MIEUX's own is written only with `mieux config set iati.vocabulary-uri URL`")
        elif record["region"] and countries and record["region"] != vocab.derive_region(countries):
            self.lose("region", "IATI takes a region only where there is no country, and these countries give another")
        if record["participants"]:
            self.lose("participants", "IATI names the recipient countries only, not the countries that only took part")

    def sectors(self, activity) -> None:
        """The record's sectors; an Action made in mieux with none is about migration, 15190 (said so)."""
        from lxml import etree

        sectors = self.record.get("sectors") or []
        if not sectors:
            etree.SubElement(activity, "sector", vocabulary="1", code=MIGRATION_SECTOR, percentage="100")
            self.lose("sectors", "an Action made in mieux with no sector is written with sector 15190 (Facilitation of "
                      "orderly, safe, regular and responsible migration and mobility), and comes back with it")
            return
        by_vocabulary: dict[str, list[dict]] = {}
        for sector in sectors:
            by_vocabulary.setdefault(sector.get("vocabulary") or "1", []).append(sector)
        for vocabulary, group in by_vocabulary.items():
            if vocabulary in ("98", "99"):
                self.lose("sectors", "a sector of the publisher's own vocabulary needs its vocabulary-uri, which the "
                          "record does not keep: it is left out", ", ".join(s["code"] for s in group))
                continue
            if len(group) > 1 and any(s.get("percentage") is None for s in group):
                shares = _shares(len(group))
                self.lose("sectors", "the record gives no sector shares: they are written as equal percentages, and "
                          "come back with them")
            else:
                shares = [_percent(Decimal(str(s["percentage"] if s.get("percentage") is not None else 100)))
                          for s in group]
            for sector, share in zip(group, shares):
                etree.SubElement(activity, "sector", vocabulary=vocabulary, code=sector["code"], percentage=share)

    def tags(self, activity) -> None:
        from lxml import etree

        record, lang = self.record, self._label_language()
        tags = [(f"theme:{c}", vocab.THEMES.label(c), lang) for c in record["themes"]]
        tags += [(f"area:{c}", vocab.AREAS.label(c), lang) for c in record["areas"]]
        tags += [(f"gcm:{n}", f"GCM objective {n}: {vocab.GCM.label(n)}", lang) for n in record["gcm"]]
        tags += [(f"tag:{self.text('tags', t, t)}", self.text("tags", t, t), None) for t in record["tags"]]
        if tags and not self.publisher.vocabulary_uri:
            for name in ("themes", "areas", "gcm", "tags"):
                if record[name]:
                    self.lose(name, "MIEUX's own codes are written only with `mieux config set iati.vocabulary-uri URL` "
                              "(IATI requires one for a publisher's own vocabulary)")
            return
        for code, label, label_lang in tags:
            element = etree.SubElement(activity, "tag", vocabulary=OWN_VOCABULARY, code=code)
            element.set("vocabulary-uri", self.publisher.vocabulary_uri)
            _narrative(element, label, label_lang)

    def money(self, activity) -> None:
        """Budgets a year each; commitments, disbursements and other funds a transaction a year,
        dated at the end of that year or today, whichever is earlier (sums, as the record keeps them)."""
        from lxml import etree

        writable = []
        for item in self.record.get("funding", []):
            if item.get("currency") and item.get("year") and isinstance(item["value"], int | float):
                writable.append(item)
            else:
                self.lose("funding", "an IATI amount needs a year, a number and a currency", f"{item['type']} {item['value']}")
        budgets = [f for f in writable if f["type"] == "budget"]
        flows = [f for f in writable if f["type"] != "budget"]
        for item in budgets:
            year = item["year"][:4]
            budget = etree.SubElement(activity, "budget", type=ORIGINAL_BUDGET, status="1")
            etree.SubElement(budget, "period-start", attrib={"iso-date": f"{year}-01-01"})
            etree.SubElement(budget, "period-end", attrib={"iso-date": f"{year}-12-31"})
            _value(budget, item, f"{year}-01-01")
        for item in flows:
            day = min(date(int(item["year"][:4]), 12, 31), self.today).isoformat()
            transaction = etree.SubElement(activity, "transaction")
            etree.SubElement(transaction, "transaction-type", code=TRANSACTION_CODES[item["type"]])
            etree.SubElement(transaction, "transaction-date", attrib={"iso-date": day})
            _value(transaction, item, day)
        if flows:
            self.note("funding", "each year's sum is written as one transaction, dated at the end of that year")

    def documents(self, activity) -> None:
        from lxml import etree

        for source in self.record["sources"]:
            title = source["title"]
            if self.imported and source["title"] == f"IATI activity {self.imported}":
                if source != self._provenance_source(self.imported):
                    self.lose("sources", "the IATI activity it came from is named, when imported again, as published "
                              "by this publisher", title)
                continue
            if not source["url"]:
                self.lose("sources", "a source without a link cannot be an IATI document link", title)
                continue
            url = self.text("sources", source["url"], title)
            format_ = mimetypes.guess_type(url.split("?")[0])[0] or "text/html"
            link = etree.SubElement(activity, "document-link", url=url, format=format_)
            _narrative(etree.SubElement(link, "title"), self.text("sources", title, title))
            etree.SubElement(link, "category", code=WEB_PAGE if format_ == "text/html" else RESULTS_DOCUMENT)
            if source["language"]:
                etree.SubElement(link, "language", code=source["language"])
            if source["date"] and len(source["date"]) == 10:
                etree.SubElement(link, "document-date", attrib={"iso-date": source["date"]})
            elif source["date"]:
                self.lose("sources", "an IATI document date is a day; a year or month is left out", title)
            if any(source[p] for p in ("publisher", "accessed", "page", "file")):
                self.lose("sources", "an IATI document link has no publisher, date read, page or local copy", title)

    def unwritten(self) -> None:
        for name, reason in (("activities", "IATI has no sub-activities"),
                             ("figures", "IATI's figures are results indicators with periods and values"),
                             ("alternatives", "IATI has no place for the values other sources give")):
            if self.record[name]:
                self.lose(name, reason)

    def _provenance_source(self, identifier: str) -> dict:
        """The source the reader gives an activity of this publisher's file."""
        return _source(f"IATI activity {identifier}", publisher=self.publisher.name, language=self.publisher.language)

    def _label_language(self) -> str | None:
        """Labels of mieux's vocabularies are English: said so when the texts are not."""
        return None if self.publisher.language == "en" else "en"


def _narrative(parent, text: str, lang: str | None = None) -> None:
    from lxml import etree

    narrative = etree.SubElement(parent, "narrative")
    if lang:
        narrative.set(XML_LANG, lang)
    narrative.text = text


def _value(parent, item: dict, day: str) -> None:
    from lxml import etree

    value = etree.SubElement(parent, "value", currency=item["currency"], attrib={"value-date": day})
    value.text = str(item["value"])


def _shares(n: int) -> list[str]:
    """n percentages that add up to exactly 100, two decimals at most: 3 -> 33.34, 33.33, 33.33."""
    if not n:
        return []
    base, extra = divmod(10000, n)
    return [_percent(Decimal(base + (1 if i < extra else 0)) / 100) for i in range(n)]


def _percent(value: Decimal) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
