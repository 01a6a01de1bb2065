"""The exchange formats, one module each, and the registry that says which module reads and
writes which: a YAML folder (yaml_folder.py), JSON (json_file.py), CSV (csv_file.py), Excel
workbooks (xlsx_file.py) and IATI activity XML (iati/). importing.py and exporting.py plan and write whatever the format; files.py
holds what the formats share."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    module: str  # under mieux_cli.formats
    suffixes: tuple[str, ...]  # of the files it reads (a folder of YAML files too)
    help: str  # for `export --format`


FORMATS = {f.name: f for f in (
    Format("yaml", "yaml_folder", (".yaml", ".yml"), "a folder with a file per record"),
    Format("json", "json_file", (".json",), "one array"),
    Format("csv", "csv_file", (".csv",), "a row per record"),
    Format("xlsx", "xlsx_file", (".xlsx",), "an Excel workbook, a row per record, codes as names"),
    Format("iati", "iati", (".xml",), "IATI 2.03 activity XML: the Actions"),
)}


def of_suffix(suffix: str) -> Format | None:
    """The format of a file to import, by its name's suffix."""
    return next((f for f in FORMATS.values() if suffix.lower() in f.suffixes), None)
