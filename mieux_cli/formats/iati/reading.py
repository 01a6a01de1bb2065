"""IATI import: activity files (2.01 to 2.03) streamed and read as Actions (elements.py says what
each element becomes), as publishers write them: an <iati-activities> file, or one <iati-activity>
as d-portal serves it; the version of the file, or of each activity when the file gives none;
UTF-8, or Windows-1252 when the bytes are not UTF-8 and the file declares no encoding."""

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats.files import Item, Reading, UnreadableFile
from mieux_cli.formats.iati import (
    MAX_ACTIVITY_BYTES,
    READ_VERSIONS,
    XML_LANG,
    _count,
    _digest,
    _source,
    elements,
    exported_by_mieux,
    record_id,
)
from mieux_cli.model import vocab
from mieux_cli.model.records import MAX_ID_LENGTH


@dataclass(frozen=True)
class ReadOptions:
    """What to keep from an IATI file: the language of its texts, and filters that keep or leave out."""

    lang: str = "en"
    countries: tuple[str, ...] = ()  # ISO alpha-2
    sectors: tuple[str, ...] = ()
    reporting_orgs: tuple[str, ...] = ()
    exclude_countries: tuple[str, ...] = ()
    exclude_reporting_orgs: tuple[str, ...] = ()

    def filters(self) -> str:
        """The filters as typed, for messages: '--country CR --sector 15190'."""
        given = [("--country", self.countries), ("--sector", self.sectors), ("--reporting-org", self.reporting_orgs),
                 ("--exclude-country", self.exclude_countries),
                 ("--exclude-reporting-org", self.exclude_reporting_orgs)]
        return " ".join(f"{option} {value}" for option, values in given for value in values)


def read(path: Path, options: ReadOptions, advance=lambda n=1: None) -> Reading:
    """The activities of an IATI file as records to import (raw, for importing.prepare to check),
    streamed: memory holds one activity's elements at a time, plus the records."""
    from lxml import etree

    name = str(path)
    _refuse_a_dtd(path)
    reader = _ActivityReader(name, options)
    with _opened(path) as f:
        windows = not _utf8(f) and not _declares_encoding(f)
        source = _Windows1252(f) if windows else f
        if windows:
            reader.lines.append("The file is not UTF-8 and declares no encoding: it was read as Windows-1252.")
        events = etree.iterparse(source, events=("start", "end"), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
        root, depth, position, began, line = None, 0, 0, 0, None
        try:
            for event, element in events:
                if event == "start":
                    if root is None:
                        root = element
                        reader.check_root(root)
                    depth += 1
                    if not began and (depth == 2 or root.tag == "iati-activity"):  # an activity begins
                        began, line = source.tell(), element.sourceline
                    if depth > 1 and source.tell() - began > MAX_ACTIVITY_BYTES:
                        raise UnreadableFile(name, line, (
                            f"an activity larger than {MAX_ACTIVITY_BYTES // 2**20} MB, which no IATI activity is "
                            "(real ones are a few KB)"), "Give the file as its publisher or the IATI Registry serves it.")
                    continue
                depth -= 1
                if depth == 0 and element.tag == "iati-activity":  # one activity as the whole file (d-portal)
                    reader.activity(element)
                elif depth == 1 and root.tag == "iati-activities":  # a child is whole: read it, then let it go
                    if element.tag == "iati-activity":
                        reader.activity(element)
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del root[0]
                    began = 0
                    advance(source.tell() - position)
                    position = source.tell()
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


def _utf8(f) -> bool:
    """Whether the whole file is UTF-8, read in chunks (then back to its start)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := f.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        f.seek(0)


def _declares_encoding(f) -> bool:
    start = f.read(200)
    f.seek(0)
    return re.match(rb"^\s*<\?xml[^>]*\bencoding\s*=", start) is not None


class _Windows1252:
    """A file of Windows-1252 bytes, read as UTF-8 by the parser."""

    def __init__(self, f):
        self.f = f
        self.decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        return self.decoder.decode(data, final=not data).encode("utf-8")

    def tell(self) -> int:
        return self.f.tell()


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


def _version_of(element) -> str:
    """An element's IATI version: its own attribute, or one in another namespace (d-portal and the
    Datastore write iati-activities:version on each activity)."""
    for attribute, value in element.attrib.items():
        if _local(attribute) == "version":
            return value.strip()
    return ""


def _refused_version(version: str) -> str | None:
    """Why a version cannot be read, or None."""
    if version.startswith("1."):
        return f"IATI version {version}; mieux reads IATI 2.01 to 2.03"
    if version and version not in READ_VERSIONS:
        return f"IATI version '{version}', which mieux does not know; mieux reads 2.01 to 2.03"
    return None


class _ActivityReader:
    def __init__(self, name: str, options: ReadOptions):
        self.name = name
        self.options = options
        self.texts = elements.Texts(name, options.lang)
        self.items: list[Item] = []
        self.versions: Counter = Counter()
        self.version = ""  # of the file, if it gives one
        self.generated: str | None = None  # when the file was written
        self.read = 0
        self.left_out = 0
        self.lines: list[str] = []  # about the file as a whole
        self.ids: dict[str, str] = {}  # identifier -> ID given
        self.taken: set[str] = set()

    def check_root(self, root) -> None:
        if root.getroottree().docinfo.doctype:
            raise _dtd_refused(self.name, root.sourceline)
        tag = root.tag if isinstance(root.tag, str) else ""
        if tag == "iati-organisations":
            raise UnreadableFile(self.name, root.sourceline, "an IATI organisation file, not an activity file",
                                 "Give an IATI activity file (its first element is <iati-activities>).")
        if tag not in ("iati-activities", "iati-activity"):
            raise UnreadableFile(self.name, root.sourceline, f"not an IATI activity file (its first element is "
                                 f"<{_local(tag) or '?'}>, not <iati-activities>)",
                                 "Give a YAML, JSON or CSV file, or an IATI activity file (2.01 to 2.03).")
        self.generated = _day(root.get("generated-datetime"))
        if tag == "iati-activity":
            return  # its version is its own
        self.version = _version_of(root)
        refused = _refused_version(self.version)
        if refused:
            raise UnreadableFile(self.name, root.sourceline, refused,
                                 "Download the activities as IATI 2.03: the IATI Datastore and d-portal serve every "
                                 "published activity in 2.03." if self.version.startswith("1.") else
                                 "Give an IATI activity file of version 2.01 to 2.03.")

    def report(self) -> list[str]:
        if not self.read and not self.left_out:
            raise MieuxError(f"There are no activities in {self.name}.", "An IATI activity file holds <iati-activity> elements.")
        if not self.items:
            raise MieuxError(f"None of the {_count(self.left_out, 'activity')} in {self.name} matches "
                             f"{self.options.filters()}.", "Drop a filter, or check its value.")
        versions = ", ".join(f"{v} ({n})" if len(self.versions) > 1 else v
                             for v, n in sorted(self.versions.items(), key=lambda kv: kv[0]))
        lines = [f"Read {_count(self.read + self.left_out, 'IATI activity')} (version {versions})" + (
            f"; {self.left_out} left out by {self.options.filters()}." if self.left_out else "."), *self.lines]
        lang, texts = self.options.lang, self.texts
        if texts.other_languages:
            others = ", ".join(f"{n} in {vocab.LANGUAGES.label(code) if code in vocab.LANGUAGES else code}"
                               for code, n in sorted(texts.other_languages.items(), key=lambda kv: (-kv[1], str(kv[0]))))
            lines.append(f"Texts kept in {vocab.LANGUAGES.label(lang)} ({lang}); narratives in other languages not "
                         f"kept: {others}.")
        if texts.fallbacks:
            lines.append(f"{_count(texts.fallbacks, 'text')} had no narrative in {lang}: the first one given was kept.")
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
        version = self.version or _version_of(element)
        self.versions[version or "not given"] += 1
        self.texts.default_lang = (element.get(XML_LANG) or "").strip().lower() or None
        item = Item({}, self.name, element.sourceline)
        raw = item.raw
        raw["id"] = self._id(identifier, reporting_ref) if identifier else None
        raw["kind"] = "action"
        if not identifier:
            item.problems.append(("id", "the activity has no iati-identifier, which every IATI activity needs"))
        refused = _refused_version(version)
        if refused:
            item.problems.append(("version", f"this activity is {refused}"))
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in HANDLED:
                item.key_lines.setdefault(_FIELDS_OF.get(tag, tag), child.sourceline)
        raw["title"], title_language = self.texts.choose(element.find("title"))
        updated = _day(element.get("last-updated-datetime"))
        elements.descriptions(element, item, self.texts)
        elements.status_and_dates(element, item, updated, updated or self.generated or date.today().isoformat())
        elements.places(element, item)
        own = bool(identifier) and exported_by_mieux(identifier, reporting_ref)
        elements.partners(element, item, self.texts, reporting, reporting_ref, own)
        elements.tags(element, item)
        elements.sectors(element, item)
        elements.funding(element, item)
        raw["sources"] = elements.documents(element, item, self.texts)
        publisher_name = self.texts.text(reporting) if reporting is not None else None
        raw["sources"].append(_source(f"IATI activity {identifier}", publisher=publisher_name or reporting_ref or None,
                                      date=updated,
                                      language=title_language if title_language in vocab.LANGUAGES else None))
        elements.results(element, item, self.texts)
        raw["aliases"] = elements.aliases(element, item, reporting_ref)
        item.notes += [f"{name}={element.get(name)}" for name in ACTIVITY_ATTRIBUTES if element.get(name) is not None]
        others = Counter(_local(child.tag) for child in element if isinstance(child.tag, str) and child.tag not in HANDLED)
        item.notes += [f"{tag}{f' ({n})' if n > 1 else ''}" for tag, n in others.items()]
        item.carried = {name for name, value in raw.items() if value not in (None, [], "")} | {"id", "kind"}
        self.items.append(item)

    def _wanted(self, element, reporting_ref: str) -> bool:
        options = self.options
        if options.reporting_orgs and reporting_ref not in options.reporting_orgs:
            return False
        if reporting_ref and reporting_ref in options.exclude_reporting_orgs:
            return False
        if options.countries or options.exclude_countries:
            codes = elements.countries_of(element)
            if options.countries and not codes & set(options.countries):
                return False
            if codes & set(options.exclude_countries):
                return False
        return not options.sectors or bool(elements.sectors_of(element) & set(options.sectors))

    def _id(self, identifier: str, reporting_ref: str) -> str:
        if identifier in self.ids:  # the same activity twice: the same ID, which the import reports
            return self.ids[identifier]
        candidate = record_id(identifier, reporting_ref)
        if candidate in self.taken:  # identifiers that differ only in case or punctuation
            candidate = candidate[:MAX_ID_LENGTH - 9].rstrip("-") + "-" + _digest(identifier)
        self.ids[identifier] = candidate
        self.taken.add(candidate)
        return candidate


HANDLED = {"iati-identifier", "reporting-org", "title", "description", "participating-org", "other-identifier",
           "activity-status", "activity-date", "recipient-country", "recipient-region", "sector", "tag",
           "document-link", "result", "budget", "transaction"}
# attributes of an activity that say something mieux has no field for
ACTIVITY_ATTRIBUTES = ("humanitarian", "hierarchy", "budget-not-provided", "linked-data-uri")
# field each IATI element maps to, for the line of a problem
_FIELDS_OF = {"iati-identifier": "id", "title": "title", "description": "summary", "participating-org": "partners",
              "activity-status": "status", "recipient-country": "countries", "recipient-region": "shares",
              "sector": "sectors", "budget": "funding", "transaction": "funding", "tag": "tags",
              "document-link": "sources", "result": "results", "other-identifier": "aliases", "activity-date": "start"}


def _day(value: str | None) -> str | None:
    """'2024-03-01T10:00:00Z' -> '2024-03-01'."""
    return value.strip()[:10] if value and value.strip() else None


def _local(tag: str) -> str:
    """A tag without its namespace: an extension element of another publisher is named as it is."""
    return tag.rpartition("}")[2]
