"""Schema 2: each field described once, everything derived from it; a record using every field
goes in every way and comes back out identical; format 1 migrates without loss."""

import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import read_bytes
from typer.testing import CliRunner

from mieux_cli.cli.app import _MieuxGroup, app
from mieux_cli.model import schema
from mieux_cli.model.records import normalize
from mieux_cli.model.schema import KINDS, PART_TYPES, TYPES, Field
from mieux_cli.storage.catalogue_file import FORMAT, Store

FIXTURE = Path(__file__).parent / "fixtures" / "format1-catalogue.json"


def run(db, *args, input=None, env=None):
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input, env=env, catch_exceptions=False)


@pytest.fixture
def fresh_commands():
    """Commands are built once per process; a test that changes the schema rebuilds them."""
    _MieuxGroup._built.clear()
    yield
    _MieuxGroup._built.clear()


def test_the_table_describes_each_field_once_and_consistently():
    names = [f.name for f in schema.FIELDS]
    assert len(names) == len(set(names))
    options = [f.option for f in schema.FIELDS if f.option]
    assert len(options) == len(set(options))
    for f in schema.FIELDS:
        assert f.type in TYPES, f.name
        assert set(f.required) <= set(f.kinds) and set(f.recommended) <= set(f.kinds), f.name
        assert (f.type == "items") == bool(f.parts), f.name
        assert all(p.type in PART_TYPES for p in f.parts), f.name
        assert (f.type in ("code", "codes")) == bool(f.vocab), f.name
        assert (f.type in ("link", "links")) == bool(f.link_kind), f.name
        assert f.help and f.example and f.label, f.name
    for kind in KINDS:
        assert schema.names_of(kind)[:3] == ["id", "kind", "title"]


# -- a field added in one place appears everywhere ------------------------------------------------

BUDGET = Field("budget_note", "text", "Budget note", "what the source says about the budget", "EUR 120,000 from the EU",
               weight=1.0, show=225, option="--budget-note")


def test_an_extra_field_in_the_schema_reaches_every_way_in_and_out(db, tmp_path, fresh_commands, monkeypatch):
    with schema.extended(BUDGET):
        # add: an option, and a question
        assert "--budget-note" in run(db, "add", "--help").stdout
        result = run(db, "add", "fact", "--title", "Funding", "--text", "T", "--source", "S",
                     "--budget-note", "EUR 120,000 from the EU", "--no-input")
        assert result.exit_code == 0, result.output
        # the new field is asked last, after the sources and the other values
        answers = ["Asked", "T", *[""] * 14, "S", *[""] * 6, "EUR 5", "", "y"]
        result = run(db, "add", "fact", input="\n".join(answers) + "\n")
        assert result.exit_code == 0, result.output
        assert "Budget note: what the source says about the budget" in result.stdout
        catalogue = Store(db).load()
        assert catalogue.by_id["fct-funding"]["budget_note"] == "EUR 120,000 from the EU"
        assert catalogue.by_id["fct-asked"]["budget_note"] == "EUR 5"
        # show and search
        assert "Budget note:" in run(db, "show", "fct-funding").stdout
        assert run(db, "search", "120,000").stdout.startswith("fct-funding")
        # edit: in the template, and with --set
        script = tmp_path / "editor.py"
        script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                          "t = p.read_text()\nassert 'budget_note' in t\n"
                          "p.write_text(t.replace('EUR 5', 'EUR 6'))\n")
        monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
        monkeypatch.setattr("mieux_cli.cli.prompts.is_terminal", lambda stream=None: True)  # as if typed at a terminal
        assert run(db, "edit", "fct-asked").exit_code == 0
        assert run(db, "edit", "fct-funding", "--set", "budget_note=EUR 7").exit_code == 0
        catalogue = Store(db).load()
        assert (catalogue.by_id["fct-asked"]["budget_note"], catalogue.by_id["fct-funding"]["budget_note"]) == ("EUR 6", "EUR 7")
        # export and import: YAML, JSON and CSV
        for fmt, out in (("yaml", tmp_path / "folder"), ("json", tmp_path / "all.json"), ("csv", tmp_path / "all.csv")):
            assert run(db, "export", "--format", fmt, "--output", str(out)).exit_code == 0
            text = (out / "facts" / "fct-funding.yaml").read_text() if fmt == "yaml" else out.read_text()
            assert "EUR 7" in text and "budget_note" in text, fmt
            other = tmp_path / f"other-{fmt}.json"
            assert run(other, "import", str(out)).exit_code == 0, fmt
            assert Store(other).load().by_id["fct-funding"]["budget_note"] == "EUR 7", fmt
        assert "budget_note" in json.dumps(run(db, "schema", "--json").stdout)
        assert "budget_note" in run(db, "schema", "fact").stdout
    assert not schema.has("budget_note")


# -- a record with every field, every way in and out ----------------------------------------------

EVERY_FIELD = {
    "id": "act-every-field", "kind": "action", "title": "Every field; with | separators \\ and = signs",
    "summary": "A summary\nover two lines.", "status": "ongoing", "status_as_of": "2018-07",
    "start": "2017-03-15", "end": "2019", "planned_start": "2017-01", "planned_end": "2018-12-31",
    "countries": ["MX"], "participants": ["SV", "US"], "region": "LAC",
    "shares": [{"country": "MX", "region": None, "vocabulary": None, "percentage": 80},
               {"country": None, "region": "389", "vocabulary": "1", "percentage": 20.5}],
    "partners": [{"name": "Instituto Nacional de Migración; INM", "role": "co-host", "country": "MX", "kind": "agency",
                  "ref": "MX-INM-1"},
                 {"name": "title=looks like a part", "role": None, "country": None, "kind": None, "ref": None}],
    "experts": [{"country": "ES", "kind": "member-state administration", "institution": "Ministry | of Inclusion",
                 "count": 2, "note": "two past experts"},
                {"country": None, "kind": "academia", "institution": "a university", "count": None, "note": None}],
    "themes": ["HO", "IMT"], "areas": ["CHI", "COM", "IBM"],
    "sectors": [{"code": "15190", "vocabulary": "1", "percentage": 70}, {"code": "A|B", "vocabulary": "99",
                                                                          "percentage": None}],
    "gcm": [7, 23],
    "activities": [{"title": "Regional workshop", "kind": "workshop", "place": "Mexico City", "date": "2017-05"},
                   {"title": "Assessment", "kind": "assessment or fact-finding mission", "place": None, "date": None}],
    "outputs": ["Online module; for officers"], "results": ["Lasting cooperation | in the region"],
    "figures": [{"label": "participants", "value": 45, "unit": "people", "as_of": "2017-05", "source": "Report"},
                {"label": None, "value": 300, "unit": "%", "as_of": None, "source": None},
                {"label": "share", "value": 0.33, "unit": None, "as_of": None, "source": None},
                {"label": "delegates", "value": "about half", "unit": None, "as_of": None, "source": None}],
    "funding": [{"type": "budget", "year": "2017", "value": 250000, "currency": "EUR"},
                {"type": "disbursement", "year": "2018", "value": 1234.56, "currency": "USD"}],
    "tags": ["children", "semi;colon"],
    "notes": "=1+1 looks like a formula",
    "sources": [{"title": "MIEUX article", "publisher": "MIEUX (ICMPD)", "date": "2018",
                 "url": "https://example.org/page?a=1;b=2|c", "language": "en", "accessed": "2024-05-02",
                 "page": "section 3", "file": "article.txt"}],
    "alternatives": [{"field": "end", "value": "2019-03", "source": "MIEUX factsheet", "note": "a later page"}],
    "aliases": ["act-former-id"],
}


@pytest.fixture
def every_field():
    record = normalize(EVERY_FIELD)
    assert record == EVERY_FIELD  # already canonical: what goes in is what comes out
    return record


def _export(db, tmp_path, name) -> dict:
    out = {}
    for fmt in ("yaml", "json", "csv"):
        target = tmp_path / f"{name}.{fmt}" if fmt != "yaml" else tmp_path / f"{name}-folder"
        result = run(db, "export", "--format", fmt, "--output", str(target))
        assert result.exit_code == 0, result.output
        out[fmt] = (target / "actions" / "act-every-field.yaml").read_bytes() if fmt == "yaml" else target.read_bytes()
    return out


def test_a_record_with_every_field_goes_in_by_options_and_comes_out_identical(tmp_path, every_field):
    def cells(name):
        from mieux_cli.model.cells import to_cell

        f = schema.get(name)
        value = every_field[name]
        return [to_cell(f, [item]) for item in value] if f.is_list else [to_cell(f, value)]

    args = []
    for f in schema.settable("action"):
        if every_field.get(f.name) not in (None, []):
            for text in cells(f.name):
                args += [f.option, text]
    db = tmp_path / "options.json"
    run(db, "list")
    result = run(db, "add", "action", "--id", "act-every-field", *args, "--no-input")
    assert result.exit_code == 0, result.output
    assert Store(db).load().by_id["act-every-field"] == {**every_field, "aliases": []}  # only `rename` sets them


def test_a_record_with_every_field_goes_in_at_the_prompts(tmp_path, every_field):
    from mieux_cli.model.cells import to_cell

    db = tmp_path / "prompts.json"
    run(db, "list")
    answers = []
    for f in schema.settable("action"):
        value = every_field[f.name]
        if f.name == "region":
            continue  # not asked: the countries give it
        if f.type == "items":  # each item whole, in its cell form (a "|" says so), then Enter to finish
            cells = [to_cell(f, [item]) for item in value]
            answers += [cell if "|" in cell else cell + " |" for cell in cells] + [""]
        elif f.type == "texts":
            answers += list(value) + [""]
        elif f.type in ("codes", "tags"):
            answers.append(", ".join(str(v) for v in value) if f.name != "tags" else "children")
        else:
            answers.append("" if value is None else str(value).split("\n")[0])
    answers += ["act-every-field", "y"]
    result = run(db, "add", "action", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    stored = Store(db).load().by_id["act-every-field"]
    # a tag with a semicolon cannot be typed at a prompt that splits on commas and semicolons
    assert stored == {**every_field, "tags": ["children"], "summary": "A summary", "aliases": []}  # a prompt takes one line


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_a_record_with_every_field_round_trips_through_every_format_byte_for_byte(tmp_path, every_field, fmt):
    source = tmp_path / "source.json"
    run(source, "list")
    from conftest import add_records

    add_records(source, every_field)
    first = _export(source, tmp_path, "first")
    files = {"yaml": tmp_path / "first-folder", "json": tmp_path / "first.json", "csv": tmp_path / "first.csv"}
    again = tmp_path / f"again-{fmt}.json"
    result = run(again, "import", str(files[fmt]))
    assert result.exit_code == 0, result.output
    assert Store(again).load().by_id["act-every-field"] == every_field
    assert _export(again, tmp_path, "second") == first
    # and by add --from, from a file holding that record alone
    from mieux_cli.formats import csv_file, json_file, yaml_folder

    one = tmp_path / f"one.{fmt}"
    one.write_text({"yaml": yaml_folder.record_text, "json": lambda r: json_file.text([r]), "csv": lambda r: csv_file.text([r])}[fmt](every_field))
    added = tmp_path / f"added-{fmt}.json"
    run(added, "list")
    result = run(added, "add", "--from", str(one))
    assert result.exit_code == 0, result.output
    assert Store(added).load().by_id["act-every-field"] == every_field


def test_csv_neutralises_formulas_and_reads_them_back_unchanged(tmp_path, every_field):
    from mieux_cli.formats import csv_file

    text = csv_file.text([every_field])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["notes"] == "'=1+1 looks like a formula"
    for value in ("=HYPERLINK(\"x\")", "+1+1", "-2", "@SUM(A1)", "'quoted", "\tTab"):
        record = normalize({**every_field, "title": value.strip()})
        cell = next(csv.DictReader(io.StringIO(csv_file.text([record]))))["title"]
        assert cell.startswith("'") or not value.strip().startswith(("=", "+", "-", "@", "'")), value
        path = tmp_path / "f.csv"
        path.write_text(csv_file.text([record]))
        db = tmp_path / f"{abs(hash(value))}.json"
        assert run(db, "import", str(path)).exit_code == 0
        assert Store(db).load().by_id["act-every-field"]["title"] == value.strip()


# -- format 1 ---------------------------------------------------------------------------------


@pytest.fixture
def format1(tmp_path):
    path = tmp_path / "old.json"
    shutil.copy(FIXTURE, path)
    return path


def _format1_records() -> dict:
    return {r["id"]: r for r in json.loads(FIXTURE.read_text())["records"].values()}


def test_a_format1_catalogue_migrates_once_after_a_backup_and_says_so(format1):
    before = read_bytes(format1)
    result = run(format1, "list", "--json")
    assert result.exit_code == 0
    assert result.stderr == (f"Updated your catalogue {format1} from format 1 to the current format; the file as it was "
                             "is kept as a backup (`mieux backup --list`).\n")
    data = json.loads(read_bytes(format1))
    assert data["meta"]["1"]["format"] == FORMAT
    backups = Store(format1).backups()
    assert len(backups) == 1 and read_bytes(backups[0].path) == before
    history = Store(format1).history()
    assert history[-1]["command"] == "migrated from format 1" and history[-1]["migrated"] == {"from": 1, "to": 3}
    assert len(history) == 5
    # once: the next command reads format 3 and writes nothing
    after = read_bytes(format1)
    assert run(format1, "list").stderr == ""
    assert read_bytes(format1) == after


def test_every_format1_value_survives_the_migration(format1):
    old = _format1_records()
    new = {r["id"]: r for r in Store(format1).load().records}
    assert set(new) == set(old)
    for record_id, record in old.items():
        migrated = new[record_id]
        for field, value in record.items():
            if field == "hosts":
                assert [p["name"] for p in migrated["partners"] if p["role"] == "host"] == value, record_id
            elif field == "figure":
                assert ([] if value is None else [value]) == [_written(f) for f in migrated["figures"]], record_id
            elif field == "partners":
                assert [p["name"] for p in migrated["partners"]] == value
            elif field == "experts":
                assert [e["country"] for e in migrated["experts"]] == [e["country"] for e in value]
                assert [_old_kind(e) for e in migrated["experts"]] == [e["kind"] for e in value]
            elif field == "sources":
                assert [{k: s[k] for k in ("title", "publisher", "date", "url")} for s in migrated["sources"]] == value
            else:
                assert migrated[field] == value, (record_id, field)
    assert new["fct-full"]["figures"] == [{"label": None, "value": 15000, "unit": "participants", "as_of": None, "source": None}]
    assert new["fct-words"]["figures"][0]["value"] == "about half"


def _written(figure) -> str:
    """A migrated figure as format 1 wrote it."""
    from mieux_cli.model.display import number_text

    text = number_text(figure["value"], figure["unit"])
    return text


def _old_kind(expert) -> str | None:
    return {"member-state administration": "public official", "partner-country administration": "public official"}.get(
        expert["kind"], expert["kind"])


def test_restore_goes_back_to_the_records_before_the_migration_and_undo_says_how(format1):
    run(format1, "list")
    migrated = {r["id"]: r for r in Store(format1).load().records}
    result = run(format1, "undo")
    assert result.exit_code == 2
    assert "is the migration of the catalogue to format 3" in result.stderr
    assert "mieux restore" in result.stderr
    run(format1, "edit", "act-full", "--set", "title=Changed after the migration")
    backups = Store(format1).backups()
    result = run(format1, "restore", str(backups[0].path), "--yes")
    assert result.exit_code == 0, result.output
    assert {r["id"]: r for r in Store(format1).load().records} == migrated
    assert json.loads(read_bytes(backups[0].path))["meta"]["1"]["format"] == 1  # the backup itself is left as it was


def test_a_damaged_record_in_a_format1_file_is_kept_as_it_was(tmp_path):
    data = json.loads(FIXTURE.read_text())
    key = next(k for k, r in data["records"].items() if r["id"] == "fct-words")
    data["records"][key]["countries"] = ["Atlantis"]
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(data))
    Store(path).load()
    kept = json.loads(path.read_text())["records"][key]
    assert kept == data["records"][key]


def test_import_accepts_what_format1_exported(tmp_path):
    old_yaml = tmp_path / "old-export"
    (old_yaml / "events").mkdir(parents=True)
    (old_yaml / "facts").mkdir()
    (old_yaml / "events" / "evt-old.yaml").write_text(
        "id: evt-old\nkind: event\ntitle: Old\nsummary: null\ncountries: [BJ]\nregion: WCA\nthemes: []\nareas: []\n"
        "gcm: []\nstart: 2018-10\nend: null\ntags: []\nsources:\n- title: S\n  publisher: null\n  date: null\n  url: null\n"
        "place: Cotonou\nhosts: [Ministry of the Interior]\nexperts:\n- country: ES\n  kind: public official\nresults: []\n")
    (old_yaml / "facts" / "fct-old.yaml").write_text(
        "id: fct-old\nkind: fact\ntitle: Old fact\nsummary: null\ncountries: []\nregion: LAC\nthemes: []\nareas: []\n"
        "gcm: []\nstart: '2017'\nend: null\ntags: []\nsources: [S]\ntext: A third.\nfigure: 33%\n")
    old_csv = tmp_path / "old.csv"
    old_csv.write_text("id,kind,title,sources,place,hosts,experts,text,figure\n"
                       "evt-csv,event,Old CSV,S,Bangkok,MIEUX; Ministry of Labour,ES (public official); TH (ngo),,\n"
                       "fct-csv,fact,Old CSV fact,S,,,,Many.,45 people\n")
    db = tmp_path / "new.json"
    for path in (old_yaml, old_csv):
        result = run(db, "import", str(path))
        assert result.exit_code == 0, result.output
    records = Store(db).load().by_id
    assert records["evt-old"]["partners"] == [{"name": "Ministry of the Interior", "role": "host", "country": None, "kind": None,
                                              "ref": None}]
    assert records["evt-old"]["experts"][0]["kind"] == "member-state administration"
    assert records["fct-old"]["figures"][0] | {} == {"label": None, "value": 33, "unit": "%", "as_of": None, "source": None}
    assert [p["name"] for p in records["evt-csv"]["partners"]] == ["MIEUX", "Ministry of Labour"]
    assert [e["kind"] for e in records["evt-csv"]["experts"]] == ["member-state administration", "ngo"]
    assert records["fct-csv"]["figures"][0]["value"] == 45


# -- mieux schema ---------------------------------------------------------------------------------


def test_schema_lists_every_field_of_every_kind_with_an_example(db):
    result = run(db, "schema")
    assert result.exit_code == 0
    for kind in KINDS:
        assert f"{kind}: {schema.KIND_HELP[kind]}" in result.stdout
    for f in schema.FIELDS:
        assert f.example in result.stdout, f.name


def test_schema_json_is_a_json_schema_that_accepts_exports_and_refuses_mistakes(db, every_field):
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(run(db, "schema", "--json").stdout)
    validator = jsonschema.Draft202012Validator(document)
    exported = json.loads(run(db, "export", "--format", "json").stdout)
    assert list(validator.iter_errors(exported)) == []
    assert list(validator.iter_errors(every_field)) == []
    assert list(validator.iter_errors({**every_field, "colour": "red"}))
    assert list(validator.iter_errors({k: v for k, v in every_field.items() if k != "title"}))


def test_the_readme_field_reference_is_the_schema_s_own_and_lists_every_field(db):
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    reference = readme.split("<!-- mieux schema --markdown: begin -->\n", 1)[1].split("<!-- mieux schema --markdown: end -->")[0]
    assert reference == run(db, "schema", "--markdown").stdout
    for f in schema.FIELDS:
        assert f"`{f.name}`" in reference, f.name
        assert f.example.replace("|", "\\|") in reference, f.name


def test_schema_import_costs_no_start_up(tmp_path):
    import subprocess

    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "mieux_cli", "--version"],
                            capture_output=True, text=True, env={**os.environ, "MIEUX_DB": str(tmp_path / "x.json")},
                            check=False)
    assert "mieux_cli.model.schema" not in result.stderr


# -- defects found with real records --------------------------------------------------------------


def test_check_tells_numbered_phases_apart_and_finds_two_events_at_one_place_in_one_month(db):
    from conftest import add_records

    add_records(db,
                {"id": "act-cr-1", "kind": "action", "title": "Costa Rica I", "summary": "S"},
                {"id": "act-cr-2", "kind": "action", "title": "Costa Rica II", "summary": "S"},
                {"id": "evt-a", "kind": "event", "title": "Regional workshop on return", "place": "Accra, Ghana",
                 "start": "2019-05-02"},
                {"id": "evt-b", "kind": "event", "title": "Seminar for border officials", "place": "accra, ghana",
                 "start": "2019-05"})
    lines = run(db, "check").stdout.splitlines()
    assert not any("act-cr-1" in line and "title" in line for line in lines)
    assert "warning  evt-a  start: 2 records are events in Accra in May 2019 (the same city and month): evt-a, evt-b" in lines


def test_check_lists_actions_named_but_not_in_the_catalogue_yet(db):
    from conftest import add_records

    add_records(db, {"id": "prc-x", "kind": "practice", "title": "P", "summary": "S", "unlisted_actions": ["Ghana IV"]})
    result = run(db, "check")
    assert ("warning  prc-x  unlisted_actions: 'Ghana IV' is not in the catalogue yet: add it with `mieux add action`, "
            "then link it in actions") in result.stdout.splitlines()
    assert not any("prc-x  actions: this practice comes from no action" in line for line in result.stdout.splitlines())


def test_briefs_keep_the_kind_of_experts_and_put_no_full_stop_after_a_link(db):
    from conftest import add_records

    add_records(db, {"id": "act-x", "kind": "action", "title": "Belgium and Ireland support", "summary": "S",
                     "countries": ["GH"], "experts": [{"country": "BE", "kind": "ngo"}, {"country": "IE", "kind": "academia"}],
                     "sources": [{"title": "Page", "url": "https://example.org/x"}],
                     "alternatives": [{"field": "end", "value": "2019-03", "source": "MIEUX factsheet"}]})
    text = run(db, "brief", "act-x", "--width", "200").stdout
    assert "Experts from Belgium (NGO) and Ireland (Academia)." in text
    assert "[1]  Page. https://example.org/x\n" in text
    assert "End: March 2019, according to MIEUX factsheet" in text
    assert "end: 2019-03 (according to MIEUX factsheet)" in run(db, "show", "act-x").stdout


def test_vocab_writes_the_names_of_kinds_as_people_do(db):
    result = run(db, "vocab", "experts")
    assert "NGO" in result.stdout and "EU agency" in result.stdout and "Ngo" not in result.stdout


def test_add_options_set_experts_activities_principles_partner_roles_and_source_links(db):
    result = run(db, "add", "action", "--title", "Options", "--summary", "S", "--no-input",
                 "--source", "An article | | | https://example.org/a", "--partner", "INM | co-host | MX",
                 "--expert", "ES | ngo | | 2", "--activity", "Workshop | workshop | Accra | 2019-05",
                 "--figure", "participants | 45")
    assert result.exit_code == 0, result.output
    record = Store(db).load().by_id["act-options"]
    assert record["sources"][0]["title"] == "An article" and record["sources"][0]["url"] == "https://example.org/a"
    assert record["partners"][0] == {"name": "INM", "role": "co-host", "country": "MX", "kind": None, "ref": None}
    assert record["experts"][0] | {} == {"country": "ES", "kind": "ngo", "institution": None, "count": 2, "note": None}
    assert record["activities"][0]["kind"] == "workshop" and record["figures"][0]["value"] == 45
    result = run(db, "add", "practice", "--title", "P", "--summary", "S", "--source", "S", "--principle", "human rights",
                 "--principle", "child-sensitive", "--no-input")
    assert result.exit_code == 0, result.output
    assert Store(db).load().by_id["prc-p"]["principles"] == ["child-sensitive", "human-rights"]
