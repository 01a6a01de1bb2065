"""Export: the order every export writes records in, and the one file or folder each format
writes, whatever the format (the formats' own modules know how)."""

from dataclasses import dataclass, field
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats.files import nothing
from mieux_cli.model.records import canonical
from mieux_cli.model.schema import KIND_ORDER


def export_order(records: list[dict]) -> list[dict]:
    """Canonical records sorted by kind (action, practice, event, fact), then ID: every export's order."""
    return sorted((canonical(r) for r in records), key=lambda r: (KIND_ORDER[r["kind"]], r["id"]))


@dataclass
class Document:
    """A one-file export: its bytes, what it holds ("24 records", "4 Actions"), in words ("as IATI
    2.03 activities"), and what the format could not carry, one line each."""

    data: bytes
    count: int
    noun: str = "record"
    described: str = ""
    report: list[str] = field(default_factory=list)


def document(fmt: str, records: list[dict], advance=nothing, publisher=None, list_others: bool = False) -> Document:
    """The records as one CSV, Excel or IATI file (`publisher`: for IATI, formats.iati.publisher;
    `list_others`: name the Actions other publishers report, which are not exported). MieuxError
    when IATI would hold no activity, which no IATI file may. JSON is written as it is read
    (json_file.array_pieces), never made whole."""
    if fmt == "csv":
        from mieux_cli.formats import csv_file

        return Document(csv_file.text(records, advance).encode("utf-8"), len(records))
    if fmt == "xlsx":
        from mieux_cli.formats import xlsx_file

        return Document(xlsx_file.data(records, advance), len(records))
    from datetime import UTC, datetime

    from mieux_cli.formats.iati import VERSION
    from mieux_cli.formats.iati.writing import export, report_lines

    result = export(records, publisher, datetime.now(UTC))
    report = report_lines(result, publisher.ref, list_others)
    if not result.exported:
        hint = ("Complete the Actions listed above, or change the filters." if result.incomplete else
                "Export the Actions made in mieux or published by you." if result.others else
                "Choose Actions: mieux export actions --format iati ..." if result.other_kinds else "Try fewer filters.")
        raise ExportRefused("There is no Action to write, and an IATI file holds at least one activity.", hint, report)
    return Document(result.xml, len(result.exported), "Action", f" as IATI {VERSION} activities", report)


class ExportRefused(MieuxError):
    """Nothing was exported; `report` says what the format could not carry, and why."""

    def __init__(self, message: str, hint: str, report: list[str]):
        super().__init__(message, hint)
        self.report = report


def folder(records: list[dict], target: Path, prune: bool, advance=nothing):
    """The records as a YAML folder (yaml_folder.export_folder)."""
    from mieux_cli.formats.yaml_folder import export_folder

    return export_folder(records, target, prune, advance)
