"""CSV: one row per record and a column per field, each cell in the one text form of values
(model/cells.py: list items joined with "; ", the parts of a source or a partner with " | ",
backslash escapes), with formula-like cells neutralised for spreadsheets; and read back."""

import io

from mieux_cli.formats.files import Item, UnreadableFile, nothing
from mieux_cli.model import schema
from mieux_cli.model.cells import csv_cell, from_csv_cell


def columns() -> list[schema.Field]:
    """Every field, in the schema's order, once."""
    return schema.all_fields()


def text(records: list[dict], advance=nothing) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    fields = columns()
    writer.writerow([f.name for f in fields])
    for record in records:
        writer.writerow([csv_cell(f, record.get(f.name)) for f in fields])  # other kinds' fields: empty
        advance()
    return buffer.getvalue()


DELIMITERS = (",", ";", "\t")  # Excel writes ";" where the decimal separator is a comma (French, Spanish, German)


def delimiter(text: str) -> str:
    """The delimiter the header row is written with: the one that splits it into the most field names."""
    import csv

    first = text.split("\n", 1)[0]

    def named(candidate: str) -> int:
        header = next(csv.reader([first], delimiter=candidate), [])
        return sum(1 for column in header if schema.has(column.strip().lower()))

    return max(DELIMITERS, key=lambda d: (named(d), d == ","))


def read(text: str, name: str, reached=lambda fraction: None) -> list[Item]:
    """A header row of field names, then one record a row, as `csv_text` writes them, with commas,
    semicolons or tabs between cells (as the header row shows)."""
    import csv

    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter(text))
    items, line = [], 1
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        _check_header(header, name)
        twice = [c for c in dict.fromkeys(header) if header.count(c) > 1]
        if twice:
            raise UnreadableFile(name, 1, f"the column '{twice[0]}' appears twice in the header")
        while True:
            line = reader.line_num + 1  # where the next row starts (a quoted cell may span lines)
            row = next(reader, None)
            if row is None:
                break
            if any(cell.strip() for cell in row):
                items.append(_row_item(header, row, name, line))
    except csv.Error as e:
        raise UnreadableFile(name, line, f"not valid CSV: {e}") from None  # the line where its row starts
    return items


def _check_header(header: list[str], name: str) -> None:
    """A header that cannot be a catalogue's, refused in plain words before any row is read."""
    known = [c for c in header if schema.has(c) or c in _FORMAT_1_COLUMNS]
    if not known:
        shown = ", ".join(repr(c) for c in header[:3] if c) or "nothing"
        raise UnreadableFile(name, 1, f"the first row names no field of a record (it holds {shown}): a CSV file to "
                             "import starts with a row of field names such as id, kind, title",
                             "Export a CSV file with `mieux export --format csv` to see the columns, and keep its first row.")
    if "kind" not in header:
        raise UnreadableFile(name, 1, "the header has no 'kind' column, which says what each row is (action, "
                             "practice, event or fact)", "Add a kind column, and a kind on every row.")


def _row_item(header: list[str], row: list[str], name: str, line: int) -> Item:
    item = Item({}, name, line)
    if len(row) != len(header):
        item.problems.append(("row", f"has {len(row)} cells but the header has {len(header)} columns"))
    for column, cell in zip(header, row):
        if not cell.strip():  # an empty field; and every other kind's columns are empty
            continue
        if not schema.has(column) and column in _FORMAT_1_COLUMNS:  # upgraded by migrations.upgrade_record
            item.raw[column] = [v.strip() for v in cell.split("; ") if v.strip()] if column == "hosts" else cell
            continue
        try:
            item.raw[column] = from_csv_cell(schema.get(column), cell) if schema.has(column) else cell
        except ValueError as e:
            item.problems.append((column, str(e)))
    return item


# Columns of format-1 exports that format 2 keeps under another name (migrations.py): an event's
# hosts (a list, joined with "; " as format 1 wrote lists) and a fact's figure.
_FORMAT_1_COLUMNS = ("hosts", "figure")
