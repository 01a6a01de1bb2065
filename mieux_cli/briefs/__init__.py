"""Briefs: the catalogue turned into a short, sourced text for a meeting or a publication.

`build` gathers what a brief says as plain data (the variables the README documents for custom
templates); `render` writes it through a Jinja2 template. The same catalogue and arguments give
the same brief, byte for byte: every list is sorted, and the date is the catalogue's last change,
never the clock.
"""

import re
import shlex
import textwrap
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.model import schema, vocab
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.display import date_words, item_text, source_text
from mieux_cli.model.facets import record_themes, status_label
from mieux_cli.model.schema import KIND_ORDER
from mieux_cli.queries.filters import Filters
from mieux_cli.text import clean

TEMPLATES = Path(__file__).parent / "templates"
MAX_TEMPLATE_BYTES = 1 << 20  # a brief template, with what it includes, is a page or two of text
def period(record: dict) -> str:
    """When, in words, as the status allows: a planned event "is to take place in October 2018"."""
    start, end = date_words(record.get("start")), date_words(record.get("end"))
    if start and end:
        span = start if start == end else f"{start} to {end}"
    elif start and record.get("status") in ("ongoing", "planned") and record["kind"] != "event":
        span = f"from {start}"
    else:
        span = start or (f"until {end}" if end else "")
    if span and record["kind"] == "event" and record.get("status") in ("planned", "cancelled"):
        return ("is to take place in " if record["status"] == "planned" else "was to take place in ") + span
    return span


def join_words(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else words or word + 's'}"


class _Sources:
    """Numbers each distinct source in the order the brief first cites it."""

    def __init__(self):
        self.numbers: dict[tuple, int] = {}

    def cite(self, record: dict) -> list[int]:
        cited = []
        for source in record["sources"]:
            key = tuple(source.get(p.name) for p in schema.SOURCE_PARTS)
            cited.append(self.numbers.setdefault(key, len(self.numbers) + 1))
        return sorted(set(cited))

    def listing(self) -> list[dict]:
        names = [p.name for p in schema.SOURCE_PARTS]
        listing = []
        for key, n in sorted(self.numbers.items(), key=lambda kv: kv[1]):
            source = dict(zip(names, key))
            text = source_text(source, local_copy=False)
            listing.append({"number": n, "text": text if source.get("url") else text + ".", "url": source.get("url"),
                            "markdown": _markdown_source(source)})
        return listing


_WITH_THE = ("United ", "Dominican Republic", "Central African Republic", "Czech Republic", "Netherlands",
             "Philippines", "Gambia", "Bahamas", "Comoros", "Maldives", "Seychelles", "Democratic Republic",
             "Republic of", "European Neighbourhood", "Holy See", "State of")


def in_sentence(name: str) -> str:
    """A country or region's name as a sentence uses it: 'the United States', 'the Dominican Republic'."""
    return f"the {name}" if name.startswith(_WITH_THE) or name.endswith(("Islands", "Republic")) else name


def _countries(codes) -> list[str]:
    return [vocab.country_name(c) for c in codes]


def _entry(record: dict, catalogue: Catalogue, sources: _Sources) -> dict:
    """What a template needs of one record, every code spelled out."""
    practices = sorted(catalogue.practices_linked_to(record["id"]), key=lambda r: r["id"])
    entry = {
        "id": record["id"],
        "kind": record["kind"],
        "title": record["title"],
        "summary": record.get("summary") or "",
        "countries": sorted(_countries(record["countries"])),
        "region": vocab.region_name(record["region"]) if record["region"] else "",
        "themes": [vocab.THEMES.label(code) for code in record_themes(record)],
        "areas": [vocab.AREAS.label(code) for code in vocab.AREAS if code in record["areas"]],
        "gcm": [f"{n} {vocab.GCM.label(n)}" for n in record["gcm"]],
        "period": period(record),
        "status": "status unknown" if record.get("status") == "unknown" else status_label(record),
        "sources": sources.cite(record),
        "practices": [{"id": p["id"], "title": p["title"]} for p in practices],
    }
    for field in ("outputs", "results", "why", "place", "text", "notes"):
        entry[field] = record.get(field) or ([] if field in ("outputs", "results") else "")
    for f in schema.all_fields():  # every item (a partner, an expert, a figure) as one line of text
        if f.type == "items" and f.name != "sources":
            entry[f.name] = [item_text(f, item) for item in record.get(f.name, [])]
    entry["hosts"] = [f"{p['name']} ({p['role']})" for p in record.get("partners", []) if p["role"] in ("host", "co-host")]
    entry["experts_phrase"] = experts_phrase(record.get("experts", []))
    entry["presented_as"] = vocab.PRACTICE_BASES.label(record["presented_as"]) if record.get("presented_as") else ""
    # "Round-table in Bangkok (evt-...), Bangkok" says the place twice
    place = record.get("place") or ""
    entry["place_in_title"] = bool(place) and place.split(",")[0].strip().lower() in record["title"].lower()
    entry["participants"] = sorted(_countries(record.get("participants", [])))
    entry["actions"] = [{"id": i, "title": catalogue.by_id[i]["title"]} for i in record.get("actions", []) if i in catalogue.by_id]
    event = catalogue.by_id.get(record.get("event") or "")
    entry["event"] = {"id": event["id"], "title": event["title"], "period": period(event)} if event else None
    return entry


def experts_phrase(experts: list[dict]) -> str:
    """'experts from Belgium (NGO) and Ireland (Academia)'; experts with no country by their kind."""
    f = schema.get("experts")
    from_countries = [item_text(f, e) for e in experts if e["country"]]
    others = [item_text(f, e) for e in experts if not e["country"]]
    parts = (["from " + join_words(from_countries)] if from_countries else []) + others
    if not parts:
        return ""
    return "experts " + parts[0] + "".join("; " + p for p in parts[1:]) if from_countries else "experts: " + "; ".join(parts)


def _by_kind(records: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {k: [] for k in KIND_ORDER}
    for record in sorted(records, key=lambda r: (r.get("start") or "9999", r["id"])):
        grouped[record["kind"]].append(record)
    return grouped


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
        where.append("about " + names(filters.countries, lambda c: in_sentence(vocab.country_name(c))))
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
        scope_parts.append("active in " + join_words(spans))
    if filters.statuses:
        scope_parts.append("with status " + join_words(sorted(filters.statuses)))
    if filters.tags:
        scope_parts.append("tagged " + join_words(sorted(f"'{t}'" for t in filters.tags)))
    if filters.kinds:
        scope_parts.append("(" + join_words(sorted(f"{k}s" for k in filters.kinds)) + " only)")
    return title, " ".join(scope_parts) + "."


def _context_facts(catalogue: Catalogue, filters: Filters, in_scope: list[dict]) -> list[dict]:
    """Facts in scope; a fact about a whole region (no countries) is context for a brief on a
    country of that region."""
    facts = [r for r in in_scope if r["kind"] == "fact"]
    regions = {vocab.COUNTRY_REGION[c] for c in filters.countries if c in vocab.COUNTRY_REGION}
    if regions:
        # Only facts count: other kinds are not read (a kind filter without facts keeps none).
        kinds = filters.kinds if filters.kinds and "fact" not in filters.kinds else {"fact"}
        wider = Filters(**{**filters.__dict__, "countries": set(), "regions": regions, "kinds": kinds})
        facts += [r for r in catalogue.select(wider) if r["kind"] == "fact" and not r["countries"] and r not in facts]
    return sorted(facts, key=lambda r: (r.get("start") or "9999", r["id"]))


def _year_span(spans: list[tuple[int, int]]) -> str:
    if not spans:
        return ""
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    return str(first) if first == last else f"{first}-{last}"


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


def split_by_role(records: list[dict], filters: Filters) -> tuple[list[dict], list[dict]]:
    """(records about the countries asked for, records where they only took part)."""
    if not filters.countries:
        return records, []
    about = [r for r in records if filters.role != "participant" and not filters.countries.isdisjoint(r["countries"])]
    took_part = [r for r in records if r not in about]
    return about, took_part


def build_scope(catalogue: Catalogue, filters: Filters, as_of: str) -> dict:
    in_scope = catalogue.select(filters)
    if not in_scope:  # wider context alone is no brief
        raise MieuxError("No records in this scope: there is nothing to brief on.", nearest_hint(catalogue, filters))
    about, took_part = split_by_role([r for r in in_scope if r["kind"] != "fact"], filters)
    facts = _context_facts(catalogue, filters, in_scope)
    title, scope = describe(filters)
    sources = _Sources()
    context = [_entry(f, catalogue, sources) for f in facts]
    grouped = _by_kind(about)
    entries = {kind: [_entry(r, catalogue, sources) for r in grouped[kind]] for kind in ("action", "practice", "event")}
    years = [span for r in about for span in [own_years(r)] if span]
    countries = {c for r in about for c in r["countries"]}
    attended = {c for r in about for c in r.get("participants", [])} - countries
    counted = [plural(len(grouped[kind]), word) for kind, word in
               (("action", "action"), ("practice", "good practice"), ("event", "event")) if grouped[kind]]
    return {
        "kind": "scope",
        "title": title,
        "scope": scope,
        "as_of": as_of,
        "context": context,
        "figures": {
            "counts": join_words(counted),
            "countries": "; ".join(sorted(_countries(countries))),
            "took_part": "; ".join(sorted(_countries(attended))),
            "themes": "; ".join(vocab.THEMES.label(t) for t in vocab.THEMES if any(t in record_themes(r) for r in about)),
            "years": _year_span(years),
            "undated": sum(1 for r in about if not own_years(r)),
        },
        "actions": entries["action"],
        "practices": entries["practice"],
        "events": entries["event"],
        "took_part": {
            "countries": join_words(sorted(in_sentence(c) for c in _countries(filters.countries))),
            "records": [_entry(r, catalogue, sources) for r in sorted(took_part, key=lambda r: (KIND_ORDER[r["kind"]], r["id"]))],
        },
        "sources": sources.listing(),
    }


def build_record(catalogue: Catalogue, record: dict, as_of: str) -> dict:
    """A brief on one event, action or practice, with the records linked to it."""
    if record["kind"] == "fact":
        raise MieuxError(f"'{record['id']}' is a fact: briefs are made for an event, an action or a practice.",
                         f"See it with `mieux show {shlex.quote(record['id'])}`.")
    sources = _Sources()
    main = _entry(record, catalogue, sources)
    practices = [_entry(p, catalogue, sources) for p in sorted(catalogue.practices_linked_to(record["id"]), key=lambda r: r["id"])]
    actions = [_entry(catalogue.by_id[a["id"]], catalogue, sources) for a in main["actions"]]
    if record["kind"] == "event":  # the actions whose practices were reported there
        ids = sorted({a for p in practices for a in catalogue.by_id[p["id"]]["actions"] if a in catalogue.by_id})
        actions = [_entry(catalogue.by_id[i], catalogue, sources) for i in ids]
    event = catalogue.by_id.get(record.get("event") or "")
    kind_label = {"event": "event", "action": "action", "practice": "good practice"}[record["kind"]]
    return {
        "kind": record["kind"],
        "title": f"MIEUX brief: {record['title']}",
        "scope": f"This brief summarises one {kind_label} of the MIEUX catalogue ({record['id']}) and the records linked to it.",
        "as_of": as_of,
        "record": main,
        "actions": actions,
        "practices": practices,
        "events": [_entry(event, catalogue, sources)] if event else [],
        "context": [],
        "sources": sources.listing(),
    }


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


def _markdown_source(source: dict) -> str:
    """A source in Markdown, its title linked when it has a link: [Title](https://...). Publisher."""
    text = _markdown(source_text({**source, "url": None}, local_copy=False))
    if not source.get("url"):
        return text + "."
    title = _markdown(source["title"])
    url = source["url"].replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{title}](<{url}>)" + text[len(title):] + "."


# -- rendering -----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _text(value) -> str:
    """Record text as one line, control characters made visible: it cannot break the layout."""
    return " ".join(clean(value).split())


def _markdown(value) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _text(value))


def _user_templates(folder: Path):
    """A loader for a user's template and those it includes, from its folder: each read only if
    it is a regular file, and never more than MAX_TEMPLATE_BYTES (jinja2's own loader would open
    a named pipe and wait, or read /dev/zero for ever)."""
    import jinja2
    from jinja2.loaders import split_template_path

    from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

    def load(name: str):
        path = folder.joinpath(*split_template_path(name))  # refuses names that leave the folder
        hint = "Give the path of a Jinja2 template file."
        try:
            data = read_regular_file(path, MAX_TEMPLATE_BYTES)
        except FileNotFoundError:
            return None  # jinja2 says which template is missing
        except NotRegularFile as e:
            raise MieuxError(f"The template {path} is {e.what}, not a template file.", hint) from None
        except TooLarge as e:
            raise MieuxError(f"The template {path} is too large ({e}).", hint) from None
        except OSError as e:
            raise MieuxError(f"Cannot read the template {path}: {e.strerror or e}.", hint) from None
        try:
            return data.decode("utf-8"), str(path), lambda: True
        except UnicodeDecodeError:
            raise MieuxError(f"The template {path} is not UTF-8 text.", "Save it as UTF-8.") from None

    return jinja2.FunctionLoader(load)


def _compiled_templates():
    """Templates compiled once and kept between runs, in the user's cache folder (compiling the
    shipped ones took most of a small brief's time); keyed by each template's text, so an edited
    one is compiled again. Only from a folder of this user's that no one else may write to, and
    never a reason for a brief to fail."""
    import contextlib
    import os
    import stat

    import jinja2
    from platformdirs import user_cache_path

    class Compiled(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError, TypeError):  # a cache file cut short or damaged: compile
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    folder = user_cache_path("mieux", appauthor=False) / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.stat(folder)
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return Compiled(str(folder))


def render(brief: dict, fmt: str, width: int, template: Path | None = None) -> str:
    import jinja2

    loader = _user_templates(template.parent) if template else jinja2.FileSystemLoader([str(TEMPLATES)])
    env = jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             bytecode_cache=_compiled_templates())
    escape = _markdown if fmt == "markdown" else _text

    def wrap(value, indent: str = "", first: str | None = None) -> str:
        """A paragraph wrapped to the width; `first` prefixes its first line (a bullet)."""
        if fmt == "markdown":
            return (first if first is not None else indent) + str(value)
        lead = first if first is not None else indent
        return "\n".join(textwrap.wrap(str(value), width=width, initial_indent=lead, subsequent_indent=indent,
                                       break_long_words=False, break_on_hyphens=False)) or lead.rstrip()

    env.filters.update(e=escape, wrap=wrap, words=join_words, codespan=lambda value: f"`{value}`")
    env.globals.update(plural=plural, width=width)
    name = template.name if template else ("brief.md.j2" if fmt == "markdown" else "brief.txt.j2")
    try:
        text = env.get_template(name).render(brief=brief)
    except jinja2.TemplateError as e:
        raise MieuxError(f"The template {name} cannot be used: {e}.", "See the README for the variables a brief has.") from None
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
