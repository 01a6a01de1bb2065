"""IATI, the aid-transparency standard: Actions written as IATI 2.03 activities, and IATI activity
files (2.01 to 2.03) read as Actions.

The mapping is the tables below, one per direction; the README's "IATI" section describes it
field by field. Nothing is dropped silently and nothing is invented:
- the export reports, per record and field, what IATI has no place for (`Export.losses`), and
  leaves out, naming them, the Actions IATI cannot describe without a value the catalogue does not
  hold (IATI requires a status, a date and a participating organisation);
- the reader lists, per activity, what mieux has no field for (`Item.notes`), and leaves empty
  what an activity does not say.

A partial date survives the trip: "2017" is written as the first (start) or last (end) day of
2017, and the activity-date's narrative keeps "2017", which the reader takes back.

lxml is imported here only, inside the functions that use it. The reader streams (iterparse, each
activity cleared once read), refuses any DTD, expands no entity and fetches nothing
(resolve_entities=False, no_network=True, load_dtd=False).
"""

import hashlib
import mimetypes
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats.importing import Item, Reading, UnreadableFile
from mieux_cli.model import vocab
from mieux_cli.model.records import MAX_ID_LENGTH, first_day, last_day, parse_date
from mieux_cli.text import fold

VERSION = "2.03"
READ_VERSIONS = ("2.01", "2.02", "2.03")
MIGRATION_SECTOR = "15190"  # OECD DAC 5-digit (sector vocabulary 1): migration and mobility
OWN_VOCABULARY = "99"  # a vocabulary of the reporting organisation's own
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# activity-status (ActivityStatus). mieux's "unknown" has no code: such an Action is not exported.
STATUS_CODES = {"planned": "1", "ongoing": "2", "completed": "4", "cancelled": "5", "suspended": "6"}
STATUSES = {"1": "planned", "2": "ongoing", "3": "completed", "4": "completed", "5": "cancelled", "6": "suspended"}
STATUS_NAMES = {"1": "Pipeline/identification", "2": "Implementation", "3": "Finalisation", "4": "Closed",
                "5": "Cancelled", "6": "Suspended"}
# activity-date (ActivityDateType): planned or actual, by the status.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
DATE_NAMES = {"1": "planned start", "2": "actual start", "3": "planned end", "4": "actual end"}
STARTED = ("ongoing", "suspended", "completed")

# participating-org/@role (OrganisationRole). IATI has four roles; a partner role that is none of
# them is written as the nearest and comes back as that one. Accountable and Extending come back
# as "other": outside MIEUX they are mostly donors' own agencies, not requesting institutions.
ROLE_CODES = {"donor": "1", "requesting institution": "2", "implementing partner": "4", "counterpart": "4",
              "host": "4", "co-host": "4", "regional body": "4"}
ROLES = {"1": "donor", "2": "other", "3": "other", "4": "implementing partner"}
ROLE_NAMES = {"1": "Funding", "2": "Accountable", "3": "Extending", "4": "Implementing"}
IMPLEMENTING = "4"
# participating-org/@type (OrganisationType), from a partner's kind and back. An NGO is written
# without a type: IATI's types tell international from national NGOs, and mieux does not.
PARTNER_TYPES = {"ministry": "10", "agency": "15", "prosecution service": "10", "judiciary": "10", "parliament": "10",
                 "ombudsperson": "15", "local authority": "11", "regional organisation": "40",
                 "international organisation": "40", "eu institution": "40", "university": "80",
                 "private sector": "70", "other": "90"}
PARTNER_KINDS = {"10": "ministry", "11": "local authority", "15": "agency", "21": "ngo", "22": "ngo", "23": "ngo",
                 "24": "ngo", "40": "international organisation", "70": "private sector", "71": "private sector",
                 "72": "private sector", "73": "private sector", "80": "university", "90": "other"}
EXPERT_TYPES = {"member-state administration": "10", "partner-country administration": "10", "academia": "80",
                "eu agency": "40", "international organisation": "40", "private sector": "70"}
# description/@type (DescriptionType): 1 General, 2 Objectives, 3 Target Groups, 4 Other.
GENERAL, OTHER = "1", "4"
DESCRIPTION_NAMES = {"2": "objectives", "3": "target groups"}
# result/@type (ResultType): 1 Output, 2 Outcome, 3 Impact, 9 Other.
OUTPUT, OUTCOME = "1", "2"
QUALITATIVE = "5"  # indicator/@measure (IndicatorMeasure)
PREVIOUS_IDENTIFIER = "A3"  # other-identifier/@type: Previous Activity Identifier
# Bounds on what one activity may hold: real activities are a few KB (the largest of the files
# tried, 17 KB; their longest text, 2,400 characters), and one of 32 MB took 1 GB and half a
# minute to read. Beyond these, a file is refused in one line before the activity is built.
MAX_ACTIVITY_BYTES = 8 * 1024 * 1024
MAX_TEXT_CHARS = 200_000
WEB_PAGE, RESULTS_DOCUMENT = "A12", "A08"  # document-link category (DocumentCategory)
# tag/@code in the publisher's own vocabulary: "theme:IMT", "area:THB", "gcm:10", "tag:protocol".
TAG_PREFIXES = ("theme", "area", "gcm", "tag")
PROVENANCE = re.compile(r"^IATI activity (\S+)$")  # the source an imported Action names
# Characters XML 1.0 cannot hold (ESC, BEL ...): left out, and reported.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")
_VALID_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Publisher:
    """The reporting organisation, from the user's settings (`mieux config`)."""

    ref: str
    name: str
    type: str
    role: str | None = None
    language: str = "en"


def publisher(settings: dict[str, str]) -> Publisher:
    """The publisher the settings name; MieuxError with the commands to type when any is missing."""
    needed = {"iati.publisher-ref": ("REF", "REF is your organisation's IATI identifier (https://org-id.guide)"),
              "iati.publisher-name": ("NAME", None),
              "iati.publisher-type": ("CODE", "CODE its organisation type, such as 40 Multilateral or 10 Government")}
    missing = [name for name in needed if not settings.get(name)]
    if missing:
        commands = "; ".join(f"mieux config set {name} {needed[name][0]}" for name in missing)
        explained = "; ".join(needed[name][1] for name in missing if needed[name][1])
        raise MieuxError(
            f"An IATI file names its publisher, and {_words(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
            f"Set {'it' if len(missing) == 1 else 'them'}: {commands}" + (f" ({explained})." if explained else "."),
        )
    return Publisher(settings["iati.publisher-ref"], settings["iati.publisher-name"], settings["iati.publisher-type"],
                     settings.get("iati.publisher-role"), settings.get("iati.language") or "en")


def record_id(identifier: str, reporting_ref: str | None) -> str:
    """The mieux ID of an IATI activity. An activity mieux exported (<publisher>-<ID>) gets its ID
    back; any other is `act-` and its identifier as a slug, at most MAX_ID_LENGTH characters (a
    longer one ends with a digest of the whole identifier, so that it stays unique). The same
    identifier always gives the same ID, so importing a newer download updates the same records."""
    if reporting_ref and identifier.startswith(reporting_ref + "-"):
        rest = identifier[len(reporting_ref) + 1:]
        if rest.startswith("act-") and len(rest) <= MAX_ID_LENGTH and _VALID_ID.match(rest):
            return rest
    candidate = "-".join(["act", *fold(identifier).split()])
    if len(candidate) > MAX_ID_LENGTH or candidate == "act":
        candidate = candidate[:MAX_ID_LENGTH - 9].rstrip("-") + "-" + _digest(identifier)
    return candidate


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


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


def imported_from(record: dict) -> str | None:
    """The identifier of the IATI activity a record was imported from, if it was."""
    for source in record["sources"]:
        match = PROVENANCE.match(source["title"] or "")
        if match and not source["url"]:
            return match.group(1)
    return None


def _source(title: str, **parts) -> dict:
    return {"title": title, "publisher": None, "date": None, "url": None, "language": None, "accessed": None,
            "page": None, "file": None, **parts}


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


# -- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    """What to keep from an IATI file: the language of its texts, and filters."""

    lang: str = "en"
    countries: tuple[str, ...] = ()  # ISO alpha-2
    sectors: tuple[str, ...] = ()
    reporting_orgs: tuple[str, ...] = ()

    def filters(self) -> str:
        """The filters as typed, for messages: '--country CR --sector 15190'."""
        given = [("--country", self.countries), ("--sector", self.sectors), ("--reporting-org", self.reporting_orgs)]
        return " ".join(f"{option} {value}" for option, values in given for value in values)


def read(path: Path, options: ReadOptions, advance=lambda n=1: None) -> Reading:
    """The activities of an IATI file as records to import (raw, for transfer.prepare to check),
    streamed: memory holds one activity's elements at a time, plus the records."""
    from lxml import etree

    name = str(path)
    _refuse_a_dtd(path)
    reader = _ActivityReader(name, options)
    with _opened(path) as f:
        events = etree.iterparse(f, events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False, remove_comments=True, remove_pis=True)
        root, depth, position, began = None, 0, 0, 0
        try:
            for event, element in events:
                if event == "start":
                    if root is None:
                        root = element
                        reader.check_root(root)
                    depth += 1
                    if depth == 2:
                        began = f.tell()
                    elif depth > 2 and f.tell() - began > MAX_ACTIVITY_BYTES:
                        raise UnreadableFile(name, root[-1].sourceline if len(root) else None, (
                            f"an activity larger than {MAX_ACTIVITY_BYTES // 2**20} MB, which no IATI activity is "
                            "(real ones are a few KB)"), "Give the file as its publisher or the IATI Registry serves it.")
                    continue
                depth -= 1
                if depth == 1:  # a child of <iati-activities> is whole: read it, then let it go
                    if element.tag == "iati-activity":
                        reader.activity(element)
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del root[0]
                    advance(f.tell() - position)
                    position = f.tell()
        except etree.XMLSyntaxError as e:
            message = re.sub(r", line \d+, column \d+$", "", e.msg or str(e))
            raise UnreadableFile(name, e.lineno, f"not valid XML: {message}") from None
    return Reading(reader.items, reader.report())


def _opened(path: Path):
    """The file to read, refused if anything but a regular file of an importable size was put in
    its place since it was looked at (a named pipe would block the reading)."""
    from mieux_cli.formats.importing import MAX_IMPORT_BYTES
    from mieux_cli.storage.files import NotRegularFile, TooLarge, open_regular_file

    try:
        return open_regular_file(path, MAX_IMPORT_BYTES)
    except (NotRegularFile, TooLarge) as e:
        raise UnreadableFile(str(path), None, f"not a file that can be imported ({e})") from None


def _refuse_a_dtd(path: Path) -> None:
    """IATI files never declare a DTD; one that does may be an attack (entity expansion, external
    entities). A DOCTYPE comes before the first element, so the file's start is enough to see it;
    check_root sees any that a long prolog pushed further."""
    with _opened(path) as f:
        start = f.read(65536)
    if b"<!DOCTYPE" in start:
        raise _dtd_refused(str(path), start[:start.index(b"<!DOCTYPE")].count(b"\n") + 1)


def _dtd_refused(name: str, line: int | None) -> UnreadableFile:
    return UnreadableFile(name, line, "declares a DTD (<!DOCTYPE ...>), which IATI files never do; it is not read, "
                          "for safety", "Give the IATI activity file as the IATI Registry, d-portal or the Datastore serve it.")


class _ActivityReader:
    def __init__(self, name: str, options: ReadOptions):
        self.name = name
        self.options = options
        self.items: list[Item] = []
        self.version = None
        self.read = 0
        self.left_out = 0
        self.other_languages: Counter = Counter()
        self.fallbacks = 0
        self.ids: dict[str, str] = {}  # identifier -> ID given
        self.taken: set[str] = set()
        self.default_lang: str | None = None  # of the activity being read

    def check_root(self, root) -> None:
        if root.getroottree().docinfo.doctype:
            raise _dtd_refused(self.name, root.sourceline)
        tag = root.tag if isinstance(root.tag, str) else ""
        if tag == "iati-organisations":
            raise UnreadableFile(self.name, root.sourceline, "an IATI organisation file, not an activity file",
                                 "Give an IATI activity file (its first element is <iati-activities>).")
        if tag != "iati-activities":
            raise UnreadableFile(self.name, root.sourceline, f"not an IATI activity file (its first element is "
                                 f"<{_local(tag) or '?'}>, not <iati-activities>)",
                                 "Give a YAML, JSON or CSV file, or an IATI activity file (2.01 to 2.03).")
        version = (root.get("version") or "").strip()
        if version.startswith("1."):
            raise UnreadableFile(self.name, root.sourceline, f"IATI version {version}; mieux reads IATI 2.01 to 2.03",
                                 "Download the activities as IATI 2.03: the IATI Datastore and d-portal serve every "
                                 "published activity in 2.03.")
        if version not in READ_VERSIONS:
            raise UnreadableFile(self.name, root.sourceline, (f"IATI version '{version}', which mieux does not know"
                                 if version else "an IATI file that does not say its version") + "; mieux reads 2.01 to 2.03",
                                 "Give an IATI activity file of version 2.01 to 2.03.")
        self.version = version

    def report(self) -> list[str]:
        if not self.read and not self.left_out:
            raise MieuxError(f"There are no activities in {self.name}.", "An IATI activity file holds <iati-activity> elements.")
        if not self.items:
            raise MieuxError(f"None of the {_count(self.left_out, 'activity')} in {self.name} matches "
                             f"{self.options.filters()}.", "Drop a filter, or check its value.")
        lines = [f"Read {_count(self.read + self.left_out, 'IATI activity')} (version {self.version})" + (
            f"; {self.left_out} left out by {self.options.filters()}." if self.left_out else ".")]
        lang = self.options.lang
        if self.other_languages:
            others = ", ".join(f"{n} in {vocab.LANGUAGES.label(code) if code in vocab.LANGUAGES else code}"
                               for code, n in sorted(self.other_languages.items(), key=lambda kv: (-kv[1], str(kv[0]))))
            lines.append(f"Texts kept in {vocab.LANGUAGES.label(lang)} ({lang}); narratives in other languages not "
                         f"kept: {others}.")
        if self.fallbacks:
            lines.append(f"{_count(self.fallbacks, 'text')} had no narrative in {lang}: the first one given was kept.")
        return lines

    # -- one activity ------------------------------------------------------------------------------

    def activity(self, element) -> None:
        identifier = (element.findtext("iati-identifier") or "").strip()
        reporting = element.find("reporting-org")
        reporting_ref = (reporting.get("ref") or "").strip() if reporting is not None else ""
        if not self._wanted(element, reporting_ref):
            self.left_out += 1
            return
        self.read += 1
        self.default_lang = (element.get(XML_LANG) or "").strip().lower() or None
        item = Item({}, self.name, element.sourceline)
        raw = item.raw
        raw["id"] = self._id(identifier, reporting_ref) if identifier else None
        raw["kind"] = "action"
        handled = {"iati-identifier", "reporting-org", "title", "description", "participating-org", "other-identifier",
                   "activity-status", "activity-date", "recipient-country", "recipient-region", "sector", "tag",
                   "document-link", "result"}
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in handled:
                item.key_lines.setdefault(_FIELDS_OF.get(tag, tag), child.sourceline)
        raw["title"], title_language = self._choose(element.find("title"))
        self._descriptions(element, item)
        self._status_and_dates(element, item)
        self._places(element, item)
        raw["partners"] = self._partners(element, item, reporting_ref)
        self._tags(element, item)
        self._sectors(element, item)
        raw["sources"] = self._documents(element, item)
        publisher_name = self._text(reporting) if reporting is not None else None
        raw["sources"].append(_source(f"IATI activity {identifier}", publisher=publisher_name or reporting_ref or None,
                                      date=_day(element.get("last-updated-datetime")),
                                      language=title_language if title_language in vocab.LANGUAGES else None))
        self._results(element, item)
        raw["aliases"] = self._aliases(element, item, reporting_ref)
        item.notes += [f"{name}={element.get(name)}" for name in ACTIVITY_ATTRIBUTES if element.get(name) is not None]
        others = Counter(_local(child.tag) for child in element
                         if isinstance(child.tag, str) and child.tag not in handled)
        item.notes += [f"{tag}{f' ({n})' if n > 1 else ''}" for tag, n in others.items()]
        self.items.append(item)

    def _wanted(self, element, reporting_ref: str) -> bool:
        options = self.options
        if options.reporting_orgs and reporting_ref not in options.reporting_orgs:
            return False
        if options.countries:
            codes = {(c.get("code") or "").strip().upper() for c in element.iterchildren("recipient-country")}
            if not codes & set(options.countries):
                return False
        if options.sectors:
            codes = {(s.get("code") or "").strip() for s in element.iterchildren("sector")}
            if not codes & set(options.sectors):
                return False
        return True

    def _id(self, identifier: str, reporting_ref: str) -> str:
        if identifier in self.ids:  # the same activity twice: the same ID, which the import reports
            return self.ids[identifier]
        candidate = record_id(identifier, reporting_ref)
        if candidate in self.taken:  # identifiers that differ only in case or punctuation
            candidate = candidate[:MAX_ID_LENGTH - 9].rstrip("-") + "-" + _digest(identifier)
        self.ids[identifier] = candidate
        self.taken.add(candidate)
        return candidate

    def _text(self, parent) -> str | None:
        return self._choose(parent)[0]

    def _choose(self, parent) -> tuple[str | None, str | None]:
        """(text, language) of the narrative in the chosen language, else of the first one; the
        others are counted."""
        if parent is None:
            return None, None
        narratives = []
        for narrative in parent.iterchildren("narrative"):
            text = (narrative.text or "").strip()
            if len(text) > MAX_TEXT_CHARS:
                raise UnreadableFile(self.name, narrative.sourceline, (
                    f"a text of {len(text):,} characters, longer than any text of an IATI activity (the limit is "
                    f"{MAX_TEXT_CHARS:,})"), "Give the file as its publisher or the IATI Registry serves it.")
            if text:
                lang = (narrative.get(XML_LANG) or "").strip().lower() or self.default_lang
                narratives.append((lang, text))
        if not narratives:
            return None, None
        chosen = next((n for n in narratives if n[0] == self.options.lang), None)
        if chosen is None:
            chosen = narratives[0]
            self.fallbacks += 1
        for other in narratives:
            if other is not chosen:
                self.other_languages[other[0] or "?"] += 1
        return chosen[1], chosen[0]

    def _descriptions(self, element, item: Item) -> None:
        general, other = [], []
        for description in element.iterchildren("description"):
            kind = (description.get("type") or GENERAL).strip()
            if kind == GENERAL:
                general.append(self._text(description))
            elif kind == OTHER:
                other.append(self._text(description))
            else:
                item.notes.append(f"description of {DESCRIPTION_NAMES.get(kind, f'type {kind}')}")
        item.raw["summary"] = "\n\n".join(t for t in general if t) or None
        item.raw["notes"] = "\n\n".join(t for t in other if t) or None

    def _status_and_dates(self, element, item: Item) -> None:
        raw = item.raw
        status = element.find("activity-status")
        code = (status.get("code") or "").strip() if status is not None else ""
        raw["status"] = STATUSES.get(code)
        if code and code not in STATUSES:
            item.notes.append(f"activity-status {code} (not an IATI status)")
        elif code == "3":
            item.notes.append("activity-status 3 Finalisation (kept as completed)")
        # The status is as of the activity's last update, when the file says it; never the file's
        # generated-datetime, which is when the file was written (the Datastore writes its files daily).
        raw["status_as_of"] = _day(element.get("last-updated-datetime")) if raw["status"] else None
        dates = {}
        for activity_date in element.iterchildren("activity-date"):
            kind = (activity_date.get("type") or "").strip()
            iso = (activity_date.get("iso-date") or "").strip()
            if kind not in DATE_NAMES or not iso:
                item.notes.append(f"activity-date {kind or '(no type)'} {iso}".rstrip())
                continue
            narratives = [n.text or "" for n in activity_date.iterchildren("narrative")]
            dates.setdefault(kind, _recorded_date(iso, kind, narratives))
        for name, (actual, planned) in (("start", (ACTUAL_START, PLANNED_START)), ("end", (ACTUAL_END, PLANNED_END))):
            kept = actual if actual in dates else planned
            raw[name] = dates.get(kept)
            other = planned if kept == actual else None
            if other in dates and dates[other] != dates[kept]:
                item.notes.append(f"{DATE_NAMES[other]} {dates[other]} (the {DATE_NAMES[kept]} is kept)")

    def _places(self, element, item: Item) -> None:
        countries, shares = [], set()
        for country in element.iterchildren("recipient-country"):
            countries.append((country.get("code") or "").strip())
            shares.add(country.get("percentage"))
        item.raw["countries"] = countries
        if len(countries) > 1 and len(shares) > 1:
            item.notes.append("recipient-country percentages")
        for region in element.iterchildren("recipient-region"):
            code = (region.get("code") or "").strip()
            vocabulary = (region.get("vocabulary") or "1").strip()
            if vocabulary == OWN_VOCABULARY and code in vocab.REGIONS and not item.raw.get("region"):
                item.raw["region"] = code
            else:
                item.notes.append(f"recipient-region {code} (vocabulary {vocabulary})")

    def _partners(self, element, item: Item, reporting_ref: str) -> list[dict]:
        partners = []
        for org in element.iterchildren("participating-org"):
            ref = (org.get("ref") or "").strip()
            role = (org.get("role") or "").strip()
            name = self._text(org) or ref
            if ref and ref == reporting_ref:
                item.notes.append(f"participating-org {name} (the reporting organisation, {ROLE_NAMES.get(role, role)})")
                continue
            if not name:
                item.notes.append("participating-org without a name or identifier")
                continue
            if ref and ref != name:
                item.notes.append(f"participating-org {name}: identifier {ref}")
            type_ = (org.get("type") or "").strip()
            if type_ and type_ not in PARTNER_KINDS:
                item.notes.append(f"participating-org {name}: type {type_}")
            if role not in ROLES:
                item.notes.append(f"participating-org {name}: role {role or '(none)'}")
            elif ROLES[role] == "other":
                item.notes.append(f"participating-org {name}: role {role} {ROLE_NAMES[role]} (kept as other)")
            partners.append({"name": name, "role": ROLES.get(role), "kind": PARTNER_KINDS.get(type_)})
        return partners

    def _tags(self, element, item: Item) -> None:
        found = {"theme": [], "area": [], "gcm": [], "tag": []}
        for tag in element.iterchildren("tag"):
            vocabulary = (tag.get("vocabulary") or "").strip()
            code = tag.get("code") or ""
            prefix, _, value = code.partition(":")
            if vocabulary == OWN_VOCABULARY and prefix in found and value and _known(prefix, value):
                found[prefix].append(int(value) if prefix == "gcm" else value)
            else:
                item.notes.append(f"tag {code} (vocabulary {vocabulary or '?'})")
        item.raw.update(themes=found["theme"], areas=found["area"], gcm=found["gcm"], tags=found["tag"])

    def _sectors(self, element, item: Item) -> None:
        for sector in element.iterchildren("sector"):
            code = (sector.get("code") or "").strip()
            vocabulary = (sector.get("vocabulary") or "1").strip()
            if (vocabulary, code) != ("1", MIGRATION_SECTOR):  # every Action is about migration
                item.notes.append(f"sector {code} (vocabulary {vocabulary})")

    def _documents(self, element, item: Item) -> list[dict]:
        sources = []
        for link in element.iterchildren("document-link"):
            title = self._text(link.find("title"))
            languages = [(lang.get("code") or "").strip().lower() for lang in link.iterchildren("language")]
            known = [code for code in languages if code in vocab.LANGUAGES]
            date = link.find("document-date")
            day = _day(date.get("iso-date")) if date is not None else None
            sources.append(_source(title, url=(link.get("url") or "").strip() or None, date=day,
                                   language=known[0] if known else None))
            if link.find("description") is not None:
                item.notes.append(f"document-link {title}: description")
            if len(languages) > len(known[:1]):
                item.notes.append(f"document-link {title}: languages {', '.join(languages)}")
        return sources

    def _results(self, element, item: Item) -> None:
        outputs, results = [], []
        for result in element.iterchildren("result"):
            kind = (result.get("type") or "").strip()
            title = self._text(result.find("title"))
            (outputs if kind == OUTPUT else results).append(title)
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
        item.raw["results"] = [t for t in results if t]

    def _aliases(self, element, item: Item, reporting_ref: str) -> list[str]:
        aliases = []
        for other in element.iterchildren("other-identifier"):
            ref = (other.get("ref") or "").strip()
            kind = (other.get("type") or "").strip()
            if kind == PREVIOUS_IDENTIFIER and ref:
                alias = record_id(ref, reporting_ref)
                aliases.append(alias)
                item.previous[alias] = (ref, reporting_ref)
            else:
                item.notes.append(f"other-identifier {kind} {ref}")
        return aliases


# attributes of an activity that say something mieux has no field for
ACTIVITY_ATTRIBUTES = ("humanitarian", "hierarchy", "budget-not-provided", "linked-data-uri")
# field each IATI element maps to, for the line of a problem
_FIELDS_OF = {"iati-identifier": "id", "title": "title", "description": "summary", "participating-org": "partners",
              "activity-status": "status", "recipient-country": "countries", "recipient-region": "region",
              "tag": "tags", "document-link": "sources", "result": "results", "other-identifier": "aliases"}


def _known(prefix: str, value: str) -> bool:
    if prefix == "theme":
        return value in vocab.THEMES
    if prefix == "area":
        return value in vocab.AREAS
    if prefix == "gcm":
        return value.isdigit() and int(value) in vocab.GCM
    return True


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


def _day(value: str | None) -> str | None:
    """'2024-03-01T10:00:00Z' -> '2024-03-01'."""
    return value.strip()[:10] if value and value.strip() else None


def _local(tag: str) -> str:
    """A tag without its namespace: an extension element of another publisher is named as it is."""
    return tag.rpartition("}")[2]


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _words(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)
