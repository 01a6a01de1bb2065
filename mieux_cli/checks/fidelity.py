"""What a record states that its source does not: the values a careful reader checks first.

For every record and the text of the sources it cites, `unsupported` lists each value the text
does not hold:
- numbers, years and months (in text fields and in dates);
- countries (by any of their names; an event's place_country is also held when the source names
  its place), places, and names of organisations and acronyms;
- phrases in quotation marks, which must be the source's own words;
- who said what: "delegates mentioned", "participants cited" ... must be the source's pairing of
  speaker and verb, so no words are put in people's mouths;
- aims as deeds: what the source gives as an objective ("the objective to review past Actions")
  must not be stated as done ("reviewed past Actions");
- a partner's role as host or co-host ("X convened the ...", "co-hosted by X");
- a status, which needs the words that give it ("currently", "will take place", "completed" ...)
  in a paragraph about the record, and its date when it can change (ongoing, planned);
- for an event, the countries and participants, which must be named where the source says who
  took part.
It reads text, not meaning: it finds what is missing, it cannot prove what is there. The tests
run it over the shipped catalogue against the seed article; `mieux check --sources DIR` runs it
over a catalogue against local copies of its sources.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

from mieux_cli.model import display, schema, vocab
from mieux_cli.text import fold_case

MONTHS = tuple(month.lower() for month in display.MONTHS)
SPEAKERS = ("delegates", "delegate", "participants", "participant", "representatives")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?")
_QUOTED = re.compile(r"\"([^\"]{3,})\"")
_ACRONYM = re.compile(r"\b([A-Z][A-Z&]{1,})s?\b")
_ORGANISATION_WORDS = ("network", "institute", "school", "association", "agency", "agencies", "ministry", "council",
                       "office", "organisation", "organization", "forum", "commission", "service", "court",
                       "parliament", "programme", "centre", "center", "factsheet", "compact", "university")
_CONNECTORS = {"of", "on", "for", "the", "and", "in", "de", "la", "del", "y", "et", "des", "du"}
_STATUS_WORDS = {
    "ongoing": ("currently", "ongoing", "is assisting", "is also assisting", "under way", "underway", "in progress",
                "is developing", "is supporting"),
    "planned": ("will take place", "will be held", "will focus", "planned", "scheduled", "to be held", "upcoming"),
    "completed": ("completed", "concluded", "finalised", "finalized", "finished", "ended", "closed"),
    "cancelled": ("cancelled", "canceled", "called off"),
    "suspended": ("suspended", "on hold", "put on hold"),
}
_CAN_CHANGE = ("ongoing", "planned", "suspended")
_TOOK_PART = ("representatives", "gathered", "brought together", "participants from", "attended", "delegations")
_HOSTING = ("convened", "hosted", "organised", "organized")
WINDOW = 12  # words after "convened" in which the event must be named
_AIM = re.compile(r"\b(?:objectives?|aims?|goals?|purpose)\s+(?:was\s+|is\s+|were\s+)?(?:to|of)\s+([^.;:]+)")


def _past(verb: str) -> str:
    """'review' -> 'reviewed', 'examine' -> 'examined', 'reviewing' -> 'reviewed', 'identify' -> 'identified'."""
    if verb.endswith("ing") and len(verb) > 5:
        verb = verb[:-3]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


@dataclass
class Unsupported:
    record_id: str
    field: str
    value: str
    why: str

    def __str__(self) -> str:
        return f"{self.field}: {self.why}: {self.value}"


def normalise(text: str) -> str:
    """Case, accents, typographic quotes and dashes, and spacing folded away, for finding words."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    text = re.sub("[\u2010-\u2015]", "-", text)
    return " ".join(fold_case(text).split())


class Source:
    """A source's text, ready to be searched."""

    def __init__(self, text: str):
        self.raw = text
        self.text = normalise(text)
        self.paragraphs = [normalise(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
        self.sentences = [normalise(s) for p in re.split(r"\n\s*\n", text) for s in re.split(r"(?<=[.!?])\s+", p) if s.strip()]

    def has(self, phrase: str) -> bool:
        return _holds(self.text, normalise(phrase))

    @functools.cached_property
    def aims(self) -> set[str]:
        """What the source gives as an aim, as it would read done: 'the objective to review
        ongoing and past Actions, extract good practices' -> {'reviewed ongoing', 'extracted good'}."""
        done = set()
        for clause in _AIM.findall(self.text):
            for phrase in re.split(r",| and ", clause):
                words = phrase.split()
                if len(words) >= 2 and words[0].isalpha():
                    done.add(f"{_past(words[0])} {words[1]}")
        return done


def _holds(text: str, phrase: str) -> bool:
    """The phrase in the text as whole words."""
    return bool(phrase) and re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", text) is not None


def unsupported(record: dict, source: Source) -> list[Unsupported]:
    """The values of one record that its source's text does not hold."""
    found: list[Unsupported] = []

    def miss(field: str, value, why: str) -> None:
        item = Unsupported(record["id"], field, str(value), why)
        if item not in found:
            found.append(item)

    for field, text in _texts(record):
        _check_text(field, text, source, miss)
    for field, value in _dates(record):
        year, *rest = value.split("-")
        if not source.has(year):
            miss(field, value, "the year is not in the source")
        if rest and not source.has(MONTHS[int(rest[0]) - 1]):
            miss(field, value, "the month is not in the source")
    for field, code in _countries(record):
        if field == "place_country" and record.get("place") and source.has(record["place"].split(",")[0].strip()):
            continue  # the source names the place: its country is geography ('Bangkok' is in Thailand)
        if not _names_country(source.text, code):
            miss(field, vocab.country_name(code), "the country is not in the source")
    _check_place(record, source, miss)
    _check_partners(record, source, miss)
    _check_status(record, source, miss)
    _check_who_took_part(record, source, miss)
    return found


# -- what a record states ----------------------------------------------------------------------


def _texts(record: dict):
    """(field, text) for every text a record states (tags, codes and IDs are the cataloguer's)."""
    return _stated(record, ("text", "texts"), "text", skipped=("tags", "sources", "alternatives"))


def _dates(record: dict):
    return _stated(record, ("date",), "date", skipped=("sources", "alternatives"))


def _stated(record: dict, types: tuple[str, ...], part_type: str, skipped: tuple[str, ...]):
    """(field, value) for each value of a field of `types`, or part of type `part_type` of a
    structured item, that a record states (`field.part` for parts), but in the fields skipped."""
    for f in schema.fields_of(record["kind"]):
        value = record.get(f.name)
        if not value or f.name in skipped:
            continue
        if f.type in types:
            for one in value if isinstance(value, list) else [value]:
                yield f.name, one
        elif f.type == "items":
            for item in value:
                for part in f.parts:
                    if part.type == part_type and item.get(part.name):
                        yield f"{f.name}.{part.name}", item[part.name]


def _countries(record: dict):
    for f in schema.fields_of(record["kind"]):
        value = record.get(f.name)
        if f.vocab_for(record["kind"]) == "countries" and value:
            for code in value if isinstance(value, list) else [value]:
                yield f.name, code
        elif f.type == "items" and value:
            for item in value:
                for part in f.parts:
                    if part.vocab == "countries" and item.get(part.name):
                        yield f"{f.name}.{part.name}", item[part.name]


def _country_names(code: str) -> list[str]:
    entry = vocab.countries().get(code, {})
    names = {entry.get("name", code), *entry.get("names", [])}
    names |= {n.split(",")[0] for n in names}
    names |= {alias for alias, c in vocab.COUNTRY_ALIASES.items() if c == code}
    return sorted(normalise(n) for n in names if n)


@functools.cache
def _country_pattern() -> tuple[dict[str, str], re.Pattern]:
    """Every country name of four letters or more, as one pattern (name -> code)."""
    names = {name: code for code in vocab.countries() for name in _country_names(code) if len(name) > 3}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return names, re.compile(rf"(?<!\w)({alternatives})(?!\w)")


def _names_country(text: str, code: str) -> bool:
    return any(_holds(text, name) for name in _country_names(code))


# -- checks ----------------------------------------------------------------------------------------


def _check_text(field: str, text: str, source: Source, miss) -> None:
    folded = normalise(text)
    for number in _NUMBER.findall(text):
        if not source.has(number):
            miss(field, number, "the number is not in the source")
    for month in MONTHS:
        if _holds(folded, month) and not source.has(month):
            miss(field, month.capitalize(), "the month is not in the source")
    for quote in _QUOTED.findall(text.replace("\u201c", '"').replace("\u201d", '"')):
        if not source.has(quote):
            miss(field, f'"{quote}"', "these words are quoted, but the source does not say them")
    for acronym in _ACRONYM.findall(text):
        if not source.has(acronym) and not source.has(acronym + "s"):
            miss(field, acronym, "the name is not in the source")
    for name in _organisation_names(text):
        if not _named(name, source):
            miss(field, name, "the organisation is not named so in the source")
    names, pattern = _country_pattern()
    for match in pattern.finditer(folded):
        code = names[match.group(1)]
        if not _names_country(source.text, code):
            miss(field, vocab.country_name(code), "the country is not in the source")
    _check_speakers(field, folded, source, miss)
    for deed in source.aims:
        if _holds(folded, deed):
            miss(field, deed, "the source gives this as an objective, not as what was done")


def _organisation_names(text: str) -> list[str]:
    """Capitalised phrases naming a body: 'National Institute of Migration'."""
    words = re.findall(r"[\w'-]+|[^\w\s]", text)
    names, current = [], []
    for word in [*words, "."]:
        capitalised = word[:1].isupper() and word[:1].isalpha()
        if capitalised or (current and word.lower() in _CONNECTORS):
            current.append(word)
            continue
        while current and current[-1].lower() in _CONNECTORS:
            current.pop()
        if len(current) > 1 and any(w.lower() in _ORGANISATION_WORDS for w in current):
            names.append(" ".join(current))
        current = []
    return names


def _named(name: str, source: Source) -> bool:
    """The name, or its end from a word on ('the National Migration School' of 'Curriculum of the
    National Migration School'), in the source."""
    words = name.split()
    for start in range(len(words) - 1):
        tail = words[start:]
        if tail[0].lower() not in _CONNECTORS and any(w.lower() in _ORGANISATION_WORDS for w in tail) and source.has(" ".join(tail)):
            return True
    return False


def _check_speakers(field: str, folded: str, source: Source, miss) -> None:
    """'delegates summed up' is not 'delegates mentioned': each speaker must come with the words
    the source gives them (the word after it, or the two before it)."""
    words = folded.replace(",", " ").replace(".", " ").split()
    for i, word in enumerate(words):
        if word not in SPEAKERS:
            continue
        after = " ".join(words[i:i + 2])
        before = " ".join(words[max(0, i - 2):i + 1])
        if not (source.has(after) and len(words) > i + 1) and not (i >= 2 and source.has(before)):
            miss(field, " ".join(words[max(0, i - 2):i + 2]), "the source does not put it this way (who said what)")


def _check_place(record: dict, source: Source, miss) -> None:
    for part in (record.get("place") or "").split(","):
        if part.strip() and not source.has(part.strip()):
            miss("place", part.strip(), "the place is not in the source")


def _anchors(record: dict) -> list[str]:
    """The words that tell which paragraphs of a source are about a record."""
    anchors = [name for code in record.get("countries", []) for name in _country_names(code)]
    if record.get("place"):
        anchors.append(normalise(record["place"].split(",")[0]))
    anchors += [normalise(p["name"]) for p in record.get("partners", [])]
    title = [w for w in normalise(record["title"]).replace(":", " ").split() if len(w) > 3]
    if len(title) >= 3:
        anchors.append(" ".join(title[:3]))
    return [a for a in anchors if a]


def _about(record: dict, source: Source) -> list[str]:
    return [p for p in source.paragraphs if any(_holds(p, a) for a in _anchors(record))]


def _check_partners(record: dict, source: Source, miss) -> None:
    for partner in record.get("partners", []):
        name = normalise(partner["name"])
        if partner["role"] == "co-host" and not source.has(f"co-hosted by the {name}") and not source.has(f"co-hosted by {name}"):
            miss("partners.role", partner["name"], "the source does not say it co-hosted")
        elif partner["role"] == "host" and not _hosted(record, name, source):
            miss("partners.role", partner["name"], "the source does not say it hosted this event")


def _hosted(record: dict, name: str, source: Source) -> bool:
    """'X convened the <this event>': the event named within a few words after the verb."""
    targets = [normalise(record["place"].split(",")[0])] if record.get("place") else []
    title = normalise(record["title"]).split()
    targets.append(" ".join(title[:4]))
    for verb in _HOSTING:
        for match in re.finditer(re.escape(f"{name} {verb}") + rf"((?:\s+\S+){{1,{WINDOW}}})", source.text):
            following = match.group(1)
            if any(_holds(following, t) for t in targets):
                return True
        if source.has(f"hosted by {name}") and any(_holds(p, t) for p in source.paragraphs if f"hosted by {name}" in p
                                                    for t in targets):
            return True
    return False


def _check_status(record: dict, source: Source, miss) -> None:
    status = record.get("status")
    if not status or status == "unknown":
        return
    if status in _CAN_CHANGE and not record.get("status_as_of"):
        miss("status_as_of", status, "a status that can change needs the date it was known")
    if status == "held":
        if not _held(record, source):
            miss("status", status, "the source does not say when and where it took place")
        return
    words = _STATUS_WORDS.get(status, ())
    if not any(_holds(p, w) for p in _about(record, source) for w in words):
        miss("status", status, "nothing in the source about this record gives this status")


def _held(record: dict, source: Source) -> bool:
    start = record.get("start") or ""
    if len(start) < 7:
        return False
    when = f"{MONTHS[int(start[5:7]) - 1]} {start[:4]}"
    anchors = _anchors(record)
    return any(_holds(s, when) and any(_holds(s, a) for a in anchors) for s in source.sentences)


def _check_who_took_part(record: dict, source: Source, miss) -> None:
    """An event's countries and participants are those the source names as taking part."""
    if record["kind"] != "event":
        return
    lists = [s for s in source.sentences if any(w in s for w in _TOOK_PART)]
    for field in ("countries", "participants"):
        for code in record.get(field, []):
            if not any(_names_country(s, code) for s in lists):
                miss(field, vocab.country_name(code), "the source does not name it among those who took part")


# -- local copies of sources ------------------------------------------------------------------------

MAX_SOURCE_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = ("", ".txt", ".md", ".text")


class SourceFolder:
    """Local text copies of sources: a source's copy is the file its `file` part names, else a
    file named by its title (with .txt, .md or no suffix)."""

    def __init__(self, folder):
        from pathlib import Path

        self.folder = Path(folder)
        self._read: dict = {}

    def copy_of(self, source: dict) -> Source | None:
        names = [source["file"]] if source.get("file") else [source["title"] + s for s in TEXT_SUFFIXES]
        for name in names:
            path = self.folder / name
            if path.name != name or name.startswith("."):  # a title with "/" is no file name
                continue
            if path not in self._read:
                self._read[path] = self._load(path)
            if self._read[path] is not None:
                return self._read[path]
        return None

    @staticmethod
    def _load(path) -> Source | None:
        """The copy at `path`; None when there is no regular file there (a named pipe would hang)."""
        from mieux_cli.errors import MieuxError
        from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

        try:
            data = read_regular_file(path, MAX_SOURCE_BYTES)
        except (OSError, NotRegularFile):
            return None
        except TooLarge:
            raise MieuxError(f"The source copy {path} is larger than {MAX_SOURCE_BYTES // 2**20} MB.",
                             "Give a text copy of the source itself.") from None
        return Source(data.decode("utf-8", errors="replace").removeprefix("\ufeff"))

    def sources_of(self, record: dict) -> Source | None:
        """The record's sources that have a copy here, as one text; None when none has."""
        copies = [c for c in (self.copy_of(s) for s in record.get("sources", [])) if c is not None]
        if not copies:
            return None
        return copies[0] if len(copies) == 1 else Source("\n\n".join(c.raw for c in copies))
