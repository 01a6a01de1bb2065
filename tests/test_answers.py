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
    assert bars(result) == {"CR": 4, "MX": 4, "DO": 2, "EC": 1, "(none)": 13}
    assert result.stdout.splitlines()[-1] == "Records in scope (by country where the work was): 24"
    result = cli("summary", "--by", "country", "--role", "participant")
    assert bars(result)["US"] == 2 and bars(result)["MX"] == 1  # Mexico's delegation at the Mexico City round-table
    assert result.stdout.splitlines()[-1] == "Records in scope (by country that took part): 24"
    result = cli("summary", "--by", "country", "--role", "any")
    assert bars(result)["US"] == 2 and bars(result)["MX"] == 5  # Mexico's 4, and the round-table it attended
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
    assert lines[0].endswith(" 4  " + "#" * 30)  # Costa Rica, the longest of the values set, fills the width
    assert lines[-2].endswith("13  " + "#" * 29 + "+")  # (none) is longer: capped, and marked so
    assert lines[2].endswith(" 2  " + "#" * 15)


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


# -- briefs: 5. dated by the data ---------------------------------------------------------------------

def brief(cli, *args) -> str:
    result = cli("brief", *args, "--width", "200", "--date", "2026-11-28")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_brief_gives_the_date_of_its_newest_source_and_the_day_it_was_compiled(cli):
    """'Data as of 2026-12-04.' on a fresh install, about records whose newest source is a 2018 article."""
    text = brief(cli, "--country", "Dominican Republic")
    assert "\n\nSources dated up to 2018; compiled 28 November 2026.\n\n" in text and "Data as of" not in text
    add_records(cli.db, {"id": "fct-do-later", "kind": "fact", "title": "Later", "text": "A later fact.",
                         "countries": ["DO"], "sources": [{"title": "A newer page", "date": "2018-07-05"}]})
    assert "\n\nSources dated up to 5 July 2018; compiled 28 November 2026.\n\n" in brief(cli, "--country", "DO")


def test_plans_whose_date_has_passed_are_written_in_the_past_tense(cli):
    text = brief(cli, "--region", "LAC")
    assert "- Ecuador was to take over the 2019 Chairmanship of the Global Forum on Migration and Development." in text
    assert "will" not in text.split("CONTEXT", 1)[1]
    cotonou = brief(cli, "--country", "Benin")
    assert ("- Final regional round-table in Cotonou, Benin (evt-2018-cotonou-roundtable), which was to take place "
            "in October 2018 (planned as of 2018). [1]") in cotonou
    assert "which is to take place in October 2018" in cli("brief", "--country", "Benin", "--width", "200",
                                                           "--date", "2018-09-30").stdout


# -- 6. a country brief puts the country first ----------------------------------------------------------

def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and line == line.upper() and line[0].isalpha()]


def test_a_country_brief_puts_its_own_records_first_and_the_region_after_as_context(cli):
    """The Dominican Republic's Action started at line 47 of 84, after seven regional facts."""
    text = brief(cli, "--country", "Dominican Republic")
    assert headings(text) == ["KEY FIGURES", "ACTIONS", "GOOD PRACTICES", "THE DOMINICAN REPUBLIC TOOK PART IN",
                              "CONTEXT OF THE REGION (LATIN AMERICA AND THE CARIBBEAN)", "SOURCES"]
    lines = text.splitlines()
    action = next(i for i, line in enumerate(lines) if line.startswith("- Dominican Republic: National Migration"))
    assert action < 20 and all(i > action for i, line in enumerate(lines) if "Nicaragua" in line)


# -- 7. credit where it is due -------------------------------------------------------------------------------

def test_key_figures_name_where_the_work_was_who_took_part_and_where_events_took_place(cli):
    """`brief --area SOM` said "Countries where their work was: Mexico" because of the round-table's delegations."""
    figures = brief(cli, "--area", "SOM").split("KEY FIGURES\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert figures == [
        "- In scope: 1 action, 1 good practice and 1 event, with 4 context facts.",
        "- Countries where the work was: none given (3 records).",
        "- Countries that took part: Argentina, Costa Rica, the Dominican Republic, Mexico, Paraguay and Peru.",
        "- Where the events took place: Mexico City (Mexico).",
        ("- Thematic areas: Irregular Migration / Trafficking in Human Beings, Legal Migration and Mobility and "
         "Horizontal Interventions."),
        "- Years: 2017-2018.",
    ]


def test_every_partner_is_named_with_its_role_and_every_practice_as_its_source_presents_it(cli):
    """COMESA and GIZ, partners of a round-table that are not hosts, appeared in no brief; an event
    brief listed practices without "presented as a highlight"."""
    add_records(cli.db, {"id": "evt-nairobi", "kind": "event", "title": "Round-table in Nairobi", "summary": "S",
                         "place": "Nairobi, Kenya", "start": "2018-05", "status": "held",
                         "partners": [{"name": "MIEUX", "role": "host"}, {"name": "COMESA", "role": "regional body"},
                                      {"name": "GIZ", "role": "implementing partner"}]})
    event = brief(cli, "evt-nairobi")
    assert "- Host: MIEUX; implementing partner: GIZ; regional body: COMESA.\n" in event
    assert "Round-table in Nairobi (evt-nairobi), Kenya, May 2018 (held). [1]\n" in brief(cli, "--country", "Kenya")
    assert "  With: MIEUX (host), COMESA (regional body) and GIZ (implementing partner).\n" in brief(cli, "--country", "KE")
    mexico_city = brief(cli, "evt-2018-mexico-city-roundtable")
    assert "- Host: MIEUX; co-host: National Institute of Migration (Mexico).\n" in mexico_city
    assert ("- Revised Protocol for Inter-Institutional Cooperation with a Smuggling of Migrants component "
            "(prc-prosecutors-revised-cooperation-protocol). Presented among the highlights of results. With MIEUX") in mexico_city


# -- 8. grammar a reader would write ----------------------------------------------------------------------

def test_country_names_take_their_article_in_running_text_and_lists(cli):
    add_records(cli.db, {"id": "act-us-experts", "kind": "action", "title": "Experts' visit", "summary": "S",
                         "countries": ["GH"], "experts": [{"country": "US"}, {"country": "NL"}, {"country": "ES"}]})
    text = brief(cli, "act-us-experts")
    assert "- Experts from the United States, the Netherlands and Spain.\n" in text
    lac = brief(cli, "--region", "LAC")
    assert "the Dominican Republic, El Salvador" in lac and "Peru and the United States." in lac
    assert "Years their own dates give" not in lac and "(host)." not in brief(cli, "evt-2018-mexico-city-roundtable")


# -- 10. names where people use them --------------------------------------------------------------------

@pytest.mark.parametrize("command", ["show", "brief"])
def test_words_of_one_title_name_that_record(cli, command):
    """`mieux brief "mexico city"` was refused with "Did you mean 'evt-2018-mexico-city-roundtable'?"."""
    result = cli(command, "mexico city")
    assert result.exit_code == 0
    assert result.stdout == cli(command, "evt-2018-mexico-city-roundtable").stdout
    assert result.stderr == ("'mexico city' is evt-2018-mexico-city-roundtable (Regional Knowledge Sharing "
                             "Round-table for Latin America and the Caribbean, Mexico City).\n")
    several = cli(command, "round-table")
    assert (several.exit_code, several.stdout) == (2, "")
    assert several.stderr.startswith("Error: 'round-table' is in the titles of 3 records: evt-2018-bangkok-roundtable "
                                     "(Regional round-table in Bangkok); evt-2018-cotonou-roundtable (")
    assert several.stderr.endswith(". Give the ID of the one you mean.\n")


def test_words_never_name_the_record_a_change_is_made_to(cli):
    result = cli("remove", "mexico city", "--yes")
    assert result.exit_code == 2 and "No record with ID 'mexico city'" in result.stderr


# -- 11. where an event took place ----------------------------------------------------------------------

def test_an_event_has_the_country_where_it_took_place_and_briefs_and_filters_find_it(cli):
    """`brief --country Benin` and `--country Thailand` said "No records in this scope"."""
    for country, event in (("Benin", "evt-2018-cotonou-roundtable"), ("Thailand", "evt-2018-bangkok-roundtable")):
        text = brief(cli, "--country", country)
        assert f"No action, good practice or event is about {country}; 1 event took place there." in text
        assert f"EVENTS THAT TOOK PLACE IN {country.upper()}\n\n- " in text and f"({event})" in text
        assert ids(cli("list", "--country", country)) == [event]
        assert ids(cli("list", "--country", country, "--role", "place")) == [event]
        assert ids(cli("list", "--country", country, "--role", "beneficiary")) == []
    assert "Place's country: Thailand\n" in cli("show", "evt-2018-bangkok-roundtable").stdout
    assert "- Where the events took place: Bangkok (Thailand).\n" in brief(cli, "--region", "ASIA")


def test_a_place_that_names_its_country_gives_it_and_one_that_does_not_gives_none(cli):
    added = cli("add", "event", "--title", "Workshop", "--summary", "S", "--place", "Accra, Ghana", "--no-input",
                "--source", "Notes")
    assert added.exit_code == 0, added.output
    assert json.loads(cli("show", "evt-workshop", "--json").stdout)["place_country"] == "GH"
    cli("add", "event", "--title", "Seminar", "--summary", "S", "--place", "Boston, MA", "--no-input", "--source", "N")
    assert json.loads(cli("show", "evt-seminar", "--json").stdout)["place_country"] is None  # MA is no country name


def test_a_format_2_catalogue_gets_the_country_its_event_places_name(tmp_path):
    from test_schema import run

    from mieux_cli.storage.catalogue_file import Store

    path = tmp_path / "old.json"
    source = [{"title": "Notes", "publisher": None, "date": None, "url": None, "language": None, "accessed": None,
               "page": None, "file": None}]
    record = {"id": "evt-old", "kind": "event", "title": "Old", "summary": "S", "status": None, "status_as_of": None,
              "start": None, "end": None, "place": "Cotonou, Benin", "countries": [], "participants": [],
              "region": None, "partners": [], "experts": [], "themes": [], "areas": [], "gcm": [], "results": [],
              "figures": [], "tags": [], "notes": None, "sources": source, "alternatives": [], "aliases": []}
    path.write_text(json.dumps({"records": {"1": record}, "meta": {"1": {"format": 2, "changed": "2024-01-01T00:00:00",
                                                                         "counter": 1}}}))
    result = run(path, "list", "--country", "Benin")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].split()[0] == "evt-old"
    assert Store(path).load().by_id["evt-old"]["place_country"] == "BJ"


# -- 12. smaller things a reader notices -------------------------------------------------------------------

def test_key_figures_say_how_many_records_give_nothing(cli):
    add_records(cli.db, *({"id": f"act-gh-{i}", "kind": "action", "title": f"Ghana work {i}", "summary": "S",
                           "countries": ["GH"]} for i in range(5)),
                {"id": "act-gh-lm", "kind": "action", "title": "Ghana labour", "summary": "S", "countries": ["GH"],
                 "themes": ["LM"], "start": "2019"})
    figures = brief(cli, "--country", "Ghana").split("KEY FIGURES\n\n", 1)[1].split("\n\n", 1)[0]
    assert "- Thematic areas: Legal Migration and Mobility (5 give none).\n" in figures
    assert "- Years: 2019 (5 give none)." in figures


def test_dates_spans_and_titles_read_as_a_person_writes_them(cli):
    add_records(cli.db, {"id": "evt-two-days", "kind": "event", "title": "What next?", "summary": "S",
                         "start": "2018-03-05", "end": "2018-03-06", "countries": ["GH"],
                         "sources": [{"title": "What now?", "publisher": "MIEUX", "date": "2019"}]})
    text = brief(cli, "--country", "GH")
    assert "- What next? (evt-two-days), 5-6 March 2018. [1]\n" in text
    assert "[1]  What now? MIEUX. 2019.\n" in text


def test_one_source_is_cited_under_one_number_however_records_title_it(cli):
    add_records(cli.db, {"id": "act-gh-a", "kind": "action", "title": "A", "summary": "S", "countries": ["GH"],
                         "sources": [{"title": "Factsheet", "url": "https://example.org/f"}]},
                {"id": "act-gh-b", "kind": "action", "title": "B", "summary": "S", "countries": ["GH"],
                 "sources": [{"title": "MIEUX factsheet (2019)", "url": "https://example.org/f"}]})
    sources = brief(cli, "--country", "GH").split("SOURCES\n\n", 1)[1]
    assert sources == "[1]  Factsheet. https://example.org/f\n"


def test_a_practice_from_no_catalogued_action_and_an_unknown_status_read_plainly(cli):
    add_records(cli.db, {"id": "prc-gh", "kind": "practice", "title": "P", "summary": "S", "countries": ["GH"],
                         "unlisted_actions": ["Ghana IV"]},
                {"id": "act-gh-u", "kind": "action", "title": "U", "summary": "S", "countries": ["GH"],
                 "status": "unknown"})
    text = brief(cli, "--country", "GH")
    assert "  From an Action not in the catalogue (Ghana IV). [1]\n" in text and "no recorded action" not in text
    assert "- U (act-gh-u).\n" in text and "unknown" not in text
    assert "WHERE AND WHEN\n\n  Ghana.\n" in brief(cli, "act-gh-u")


def test_a_brief_says_which_of_its_actions_may_record_the_same_work(cli):
    """"In scope: 6 actions" counted Costa Rica's plans twice, beside "Costa Rica I" and "II"."""
    add_records(cli.db, *COSTA_RICA_PHASES)
    figures = brief(cli, "--country", "CR").split("KEY FIGURES\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert figures[:2] == [
        ("- In scope: 3 actions, 2 good practices and 1 fact about Costa Rica; Costa Rica also took part in 1 event; "
         "7 facts on the context of the region."),
        ("- act-cr-integration-plans may record the same work as act-cr-i and act-cr-ii (Actions in one country, in "
         "years that overlap or are not known, whose titles share most of their words)."),
    ]
