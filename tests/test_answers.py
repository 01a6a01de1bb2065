"""Answers a report can quote: what --year keeps and says it left out, what a summary by country
counts, the themes of specific areas, and the near-duplicates `check` points at. Each test reads
the output as a reader would: the lines of list, summary and check, and what standard error says."""

import json

import pytest
from conftest import add_records


def ids(result) -> list[str]:
    """The IDs of a piped `list`, in its order."""
    return [line.split()[0] for line in result.stdout.splitlines()[1:]]


# -- 1. --year never drops a record without dates in silence -------------------------------------------

def test_a_record_whose_status_was_known_on_a_date_is_active_in_that_year(cli):
    """Mexico's only Action ("ongoing as of 2018", no start or end) was left out of --year 2015-,
    while the practice that came from it was kept; `list actions --year 2018` found nothing."""
    result = cli("list", "--country", "MX", "--year", "2015-")
    assert ids(result) == ["act-mx-unaccompanied-children", "prc-mx-regional-cooperation-unaccompanied-minors",
                           "evt-2018-mexico-city-roundtable", "fct-mx-leading-gcm-negotiations"]
    assert result.stderr == ("1 record in scope has no dates and was left out by --year; add --undated to include "
                             "it.\n")  # the 300% fact: "in the last three years", no year
    result = cli("list", "actions", "--year", "2018")
    assert ids(result) == ["act-mx-unaccompanied-children"]
    assert result.stderr == ("1 record in scope has no dates and was left out by --year; add --undated to include "
                             "it.\n")  # Costa Rica's Action: its plans have periods, the Action has none


def test_undated_includes_the_records_with_no_dates_at_all(cli):
    result = cli("list", "actions", "--year", "2018", "--undated")
    assert ids(result) == ["act-cr-integration-plans", "act-mx-unaccompanied-children"]
    assert result.stderr == ""
    result = cli("list", "--undated")
    assert (result.exit_code, result.stderr) == (2, (
        "Error: --undated adds the records with no dates to what --year keeps. Give --year too, for example --year "
        "2015- --undated.\n"))


@pytest.mark.parametrize("command", [["search", "migration", "--json"], ["summary", "--by", "kind"],
                                     ["summary", "--by", "kind", "--json"], ["export", "--format", "json"],
                                     ["brief", "--region", "LAC"], ["list", "--json"]])
def test_every_command_with_year_says_how_many_undated_records_it_left_out(cli, command):
    result = cli(*command, "--year", "2010-2030")
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith("2 records in scope have no dates and were left out by --year; add --undated to "
                                  "include them.\n")


def test_a_summary_by_year_counts_the_undated_records_last(cli):
    lines = cli("summary", "--by", "year").stdout.splitlines()
    assert lines[-2].split()[:4] == ["(none)", "not", "set", "2"]
    assert lines[lines.index(next(line for line in lines if line.startswith("2018")))].split()[1] == "15"


def test_a_summary_by_year_counts_only_the_years_asked_for(cli):
    """A record active 2009-2018 counted under 2009 in `summary --by year --year 2018`."""
    result = cli("summary", "--by", "year", "--year", "2018")
    assert result.stdout == "2018  15  " + "#" * 30 + "\nRecords in scope (by year): 15\n"
    assert result.stderr.startswith("2 records in scope have no dates")
    result = cli("summary", "--by", "year", "--year", "2018-2019", "--undated")
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["2018", "2019", "(none)", "Records"]


# -- 2. a summary by country counts where the work was -------------------------------------------------

def bars(result) -> dict[str, int]:
    """Value -> count of a piped bar chart."""
    counts = {}
    for line in result.stdout.splitlines()[:-1]:
        words = line.split()
        number = next(w for w in words[1:] if w.isdigit())
        counts[words[0]] = int(number)
    return counts


def test_a_summary_by_country_counts_where_the_work_was_and_says_so(cli):
    """The United States, Argentina and Paraguay showed as places MIEUX worked: they attended a
    workshop or a round-table."""
    result = cli("summary", "--by", "country")
    assert bars(result) == {"MX": 5, "CR": 4, "DO": 2, "EC": 1, "(none)": 12}
    assert result.stdout.splitlines()[-1] == "Records in scope (by country where the work was): 24"
    result = cli("summary", "--by", "country", "--role", "participant")
    assert bars(result)["US"] == 2 and "MX" not in bars(result)
    assert result.stdout.splitlines()[-1] == "Records in scope (by country that took part): 24"
    result = cli("summary", "--by", "country", "--role", "any")
    assert bars(result)["US"] == 2 and bars(result)["MX"] == 5
    assert result.stdout.splitlines()[-1] == "Records in scope (by country in any role): 24"
    assert cli("summary", "--by", "country", "--by", "kind").stdout.splitlines()[0] == (
        "Records by country (where the work was) and kind")
    refused = cli("summary", "--role", "participant")
    assert (refused.exit_code, refused.stderr) == (2, (
        "Error: --role says which countries are counted by country, or which --country looks at. Give --by country or "
        "--country too, for example --by country --role participant.\n"))


def test_records_that_set_no_value_come_last_and_never_set_the_scale_of_the_bars(cli):
    lines = cli("summary", "--by", "country").stdout.splitlines()
    assert lines[-2].startswith("(none)")
    assert lines[0].endswith("5  " + "#" * 30)  # Mexico, the longest of the values set, fills the width
    assert lines[-2].endswith("12  " + "#" * 29 + "+")  # (none) is longer: capped, and marked so
    assert lines[1].endswith("4  " + "#" * 24)


# -- 3. the themes of specific areas ----------------------------------------------------------------------

def test_a_record_s_specific_areas_give_their_themes(cli):
    """A record with area THB and no theme escaped --theme IMT, summaries by theme and theme briefs."""
    add_records(cli.db, {"id": "fct-trafficking-only", "kind": "fact", "title": "Trafficking routes",
                         "text": "Routes run north.", "areas": ["THB"]})
    assert "fct-trafficking-only" in ids(cli("list", "--theme", "IMT"))
    assert "- Routes run north. [" in cli("brief", "--theme", "IMT").stdout
    assert json.loads(cli("show", "fct-trafficking-only", "--json").stdout)["themes"] == []  # the record, as stored
    shown = cli("show", "fct-trafficking-only").stdout
    assert "Thematic areas: IMT Irregular Migration / Trafficking in Human Beings (from its specific areas)\n" in shown
    counts = {c["theme"]: c["count"] for c in json.loads(cli("summary", "--by", "theme", "--json").stdout)["counts"]}
    assert counts["IMT"] == 9


def test_the_index_and_the_file_agree_on_the_themes_areas_give(cli):
    from test_index import same_both_ways

    add_records(cli.db, {"id": "fct-trafficking-only", "kind": "fact", "title": "Trafficking routes", "text": "T",
                         "areas": ["THB"]})
    for args in (["list", "--theme", "IMT", "--json"], ["summary", "--by", "theme"], ["summary", "--by", "theme", "--by",
                                                                                        "region"]):
        same_both_ways(cli.db, *args)


# -- 4. near-duplicates, and why they look alike ------------------------------------------------------

def warnings(cli) -> list[str]:
    return [line for line in cli("check").stdout.splitlines() if line.startswith("warning")]


def test_events_in_one_city_in_one_month_are_flagged_whatever_the_rest_of_the_place(cli):
    """'Cotonou, Benin' and 'Cotonou' in the same month were not flagged: the whole place was compared."""
    add_records(cli.db, {"id": "evt-cotonou-again", "kind": "event", "title": "Knowledge-sharing meeting in West Africa",
                         "summary": "S", "place": "Cotonou", "start": "2018-10-02"},
                {"id": "evt-cotonou-later", "kind": "event", "title": "Seminar in Benin", "summary": "S",
                 "place": "Cotonou, Benin", "start": "2018-11"})
    assert warnings(cli) == [
        ("warning  evt-2018-cotonou-roundtable  start: 2 records are events in Cotonou in October 2018 (the same city "
        "and month): evt-2018-cotonou-roundtable, evt-cotonou-again")]


COSTA_RICA_PHASES = (  # test records shaped like MIEUX's numbered Actions: the country, a numeral, the topic
    {"id": "act-cr-i", "kind": "action", "title": "Costa Rica I - Design of the National Integration Plan 2013-2017",
     "summary": "S", "countries": ["CR"], "start": "2012-03", "end": "2013-06"},
    {"id": "act-cr-ii", "kind": "action", "title": "Costa Rica II - Second National Integration Plan", "summary": "S",
     "countries": ["CR"], "start": "2017-01", "end": "2018-09"},
)


def test_an_action_covering_the_same_plans_as_two_phases_is_flagged_and_the_phases_are_not(cli):
    """Costa Rica's National Integration Plans Action counted twice beside "Costa Rica I" and "II"."""
    add_records(cli.db, *COSTA_RICA_PHASES)
    assert warnings(cli) == [
        ("warning  act-cr-integration-plans  title: may record the same work as act-cr-i, act-cr-ii: Actions in Costa "
        "Rica, in years that overlap or are not known, whose titles share 'integration', 'national', 'plan'")]


@pytest.mark.parametrize("change", [{"countries": ["GT"]}, {"start": "2020", "end": "2021"},
                                    {"title": "Panama III - A labour migration survey"}])
def test_actions_apart_in_country_years_or_words_are_not_flagged(cli, change):
    panama = {"kind": "action", "summary": "S", "countries": ["PA"], "start": "2012", "end": "2013"}
    add_records(cli.db, {**panama, "id": "act-pa-i", "title": "Panama I - Design of the National Integration Plan"},
                {**panama, "id": "act-pa-iv", "title": "Panama IV - Integration plan review", **change})
    assert warnings(cli) == []
    add_records(cli.db, {**panama, "id": "act-pa-ii", "title": "Panama II - Design of the National Integration Plan"})
    assert warnings(cli) == []  # the same words and years, but another phase
