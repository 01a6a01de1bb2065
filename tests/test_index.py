"""The index gives the same answers as the file: every read command run both ways (the index,
and MIEUX_NO_INDEX=1, which parses the file and answers in memory, the reference), on every kind
of catalogue the tests make, gives the same output byte for byte."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import add_records
from typer.testing import CliRunner

from mieux_cli.app import app
from mieux_cli.query import IndexedCatalogue
from mieux_cli.store import NO_INDEX, RECORDS_TABLE, Store

FIXTURES = Path(__file__).parent / "fixtures"
LONG_FIELD = " ".join(["migration policy"] * 700) + " beyondthecut integratoin zebrafish"  # > 10,000 characters


def _tamper(db, change):
    data = json.loads(db.read_text())
    change(data[RECORDS_TABLE])
    db.write_text(json.dumps(data))


def _by_id(records, record_id):
    return next(r for r in records.values() if isinstance(r, dict) and r.get("id") == record_id)


def _shipped(db):
    Store(db).load()


def _format_1(db):
    shutil.copy(FIXTURES / "format1-catalogue.json", db)


def _hostile(db):
    Store(db).load()
    add_records(db, {"id": "fct-hostile", "kind": "fact", "title": "[bold]Loud[/bold] :smile: \x1b[31mred\x07 \u202eflip",
                     "text": "[link=http://evil]click[/link] \u200b zero\nnew line #99 forged", "tags": ["x\ny"]},
                {"id": "fct-invisible", "kind": "fact", "title": "Hidden \u061c \u200b \ufeff \U000e0041 \u2028 end",
                 "text": "T \u2029 migration"})


def _damaged(db):
    Store(db).load()
    add_records(db, {"id": "prc-undated", "kind": "practice", "title": "Undated practice from two actions",
                     "summary": "Takes its years from its actions.",
                     "actions": ["act-ibero-american-prosecutors-som-protocol", "act-do-migration-school-journalists"]},
                {"id": "prc-from-event", "kind": "practice", "title": "Practice dated by its event", "summary": "S",
                 "event": "evt-2018-mexico-city-roundtable"})

    def damage(records):
        records["900"] = "not a record"
        records["901"] = {"kind": "fact", "title": "No ID"}
        records["902"] = {"id": "fct-bogus-kind", "kind": "bogus", "title": "Unknown kind"}
        records["903"] = {**_by_id(records, "fct-lac-regional-integration"), "id": "fct-null-countries", "countries": None}
        records["904"] = {**_by_id(records, "fct-lac-regional-integration"), "title": "A second record with this ID"}
        records["905"] = {**_by_id(records, "fct-lac-share-of-activities-2017"), "id": "fct-with-status",
                          "status": "ongoing", "status_as_of": "2019"}
        records["906"] = {**_by_id(records, "act-cr-integration-plans"), "id": "act-listed-status", "status": ["x"]}
        _by_id(records, "prc-cr-integration-shared-responsibility")["actions"] = ["act-gone"]

    _tamper(db, damage)


def _renamed(db):
    Store(db).load()
    runner = CliRunner()
    for args in (["rename", "act-ibero-american-prosecutors-som-protocol", "act-aiamp-som-protocol"],
                 ["remove", "fct-mx-leading-gcm-negotiations", "--yes"],
                 ["edit", "act-cr-integration-plans", "--set", "end=2022", "--set", "status=ongoing"],
                 ["add", "--from", str(db.with_name("new.json"))]):
        db.with_name("new.json").write_text(json.dumps({
            "id": "prc-linked-by-a-former-id", "kind": "practice", "title": "Practice linked by a former ID", "summary": "S",
            "actions": ["act-ibero-american-prosecutors-som-protocol"], "sources": ["S"]}))
        assert runner.invoke(app, ["--db", str(db), *args]).exit_code == 0, args


def _words(db):
    """Accents, folding, a field longer than what corrections read, a word repeated more often
    than a field's matches count, and longer words a query word begins."""
    add_records(db, {"id": "act-words", "kind": "action", "title": "Côte d'Ivoire: Straße ﬁnancing and AQUÍ", "summary": LONG_FIELD,
                     "countries": ["CI"], "start": "2015", "status": "ongoing", "status_as_of": "2016"},
                {"id": "fct-repeat", "kind": "fact", "title": "Repeated words",
                 "text": " ".join(["migration", "migrations", "migrant"] * 60) + " República Dominicana", "start": "2016"},
                {"id": "fct-repeat-two", "kind": "fact", "title": "Migrants", "text": "migrant " * 150, "start": "2016",
                 "tags": ["Migration"]},
                {"id": "prc-words", "kind": "practice", "title": "Integration plans", "summary": "integration of migrants",
                 "actions": ["act-words"]})


def _synthetic(db):
    sys.path.insert(0, str(Path(__file__).parent / "bench"))
    from run import synthetic

    source = db.with_name("records.json")
    source.write_text(json.dumps(synthetic(600)))
    assert CliRunner().invoke(app, ["--db", str(db), "import", str(source)]).exit_code == 0


MAKERS = {"shipped": _shipped, "format-1": _format_1, "hostile": _hostile, "damaged": _damaged, "renamed": _renamed,
          "words": _words, "synthetic": _synthetic}


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.slow) if name == "synthetic" else name for name in MAKERS])
def catalogue(request, tmp_path):
    db = tmp_path / "catalogue.json"
    MAKERS[request.param](db)
    CliRunner().invoke(app, ["--db", str(db), "list", "--limit", "1"])  # created, migrated and indexed once
    assert isinstance(Store(db).read(), IndexedCatalogue)
    return db


def same_both_ways(db, *args):
    """The command's exit code, standard output and standard error, the same from the index and
    from the file."""
    runner = CliRunner()
    indexed = runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)
    from_file = runner.invoke(app, ["--db", str(db), *args], env={NO_INDEX: "1"}, catch_exceptions=False)
    assert (indexed.exit_code, indexed.stdout, indexed.stderr) == (from_file.exit_code, from_file.stdout, from_file.stderr), args
    return indexed


def record_ids(db) -> list[str]:
    return [r["id"] for r in Store(db).load().records]


FILTERS = [
    [], ["actions"], ["practices", "--country", "costa rica"], ["--region", "LAC", "--theme", "IMT"], ["--area", "THB", "--area", "SOM"],
    ["--gcm", "10"], ["--status", "ongoing"], ["--status", "ongoing", "--as-of", "2018"], ["--status", "completed", "--as-of", "2015-06"],
    ["--year", "2017"], ["--year", "2015-"], ["--year", "2010-2013", "--year", "2018"], ["--tag", "integration"],
    ["--country", "MX", "--role", "participant"], ["--country", "MX", "--role", "beneficiary"], ["--country", "US"],
    ["facts", "--region", "LAC"], ["--country", "France"],
]


def test_list_is_the_same_from_the_index_and_the_file(catalogue):
    for filters in FILTERS:
        same_both_ways(catalogue, "list", *filters)
    for sort in ("kind", "id", "title", "start", "end", "region"):
        same_both_ways(catalogue, "list", "--sort", sort)
        same_both_ways(catalogue, "list", "--sort", sort, "--limit", "3", "--json")
    same_both_ways(catalogue, "list", "--json")
    same_both_ways(catalogue, "list", "events", "--limit", "1")


QUERIES = ["unaccompanied", "migrant", "migration", "integracion", "integratoin", "aqui", "AQUÍ", "strasse", "financing",
           "smuggl", "the", "of the", "journalists manual", "zzyzx", "republica dominicana", "migration children protocol",
           "2017", "a", "beyondthecut", "zebrafsh", "cote d ivoire", "policy", "protocol training", "!!!"]


def test_search_is_the_same_from_the_index_and_the_file(catalogue):
    for query in QUERIES:
        same_both_ways(catalogue, "search", *query.split())
        same_both_ways(catalogue, "search", *query.split(), "--json", "--limit", "50")
    for filters in FILTERS[1:8]:
        same_both_ways(catalogue, "search", "migration", *[f for f in filters if f not in ("actions", "practices", "facts")])
    same_both_ways(catalogue, "search", "integracion", "--region", "LAC")
    same_both_ways(catalogue, "search", "protocol", "--kind", "practices", "-n", "2")


def test_show_is_the_same_from_the_index_and_the_file(catalogue):
    ids = record_ids(catalogue)
    for record_id in ids[::max(1, len(ids) // 40)]:
        same_both_ways(catalogue, "show", record_id)
        same_both_ways(catalogue, "show", record_id, "--json")
    for typed in ("act-cr", "ACT-CR-INT", "prc-cr-in", "prc", "act-aiamp-som-protocol", "act-cr-integraton",
                  "fct-bogus-kind", "integration plans", "nothing at all", "fct-lac-regional-integration"):
        same_both_ways(catalogue, "show", typed)


def test_summary_is_the_same_from_the_index_and_the_file(catalogue):
    fields = ["kind", "region", "country", "theme", "area", "gcm", "year", "status"]
    for by in fields:
        same_both_ways(catalogue, "summary", "--by", by)
        same_both_ways(catalogue, "summary", "--by", by, "--json")
    for first, second in (("region", "theme"), ("year", "status"), ("country", "kind"), ("theme", "gcm"), ("status", "area")):
        same_both_ways(catalogue, "summary", "--by", first, "--by", second)
    for filters in FILTERS[1:10]:
        same_both_ways(catalogue, "summary", *filters, "--by", "country", "--by", "year")
    same_both_ways(catalogue, "summary", "--country", "MX", "--role", "participant", "--by", "country")


def test_brief_is_the_same_from_the_index_and_the_file(catalogue):
    for filters in (["--region", "LAC"], ["--country", "costa rica"], ["--country", "US"], ["--theme", "IMT", "--year", "2015-"],
                    ["--area", "THB"], [], ["--kind", "practices", "--country", "MX"], ["--country", "France"]):
        same_both_ways(catalogue, "brief", *filters, "--date", "2026-01-01")
    same_both_ways(catalogue, "brief", "--region", "LAC", "--format", "markdown")
    same_both_ways(catalogue, "brief", "--region", "LAC")  # dated by the catalogue's last change
    records = [r for r in Store(catalogue).load().records if r["kind"] != "fact"]
    for record in records[::max(1, len(records) // 12)]:
        same_both_ways(catalogue, "brief", record["id"], "--date", "2026-01-01")


def test_completion_is_the_same_from_the_index_and_the_file(catalogue):
    indexed, from_file = Store(catalogue).read(), Store(catalogue).load()
    assert isinstance(indexed, IndexedCatalogue)
    for prefix in ("", "a", "act-", "prc-cr-i", "fct-", "zzz", "act-bench-1"):
        assert sorted(indexed.completions(prefix)) == sorted(from_file.completions(prefix)), prefix
