"""The one text form of a field's value: a CSV cell, an `edit --set FIELD=VALUE`, an `add` option.

- A single value (text, date, code, ID) is itself.
- A list is its items joined by "; ": `Costa Rica; MX`.
- An item of an items field is its parts joined by " | ", in the schema's order, trailing empty
  parts left out: `MIEUX article | MIEUX (ICMPD) | 2018 | https://...`. A part can also be
  named, in any position: `MIEUX article | url=https://...`.
- Inside list items and parts, a backslash escapes the next character: "\\;", "\\|", "\\=",
  "\\\\". So any value, whatever it contains, is written and read back unchanged.

`to_cell(field, value)` and `from_cell(field, text)` are inverse: from_cell(to_cell(v)) gives back
what normalize stored. from_cell returns raw values (texts, mappings of texts) for normalize to
check, as any other way in does.
"""

from decimal import Decimal

from mieux_cli.model import schema

LIST_SEPARATOR = "; "
PART_SEPARATOR = " | "
_SPECIAL = "\\;|"


def _escape(text: str, extra: str = "") -> str:
    return "".join("\\" + c if c in _SPECIAL + extra else c for c in text)


def split_unescaped(text: str, separator: str) -> list[str]:
    """Split on every unescaped `separator` (one character); escapes are kept for the next step."""
    pieces, current, escaped = [], [], False
    for c in text:
        if escaped:
            current += ["\\", c]
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == separator:
            pieces.append("".join(current))
            current = []
        else:
            current.append(c)
    if escaped:
        current.append("\\")
    pieces.append("".join(current))
    return pieces


def _unescape(text: str) -> str:
    out, escaped = [], False
    for c in text:
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        else:
            out.append(c)
    if escaped:
        out.append("\\")
    return "".join(out)


def _scalar(value) -> str:
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # never an exponent, which would read back as text
    return str(value)


def to_cell(f: schema.Field, value) -> str:
    if value is None:
        return ""
    if not f.is_list:
        return _scalar(value)
    if f.type != "items":
        return LIST_SEPARATOR.join(_escape(_scalar(v)) for v in value)
    return LIST_SEPARATOR.join(_item_text(f, item) for item in value)


def _item_text(f: schema.Field, item: dict) -> str:
    names = [p.name for p in f.parts]
    parts = []
    for name in names:
        text = "" if item.get(name) is None else _escape(_scalar(item[name]))
        head, equals, _ = text.partition("=")
        if equals and head.strip() in names:  # would read back as a named part
            text = head + "\\=" + text[len(head) + 1:]
        parts.append(text)
    while parts and not parts[-1]:
        parts.pop()
    return PART_SEPARATOR.join(parts)


def from_cell(f: schema.Field, text: str):
    """A cell's text -> the raw value to normalize; an empty cell is no value."""
    if not f.is_list:
        return text.strip() or None
    items = [piece.strip() for piece in split_unescaped(text, ";")]
    items = [piece for piece in items if piece]
    if f.type != "items":
        return [_unescape(piece) for piece in items]
    return [_item(f, piece) for piece in items]


def _item(f: schema.Field, text: str) -> dict:
    names = [p.name for p in f.parts]
    item: dict = {}
    pieces = [piece.strip() for piece in split_unescaped(text, "|")]
    if len(pieces) > len(names):
        raise ValueError(f"'{_unescape(text)}' has {len(pieces)} parts; write {PART_SEPARATOR.join(names)}")
    for position, piece in enumerate(pieces):
        name, equals, rest = piece.partition("=")
        if equals and name.strip() in names:
            name, piece = name.strip(), rest.strip()
        else:
            name = names[position]
        if name in item:
            raise ValueError(f"'{_unescape(text)}' gives the {name} twice")
        if piece:
            item[name] = _unescape(piece)
    return item


# -- CSV cells -------------------------------------------------------------------------------

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection"); an
# apostrophe in front makes it text. One is added to a cell that starts with an apostrophe too, so
# that reading takes exactly one off and every value comes back unchanged.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_cell(f: schema.Field, value) -> str:
    text = to_cell(f, value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def from_csv_cell(f: schema.Field, text: str):
    return from_cell(f, text.removeprefix("'"))
