"""IATI export: Actions written as IATI 2.03 activities, with what IATI has no place for reported."""

import mimetypes
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from mieux_cli.formats.iati import (
    _NOT_XML,
    ACTUAL_END,
    ACTUAL_START,
    EXPERT_TYPES,
    GENERAL,
    IMPLEMENTING,
    MIGRATION_SECTOR,
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
    VERSION,
    WEB_PAGE,
    XML_LANG,
    Publisher,
    _count,
    _source,
    imported_from,
    record_id,
)
from mieux_cli.model import vocab
from mieux_cli.model.records import first_day, last_day

# -- export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """Something of a record that IATI has no place for (or that comes back changed)."""

    record_id: str
    field: str
    reason: str  # the same words for every record, so that the report groups them
    what: str | None = None  # which item: a partner's name, a source's title


@dataclass
class Export:
    xml: bytes = b""
    exported: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    notes: list[Loss] = field(default_factory=list)  # values written by a convention the reader takes back
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # action ID -> what IATI needs that it lacks
    other_kinds: Counter = field(default_factory=Counter)  # kind -> records in scope that are not Actions


def export(records: list[dict], publisher: Publisher, generated: datetime) -> Export:
    """One iati-activity per Action; `xml` is empty when no Action can be one."""
    import io

    from lxml import etree

    result = Export()
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="UTF-8") as xml:  # one activity in memory at a time
        xml.write_declaration()
        with xml.element("iati-activities", {"version": VERSION,
                                             "generated-datetime": generated.strftime("%Y-%m-%dT%H:%M:%SZ")}):
            xml.write("\n")
            for record in records:
                if record["kind"] != "action":
                    result.other_kinds[record["kind"]] += 1
                    continue
                writer = _ActivityWriter(record, publisher, generated.date())
                missing = writer.missing()
                if missing:
                    result.incomplete[record["id"]] = missing
                    continue
                xml.write(writer.activity(), pretty_print=True)
                result.exported.append(record["id"])
                result.losses += writer.losses
                result.notes += writer.notes
    if result.exported:
        result.xml = buffer.getvalue() + b"\n"
    return result


class _ActivityWriter:
    """One Action as an iati-activity, in the order the schema requires, noting what is lost."""

    def __init__(self, record: dict, publisher: Publisher, today: date):
        self.record = record
        self.publisher = publisher
        self.today = today  # an actual date is never in the future (an IATI rule)
        self.losses: list[Loss] = []
        self.notes: list[Loss] = []
        self.orgs = self._organisations()

    def lose(self, name: str, reason: str, what: str | None = None) -> None:
        self.losses.append(Loss(self.record["id"], name, reason, what))

    def text(self, name: str, value: str, what: str | None = None) -> str:
        clean = _NOT_XML.sub("", value)
        if clean != value:
            self.lose(name, "control characters, which XML cannot hold, are left out", what)
        return clean

    # -- what IATI requires ---------------------------------------------------------------------

    def missing(self) -> list[str]:
        status = self.record["status"]
        needs = []
        if status not in STATUS_CODES:
            needs.append(f"a status (it is {status or 'not set'})")
        if not (self.record["start"] or self.record["end"]):
            needs.append("a start or end date")
        if not self.orgs:
            needs.append("a participating organisation (a partner with its role, or an expert's institution)")
        return needs

    def _organisations(self) -> list[tuple[str | None, str, str | None, str]]:
        """(ref, role, type, name) of every participating organisation, noting what is lost."""
        orgs = []
        for partner in self.record["partners"]:
            name, role, kind = partner["name"], partner["role"], partner["kind"]
            code = ROLE_CODES.get(role)
            if code is None:
                self.lose("partners", "a partner needs one of IATI's roles (donor, requesting institution, implementing "
                          "partner, host ...) to be written", name)
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
            orgs.append((None, code, type_, name))
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
        sub(activity, "iati-identifier").text = self.identifier()
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
        sub(activity, "sector", vocabulary="1", code=MIGRATION_SECTOR, percentage="100")
        self.tags(activity)
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

    def identifier(self) -> str:
        """An Action imported from IATI keeps its activity's identifier; any other is the
        publisher's identifier and the Action's ID. Either way, one mieux already has."""
        provenance = imported_from(self.record)
        identifier = provenance or f"{self.publisher.ref}-{self.record['id']}"
        back = record_id(identifier, self.publisher.ref)
        if back != self.record["id"]:
            self.lose("id", f"comes back as {back} (an Action's ID from IATI starts with act-)")
        return identifier

    def dates(self, activity) -> None:
        from lxml import etree

        status = self.record["status"]
        kinds = (("start", status in STARTED, ACTUAL_START, PLANNED_START, first_day),
                 ("end", status == "completed", ACTUAL_END, PLANNED_END, last_day))
        for name, happened, actual, planned, day in kinds:
            value = self.record[name]
            if not value:
                continue
            iso = day(value)
            kind = actual if happened and iso <= self.today else planned
            element = etree.SubElement(activity, "activity-date", type=kind, attrib={"iso-date": iso.isoformat()})
            if len(value) < 10:  # a year or a month: the narrative keeps it, and the reader takes it back
                _narrative(element, value)
                self.notes.append(Loss(self.record["id"], name, "a year or month is written as its first (start) or "
                                       "last (end) day; the date's narrative keeps it as recorded", value))
        if self.record["status_as_of"]:
            self.lose("status_as_of", "an IATI status has no date of its own")

    def places(self, activity) -> None:
        from lxml import etree

        countries, region = self.record["countries"], self.record["region"]
        for code, share in zip(countries, _shares(len(countries))):
            etree.SubElement(activity, "recipient-country", code=code, percentage=share)
        if len(countries) > 1:
            self.notes.append(Loss(self.record["id"], "countries", "the catalogue has no shares: the recipient "
                                   "countries are written with equal percentages"))
        if region and not countries:
            element = etree.SubElement(activity, "recipient-region", code=region, vocabulary=OWN_VOCABULARY,
                                       percentage="100")
            _narrative(element, vocab.region_name(region), self._label_language())
        elif region and region != vocab.derive_region(countries):
            self.lose("region", "IATI takes a region only where there is no country, and these countries give another")
        if self.record["participants"]:
            self.lose("participants", "IATI names the recipient countries only, not the countries that only took part")

    def tags(self, activity) -> None:
        from lxml import etree

        record, lang = self.record, self._label_language()
        tags = [(f"theme:{c}", vocab.THEMES.label(c), lang) for c in record["themes"]]
        tags += [(f"area:{c}", vocab.AREAS.label(c), lang) for c in record["areas"]]
        tags += [(f"gcm:{n}", f"GCM objective {n}: {vocab.GCM.label(n)}", lang) for n in record["gcm"]]
        tags += [(f"tag:{self.text('tags', t, t)}", self.text("tags", t, t), None) for t in record["tags"]]
        for code, label, label_lang in tags:
            _narrative(etree.SubElement(activity, "tag", vocabulary=OWN_VOCABULARY, code=code), label, label_lang)

    def documents(self, activity) -> None:
        from lxml import etree

        provenance = imported_from(self.record)
        for source in self.record["sources"]:
            title = source["title"]
            if provenance and source["title"] == f"IATI activity {provenance}":
                if source != self._provenance_source(provenance):
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


def _shares(n: int) -> list[str]:
    """n percentages that add up to exactly 100, two decimals at most: 3 -> 33.34, 33.33, 33.33."""
    if not n:
        return []
    base, extra = divmod(10000, n)
    return [_percent(Decimal(base + (1 if i < extra else 0)) / 100) for i in range(n)]


def _percent(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text


def report_lines(result: Export) -> list[str]:
    """What the export leaves out and why, grouped by reason, for standard error."""
    lines = []
    if result.other_kinds:
        counts = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in result.other_kinds.items())
        lines.append(f"Not exported: {counts} (an IATI file describes activities: only Actions are exported).")
    if result.incomplete:
        lines.append(f"Not exported: {_count(len(result.incomplete), 'Action')} that IATI cannot describe without a "
                     "value the catalogue does not hold:")
        lines += [f" {record_id}: needs {'; '.join(needs)}" for record_id, needs in result.incomplete.items()]
        lines.append(" Complete them with `mieux edit ID`, then export again; `mieux config set iati.publisher-role "
                     "CODE` names the publisher itself as a participating organisation of every activity.")
    if result.losses:
        lines.append("Not carried by IATI (importing the file gives these fields back empty or changed):")
        lines += _grouped(result.losses)
    if result.notes:
        lines.append("Notes:")
        lines += _grouped(result.notes)
    return lines


def _grouped(losses: list[Loss]) -> list[str]:
    groups: dict[tuple[str, str], list[str]] = {}
    for loss in losses:
        where = f"{loss.record_id} ({loss.what})" if loss.what else loss.record_id
        groups.setdefault((loss.field, loss.reason), [])
        if where not in groups[(loss.field, loss.reason)]:
            groups[(loss.field, loss.reason)].append(where)
    return [f" {name}: {reason}: {', '.join(where)}" for (name, reason), where in groups.items()]
