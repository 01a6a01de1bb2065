"""Field values in words, as `show`, `add`'s preview and briefs write them: codes spelled out,
items as one line each. Plain strings; the output layer escapes them."""

from mieux_cli.model import schema, vocab
from mieux_cli.model.facets import derived_themes, record_themes, status_label
from mieux_cli.model.records import parse_date

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def code_text(vocabulary: str, code) -> str:
    """'CR' -> 'Costa Rica'; 'host' -> 'Host'; 10 -> 'Eradicate trafficking'."""
    return vocab.country_name(code) if vocabulary == "countries" else vocab.get(vocabulary).label(code)


def date_words(value: str | None) -> str:
    """'2018-07' -> 'July 2018'; '2018-07-15' -> '15 July 2018'; a date a hand edit broke
    ('2017-13') as it is written (`mieux check` reports it)."""
    if not value:
        return ""
    try:
        canonical = parse_date(value)
    except (ValueError, TypeError):
        return str(value)
    parts = canonical.split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def number_text(value, unit: str | None) -> str:
    """45 and 'people' -> '45 people'; 300 and '%' -> '300%'; 15000 -> '15,000'; 50000.5 -> '50,000.50'."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, int) or value.is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}" if abs(value) >= 1000 else str(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def source_text(source: dict, local_copy: bool = True) -> str:
    """A source as a citation: 'Title. Publisher. 2018. https://... (es; at p. 3)' (no full stop
    after a link, which would become part of it when pasted, nor after a title ending in '?');
    the name of its local copy, which only `show` needs, with `local_copy`."""
    text = ""
    for part in [source[p] for p in ("title", "publisher", "date", "url") if source.get(p)]:
        # no full stop after a title that ends in one, or in '?' or '!'
        text += (part if not text else f" {part}" if text.endswith((".", "?", "!")) else f". {part}")
    extras = [source["language"]] if source.get("language") else []
    f = schema.get("sources")
    extras += [f.part(p).shown_as.format(source[p]) for p in ("accessed", "page", "file")[:3 if local_copy else 2]
               if source.get(p)]
    return text + (f" ({'; '.join(extras)})" if extras else "")


def part_text(part: schema.Part, value) -> str:
    if part.type == "code":
        return code_text(part.vocab, value)
    return str(value)


def item_text(f: schema.Field, item: dict) -> str:
    """An item in one line: its first part given, then the others in brackets:
    'National Institute of Migration (Host; Mexico; Agency)', 'participants: 45 people (as of 2018)'."""
    if f.name == "sources":
        return source_text(item)
    if f.name == "funding":  # 'Budget: 250,000 EUR in 2019'
        text = f"{code_text('funding-types', item['type'])}: {number_text(item['value'], item.get('currency'))}"
        return text + (f" in {item['year']}" if item.get("year") else "")
    shown = []
    for part in f.parts:
        value = item.get(part.name)
        if value is None or part.name == "unit" and any(p.type == "number" for p in f.parts):
            continue
        text = number_text(value, item.get("unit")) if part.type == "number" else part_text(part, value)
        shown.append((part, text))
    if not shown:
        return ""
    (first, lead), rest = shown[0], shown[1:]
    if first.name in ("label", "field") and rest:  # 'participants: 45 people', 'end: 2019-03'
        (_, value), rest = rest[0], rest[1:]
        lead = f"{lead}: {value}"
    return lead + (" (" + "; ".join(p.shown_as.format(t) for p, t in rest) + ")" if rest else "")


def value_lines(f: schema.Field, record: dict) -> list[str]:
    """A field of a record as the lines `show` prints; [] when it is empty. Themes include those
    its specific areas give, marked as such."""
    if f.name == "themes":
        derived = derived_themes(record)
        return [f"{t}  {code_text('themes', t)}" + (" (from its specific areas)" if t in derived else "")
                for t in record_themes(record)]
    value = record.get(f.name)
    if value in (None, [], ""):
        return []
    if f.name == "status":
        return [status_label(record)]
    vocabulary = f.vocab_for(record["kind"])
    if f.type == "code":
        return [f"{value}  {code_text(vocabulary, value)}" if vocabulary != "countries" else code_text(vocabulary, value)]
    if f.type == "codes":
        if vocabulary == "countries":
            return [f"{code_text(vocabulary, c)} ({c})" for c in value]
        if vocabulary == "principles":
            return [code_text(vocabulary, c) for c in value]
        return [f"{c}  {code_text(vocabulary, c)}" for c in value]
    if f.type == "items":
        lines = [item_text(f, item) for item in value]
        return [f"[{i}] {line}" for i, line in enumerate(lines, 1)] if f.name == "sources" else lines
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def period_label(record: dict) -> str:
    """'2013 to 2017', '2018-07', 'from 2017', 'until 2018'."""
    start, end = record.get("start"), record.get("end")
    if start and end:
        return start if start == end else f"{start} to {end}"
    if start:
        return f"from {start}" if record.get("status") in ("ongoing", "planned") else start
    return f"until {end}" if end else ""


def record_fields(record: dict) -> list[tuple[str, list[str]]]:
    """A record's fields as (label, lines) in `show` order, codes spelled out; empty ones left
    out. Start and end are one "When" line; links are listed with the linked records."""
    kind_fields = {f.name for f in schema.fields_of(record["kind"])}
    pairs = []
    for f in schema.shown():
        if f.name not in kind_fields:
            continue
        if f.name == "start":
            if record.get("start") or record.get("end"):
                pairs.append(("When", [period_label(record)]))
            continue
        lines = value_lines(f, record)
        if lines:
            pairs.append((f.label, lines))
    return pairs
