"""The shipped catalogue says only what its source says: every number, date, place, country and
organisation of every shipped record is in the seed article, and each slip found in a line-by-line
reading fails this test if it is put back."""

import copy
from pathlib import Path

import pytest

from mieux_cli.checks.fidelity import Source, unsupported
from mieux_cli.model.records import normalize
from mieux_cli.storage.shipped import shipped_records

# The seed article, as the shipped records cite it (their source's `file`); a copy lives with the
# tests so that a fresh clone checks it too, and it must stay the same as the one in ../shared/seed/.
COPY = Path(__file__).parent / "fixtures" / "sources" / "sharing-good-practices-lac.txt"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "sharing-good-practices-lac.txt"
ARTICLE = Source(COPY.read_text(encoding="utf-8"))


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed/ is not beside this clone")
def test_the_copy_of_the_seed_article_is_the_seed_article():
    assert COPY.read_bytes() == SEED.read_bytes()


@pytest.fixture(scope="module")
def shipped():
    return {r["id"]: r for r in shipped_records()}


def test_every_value_of_every_shipped_record_is_in_the_article(shipped):
    found = [f"{r['id']}: {u}" for r in shipped.values() for u in unsupported(r, ARTICLE)]
    assert found == []
    assert all(s["file"] == COPY.name for r in shipped.values() for s in r["sources"])


def test_check_sources_lists_what_a_record_states_that_its_source_does_not(tmp_path):
    from conftest import add_records
    from test_schema import run

    db = tmp_path / "c.json"
    run(db, "list")
    source = {"title": "Sharing good practices in Latin America and the Caribbean", "file": COPY.name}
    add_records(db, {"id": "act-slip", "kind": "action", "title": "A slip", "summary": "Delegates summed up in 2015.",
                     "countries": ["TH"], "sources": [source]})
    result = run(db, "check", "--sources", str(COPY.parent))
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("warning  act-slip")]
    assert lines == [
        "warning  act-slip  countries: not in its source: the country is not in the source: Thailand",
        "warning  act-slip  summary: not in its source: the number is not in the source: 2015",
        "warning  act-slip  summary: not in its source: the source does not put it this way (who said what): delegates summed",
    ]
    assert not any(line.startswith("warning") and "act-slip" not in line and "not in its source" in line
                   for line in result.stdout.splitlines())
    result = run(db, "check", "--sources", str(tmp_path / "nowhere"))
    assert (result.exit_code, result.stderr) == (2, (f"Error: There is no folder {tmp_path / 'nowhere'}. Give the folder "
                                                    "that holds the text copies of your sources.\n"))


def _with(record: dict, **changes) -> dict:
    return normalize({**copy.deepcopy(record), **changes})


# Each slip found in the shipped records by reading them against the article, put back: the
# general check must find it.
SLIPS = {
    "a status the article does not give": ("act-cr-integration-plans", {"status": "completed"}, "status"),
    "ongoing with no date it was known": ("act-mx-unaccompanied-children", {"status_as_of": None}, "status_as_of"),
    "the association's acronym on the network": (
        "act-ibero-american-prosecutors-som-protocol",
        {"partners": [{"name": "Ibero-American Network of Public Prosecutors on Trafficking in Persons (AIAMP)"}]},
        "partners.name"),
    "the rise dated from 2015": ("fct-mx-unaccompanied-children-increase", {"start": "2015", "end": "2018"}, "start"),
    "words delegates did not sum up": (
        "prc-cr-inter-institutional-working-groups",
        {"summary": "MIEUX organised working groups and stayed with the institutions, an approach delegates summed up "
                    "as \"sharing the journey\"."}, "summary"),
    "MIEUX's key input credited to delegates": (
        "prc-cr-inter-institutional-working-groups",
        {"why": "Delegates named the working groups and the continued accompaniment as MIEUX's key input."}, "why"),
    "participants said to be from the Dominican Republic": (
        "prc-do-flexibility-local-adaptation",
        {"summary": "Participants from the Dominican Republic pointed to MIEUX's flexibility."}, "summary"),
    "MIEUX as the host in Bangkok": ("evt-2018-bangkok-roundtable", {"partners": [{"name": "MIEUX", "role": "host"}]},
                                     "partners.role"),
    "Thailand as a participant in Bangkok": ("evt-2018-bangkok-roundtable", {"countries": ["TH"]}, "countries"),
    "MIEUX as the host in Cotonou": ("evt-2018-cotonou-roundtable", {"partners": [{"name": "MIEUX", "role": "host"}]},
                                     "partners.role"),
    "Benin as a participant in Cotonou": ("evt-2018-cotonou-roundtable", {"countries": ["BJ"]}, "countries"),
    "Cotonou as held": ("evt-2018-cotonou-roundtable", {"status": "held", "status_as_of": None}, "status"),
    "an objective stated as done": (
        "evt-2018-mexico-city-roundtable",
        {"summary": "Over two and a half days, representatives from Argentina, Costa Rica, the Dominican Republic, "
                    "Mexico, Paraguay and Peru reviewed ongoing and past Actions, extracted good practices and examined "
                    "MIEUX's longer-term impact."}, "summary"),
    "Costa Rican delegates": (
        "prc-cr-integration-shared-responsibility",
        {"summary": "Costa Rican delegates reported that their concept of integration had changed."}, "summary"),
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_each_slip_found_in_the_shipped_records_is_caught_if_put_back(shipped, slip):
    record_id, changes, field = SLIPS[slip]
    assert unsupported(shipped[record_id], ARTICLE) == []
    fields = {u.field for u in unsupported(_with(shipped[record_id], **changes), ARTICLE)}
    assert field in fields


def test_statuses_are_what_the_article_gives_with_the_date_it_was_known(shipped):
    statuses = {i: (r.get("status"), r.get("status_as_of")) for i, r in shipped.items() if r["kind"] in ("action", "event")}
    assert statuses == {
        "act-ibero-american-prosecutors-som-protocol": ("unknown", None),
        "act-cr-integration-plans": ("unknown", None),
        "act-do-migration-school-journalists": ("unknown", None),
        "act-mx-unaccompanied-children": ("ongoing", "2018"),  # "Currently, MIEUX is also assisting ..."
        "evt-2018-bangkok-roundtable": ("held", None),
        "evt-2018-mexico-city-roundtable": ("held", None),
        "evt-2018-cotonou-roundtable": ("planned", "2018"),  # "will take place in early October"
    }


def test_the_network_is_named_as_the_article_names_it_and_its_old_id_still_finds_it(shipped):
    assert "act-aiamp-som-protocol" not in shipped
    action = shipped["act-ibero-american-prosecutors-som-protocol"]
    assert action["aliases"] == ["act-aiamp-som-protocol"]
    assert shipped["prc-prosecutors-revised-cooperation-protocol"]["aliases"] == ["prc-aiamp-revised-cooperation-protocol"]
    assert not any("AIAMP" in str(r) for r in shipped.values())


def test_events_name_only_the_hosts_and_participants_the_article_names(shipped):
    for event_id in ("evt-2018-bangkok-roundtable", "evt-2018-cotonou-roundtable"):
        event = shipped[event_id]
        assert (event["partners"], event["countries"], event["participants"]) == ([], [], [])
    bangkok = shipped["evt-2018-bangkok-roundtable"]
    assert {"IMT", "LM"} <= set(bangkok["themes"]) and {"LAB", "THB"} <= set(bangkok["areas"])
    mexico = shipped["evt-2018-mexico-city-roundtable"]
    assert [(p["name"], p["role"]) for p in mexico["partners"]] == [("MIEUX", "host"), ("National Institute of Migration", "co-host")]
    assert set(mexico["countries"] + mexico["participants"]) == {"AR", "CR", "DO", "MX", "PY", "PE"}


def test_the_regions_flows_fact_is_about_the_whole_region(shipped):
    fact = shipped["fct-lac-nicaragua-venezuela-flows-pressure"]
    assert (fact["countries"], fact["region"]) == ([], "LAC")


def test_the_article_s_statement_on_ten_years_of_peer_to_peer_results_is_there(shipped):
    texts = [r["text"] for r in shipped.values() if r["kind"] == "fact"]
    assert any("peer-to-peer" in t and "noteworthy results" in t and "10 years" in t for t in texts)


def test_practices_are_what_the_article_presents_as_good_practices_or_highlights(shipped):
    practices = {i: r["presented_as"] for i, r in shipped.items() if r["kind"] == "practice"}
    assert practices == {
        "prc-prosecutors-revised-cooperation-protocol": "highlight",
        "prc-cr-integration-shared-responsibility": "highlight",
        "prc-cr-inter-institutional-working-groups": "highlight",
        "prc-do-flexibility-local-adaptation": "good practice",  # "... as the good practices that arose"
        "prc-mx-regional-cooperation-unaccompanied-minors": "highlight",
    }
    assert all(r["why"] is None for i, r in shipped.items() if r["kind"] == "practice")  # the article gives no reasons


def test_the_campaign_reads_as_something_the_plan_spawned_not_as_a_mieux_output(shipped):
    holders = [r for r in shipped.values() if "Aquí todos somos migrantes" in str(r)]
    assert [r["id"] for r in holders] == ["fct-cr-plan-spawned-aqui-todos-somos-migrantes"]
    assert holders[0]["kind"] == "fact" and "has spawned" in holders[0]["text"]
    assert "prc-cr-aqui-todos-somos-migrantes" in holders[0]["aliases"]
    action = shipped["act-cr-integration-plans"]
    assert "Aquí" not in " ".join(action["results"] + action["outputs"])


def test_countries_that_only_attended_mexico_s_workshop_are_participants(shipped):
    for record_id in ("act-mx-unaccompanied-children", "prc-mx-regional-cooperation-unaccompanied-minors"):
        record = shipped[record_id]
        assert (record["countries"], record["participants"]) == (["MX"], ["GT", "HN", "SV", "US"])


def test_check_sources_skips_a_named_pipe_named_like_a_source_copy(tmp_path):
    """It waited for ever for a writer to the pipe."""
    import os
    import subprocess
    import sys

    from test_schema import run

    db = tmp_path / "c.json"
    run(db, "list")
    folder = tmp_path / "sources"
    folder.mkdir()
    os.mkfifo(folder / "sharing-good-practices-lac.txt")
    result = subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(db), "check", "--sources", str(folder)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert result.stderr.startswith(f"24 of 24 records cite no source with a copy in {folder}: they were not compared")
