"""import and export: the error report, what is written (and what is not), the three formats'
round trips, stale files, and the shipped catalogue in the form export writes."""

import contextlib
import csv
import io
import json
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import add_records, all_files, read_bytes
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.errors import MieuxError
from mieux_cli.formats import csv_file, importing, yaml_folder
from mieux_cli.model.records import normalize
from mieux_cli.storage.catalogue_file import Store

ROOT = Path(__file__).resolve().parent.parent / "catalogue"
KIND_FOLDERS = ("actions", "practices", "events", "facts")
SOURCE = {"title": "Test notes", "publisher": "Test", "date": "2024", "url": None}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def run(db: Path, *args):
    return CliRunner().invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def exported_folders(folder: Path) -> dict[str, bytes]:
    return {f"{kind}/{name}": data for kind in KIND_FOLDERS for name, data in all_files(folder / kind).items()}


def a_fact(record_id: str, title: str = "A fact", **fields) -> dict:
    """A fact in canonical form."""
    return normalize({"id": record_id, "kind": "fact", "title": title, "sources": [SOURCE], "text": "It is so.", **fields})


# -- the error report ------------------------------------------------------------------------------

BAD_YAML = """
- id: fct-fine
  kind: fact
  title: A fine fact
  text: Nothing wrong here.
  sources: [Notes]
- id: fct-broken
  kind: fact
  title: A broken fact
  countries: [Costa Rica, Atlantis]
  start: 2019-13
  colour: blue
  sources: [Notes]
- id: prc-dangling
  kind: practice
  title: A practice that links nowhere
  summary: It came from an action that is not there.
  actions: [act-nowhere]
  event: fct-fine
  sources: [Notes]
- id: fct-fine
  kind: fact
  title: The same ID again
  text: T
  sources: [Notes]
"""


def test_one_bad_record_among_several_lists_every_problem_and_writes_nothing(cli, tmp_path):
    path = write(tmp_path / "new.yaml", BAD_YAML)
    before = read_bytes(cli.db)
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}:6: fct-broken: text: is required\n"
        f"Error: {path}:9: fct-broken: countries: Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n"
        f"Error: {path}:10: fct-broken: start: month 13 in '2019-13' does not exist\n"
        f"Error: {path}:11: fct-broken: colour: a fact has no such field; its fields are id, kind, title, text, "
        "summary, start, end, countries, participants, region, themes, areas, gcm, figures, actions, unlisted_actions, "
        "tags, notes, sources, alternatives, aliases\n"
        f"Error: {path}:17: prc-dangling: actions: no action with ID 'act-nowhere' in the catalogue\n"
        f"Error: {path}:18: prc-dangling: event: no event with ID 'fct-fine' in the catalogue\n"
        f"Error: {path}:20: fct-fine: id: is also the ID of the record at {path}:1; IDs must be unique\n"
        "Nothing was imported: 7 problems in 3 records. Fix them and run the import again.\n"
    )
    assert read_bytes(cli.db) == before
    assert cli("import", str(path), "--dry-run").stderr == result.stderr


def test_json_problems_have_no_line_and_a_link_to_a_record_with_problems_is_not_one_more(cli, tmp_path):
    path = tmp_path / "new.json"
    path.write_text(json.dumps([
        {"id": "act-new", "kind": "action", "title": "T", "summary": "S", "sources": ["N"], "status": "maybe"},
        {"id": "prc-new", "kind": "practice", "title": "T", "summary": "S", "sources": ["N"], "actions": ["act-new"]},
    ]))
    result = cli("import", str(path))
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {path}: act-new: status: Unknown action status 'maybe'. See `mieux vocab action-statuses` for the list.\n"
        "Nothing was imported: 1 problem in 1 record. Fix it and run the import again.\n"
    ))


def test_a_record_cannot_change_kind_under_the_practices_that_link_to_it(cli, tmp_path):
    path = write(tmp_path / "kind.yaml", """
        id: act-cr-integration-plans
        kind: fact
        title: Now a fact
        text: T
        sources: [Notes]
    """)
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"Error: {path}:2: act-cr-integration-plans: kind: 'act-cr-integration-plans' is an action in the catalogue, "
        "and prc-cr-integration-shared-responsibility, prc-cr-inter-institutional-working-groups link to it as one; "
        "it cannot become a fact"
    )


@pytest.mark.parametrize(("name", "content", "message"), [
    ("syntax.yaml", b"id: fct-x\ntitle: [unclosed\n", ("{path}:3: not valid YAML: did not find expected ',' or ']'. "
     "Fix it and run the import again.")),
    ("twice.yaml", b"id: fct-x\nkind: fact\ntitle: One\ntitle: Two\n", ("{path}:4: not valid YAML: duplicate key 'title'. "
     "Fix it and run the import again.")),
    ("nested.yaml", b"id: fct-x\nsources:\n  - title: A\n    title: B\n", ("{path}:4: not valid YAML: duplicate key 'title'. "
     "Fix it and run the import again.")),
    ("code.yaml", b"id: !!python/object/apply:os.system [ls]\n", ("{path}:1: not valid YAML: could not determine a "
     "constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'. Fix it and run the import again.")),
    ("control.yaml", b"id: fct-x\ntitle: a\x07b\n", ("{path}:2: not valid YAML: control characters are not allowed. "
     "Fix it and run the import again.")),
    ("syntax.json", b'[\n  {"id": "fct-x",}\n]', ("{path}:2: not valid JSON: Expecting property name enclosed in double "
     "quotes. Fix it and run the import again.")),
    ("twice.json", b'{"id": "fct-x", "id": "fct-y"}', ("{path}: duplicate key 'id' in a JSON object. "
     "Fix it and run the import again.")),
    ("quote.csv", b'id,kind,title\nfct-x,fact,"open\n', ("{path}:2: not valid CSV: unexpected end of data. "
     "Fix it and run the import again.")),
    ("header.csv", b"id,kind,title,Title\n", ("{path}:1: the column 'title' appears twice in the header. "
     "Fix it and run the import again.")),
    ("latin1.yaml", b"id: fct-x\ntitle: Migraci\xf3n\n", ("{path}:2: not UTF-8 text (byte 0xf3). "
     "Save it as UTF-8 and run the import again.")),
    ("image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("{path}:3: not a text file (it holds NUL bytes: a binary "
     "file, or UTF-16). Give a YAML, JSON or CSV file saved as UTF-8.")),
    ("notes.txt", b"id: fct-x\n", ("Cannot tell the format of {path} from its name. Name it .yaml, .yml, .json, .csv or .xlsx, or .xml for an IATI "
     "activity file.")),
    ("empty.yaml", b"# nothing yet\n", "There are no records in {path}. A file to import holds a record, or a list of records."),
])
def test_a_file_that_cannot_be_read_gives_one_line_naming_it_and_the_fix(cli, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = read_bytes(cli.db)
    result = cli("import", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", "Error: " + message.format(path=path) + "\n")
    assert read_bytes(cli.db) == before


def test_a_missing_path_or_a_folder_without_yaml(cli, tmp_path):
    result = cli("import", str(tmp_path / "nowhere.yaml"))
    assert (result.exit_code, result.stderr) == (2, f"Error: There is no file or folder {tmp_path / 'nowhere.yaml'}. Check the path.\n")
    (tmp_path / "empty").mkdir()
    result = cli("import", str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: There are no .yaml files in {tmp_path / 'empty'}.")


# -- what an import writes -------------------------------------------------------------------------


def test_an_import_adds_and_updates_by_id_and_is_recorded_in_the_history(cli, tmp_path):
    catalogue = Store(cli.db).load()
    old = catalogue.by_id["fct-lac-regional-integration"]
    changed = {**old, "title": "Regional integration, revised"}
    unchanged = catalogue.by_id["fct-lac-share-of-activities-2017"]
    path = tmp_path / "records.json"
    path.write_text(json.dumps([a_fact("fct-new-one"), changed, unchanged, a_fact("fct-new-two")]))
    result = cli("import", str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Added 2, changed 1, unchanged 1.\n"
    after = Store(cli.db).load()
    assert len(after.records) == 26
    assert after.by_id["fct-lac-regional-integration"] == changed
    assert after.by_id["fct-new-one"] == a_fact("fct-new-one")
    entry = Store(cli.db).history()[-1]
    assert entry["command"] == f"mieux --db {cli.db} import {path}"
    assert [(c["op"], c["id"]) for c in entry["changes"]] == [
        ("add", "fct-new-one"), ("update", "fct-lac-regional-integration"), ("add", "fct-new-two"),
    ]
    assert entry["changes"][1]["diff"] == {field: [old[field], changed[field]] for field in old if old[field] != changed[field]}
    history = Store(cli.db).history()
    assert cli("import", str(path)).stdout == "Added 0, changed 0, unchanged 4.\n"
    assert Store(cli.db).history() == history  # nothing to change: nothing written


def test_an_import_prints_one_summary_line_and_each_record_only_with_verbose(cli, tmp_path):
    path = tmp_path / "many.json"
    path.write_text(json.dumps([a_fact(f"fct-many-{i:04}") for i in range(2000)]))
    result = cli("import", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Added 2000, changed 0, unchanged 0.\n", "")
    path.write_text(json.dumps([a_fact(f"fct-many-{i:04}", "Changed") for i in range(2)] + [a_fact("fct-more")]))
    result = cli("import", str(path), "--verbose")
    assert result.stdout == ("Added 1, changed 2, unchanged 0.\nadded  fct-more\n"
                             "changed  fct-many-0000 (changes title)\nchanged  fct-many-0001 (changes title)\n")
    assert Store(cli.db).history()[-1]["command"] == f"mieux --db {cli.db} import {path} --verbose"


def test_dry_run_shows_the_changes_field_by_field_and_writes_nothing(cli, tmp_path):
    from conftest import add_records

    add_records(cli.db, {"id": "act-dry", "kind": "action", "title": "Before", "summary": "A summary\nover two lines.",
                         "countries": ["CR"], "tags": ["integration", "plans"], "experts": ["ES"],
                         "activities": [{"title": "Exchange", "kind": "knowledge exchange"}, "Working groups"]})
    path = write(tmp_path / "changes.yaml", """
        id: act-dry
        kind: action
        title: After
        summary: Shorter.
        countries: [CR]
        tags: [integration]
        sources: [{title: Test notes, publisher: Test, date: 2024}]
        experts: [{country: ES, kind: public official}]
        activities: [Exchange]
        ---
        id: fct-brand-new
        kind: fact
        title: Brand new
        text: T
        sources: [Notes]
    """)
    before = read_bytes(cli.db)
    result = cli("import", str(path), "--dry-run")
    assert (result.exit_code, result.stderr) == (0, "Dry run: nothing was written.\n")
    assert result.stdout == (
        "Would add 1, change 1, leave 0 unchanged.\n"
        "add  fct-brand-new\n"
        "change  act-dry (changes title, summary, experts, activities, tags)\n"
        "  title: 'Before' -> 'After'\n"
        "  summary: 'A summary\\nover two lines.' -> 'Shorter.'\n"
        "  experts: ['ES'] -> ['ES | member-state administration']\n"
        "  activities: ['Exchange | knowledge exchange', 'Working groups'] -> ['Exchange']\n"
        "  tags: ['integration', 'plans'] -> ['integration']\n"
    )
    assert read_bytes(cli.db) == before


# -- former IDs: an import may carry a rename of the same record, and nothing else -------------------

INNOCENT = """
    id: fct-innocent
    kind: fact
    title: An innocent fact
    text: T
    sources: [Notes]
    aliases: [act-cr-integration-plans]
"""


@pytest.mark.parametrize(("content", "message"), [
    (INNOCENT, ("f.yaml:6: fct-innocent: aliases: gives 'act-cr-integration-plans' as a former ID, but "
     "'act-cr-integration-plans' is an action in the catalogue and 'fct-innocent' is a fact: a rename keeps the kind; "
     "remove 'act-cr-integration-plans' from its aliases")),
    (INNOCENT.replace("fct-innocent", "act-innocent").replace("kind: fact", "kind: action").replace("text: T", "summary: S")
     .replace("[act-cr-integration-plans]", "[act-cr-integration-plans, act-mx-unaccompanied-children]"),
     ("f.yaml:6: act-innocent: aliases: gives 'act-cr-integration-plans' and 'act-mx-unaccompanied-children' as former "
     "IDs, and 2 records of the catalogue have them: importing it would remove them and put one record in their "
     "place; keep only the ID it was renamed from")),
    (INNOCENT.replace("id: fct-innocent", "id: fct-lac-regional-integration")
     .replace("[act-cr-integration-plans]", "[fct-lac-share-of-activities-2017]"),
     ("f.yaml:6: fct-lac-regional-integration: aliases: gives 'fct-lac-share-of-activities-2017' as a former ID, but "
     "'fct-lac-share-of-activities-2017' and 'fct-lac-regional-integration' are two records in the catalogue: importing "
     "it would remove 'fct-lac-share-of-activities-2017'; remove 'fct-lac-share-of-activities-2017' from its aliases")),
    (INNOCENT.replace("[act-cr-integration-plans]", "[fct-twin]") + "---\nid: fct-twin\nkind: fact\ntitle: Twin\n"
     "text: T\nsources: [Notes]\n",
     ("f.yaml:6: fct-innocent: aliases: gives 'fct-twin' as a former ID, but the file also holds a record 'fct-twin'; a "
     "record cannot be both: leave one of them out")),
], ids=["another kind", "two records", "two records here", "both in the file"])
def test_a_former_id_that_is_not_a_rename_of_that_record_is_refused_naming_both(cli, tmp_path, content, message):
    """An imported record's former IDs silently removed other records (an Action, by a fact that
    gave its ID) and repointed their links; the dry run said "leave -4 unchanged"."""
    path = write(tmp_path / "f.yaml", content)
    before = read_bytes(cli.db)
    for args in (["import", str(path), "--dry-run"], ["import", str(path)]):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (2, ""), args
        assert result.stderr.startswith(f"Error: {path.parent}/{message}\n"), result.stderr
        assert result.stderr.endswith("Nothing was imported: 1 problem in 1 record. Fix it and run the import again.\n")
    assert read_bytes(cli.db) == before


def test_a_former_id_renamed_differently_here_is_refused(cli, tmp_path):
    assert cli("rename", "fct-lac-regional-integration", "fct-lac-integration").exit_code == 0
    path = write(tmp_path / "f.yaml", INNOCENT.replace("[act-cr-integration-plans]", "[fct-lac-regional-integration]"))
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert (f"Error: {path}:6: fct-innocent: aliases: gives 'fct-lac-regional-integration' as a former ID, but "
            "'fct-lac-regional-integration' was renamed 'fct-lac-integration' in this catalogue: 'fct-innocent' and "
            "'fct-lac-integration' cannot both be that record; remove 'fct-lac-regional-integration' from its aliases\n"
            ) in result.stderr


def test_a_colleague_s_rename_is_planned_and_reported_with_the_records_relinked(cli, tmp_path):
    colleague = tmp_path / "colleague.json"
    colleague.write_bytes(read_bytes(cli.db))
    assert run(colleague, "rename", "act-cr-integration-plans", "act-cr-plans").exit_code == 0
    assert run(colleague, "export", "--output", str(tmp_path / "shared")).exit_code == 0
    path = tmp_path / "shared" / "actions" / "act-cr-plans.yaml"
    result = cli("import", str(path), "--dry-run")
    assert result.stdout == (
        "Would add 0, change 0, leave 0 unchanged; would rename act-cr-integration-plans to act-cr-plans, would relink "
        "3 other records to the new IDs.\n"
        "rename  act-cr-integration-plans -> act-cr-plans\n"
        "relink  prc-cr-integration-shared-responsibility\n"
        "  actions: ['act-cr-integration-plans'] -> ['act-cr-plans']\n"
        "relink  prc-cr-inter-institutional-working-groups\n"
        "  actions: ['act-cr-integration-plans'] -> ['act-cr-plans']\n"
        "relink  fct-cr-plan-spawned-aqui-todos-somos-migrantes\n"
        "  actions: ['act-cr-integration-plans'] -> ['act-cr-plans']\n")
    result = cli("import", str(path), "--verbose")
    assert (result.exit_code, result.stdout) == (0, (
        "Added 0, changed 0, unchanged 0; renamed act-cr-integration-plans to act-cr-plans, relinked 3 other records "
        "to the new IDs.\n"
        "renamed  act-cr-integration-plans -> act-cr-plans\n"
        "relinked  prc-cr-integration-shared-responsibility\n"
        "relinked  prc-cr-inter-institutional-working-groups\n"
        "relinked  fct-cr-plan-spawned-aqui-todos-somos-migrantes\n"))
    catalogue = Store(cli.db).load()
    assert catalogue.by_id["act-cr-plans"]["aliases"] == ["act-cr-integration-plans"]
    assert len(catalogue.records) == 24
    # the whole folder: the three practices and facts come with the new link, as changes of their own
    assert cli("undo", "--yes").exit_code == 0
    result = cli("import", str(tmp_path / "shared"))
    assert result.stdout == ("Added 0, changed 3, unchanged 20; renamed act-cr-integration-plans to act-cr-plans.\n")


def test_importing_into_a_new_file_creates_a_catalogue_with_only_those_records(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(yaml_folder.record_text(a_fact("fct-one")) + "---\n" + yaml_folder.record_text(a_fact("fct-two")))
    db = tmp_path / "fresh.json"
    result = run(db, "import", str(path), "--dry-run")
    assert result.stderr == "Dry run: nothing was written (the catalogue file would be created).\n"
    assert not db.exists()
    result = run(db, "import", str(path))
    assert result.exit_code == 0
    assert result.stderr == f"Created a new catalogue at {db} with the 2 imported records.\n"
    assert result.stdout == "Added 2, changed 0, unchanged 0.\n"
    catalogue = Store(db).load()
    assert not catalogue.created
    assert catalogue.records == [a_fact("fct-one"), a_fact("fct-two")]
    assert len(Store(db).history()) == 1


def test_a_csv_import_reads_lists_and_the_parts_of_sources_experts_and_activities(cli, tmp_path):
    path = tmp_path / "actions.csv"
    path.write_text(
        "id,kind,title,summary,countries,gcm,tags,sources,status,experts,activities,start\r\n"
        'act-csv,action,From a spreadsheet,"Two lines;\nstill one summary",CR; Mexico,10; 23,a; b,'
        '"A report | ICMPD | 2019; Notes",ongoing,"ES (public official); FR",'
        '"Workshop | workshop | San José | 2019-03; Visit |  | Madrid",2019\r\n',
        encoding="utf-8",
    )
    result = cli("import", str(path))
    assert result.exit_code == 0, result.stderr
    record = Store(cli.db).load().by_id["act-csv"]
    assert record == normalize({
        "id": "act-csv", "kind": "action", "title": "From a spreadsheet", "summary": "Two lines;\nstill one summary",
        "countries": ["CR", "MX"], "gcm": [10, 23], "start": "2019", "tags": ["a", "b"],
        "sources": [{"title": "A report", "publisher": "ICMPD", "date": "2019"}, {"title": "Notes"}],
        "status": "ongoing",
        # a format-1 export's expert cell "ES (public official)" is read as format 1 wrote it
        "experts": [{"country": "ES", "kind": "member-state administration"}, {"country": "FR"}],
        "activities": [{"title": "Workshop", "kind": "workshop", "place": "San José", "date": "2019-03"},
                       {"title": "Visit", "place": "Madrid"}],
    })


def test_csv_problems_give_the_row_s_line(cli, tmp_path):
    path = tmp_path / "facts.csv"
    path.write_text(
        'id,kind,title,text,sources\nfct-a,fact,"Two\nlines",T,S\nfct-b,fact,B,T,"S | P | 2019 | u | en | 2020 | 3 | f | extra"\n'
        "fct-c,fact,C,T\n"
    )
    result = cli("import", str(path))
    assert result.stderr == (
        f"Error: {path}:4: fct-b: sources: 'S | P | 2019 | u | en | 2020 | 3 | f | extra' has 9 parts; write "
        "title | publisher | date | url | language | accessed | page | file\n"
        f"Error: {path}:5: fct-c: row: has 4 cells but the header has 5 columns\n"
        f"Error: {path}:5: fct-c: sources: is required\n"
        "Nothing was imported: 3 problems in 2 records. Fix them and run the import again.\n"
    )


def test_a_folder_import_reads_every_yaml_file_under_it_sorted_and_skips_hidden_ones(cli, tmp_path):
    folder = tmp_path / "records"
    write(folder / "b" / "second.yml", "[{id: fct-b, kind: fact, title: B, text: T, sources: [N]}]")
    write(folder / "a.yaml", "{id: fct-a, kind: fact, title: A, text: T, sources: [N]}")
    write(folder / ".git" / "x.yaml", "{id: fct-git, kind: fact}")
    write(folder / "notes.txt", "not a record")
    result = cli("import", str(folder), "--verbose")
    assert result.stdout == "Added 2, changed 0, unchanged 0.\nadded  fct-a\nadded  fct-b\n"
    write(folder / "b" / "second.yml", "[{id: fct-b, kind: fact, title: B, sources: [N]}]")
    write(folder / "a.yaml", "{id: fct-a, kind: fact, title: A, sources: [N]}")
    assert cli("import", str(folder)).stderr.splitlines()[:2] == [
        f"Error: {folder / 'a.yaml'}:1: fct-a: text: is required",
        f"Error: {folder / 'b' / 'second.yml'}:1: fct-b: text: is required",
    ]


def test_add_from_a_file_reads_it_as_import_does(cli, tmp_path):
    path = write(tmp_path / "new.yaml", BAD_YAML)
    result = cli("add", "--from", str(path))
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {path}:6: fct-broken: text: is required (and 4 more problems). Fix it and run the command again; "
        f"`mieux import --dry-run {path}` lists every problem.\n"
    ))


# -- export ----------------------------------------------------------------------------------------


def test_a_yaml_export_needs_a_folder(cli, tmp_path):
    result = cli("export")
    assert (result.exit_code, result.stderr) == (2, (
        "Error: A YAML export is a folder of files: say which with --output. "
        "Type: mieux export --output DIR (or use --format json or csv for standard output).\n"
    ))
    result = cli("export", "--format", "xml")
    assert (result.exit_code, result.stderr) == (2, (
        "Error: Unknown format 'xml'. Use --format yaml, json, csv, xlsx (Excel) or iati (IATI activity XML).\n"))
    result = cli("export", "--output", str(tmp_path / "missing" / "out"))
    assert (result.exit_code, result.stderr) == (
        2, f"Error: The folder {tmp_path / 'missing'} does not exist. Create it first, or choose another --output.\n")
    result = cli("export", "--format", "json", "--output", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {tmp_path} is a folder. Give a file name: --output {tmp_path / 'catalogue.json'}\n")
    result = cli("export", "--format", "csv", "--output", str(tmp_path / "missing" / "out.csv"))
    assert (result.exit_code, result.stderr) == (
        2, (f"Error: Could not write {tmp_path / 'missing' / 'out.csv'}: No such file or directory. "
        "Fix that and run the export again.\n"))
    assert not (tmp_path / "missing").exists()


def test_a_yaml_export_writes_a_file_per_record_with_keys_in_canonical_order(cli, tmp_path):
    result = cli("export", "--output", str(tmp_path / "out"))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"Exported 24 records to {tmp_path / 'out'}/: 24 files written, 0 unchanged.\n"
    files = exported_folders(tmp_path / "out")
    assert len(files) == 24 and {name.split("/")[0] for name in files} == set(KIND_FOLDERS)
    assert files["facts/fct-lac-regional-integration.yaml"].decode().startswith(
        "id: fct-lac-regional-integration\nkind: fact\ntitle: Comparatively high regional integration in LAC\n"
        "text: Latin America and the Caribbean enjoys comparatively high levels of regional integration"
    )
    again = cli("export", "--output", str(tmp_path / "out"))
    assert again.stderr == f"Exported 24 records to {tmp_path / 'out'}/: 0 files written, 24 unchanged.\n"


def test_exporting_everything_removes_only_the_files_of_gone_records_that_mieux_wrote(cli, tmp_path):
    out = tmp_path / "out"
    add_records(cli.db, a_fact("fct-gone"), a_fact("fct-also-gone"))
    cli("export", "--output", str(out))
    for name in ("actions/act-handmade.yaml", "facts/fct-handmade.yaml", "actions/notes.txt", "other/act-x.yaml",
                 "README.md"):
        write(out / name, "written by a person, not by mieux\n")
    cli("remove", "fct-gone", "--yes")
    cli("remove", "fct-also-gone", "--yes")
    result = cli("export", "facts", "--output", str(out))  # filtered: what is not exported is not stale
    assert result.stderr == f"Exported 12 records to {out}/: 0 files written, 12 unchanged.\n"
    assert (out / "facts" / "fct-gone.yaml").exists()
    result = cli("export", "--output", str(out))
    assert result.stderr == (
        f"Exported 24 records to {out}/: 0 files written, 24 unchanged.\n"
        "Removed 2 files whose records are no longer in the catalogue.\n"
    )
    assert not (out / "facts" / "fct-gone.yaml").exists() and not (out / "facts" / "fct-also-gone.yaml").exists()
    assert all((out / name).exists() for name in ("actions/act-handmade.yaml", "facts/fct-handmade.yaml",
                                                  "actions/notes.txt", "other/act-x.yaml", "README.md"))


def test_an_export_folder_keeps_a_manifest_of_the_files_mieux_wrote(cli, tmp_path):
    out = tmp_path / "out"
    cli("export", "facts", "--output", str(out))
    manifest = json.loads((out / ".mieux-export.json").read_text())
    assert list(manifest) == ["about", "files"]
    assert manifest["files"][:2] == ["facts/fct-cr-plan-spawned-aqui-todos-somos-migrantes.yaml",
                                     "facts/fct-ec-gfmd-chairmanship-2019.yaml"]
    assert len(manifest["files"]) == 12
    cli("export", "actions", "--output", str(out))  # a filtered export adds what it wrote
    assert len(json.loads((out / ".mieux-export.json").read_text())["files"]) == 16
    text = (out / ".mieux-export.json").read_text()
    assert text.endswith('\n  ]\n}\n') and '\n    "actions/act-cr-integration-plans.yaml",\n' in text  # one file a line
    cli("export", "--output", str(out))
    listed = json.loads((out / ".mieux-export.json").read_text())["files"]
    assert listed == sorted(exported_folders(out)) and len(listed) == 24


def test_a_manifest_cannot_make_an_export_remove_other_files(cli, tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside.yaml"
    outside.write_text("mine\n")
    write(out / "facts" / "notes.txt", "mine\n")
    write(out / ".mieux-export.json", json.dumps({"files": ["../outside.yaml", str(outside), "facts/notes.txt",
                                                            "facts/../../outside.yaml", "README.md"]}))
    result = cli("export", "--output", str(out))
    assert result.exit_code == 0 and "Removed" not in result.stderr
    assert outside.read_text() == "mine\n" and (out / "facts" / "notes.txt").read_text() == "mine\n"
    write(out / ".mieux-export.json", "{damaged")
    result = cli("export", "--output", str(out))
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {out / '.mieux-export.json'} is damaged (not the list of files mieux wrote there). "
        "Delete it and export again: files of records that are gone are then left for you to delete.\n"))


@pytest.mark.parametrize("args", [("export", "--output", ""), ("export", "--format", "json", "--output", ""),
                                  ("brief", "--region", "LAC", "--output", "", "--force"), ("import", ""),
                                  ("add", "--from", "")])
def test_an_empty_path_is_refused_and_nothing_is_written_or_removed(cli, tmp_path, monkeypatch, args):
    work = tmp_path / "work"
    write(work / "events" / "notes.yaml", "someone's notes\n")
    monkeypatch.chdir(work)
    before, catalogue = all_files(work), read_bytes(cli.db)
    result = cli(*args)
    option = "PATH" if args[0] == "import" else args[args.index("") - 1]
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {option} is empty. Give a file or folder name (. for the current folder).\n"
    assert all_files(work) == before and read_bytes(cli.db) == catalogue


def test_no_record_id_can_write_outside_the_folder(tmp_path):
    record = {**a_fact("fct-x"), "id": "../../escaped"}
    with pytest.raises(MieuxError, match="cannot be used as a file name"):
        yaml_folder.export_folder([a_fact("fct-ok"), record], tmp_path / "out", prune=True)
    assert not (tmp_path / "out").exists() and not (tmp_path / "escaped.yaml").exists()


def test_json_export_is_an_array_sorted_by_kind_then_id_with_unicode_as_is(cli, tmp_path):
    result = cli("export", "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    records = json.loads(result.stdout)
    assert [r["kind"] for r in records] == ["action"] * 4 + ["practice"] * 5 + ["event"] * 3 + ["fact"] * 12
    assert [r["id"] for r in records[:2]] == ["act-cr-integration-plans", "act-do-migration-school-journalists"]
    assert result.stdout.startswith('[\n  {\n    "id": "act-cr-integration-plans",\n    "kind": "action",\n')
    assert "Aquí todos somos migrantes" in result.stdout and result.stdout.endswith("}\n]\n")
    result = cli("export", "practices", "--country", "CR", "--format", "json", "--output", str(tmp_path / "p.json"))
    assert result.stderr == f"Exported 2 records to {tmp_path / 'p.json'}.\n"
    assert [r["id"] for r in json.loads((tmp_path / "p.json").read_text())] == [
        "prc-cr-integration-shared-responsibility", "prc-cr-inter-institutional-working-groups",
    ]


def test_csv_export_has_every_field_as_a_column_and_joins_lists(cli):
    result = cli("export", "actions", "--format", "csv")
    assert result.stdout.startswith(
        "id,kind,title,text,summary,why,presented_as,status,status_as_of,start,end,planned_start,planned_end,place,"
        "place_country,countries,participants,region,shares,partners,experts,themes,areas,sectors,gcm,principles,"
        "activities,outputs,results,figures,funding,actions,unlisted_actions,event,tags,notes,sources,alternatives,"
        "aliases\n"
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [r["id"] for r in rows] == ["act-cr-integration-plans", "act-do-migration-school-journalists",
                                       "act-ibero-american-prosecutors-som-protocol", "act-mx-unaccompanied-children"]
    row = rows[0]
    assert row["areas"] == "INT; POL" and row["gcm"] == "16; 17" and row["experts"] == "ES" and row["start"] == ""
    assert row["sources"] == ("Sharing good practices in Latin America and the Caribbean |  | 2018 |  | en |  |  | "
                              "sharing-good-practices-lac.txt")
    assert row["activities"].startswith("Exchange with MIEUX experts from Spain on the concept of integration; ")
    assert row["why"] == row["text"] == ""


def test_nested_items_survive_the_csv_cell_with_empty_parts(tmp_path):
    record = a_fact("fct-parts", sources=[
        {"title": "T", "publisher": None, "date": "2019", "url": None},
        {"title": "U", "publisher": None, "date": None, "url": "https://example.org/a|b"},
    ])
    path = tmp_path / "parts.csv"
    path.write_text(csv_file.text([record]))
    assert "T |  | 2019; U |  |  | https://example.org/a\\|b" in path.read_text()
    assert importing.prepare(importing.read_import(path).items).entries[0].record == record


# -- round trips: export, import into an empty catalogue, export again ------------------------------


def test_a_yaml_folder_round_trips_byte_for_byte(cli, tmp_path):
    cli("export", "--output", str(tmp_path / "first"))
    assert run(tmp_path / "copy.json", "import", str(tmp_path / "first")).exit_code == 0
    run(tmp_path / "copy.json", "export", "--output", str(tmp_path / "second"))
    assert exported_folders(tmp_path / "second") == exported_folders(tmp_path / "first")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_json_or_csv_file_round_trips_byte_for_byte(cli, tmp_path, fmt):
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"
    cli("export", "--format", fmt, "--output", str(first))
    assert run(tmp_path / "copy.json", "import", str(first)).exit_code == 0
    run(tmp_path / "copy.json", "export", "--format", fmt, "--output", str(second))
    assert read_bytes(second) == read_bytes(first)
    assert run(tmp_path / "copy.json", "export", "--format", fmt).stdout.encode() == read_bytes(first)


def test_the_shipped_catalogue_is_in_the_form_export_writes(tmp_path):
    assert run(tmp_path / "shipped.json", "import", str(ROOT)).exit_code == 0
    run(tmp_path / "shipped.json", "export", "--output", str(tmp_path / "out"))
    assert exported_folders(tmp_path / "out") == exported_folders(ROOT)
    assert read_bytes(tmp_path / "out" / ".mieux-export.json") == read_bytes(ROOT / ".mieux-export.json")


class _Progress:
    """A progress callback as Output.progress gives, that records each call."""

    def __init__(self):
        self.total, self.advances = None, []

    @contextlib.contextmanager
    def __call__(self, total, description):
        self.total = total
        yield lambda n=1: self.advances.append(n)


def test_reading_one_large_yaml_file_reports_progress_as_it_goes(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("".join(f"- id: fct-many-{i}\n  kind: fact\n  title: Many {i}\n  text: A fact.\n  sources: [S]\n"
                            for i in range(3000)))
    progress = _Progress()
    items = importing.read_import(path, progress).items
    assert len(items) == 3000
    assert sum(progress.advances) == progress.total  # it reaches the end ...
    assert len(progress.advances) >= 20  # ... in many steps, not one when the whole file is read
    assert all(n > 0 for n in progress.advances)


def test_an_import_and_check_show_a_progress_bar_on_a_terminal(db, tmp_path, monkeypatch):
    from mieux_cli.cli import output

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    path = tmp_path / "many.yaml"
    path.write_text("".join(f"- id: fct-many-{i}\n  kind: fact\n  title: Many {i}\n  text: A fact.\n  sources: [S]\n"
                            for i in range(300)))
    monkeypatch.setattr(output, "PROGRESS_AFTER", -1.0)  # at once, rather than after a second of work
    for args, shown in ((["import", str(path)], "Reading"), (["check"], "Checking")):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(sys, "stdout", io.StringIO())
        with pytest.raises(SystemExit):
            app(["--db", str(db), *args], prog_name="mieux")
        assert shown in terminal.getvalue(), args


def test_an_export_of_unchanged_records_neither_makes_their_yaml_nor_reads_their_files(cli, tmp_path, monkeypatch):
    folder = tmp_path / "team"
    first = cli("export", "--output", str(folder))
    assert "24 files written, 0 unchanged" in first.stderr
    before = exported_folders(folder)

    def refused(*args, **kwargs):
        raise AssertionError("a record's YAML was made again")

    read = yaml_folder.read_regular_file

    def manifest_only(path, limit):
        assert not str(path).endswith(".yaml"), f"{path} was read"
        return read(path, limit)

    with monkeypatch.context() as patched:
        patched.setattr(yaml_folder, "record_text", refused)
        patched.setattr(yaml_folder, "read_regular_file", manifest_only)
        again = cli("export", "--output", str(folder))
    assert again.exit_code == 0 and "0 files written, 24 unchanged" in again.stderr
    assert exported_folders(folder) == before


def test_an_exported_file_changed_since_by_hand_or_by_git_is_written_again(cli, tmp_path):
    folder = tmp_path / "team"
    cli("export", "--output", str(folder))
    before = exported_folders(folder)
    changed = folder / "facts" / "fct-lac-regional-integration.yaml"
    changed.write_text(changed.read_text().replace("title:", "title: X"))
    assert "1 file written, 23 unchanged" in cli("export", "--output", str(folder)).stderr
    assert exported_folders(folder) == before
    cli("edit", "fct-lac-regional-integration", "--set", "title=Edited")
    assert "1 file written, 23 unchanged" in cli("export", "--output", str(folder)).stderr
    assert "title: Edited\n" in changed.read_text()


@pytest.mark.parametrize("text", ["Plain text, accents: Aquí", "an emoji \U0001F600 and a NEL \x85 end", "a: b # c"])
def test_libyaml_s_emitter_and_pyyaml_s_write_a_record_alike(text, monkeypatch):
    import yaml

    record = normalize({"id": "fct-x", "kind": "fact", "title": text, "text": text, "sources": ["S"]})
    quick = yaml_folder.record_text(record)
    monkeypatch.delattr(yaml, "CSafeDumper")
    assert yaml_folder.record_text(record) == quick
    assert yaml.safe_load(quick)["title"] == text
