"""import and export."""

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.cli.commands import (
    commit,
    load_catalogue,
    options,
    refuse_writing_over_the_catalogue,
    store,
)


def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(
        metavar="PATH", show_default=False,
        help="A YAML, JSON or CSV file, a folder of YAML files as `mieux export` writes them, or an IATI "
        "activity file (.xml).",
    )],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be added and changed; write nothing.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also list each record added or changed.")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="CODE", show_default=False,
        help="IATI files: the language of the texts to keep, ISO 639-1 (default en); a text with none in it "
        "keeps the first language given.",
    )] = None,
    country: Annotated[list[str] | None, typer.Option(
        "--country", "-c", metavar="NAME", show_default=False,
        help="IATI files: only the activities in this recipient country (name or ISO code); repeat for several.",
    )] = None,
    sector: Annotated[list[str] | None, typer.Option(
        "--sector", metavar="CODE", show_default=False,
        help="IATI files: only the activities with this sector code (15190 is migration); repeat for several.",
    )] = None,
    reporting_org: Annotated[list[str] | None, typer.Option(
        "--reporting-org", metavar="REF", show_default=False,
        help="IATI files: only the activities this organisation identifier published; repeat for several.",
    )] = None,
    exclude_country: Annotated[list[str] | None, typer.Option(
        "--exclude-country", metavar="NAME", show_default=False,
        help="IATI files: leave out the activities in this recipient country; repeat for several.",
    )] = None,
    exclude_reporting_org: Annotated[list[str] | None, typer.Option(
        "--exclude-reporting-org", metavar="REF", show_default=False,
        help="IATI files: leave out the activities this organisation identifier published; repeat for several.",
    )] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid",
        help="Import every valid record and set the others aside, with their problems, in a report file "
        "(default: one problem and nothing is imported).",
    )] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", metavar="FILE", show_default=False,
        help="With --skip-invalid: where to write the records set aside (default: a file in mieux's cache folder, "
        "named on standard error).",
    )] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace a record already in the catalogue whole, rather than update only the fields "
        "the file gives.",
    )] = False,
    prune: Annotated[bool, typer.Option(
        "--prune", help="A folder written by `mieux export`: also remove the records its exports removed "
        "(those its .mieux-export.json lists as removed), as a colleague's removals.",
    )] = False,
) -> None:
    """Add and update records from a YAML, JSON or CSV file, a folder of YAML files, or an IATI file.

    Records are matched by ID: new ones are added; one already in the catalogue is updated in the
    fields the file gives, and keeps the others (--replace replaces it whole); identical ones are
    left alone. Everything is checked first; if any record has a problem, nothing is written and
    every problem is listed with its file and line (--skip-invalid imports the others and writes
    the problems to a report file). It prints one summary line, naming what each changed record
    gains and loses; --verbose lists each record too, --dry-run each change field by field.

    An IATI activity file (2.01 to 2.03, as the IATI Registry, d-portal or the Datastore serve
    it) is read as Actions; --dry-run also lists, per activity, what mieux has no field for.

    Examples:

      mieux import new-actions.yaml --dry-run

      mieux import exported/

      mieux import /mnt/shared/catalogue/ --prune --dry-run

      mieux import records.csv

      mieux import activities.xml --sector 15190 --country MX --lang es --dry-run

      mieux import datastore-download.xml --skip-invalid --exclude-reporting-org XM-DAC-41114
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import EXIT_USAGE, MieuxError
    from mieux_cli.formats import importing
    from mieux_cli.formats.import_checks import ImportRefused
    from mieux_cli.text import count_of

    out = Output()
    if report is not None and not skip_invalid:
        raise MieuxError("--report names the file for the records --skip-invalid sets aside.",
                         "Add --skip-invalid, or leave out --report.")
    chosen = _iati_options(lang, country, sector, reporting_org, exclude_country, exclude_reporting_org)
    reading = importing.read_import(path, out.progress, chosen)
    pruned = _pruned(path) if prune else frozenset()
    items = reading.items
    with out.progress(len(items), "Importing") as advance:
        prepared = importing.prepare(items, advance)
    target = store(ctx)
    creating = not target.path.exists()
    try:
        publisher_ref = _publisher_ref() if any(item.previous for item in items) else None
        how = {"publisher_ref": publisher_ref, "replace": replace, "skip_invalid": skip_invalid, "pruned": pruned}
        plan = _dry_run(target, prepared, creating, how) if dry_run else _import(ctx, prepared, out.progress, how)
    except ImportRefused as e:
        show_problems(out, e.problems)
        out.notice(str(e))
        raise typer.Exit(EXIT_USAGE) from None
    if plan.skipped:
        _report_skipped(out, plan, report or _default_report(path), dry_run)
    if dry_run:
        _show_plan(out, plan)
        for line in reading.report:
            out.line(line)
        _show_not_kept(out, items)
        out.notice(f"Dry run: nothing was written{' (the catalogue file would be created)' if creating else ''}.")
        return
    if creating:
        out.notice(f"Created a new catalogue at {target.path} with the {len(plan.added)} imported records.")
    _show_changes(out, plan, verbose)
    for line in reading.report:
        out.notice(line)
    with_notes = sum(1 for item in items if item.notes)
    if with_notes:
        out.notice(f"{count_of(with_notes, 'record')} came with parts mieux has no field for; "
                   f"`mieux import --dry-run {shlex.quote(str(path))}` lists them.")


def _pruned(path: Path) -> frozenset[str]:
    from mieux_cli.errors import MieuxError
    from mieux_cli.formats.yaml_folder import removed_in

    if not path.is_dir():
        raise MieuxError(f"--prune takes a folder written by `mieux export`; {path} is not a folder.",
                         "Leave out --prune to import a file.")
    return frozenset(removed_in(path))


def _iati_options(lang, countries, sectors, reporting_orgs, exclude_countries, exclude_reporting_orgs):
    """What to read from an IATI file; None when no option chooses (the defaults)."""
    if lang is None and not (countries or sectors or reporting_orgs or exclude_countries or exclude_reporting_orgs):
        return None
    from mieux_cli.formats.iati.reading import ReadOptions
    from mieux_cli.model import vocab

    def codes(values):
        return tuple(dict.fromkeys(vocab.COUNTRIES.resolve(c) for c in values or []))

    def refs(values):
        return tuple(dict.fromkeys(v.strip() for v in values or []))

    return ReadOptions(lang=vocab.LANGUAGES.resolve(lang) if lang else "en", countries=codes(countries),
                       sectors=refs(sectors), reporting_orgs=refs(reporting_orgs),
                       exclude_countries=codes(exclude_countries), exclude_reporting_orgs=refs(exclude_reporting_orgs))


def _default_report(path: Path) -> Path:
    """Where the records --skip-invalid sets aside are written when --report does not say: a file
    of its own in mieux's cache folder, named after the import and the time."""
    from datetime import UTC, datetime

    from platformdirs import user_cache_path

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return user_cache_path("mieux", appauthor=False) / "import-reports" / f"{path.stem or 'import'}-{stamp}.txt"


def _report_skipped(out, plan, report: Path, dry_run: bool) -> None:
    """Write the problems of the records set aside to `report`, and name it on standard error."""
    from mieux_cli.errors import MieuxError
    from mieux_cli.formats.files import write_file
    from mieux_cli.text import count_of

    n = plan.skipped_records
    lines = [(f"{count_of(n, 'record')} {'would be' if dry_run else 'were'} set aside by --skip-invalid, with "
             f"{count_of(len(plan.skipped), 'problem')}:"), *(str(p) for p in plan.skipped)]
    try:
        report.parent.mkdir(parents=True, exist_ok=True)
        write_file(report, ("\n".join(lines) + "\n").encode("utf-8"))
    except (OSError, MieuxError) as e:
        out.notice(f"Could not write the report {report} ({e}); the records set aside are:")
        for line in lines[1:]:
            out.notice(line)
        return
    out.notice(f"{'Would set' if dry_run else 'Set'} aside {count_of(n, 'invalid record')}: {report} lists "
               f"{'it' if n == 1 else 'them'} with {'its' if n == 1 else 'their'} problems.")


def show_problems(out, problems: list) -> None:
    """One line per problem, in file order; past PROBLEMS_LISTED, a count of the rest."""
    from mieux_cli.formats.importing import PROBLEMS_LISTED

    for problem in problems[:PROBLEMS_LISTED]:
        out.error(str(problem))
    hidden = len(problems) - PROBLEMS_LISTED
    if hidden > 0:
        out.notice(f"... and {hidden} more problems (the first {PROBLEMS_LISTED} are listed).")


def _publisher_ref() -> str | None:
    """The IATI publisher of the settings, whose own activities an IATI file may rename."""
    from mieux_cli.storage import settings

    return settings.load().get("iati.publisher-ref")


def _import(ctx: typer.Context, prepared, progress, how: dict):
    """Plan and apply under the lock, against the catalogue as it is then; a missing file starts
    empty (Store.load would first fill it with the shipped records). The plan applied."""
    from mieux_cli.formats.import_plan import plan_import

    planned = []

    def plan(catalogue):
        planned[:] = [plan_import(prepared, catalogue, **how)]
        return planned[0].changes

    commit(ctx, plan, progress)
    return planned[0]


def _dry_run(target, prepared, creating: bool, how: dict):
    from mieux_cli.formats.import_plan import plan_import
    from mieux_cli.model.catalogue import Catalogue

    return plan_import(prepared, Catalogue([]) if creating else target.load(), **how)


def _show_changes(out, plan, verbose: bool) -> None:
    out.line(plan.summary())
    if not verbose:  # thousands of records would scroll the summary away
        return
    for record_id in plan.added:
        out.line(f"added  {record_id}")
    for record_id in plan.changed:
        out.line(f"changed  {record_id}" + (f" ({plan.effects[record_id]})" if str(plan.effects[record_id]) else ""))
    for old_id, new_id in plan.renamed.items():
        out.line(f"renamed  {old_id} -> {new_id}")
    for record_id in plan.relinked:
        out.line(f"relinked  {record_id}")
    for record_id in plan.removed:
        out.line(f"removed  {record_id}")


def _show_plan(out, plan) -> None:
    from mieux_cli.storage.history import diff

    out.line(plan.summary(would=True))
    renamed_to = set(plan.renamed.values())
    for change in plan.changes:
        if change.op == "add" and change.record_id not in renamed_to:
            out.line(f"add  {change.record_id}")
    for record_id in plan.removed:
        out.line(f"remove  {record_id}")
    records = {(c.op, c.record_id): c for c in plan.changes}
    for old_id, new_id in plan.renamed.items():
        out.line(f"rename  {old_id} -> {new_id}")
        before, after = records[("remove", old_id)].before, records[("add", new_id)].after
        for name, (old, new) in diff(before, after).items():
            if name not in ("id", "aliases"):
                out.line(f"  {name}: {_compact(name, old)} -> {_compact(name, new)}")
    relinked = set(plan.relinked)
    for change in plan.changes:
        if change.op == "update":
            effect = plan.effects.get(change.record_id)
            out.line(f"{'relink' if change.record_id in relinked else 'change'}  {change.record_id}"
                     + (f" ({effect})" if effect and str(effect) else ""))
            for name, (old, new) in diff(change.before, change.after).items():
                out.line(f"  {name}: {_compact(name, old)} -> {_compact(name, new)}")


def _show_not_kept(out, items: list) -> None:
    noted = [item for item in items if item.notes]
    if noted:
        out.line("Not kept, because mieux has no field for them:")
    for item in noted:
        out.line(f"  {item.raw.get('id') or '?'}: {'; '.join(item.notes)}")


def _compact(name: str, value) -> str:
    """A value on one line: text quoted (newlines escaped), lists in brackets, an item (a source,
    a partner) as its cell text."""
    from mieux_cli.model import schema
    from mieux_cli.model.cells import to_cell

    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(name, v) for v in value) + "]"
    if isinstance(value, dict):
        return repr(to_cell(schema.get(name), [value]))
    return repr(value)


@options.with_filters
def export_command(
    ctx: typer.Context,
    where: dict,
    kind_argument: options.Kind = None,
    kind: options.KindOption = None,
    format_: Annotated[str, typer.Option(
        "--format", "-f", metavar="FORMAT", autocompletion=lambda: list(_formats()),
        help="yaml (a folder with a file per record), json (one array), csv (a row per record), xlsx (an Excel "
        "workbook, codes as names) or iati (IATI 2.03 activity XML: the Actions).",
    )] = "yaml",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="PATH", show_default=False,
        help="The folder (yaml) or file (json, csv, iati) to write; json, csv and iati go to standard output without it.",
    )] = None,
    list_others: Annotated[bool, typer.Option(
        "--list-others", help="IATI: name the Actions imported from other publishers' activities, which are not exported.",
    )] = False,
) -> None:
    """Export records as a folder of YAML files, as one JSON or CSV file, or as IATI activities.

    YAML writes DIR/actions/<id>.yaml, DIR/practices/ ... with the fields in a fixed order, so
    that a git diff shows exactly what changed; exporting the whole catalogue also removes the
    files of records that are no longer in it. IATI writes each Action as an IATI 2.03 activity,
    published by the organisation `mieux config` names (never an activity imported from another
    publisher), and lists on standard error what IATI has no place for. Takes the same filters
    as `mieux list`.

    Examples:

      mieux export --output catalogue/

      mieux export practices --country CR --format json --output practices.json

      mieux export --format csv --region LAC > lac.csv

      mieux export --format iati --region LAC --output lac.xml
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.formats import FORMATS
    from mieux_cli.formats.exporting import export_order
    from mieux_cli.queries.filters import Filters
    from mieux_cli.text import count_of

    out = Output()
    fmt = format_.strip().lower()
    if fmt not in FORMATS:
        raise MieuxError(f"Unknown format '{format_}'.", "Use --format yaml, json, csv, xlsx (Excel) or iati (IATI activity XML).")
    _check_out(ctx, fmt, output)
    publisher = _iati_publisher() if fmt == "iati" else None
    selected = options.filters(options.one_kind(kind_argument, kind), **where)
    everything = selected == Filters()
    catalogue = load_catalogue(ctx, out)
    if catalogue.damaged:  # an export without them would look whole, and prune their files from a team's folder
        damaged = len(catalogue.damaged)
        raise MieuxError(f"{count_of(damaged, 'record')} of the catalogue {'is' if damaged == 1 else 'are'} "
                         "damaged: nothing was exported.",
                         "See `mieux check`; fix them in the file or restore a backup, then export again.")
    options.report_undated(out, catalogue, selected)
    if fmt == "json":  # written as it is read from the index, in the order of every export
        from mieux_cli.model.records import canonical

        ctx.meta["mieux.streamed"] = output is None  # a file is written whole or not at all: it can be made again
        _export_json(out, (canonical(r) for r in catalogue.stream(selected, "kind")), output, everything)
        return
    records = export_order(catalogue.select(selected))
    if not records and not everything:
        out.notice("No records match. Try fewer filters.")  # JSON and CSV still write an empty array or table
        if fmt == "yaml":
            return
    if fmt == "yaml":
        _export_folder(out, records, output, prune=everything)
    else:
        _export_file(out, fmt, records, output, publisher, list_others)


def _export_folder(out, records: list[dict], folder: Path, prune: bool) -> None:
    from mieux_cli.formats import exporting
    from mieux_cli.text import count_of

    with out.progress(len(records), "Exporting") as advance:
        result = exporting.folder(records, folder, prune, advance)
    shown = str(folder).rstrip(os.sep) + os.sep  # a folder, as `ls -F` shows one
    out.notice(f"Exported {count_of(len(records), 'record')} to {shown}: "
               f"{count_of(result.written, 'file')} written, {result.unchanged} unchanged.")
    if result.removed:
        n = len(result.removed)
        out.notice(f"Removed {count_of(n, 'file')} whose record{' is' if n == 1 else 's are'} no longer in the catalogue.")


def _export_json(out, records, path: Path | None, everything: bool) -> None:
    """JSON, to `path` or standard output, each record written as it comes (an export of 100,000
    records never holds them all)."""
    from mieux_cli.formats.files import write_file
    from mieux_cli.formats.json_file import array_pieces
    from mieux_cli.text import count_of

    counted = 0

    def counting():
        nonlocal counted
        for record in records:
            counted += 1
            yield record

    pieces = (piece.encode("utf-8") for piece in array_pieces(counting()))
    if path is None:
        out.data_pieces(pieces)
    else:
        write_file(path, pieces)
    if not counted and not everything:
        out.notice("No records match. Try fewer filters.")  # an empty array is still written
    if path is not None:
        out.notice(f"Exported {count_of(counted, 'record')} to {path}.")


def _export_file(out, fmt: str, records: list[dict], path: Path | None, publisher, list_others: bool) -> None:
    """CSV, Excel or IATI, to `path` or standard output; what the format could not carry on standard error."""
    from mieux_cli.formats import exporting
    from mieux_cli.formats.files import write_file
    from mieux_cli.text import count_of

    try:
        if fmt in ("csv", "xlsx"):
            with out.progress(len(records), "Exporting") as advance:
                document = exporting.document(fmt, records, advance)
        else:  # IATI writes as it goes
            document = exporting.document(fmt, records, publisher=publisher, list_others=list_others)
    except exporting.ExportRefused as e:
        for line in e.report:
            out.notice(line)
        raise
    for line in document.report:
        out.notice(line)
    if path is None:
        out.data(document.data.decode("utf-8"))
        return
    write_file(path, document.data)
    out.notice(f"Exported {count_of(document.count, document.noun)} to {path}{document.described}.")


def _iati_publisher():
    """The publisher from the settings, refused (with the commands to type) before anything is read."""
    from mieux_cli.formats.iati import publisher
    from mieux_cli.storage import settings

    return publisher(settings.load())


def _formats():
    from mieux_cli.formats import FORMATS

    return FORMATS


def _check_out(ctx: typer.Context, fmt: str, output: Path | None) -> None:
    """Refuse a missing or mistaken --output before the catalogue is even read, and any that would
    write over the catalogue, its lock or its backups."""
    from mieux_cli.errors import MieuxError
    from mieux_cli.formats.yaml_folder import KIND_FOLDERS, MANIFEST

    if fmt == "xlsx" and output is None:
        raise MieuxError("An Excel workbook is a file, not text for the terminal.", "Give it a name: --output catalogue.xlsx")
    if fmt == "yaml" and output is None:
        raise MieuxError("A YAML export is a folder of files: say which with --output.",
                         "Type: mieux export --output DIR (or use --format json or csv for standard output).")
    if fmt == "yaml" and output.exists() and not output.is_dir():
        raise MieuxError(f"{output} is a file, and a YAML export is a folder.", "Give a folder with --output, or use --format json, csv or iati.")
    if fmt != "yaml" and output is not None and output.is_dir():
        suffix = "xml" if fmt == "iati" else fmt
        raise MieuxError(f"{output} is a folder.", f"Give a file name: --output {shlex.quote(str(output / ('catalogue.' + suffix)))}")
    if output is None:
        return
    written = [output]
    if fmt == "yaml":  # the folder, its manifest, its kind folders, and a file there named like the catalogue
        catalogue_name = store(ctx).real_path.name
        kind_folders = [output / folder for folder in KIND_FOLDERS.values()]
        written += [output / MANIFEST, *kind_folders, *(folder / catalogue_name for folder in kind_folders)]
    for path in written:
        refuse_writing_over_the_catalogue(ctx, path, "--output")


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "import": import_command,
    "export": export_command,
}
