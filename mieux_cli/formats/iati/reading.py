"""IATI import: activity files (2.01 to 2.03) streamed and read as Actions, with what mieux has no field for noted."""

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats.files import Item, Reading, UnreadableFile
from mieux_cli.formats.iati import (
    _PARTIAL_DATE,
    ACTUAL_END,
    ACTUAL_START,
    DATE_NAMES,
    DESCRIPTION_NAMES,
    GENERAL,
    MAX_ACTIVITY_BYTES,
    MAX_TEXT_CHARS,
    MIGRATION_SECTOR,
    OTHER,
    OUTCOME,
    OUTPUT,
    OWN_VOCABULARY,
    PARTNER_KINDS,
    PLANNED_END,
    PLANNED_START,
    PREVIOUS_IDENTIFIER,
    READ_VERSIONS,
    ROLE_NAMES,
    ROLES,
    STATUSES,
    XML_LANG,
    _count,
    _digest,
    _source,
    record_id,
)
from mieux_cli.model import vocab
from mieux_cli.model.records import MAX_ID_LENGTH, first_day, last_day, parse_date

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
    from mieux_cli.formats.files import MAX_IMPORT_BYTES
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
