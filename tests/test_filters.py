from datetime import date

import pytest
from conftest import add_records

from mieux_cli.errors import MieuxError, UnknownValue
from mieux_cli.model.facets import active_years
from mieux_cli.queries.filters import Filters, parse_years
from mieux_cli.storage.catalogue_file import Store


def ids(filters, catalogue):
    return sorted(r["id"] for r in catalogue.records if filters.matches(r, catalogue))


@pytest.fixture
def catalogue(tmp_path):
    """A catalogue holding only these four records."""
    db = tmp_path / "own.json"
    add_records(
        db,
        {"id": "act-a", "kind": "action", "title": "A", "summary": "S", "status": "completed",
         "countries": ["CR"], "themes": ["LM"], "start": "2013", "end": "2015", "tags": ["x"]},
        {"id": "act-b", "kind": "action", "title": "B", "summary": "S", "status": "ongoing", "status_as_of": "2022",
         "countries": ["MX"], "participants": ["US"], "themes": ["IMT"], "areas": ["THB"], "start": "2019"},
        {"id": "act-c", "kind": "action", "title": "C", "summary": "S", "status": "completed",
         "countries": ["BJ"], "themes": ["IMT"], "start": "2016-05"},
        {"id": "prc-a", "kind": "practice", "title": "P", "summary": "S", "actions": ["act-a"]},
    )
    return Store(db).load()


def test_the_same_option_twice_is_or_and_different_options_are_and(catalogue):
    assert ids(Filters.parse(countries=["CR", "MX"]), catalogue) == ["act-a", "act-b"]
    assert ids(Filters.parse(countries=["CR", "MX"], themes=["IMT"]), catalogue) == ["act-b"]
    assert ids(Filters.parse(themes=["IMT", "LM"], regions=["WCA"]), catalogue) == ["act-c"]
    assert ids(Filters.parse(kinds=["practices"]), catalogue) == ["prc-a"]


def test_years_match_records_active_in_the_range(catalogue):
    assert ids(Filters.parse(years=["2014"]), catalogue) == ["act-a", "prc-a"]  # the practice takes its action's years
    assert ids(Filters.parse(years=["2016-2018"]), catalogue) == ["act-c"]
    assert ids(Filters.parse(years=["2015-"]), catalogue) == ["act-a", "act-b", "act-c", "prc-a"]
    assert ids(Filters.parse(years=["2010", "2020"]), catalogue) == ["act-b"]
    # ongoing with no end: active until its status was last known (2022), not until today
    assert ids(Filters.parse(years=["2022"]), catalogue) == ["act-b"]
    assert ids(Filters.parse(years=["2023-"]), catalogue) == []


def test_an_ongoing_status_with_no_date_does_not_reach_today(tmp_path):
    """With no date of its own, the status was known when its source stated it (2024 here)."""
    db = tmp_path / "own.json"
    add_records(db, {"id": "act-x", "kind": "action", "title": "X", "summary": "S", "status": "ongoing", "start": "2017"})
    catalogue = Store(db).load()
    assert active_years(catalogue.get("act-x"), catalogue) == (2017, 2024)
    assert ids(Filters.parse(years=[str(date.today().year)]), catalogue) == []


def test_country_matches_beneficiaries_and_participants_unless_a_role_narrows_it(catalogue):
    assert ids(Filters.parse(countries=["US"]), catalogue) == ["act-b"]
    assert ids(Filters.parse(countries=["US"], role="participant"), catalogue) == ["act-b"]
    assert ids(Filters.parse(countries=["US"], role="beneficiary"), catalogue) == []
    assert ids(Filters.parse(countries=["MX"], role="beneficiary"), catalogue) == ["act-b"]
    with pytest.raises(MieuxError, match="Give --country too"):
        Filters.parse(role="participant")
    with pytest.raises(MieuxError, match="Use --role beneficiary, --role participant, --role place or --role any"):
        Filters.parse(countries=["US"], role="attendee")


def test_status_as_of_keeps_records_whose_status_was_known_then_or_later(catalogue):
    assert ids(Filters.parse(statuses=["ongoing"], as_of="2021"), catalogue) == ["act-b"]
    assert ids(Filters.parse(statuses=["ongoing"], as_of="2022-06"), catalogue) == ["act-b"]  # known some time in 2022
    assert ids(Filters.parse(statuses=["ongoing"], as_of="2024"), catalogue) == []
    assert ids(Filters.parse(as_of="2020"), catalogue) == ["act-b"]  # the others' statuses carry no date


def test_status_and_tag_filters(catalogue):
    assert ids(Filters.parse(statuses=["ongoing"]), catalogue) == ["act-b"]
    assert ids(Filters.parse(tags=["X"]), catalogue) == ["act-a"]


def test_active_years():
    from types import SimpleNamespace

    Empty = SimpleNamespace(by_id={})

    assert active_years({"kind": "action", "start": "2013-03", "end": "2018-09"}, Empty) == (2013, 2018)
    assert active_years({"kind": "action", "start": "2017", "end": None, "status": "completed"}, Empty) == (2017, 2017)
    assert active_years({"kind": "fact", "start": None, "end": None}, Empty) is None


@pytest.mark.parametrize("text, years", [("2017", (2017, 2017)), ("2015-2018", (2015, 2018)),
                                         ("2015..2018", (2015, 2018)), ("2015-", (2015, 9999))])
def test_year_ranges(text, years):
    assert parse_years(text) == years


@pytest.mark.parametrize("text", ["2018-2015", "last year", "15"])
def test_bad_year_ranges_are_refused(text):
    with pytest.raises(MieuxError):
        parse_years(text)


def test_unknown_filter_values_are_refused_with_suggestions():
    with pytest.raises(UnknownValue, match="Did you mean 'LAC'"):
        Filters.parse(regions=["LACC"])
    with pytest.raises(UnknownValue, match="Unknown record kind 'actons'. Did you mean 'actions'"):
        Filters.parse(kinds=["actons"])
