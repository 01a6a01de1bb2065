"""The shipped catalogue: built from the seed article, one YAML file per record, all valid."""

from pathlib import Path

import yaml

from mieux_cli.model.schema import names_of as fields_of
from mieux_cli.storage.shipped import shipped_records

ROOT = Path(__file__).resolve().parent.parent / "catalogue"
ARTICLE = "Sharing good practices in Latin America and the Caribbean"


def test_one_yaml_file_per_record_named_by_its_id_in_a_folder_per_kind():
    files = sorted(ROOT.glob("*/*.yaml"))
    assert len(files) == len(shipped_records()) == 24
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == raw["id"] and path.parent.name == raw["kind"] + "s"
        assert set(raw) == set(fields_of(raw["kind"])), path.name


def test_every_record_cites_the_article():
    for record in shipped_records():
        assert [s["title"] for s in record["sources"]] == [ARTICLE], record["id"]


def test_the_article_s_actions_practices_events_and_figures_are_there():
    records = {r["id"]: r for r in shipped_records()}
    kinds = {}
    for record in records.values():
        kinds.setdefault(record["kind"], set()).add(record["id"])
    assert kinds["action"] == {"act-ibero-american-prosecutors-som-protocol", "act-cr-integration-plans",
                               "act-do-migration-school-journalists", "act-mx-unaccompanied-children"}
    assert len(kinds["practice"]) == 5 and len(kinds["event"]) == 3 and len(kinds["fact"]) == 12
    assert {records[i]["place"] for i in kinds["event"]} == {"Bangkok", "Mexico City", "Cotonou, Benin"}
    figures = {(f["value"], f["unit"]) for r in records.values() for f in r["figures"]}
    assert {(33, "%"), (300, "%")} <= figures
    assert "Aquí todos somos migrantes" in records["fct-cr-plan-spawned-aqui-todos-somos-migrantes"]["title"]
    protocol = records["prc-prosecutors-revised-cooperation-protocol"]
    assert protocol["countries"] == [] and protocol["region"] == "LAC"
    assert any("Ibero-American Network" in p["name"] for p in records["act-ibero-american-prosecutors-som-protocol"]["partners"])


def test_every_practice_links_to_its_actions_and_event():
    records = {r["id"]: r for r in shipped_records()}
    for record in records.values():
        if record["kind"] == "practice":
            assert record["actions"] and all(records[a]["kind"] == "action" for a in record["actions"])
            assert record["event"] == "evt-2018-mexico-city-roundtable"
