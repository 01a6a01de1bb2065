"""Every kind of record and every field, described once.

A field says what it is (name, label, help with an example), which kinds have it, its type, its
vocabulary, whether it is required or recommended per kind, how much a match in it counts in
search, where `show` prints it, and the option `add` takes for it. Everything else derives from
this table: validation (records.py), the text form of values in CSV cells, `--set` and options
(cells.py), the questions of `add`, the `edit` template, import and export, search, `show`,
`check`'s completeness and `mieux schema`. A new field is one entry in FIELDS, plus a migration in
migrations.py (and a new format number) that gives the records already stored its empty value.

Types:
- id, kind: the record's ID and kind; ids: former IDs (set by `mieux rename`, not typed);
- text: one paragraph; date: a year, month or day ("2017", "2017-11", "2017-11-30");
- code / codes: one / several values of a vocabulary (vocab.py), stored as codes;
- texts: several short texts; tags: texts in lower case;
- link / links: the ID(s) of records of `link_kind`;
- items: a list of small structures with named `parts` (sources, partners, experts ...); a
  plain text is read as the first part ("Spain" is an expert from Spain).
"""

import contextlib
from dataclasses import dataclass

KINDS = ("action", "practice", "event", "fact")
KIND_PLURALS = {f"{k}s": k for k in KINDS}
KIND_ORDER = {kind: rank for rank, kind in enumerate(KINDS)}
ID_PREFIXES = {"action": "act", "practice": "prc", "event": "evt", "fact": "fct"}
KIND_HELP = {
    "action": "an Action: MIEUX's support to a partner institution, with its activities and results",
    "practice": "a good practice that came out of one or more Actions",
    "event": "a round-table or other knowledge-sharing event",
    "fact": "a context figure or statement that briefs quote",
}


@dataclass(frozen=True)
class Part:
    """A named part of an item (a source's url, a partner's role)."""

    name: str
    type: str  # text, date, code, count (a whole number), number (a number, or a value as written), field
    help: str
    vocab: str | None = None
    required: bool = False
    shown_as: str = "{}"  # how `show` writes it after the item's first part: "as of {}"
    asked: bool = True  # asked on its own by `add` (the others are typed with the whole item: "... | page=3")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: str
    help: str  # what it holds, for prompts, options, `mieux schema` and the README
    example: str  # a value as typed at a prompt or in an option
    kinds: tuple[str, ...] = KINDS
    required: tuple[str, ...] = ()  # the kinds that must have it
    recommended: tuple[str, ...] = ()  # the kinds whose completeness counts it
    vocab: str | dict | None = None  # a vocabulary name, or kind -> name
    link_kind: str | None = None
    parts: tuple[Part, ...] = ()
    weight: float = 0.0  # how much a search match in it counts (0: not searched)
    show: int | None = None  # its place in `show` (None: not a row of its own)
    option: str | None = None  # the option of `add` (None: not set by option or prompt)

    def vocab_for(self, kind: str) -> str | None:
        return self.vocab.get(kind) if isinstance(self.vocab, dict) else self.vocab

    @property
    def is_list(self) -> bool:
        return self.type in LIST_TYPES

    def empty(self):
        return [] if self.is_list else None

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)


LIST_TYPES = {"codes", "texts", "tags", "links", "items", "ids"}
TYPES = {"id", "kind", "text", "date", "code", "link"} | LIST_TYPES
PART_TYPES = {"text", "date", "code", "count", "number", "field"}

SOURCE_PARTS = (
    Part("title", "text", "its title", required=True),
    Part("publisher", "text", "who published it"),
    Part("date", "date", "when it was published"),
    Part("url", "text", "a link to it"),
    Part("language", "code", "its language (ISO 639-1: en, es, fr ...)", vocab="languages"),
    Part("accessed", "date", "when it was read, for a web page", shown_as="accessed {}", asked=False),
    Part("page", "text", "the page or section", shown_as="at {}", asked=False),
    Part("file", "text", "the file name of a local text copy, for `mieux check --sources`", shown_as="copy: {}", asked=False),
)

FIELDS: list[Field] = [
    Field("id", "id", "ID", "a stable, unique ID: lowercase letters, digits and hyphens", "act-cr-integration-plans",
          required=KINDS, weight=2.0),
    Field("kind", "kind", "Kind", "action, practice, event or fact", "practice", required=KINDS),
    Field("title", "text", "Title", "a short title", "Costa Rica: National Integration Plans", required=KINDS,
          recommended=KINDS, weight=3.0, option="--title"),
    Field("text", "text", "Text", "the statement itself, a sentence or two",
          "Reported flows rose by 300% in three years.", kinds=("fact",), required=("fact",), recommended=("fact",),
          weight=1.5, show=10, option="--text"),
    Field("summary", "text", "Summary", "what was done, with whom, and what came of it, in a paragraph",
          "MIEUX supported the National Institute of Migration in ...", required=("action", "practice"),
          recommended=("action", "practice", "event"), weight=1.5, show=30, option="--summary"),
    Field("why", "text", "Why it worked", "why it worked, as the source says", "Institutions owned the plan",
          kinds=("practice",), recommended=("practice",), weight=1.5, show=40, option="--why"),
    Field("presented_as", "code", "Presented as", "how the source presents it: a good practice, a highlight of "
          "results, a lesson learnt", "good practice", kinds=("practice",), vocab="practice-bases",
          recommended=("practice",), show=45, option="--presented-as"),
    Field("status", "code", "Status", "the status as last known; give the date it was known with status_as_of",
          "ongoing", kinds=("action", "event"), vocab={"action": "action-statuses", "event": "event-statuses"},
          recommended=("action",), show=50, option="--status"),
    Field("status_as_of", "date", "Status as of", "when the status was last known to be true", "2018",
          kinds=("action", "event"), option="--status-as-of"),
    Field("start", "date", "Start", "a year, year-month or date", "2017-03", recommended=("action", "event", "fact"),
          show=60, option="--start"),
    Field("end", "date", "End", "a year, year-month or date; empty if open or unknown", "2018-09",
          option="--end"),
    Field("planned_start", "date", "Planned start", "when it was planned to start, when the source gives the plan "
          "apart from what happened (an IATI planned start); start is then the actual start", "2019-01",
          kinds=("action",), show=62, option="--planned-start"),
    Field("planned_end", "date", "Planned end", "when it was planned to end, when the source gives the plan apart "
          "(an IATI planned end); end is then the actual end", "2021-12", kinds=("action",), show=64,
          option="--planned-end"),
    Field("place", "text", "Place", "where it took place", "Mexico City, Mexico", kinds=("event",),
          recommended=("event",), weight=1.0, show=70, option="--place"),
    Field("place_country", "code", "Place's country", "the country where it took place, as the source names it "
          "(given by the place when it ends in a country: 'Cotonou, Benin'); being the place is not hosting",
          "Benin", kinds=("event",), vocab="countries", show=75, option="--place-country"),
    Field("countries", "codes", "Countries", "the countries it is about (where the work was): names or ISO codes",
          "Costa Rica, MX", vocab="countries", recommended=("action", "practice", "event"), weight=1.0, show=80,
          option="--country"),
    Field("participants", "codes", "Took part", "countries that only took part (attended a regional workshop)",
          "El Salvador, Guatemala", vocab="countries", weight=0.5, show=85, option="--participant"),
    Field("region", "code", "Region", "the MIEUX region, when no country gives it", "LAC", vocab="regions",
          show=90, option="--region"),
    Field("shares", "items", "Shares by place", "how the source shares the work between places: a country or an "
          "IATI region, and its percentage", "MX | | | 60", kinds=("action",), parts=(
              Part("country", "code", "a country", vocab="countries"),
              Part("region", "text", "an IATI region code, when the share is a region's", shown_as="region {}"),
              Part("vocabulary", "text", "the region's vocabulary (1: OECD DAC regions)", shown_as="vocabulary {}"),
              Part("percentage", "number", "its share, in %", shown_as="{}%"),
          ), show=92, option="--share"),
    Field("partners", "items", "Partners", "institutions it worked with, and their role",
          "National Institute of Migration | host | MX | agency", kinds=("action", "practice", "event"),
          parts=(
              Part("name", "text", "the institution's name", required=True),
              Part("role", "code", "its role", vocab="partner-roles"),
              Part("country", "code", "its country", vocab="countries"),
              Part("kind", "code", "what kind of body it is", vocab="partner-kinds"),
              Part("ref", "text", "its organisation identifier (IATI: XM-DAC-47066)", shown_as="identifier {}"),
          ), recommended=("action", "event"), weight=1.0, show=100, option="--partner"),
    Field("experts", "items", "Experts", "the experts involved: where from, what kind, how many",
          "ES | member-state administration | Ministry of Inclusion | 2", kinds=("action", "event"),
          parts=(
              Part("country", "code", "the expert's country", vocab="countries"),
              Part("kind", "code", "where the expert works", vocab="expert-kinds"),
              Part("institution", "text", "the expert's institution"),
              Part("count", "count", "how many experts", shown_as="{} in all"),
              Part("note", "text", "anything else the source says", shown_as="note: {}"),
          ), recommended=("action",), weight=0.5, show=110, option="--expert"),
    Field("themes", "codes", "Thematic areas", "MIEUX thematic areas (pillars)", "IMT, LM", vocab="themes",
          recommended=("action", "practice", "event"), weight=0.5, show=120, option="--theme"),
    Field("areas", "codes", "Specific areas", "specific areas", "THB, SOM", vocab="areas",
          recommended=("action",), weight=0.5, show=130, option="--area"),
    Field("sectors", "items", "Sectors", "sectors as IATI codes them: a code, its vocabulary (1: OECD DAC 5-digit), "
          "its share", "15190 | 1 | 100", kinds=("action",), parts=(
              Part("code", "text", "the sector's code", required=True),
              Part("vocabulary", "text", "its vocabulary: 1 OECD DAC 5-digit, 2 DAC 3-digit, 99 the publisher's own",
                   shown_as="vocabulary {}"),
              Part("percentage", "number", "its share of the activity, in %", shown_as="{}%"),
          ), show=135, option="--sector"),
    Field("gcm", "codes", "GCM objectives", "objectives of the Global Compact for Migration: numbers or names",
          "10, 23", vocab="gcm", recommended=("action", "practice"), show=140, option="--gcm"),
    Field("principles", "codes", "Guiding principles", "GCM guiding principles", "human-rights, child-sensitive",
          kinds=("practice",), vocab="principles", show=150, option="--principle"),
    Field("activities", "items", "Activities", "what was done: title, kind, place, date",
          "Regional workshop on unaccompanied minors | workshop | Mexico City | 2017-05", kinds=("action",),
          parts=(
              Part("title", "text", "what it was", required=True),
              Part("kind", "code", "what kind of activity", vocab="activity-kinds"),
              Part("place", "text", "where"),
              Part("date", "date", "when"),
          ), recommended=("action",), weight=1.0, show=160, option="--activity"),
    Field("outputs", "texts", "Outputs", "documents or products it produced", "Inter-institutional protocol",
          kinds=("action",), recommended=("action",), weight=1.0, show=170, option="--result-output"),
    Field("results", "texts", "Results", "what came of it", "Lasting cooperation between the institutions",
          kinds=("action", "practice", "event"), recommended=("action", "practice"), weight=1.0, show=180,
          option="--result"),
    Field("figures", "items", "Figures", "numbers the source gives: label, value, unit, as of, source",
          "participants | 45 | people | 2018-07", parts=(
              Part("label", "text", "what is counted"),
              Part("value", "number", "the number (or the value as written)", required=True),
              Part("unit", "text", "its unit: %, people, EUR ..."),
              Part("as_of", "date", "when the figure was true", shown_as="as of {}"),
              Part("source", "text", "which source gives it, when not the record's", shown_as="source: {}"),
          ), weight=1.0, show=190, option="--figure"),
    Field("funding", "items", "Funding", "money as the source gives it: budgets, commitments and disbursements, "
          "each a sum by year and currency", "budget | 2019 | 250000 | EUR", kinds=("action",), parts=(
              Part("type", "code", "budget, commitment, disbursement, expenditure or incoming funds",
                   vocab="funding-types", required=True),
              Part("year", "date", "the year it is for", shown_as="in {}"),
              Part("value", "number", "the amount", required=True),
              Part("currency", "text", "its currency, ISO 4217: EUR, USD ..."),
          ), show=195, option="--funding"),
    Field("actions", "links", "From actions", "the actions it came from: IDs or words of their titles",
          "act-cr-integration-plans", kinds=("practice", "fact"), link_kind="action", recommended=("practice",),
          option="--action"),
    Field("unlisted_actions", "texts", "Actions not yet in the catalogue",
          "Actions it came from that are not in the catalogue yet, by name", "Costa Rica II",
          kinds=("practice", "fact"), weight=1.0, show=200, option="--unlisted-action"),
    Field("event", "link", "Reported at", "the event where it was reported: ID or words of its title",
          "mexico city round-table", kinds=("practice",), link_kind="event", option="--event"),
    Field("tags", "tags", "Tags", "free tags", "protocol, prosecutors", weight=1.5, show=210, option="--tag"),
    Field("notes", "text", "Notes", "anything the source says that fits no other field",
          "The source gives no end date.", weight=1.0, show=220, option="--note"),
    Field("sources", "items", "Sources", "where this comes from", "MIEUX article | MIEUX (ICMPD) | 2018 | https://...",
          parts=SOURCE_PARTS, required=KINDS, recommended=KINDS, show=230, option="--source"),
    Field("alternatives", "items", "Other values", "a value another source gives, when sources disagree",
          "end | 2019-03 | MIEUX factsheet 2019", parts=(
              Part("field", "field", "the field it is for", required=True),
              Part("value", "text", "the other value", required=True),
              Part("source", "text", "the source that gives it", required=True, shown_as="according to {}"),
              Part("note", "text", "anything else", shown_as="note: {}"),
          ), show=240, option="--alternative"),
    Field("aliases", "ids", "Former IDs", "the IDs this record had before `mieux rename`; they still find it",
          "act-old-id", show=250),
]

_BY_NAME: dict[str, Field] = {}


def get(name: str) -> Field:
    if not _BY_NAME:
        _BY_NAME.update((f.name, f) for f in FIELDS)
    return _BY_NAME[name]


def has(name: str) -> bool:
    get("id")
    return name in _BY_NAME


def fields_of(kind: str) -> list[Field]:
    """The fields of a kind, in canonical order (the order of exports and of the questions)."""
    return [f for f in FIELDS if kind in f.kinds]


def names_of(kind: str) -> list[str]:
    return [f.name for f in fields_of(kind)]


def required(kind: str) -> list[str]:
    return [f.name for f in FIELDS if kind in f.required and f.type not in ("id", "kind")]


def recommended(kind: str) -> list[str]:
    return [f.name for f in FIELDS if kind in f.recommended]


def all_fields() -> list[Field]:
    return list(FIELDS)


def searched() -> list[Field]:
    return [f for f in FIELDS if f.weight]


def shown() -> list[Field]:
    return sorted((f for f in FIELDS if f.show is not None), key=lambda f: f.show)


def settable(kind: str) -> list[Field]:
    """The fields `add` asks for or takes as options, and `edit --set` sets."""
    return [f for f in fields_of(kind) if f.option]


@contextlib.contextmanager
def extended(*new_fields: Field):
    """The schema with extra fields, for as long as the block runs (tests, and a sketch of how a
    field is added). Changes FIELDS in place, so everything that derives from it sees them."""
    FIELDS.extend(new_fields)
    _BY_NAME.clear()
    try:
        yield
    finally:
        for new in new_fields:
            FIELDS.remove(new)
        _BY_NAME.clear()


# -- JSON Schema ---------------------------------------------------------------------------------

_DATE_PATTERN = r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"


def _json_type(f: Field) -> dict:
    """What an import file may hold for a field: what normalize accepts (codes or names, a plain
    text for an item's first part), not only the canonical form."""
    text = {"type": "string"}
    date = {"anyOf": [{"type": "string", "pattern": _DATE_PATTERN}, {"type": "integer"}]}
    if f.type in ("id", "link"):
        return {"type": ["string", "null"], "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
    if f.type == "kind":
        return {"enum": [*KINDS, *KIND_PLURALS]}
    if f.type == "date":
        return {"anyOf": [date, {"type": "null"}]}
    if f.type in ("text", "code"):
        return {"type": ["string", "integer", "null"] if f.type == "code" else ["string", "null"]}
    if f.type == "items":
        parts = {}
        for p in f.parts:
            kinds = {"date": date, "count": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}]},
                     "number": {"type": ["number", "string"]}}
            parts[p.name] = {"description": p.help, **kinds.get(p.type, text)}
            parts[p.name] = {"anyOf": [parts[p.name], {"type": "null"}]} if not p.required else parts[p.name]
        item = {"type": "object", "properties": parts, "additionalProperties": False,
                "required": [p.name for p in f.parts if p.required]}
        return {"type": ["array", "null"], "items": {"anyOf": [item, {"type": "string"}]}}
    single = {"type": ["string", "integer"]} if f.type == "codes" else text
    return {"anyOf": [{"type": "array", "items": single}, single, {"type": "null"}]}


def json_schema() -> dict:
    """A JSON Schema (draft 2020-12) for the records of an import file: a record or a list of them."""
    variants = []
    for kind in KINDS:
        properties = {}
        for f in fields_of(kind):
            description = f"{f.label}: {f.help}. Example: {f.example}"
            if f.vocab:
                description += f". Codes: `mieux vocab {f.vocab_for(kind)}`"
            properties[f.name] = {"description": description, **_json_type(f)}
        properties["kind"] = {"description": "the kind of record", "enum": [kind, f"{kind}s"]}
        variants.append({
            "title": kind, "description": KIND_HELP[kind], "type": "object", "properties": properties,
            "required": ["id", "kind", *required(kind)], "additionalProperties": False,
        })
    record = {"oneOf": variants}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "mieux import file",
        "description": "One record, or a list of records, as `mieux import` reads them (YAML or JSON).",
        "$defs": {"record": record},
        "anyOf": [{"$ref": "#/$defs/record"}, {"type": "array", "items": {"$ref": "#/$defs/record"}}],
    }
