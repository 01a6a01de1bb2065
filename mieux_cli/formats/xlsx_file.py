"""Excel workbooks, for colleagues who live in spreadsheets: one sheet, a row of field names, then
a record a row, each cell as text in the one text form of values (model/cells.py), with codes
written as names ("Costa Rica", "Legal Migration and Mobility") that import reads back as the
same codes. Text cells are never formulas, whatever they start with. openpyxl is imported only
here, when a workbook is written or read."""

import io
from datetime import date, datetime
from pathlib import Path

from mieux_cli.formats.files import MAX_IMPORT_BYTES, Item, UnreadableFile, nothing
from mieux_cli.model import schema
from mieux_cli.model.cells import from_cell, to_cell
from mieux_cli.model.display import code_text

SHEET = "records"


def named(f: schema.Field, record: dict):
    """A field's value with its codes as names: what a colleague reads in a cell."""
    value = record.get(f.name)
    vocabulary = f.vocab_for(record["kind"])
    if value in (None, []) or f.name == "status":
        return value
    if f.type == "code" and vocabulary:
        return code_text(vocabulary, value)
    if f.type == "codes" and vocabulary:
        return [code_text(vocabulary, c) for c in value]
    if f.type == "items":
        return [{p.name: code_text(p.vocab, item[p.name]) if p.type == "code" and item.get(p.name) is not None
                 else item.get(p.name) for p in f.parts} for item in value]
    return value


def data(records: list[dict], advance=nothing) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    fields = schema.all_fields()
    of_kind = {kind: {f.name for f in schema.fields_of(kind)} for kind in schema.KINDS}
    sheet.append([f.name for f in fields])
    for record in records:
        kind_fields = of_kind[record["kind"]]
        sheet.append([_text_cell(sheet, to_cell(f, named(f, record)) if f.name in kind_fields else "") for f in fields])
        advance()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, text: str):
    """A cell that holds `text` as text: openpyxl would take '=SUM(A1)' for a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"
    return cell


def read_file(path: Path, name: str, reached=lambda fraction: None) -> list[Item]:
    """The records of a workbook's first sheet, as `data` writes them (and as a colleague edits them)."""
    import zipfile

    from openpyxl import load_workbook

    from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

    try:
        payload = read_regular_file(path, MAX_IMPORT_BYTES)
    except (NotRegularFile, TooLarge) as e:
        raise UnreadableFile(name, None, f"not a file that can be imported ({e})") from None
    except OSError as e:
        raise UnreadableFile(name, None, f"cannot be read: {e.strerror or e}") from None
    try:
        workbook = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise UnreadableFile(name, None, f"not an Excel workbook (.xlsx) that can be read ({e})",
                             "Save it from Excel as an Excel Workbook (.xlsx), or as CSV.") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(c).strip().lower() for c in next(rows, ())]
    known = [c for c in header if schema.has(c)]
    if not known or "kind" not in header:
        raise UnreadableFile(name, 1, "the first row of the first sheet is not a row of field names with a 'kind' "
                             "column", "Start from a workbook `mieux export --format xlsx` wrote.")
    items = []
    total = max(sheet.max_row or 1, 1)
    for number, row in enumerate(rows, start=2):
        cells = [_text(c) for c in row]
        if not any(c.strip() for c in cells):
            continue
        item = Item({}, name, number)
        for column, cell in zip(header, cells):
            if not cell.strip() or not schema.has(column):
                if cell.strip() and column:
                    item.raw[column] = cell  # normalize names the field that does not exist
                continue
            try:
                item.raw[column] = from_cell(schema.get(column), cell)
            except ValueError as e:
                item.problems.append((column, str(e)))
        items.append(item)
        reached(number / total)
    workbook.close()
    return items


def _text(value) -> str:
    """A cell as text: a number a colleague typed as itself (45, not 45.0), a date as a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
