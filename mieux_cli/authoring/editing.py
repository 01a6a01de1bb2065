"""A record as text to edit: the commented YAML an editor opens, read back and validated with
each problem on the line it is about, and `--set FIELD=VALUE` assignments."""

import difflib
import re

from mieux_cli.errors import InvalidRecord, MieuxError
from mieux_cli.model import schema
from mieux_cli.model.records import normalize
from mieux_cli.text import a_or_an

_SET = re.compile(r"^([a-z_]+)=(.*)$", re.DOTALL)


def parse_assignments(assignments: list[str], kind: str) -> dict:
    """['title=New', 'countries=CR; MX'] -> {'title': 'New', 'countries': ['CR', 'MX']}: each value
    in the text form of cells.py (lists separated by '; ', an item's parts by ' | '); an empty
    value clears the field."""
    from mieux_cli.model.cells import from_cell

    names = [f.name for f in schema.settable(kind)]
    values = {}
    for assignment in assignments:
        match = _SET.match(assignment.strip())
        if not match:
            raise MieuxError(f"'{assignment}' is not FIELD=VALUE.", "Write for example --set title='New title'.")
        name, value = match.groups()
        if name in ("id", "kind"):
            raise MieuxError(f"The {name} of a record cannot be changed here.",
                             "Add a new record and remove this one instead." if name == "kind" else "Use `mieux rename`.")
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"Did you mean '{close[0]}'? " if close else ""
            raise MieuxError(f"{a_or_an(kind).capitalize()} has no field '{name}'.", f"{hint}Its fields: {', '.join(names)}.")
        try:
            values[name] = from_cell(schema.get(name), value)
        except ValueError as e:
            raise MieuxError(f"--set {name}: {e}.") from None
    return values


def edited(record: dict, changes: dict) -> dict:
    """The record with `changes` applied, validated like every other way in."""
    return normalize({**record, **changes})


def edit_header(record: dict) -> str:
    """The comment on top of a record in the editor: what each of its fields holds."""
    fields = schema.settable(record["kind"])
    width = max(len(f.name) for f in fields)
    lines = [
        f"Editing {record['id']} ({record['kind']}). Change what you need, then save and close the editor.",
        "Close it without saving to leave the record as it is. Lines starting with # are ignored.",
        "Codes and names both work (`mieux vocab` lists the codes); dates are 2017, 2017-03 or 2017-03-15.",
        "Fields:",
        *(f"  {f.name:<{width}}  {f.help}" + (f"; parts: {', '.join(p.name for p in f.parts)}" if f.parts else "")
          for f in fields),
    ]
    return "".join(f"# {line}\n" for line in lines)


def editable_text(record: dict) -> str:
    """The record as commented YAML for an editor."""
    import yaml

    body = {f.name: record.get(f.name, f.empty()) for f in schema.settable(record["kind"])}
    return edit_header(record) + yaml.safe_dump(
        body, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 16)


_ERROR_LINE = "# ERROR: "


_ERRORS_END = ("# Fix what these errors name, save and close; close without saving to give up.", "#")


_LINE = re.compile(r"^line (\d+): ")


def with_errors(text: str, messages: list[str]) -> str:
    """The edited text again, with the problems found written on top; each names the line it is on
    in this new text (the lines above it counted)."""
    lines = text.splitlines(keepends=True)
    removed = 0
    while lines and (lines[0].startswith(_ERROR_LINE) or lines[0].rstrip("\n") in _ERRORS_END):
        lines.pop(0)
        removed += 1
    header = len(messages) + len(_ERRORS_END)
    numbered = []
    for message in messages:
        match = _LINE.match(message)
        if match:  # a YAML error: its line in the text as saved
            message = f"line {int(match.group(1)) - removed + header}: " + message[match.end():]
        else:  # a field's problem: the line of that field
            field = message.split(":", 1)[0]
            at = next((i for i, line in enumerate(lines) if line.startswith(f"{field}:")), None)
            if at is not None:
                message = f"line {at + 1 + header}: {message}"
        numbered.append(_ERROR_LINE + message + "\n")
    return "".join(numbered) + "".join(line + "\n" for line in _ERRORS_END) + "".join(lines)


def parse_edited(text: str, record: dict) -> dict:
    """The edited text -> the validated record; errors as a list of one-line messages."""
    import yaml

    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise EditErrors([f"{where}this is not valid YAML ({getattr(e, 'problem', None) or e})"]) from None
    if not isinstance(body, dict):
        raise EditErrors(["the file should hold the record's fields, one 'field: value' per line"])
    if "id" in body and body["id"] != record["id"] or "kind" in body and body["kind"] != record["kind"]:
        raise EditErrors(["the ID and kind cannot be changed; remove those lines"])
    kept = {f.name: record.get(f.name) for f in schema.fields_of(record["kind"]) if not f.option}
    try:
        return normalize({**body, **kept})
    except InvalidRecord as e:
        raise EditErrors([f"{field}: {message}" for field, message in e.problems]) from None


class EditErrors(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages
