import pytest

from mieux_cli.errors import InvalidRecord
from mieux_cli.records import fields_of, link_problems, normalize, parse_date, validate_catalogue

SOURCE = {"title": "Final report", "publisher": "ICMPD", "date": "2019", "url": None}


def action(**fields):
    return {"id": "act-test", "kind": "action", "title": "Test action", "summary": "What it did.",
            "status": "completed", "sources": [SOURCE], **fields}


def test_normalize_resolves_codes_and_orders_keys():
    record = normalize(action(countries=["costa rica", "México"], themes=["lm", "IMT"], gcm=["23", 16],
                              areas=["Integration issues"], start=2013, end="2017-9", tags=["Integration"]))
    assert list(record) == list(fields_of("action"))
    assert record["countries"] == ["CR", "MX"]
    assert record["region"] == "LAC"  # derived from the countries
    assert record["themes"] == ["IMT", "LM"]
    assert record["gcm"] == [16, 23]
    assert record["areas"] == ["INT"]
    assert (record["start"], record["end"]) == ("2013", "2017-09")
    assert record["tags"] == ["integration"]
    assert record["partners"] == [] and record["experts"] == []


def test_every_problem_is_listed_with_its_field():
    with pytest.raises(InvalidRecord) as error:
        normalize(action(countries=["Atlantis"], themes=["XX"], start="2018-13", status="finished",
                         summry="typo", sources=[]))
    fields = [field for field, _ in error.value.problems]
    assert fields == ["summry", "countries", "themes", "start", "status", "sources"]
    messages = dict(error.value.problems)
    assert messages["summry"] == "an action has no such field; did you mean 'summary'?"
    assert messages["start"] == "month 13 in '2018-13' does not exist"
    assert messages["sources"] == "is required"


def test_a_regional_body_is_refused_as_a_country():
    with pytest.raises(InvalidRecord) as error:
        normalize(action(countries=["ECOWAS"]))
    assert error.value.problems == [("countries", "'ECOWAS' is a regional body, not a country; list it under partners")]


def test_required_fields_per_kind():
    with pytest.raises(InvalidRecord) as error:
        normalize({"id": "fct-x", "kind": "fact"})
    assert [f for f, _ in error.value.problems] == ["title", "text", "sources"]


def test_end_before_start_is_refused():
    with pytest.raises(InvalidRecord) as error:
        normalize(action(start="2018", end="2017"))
    assert error.value.problems == [("end", "2017 is before the start 2018")]


@pytest.mark.parametrize("bad", ["Act Test", "act_test", "-act", "act--test", "a" * 81])
def test_ids_are_lowercase_slugs(bad):
    with pytest.raises(InvalidRecord):
        normalize(action(id=bad))


@pytest.mark.parametrize("written, stored", [("2018", "2018"), (2018, "2018"), ("2018-7", "2018-07"),
                                             ("2018-07-31", "2018-07-31")])
def test_dates_are_years_months_or_days(written, stored):
    assert parse_date(written) == stored


@pytest.mark.parametrize("bad", ["July 2018", "2018-02-30", "18", "1850"])
def test_impossible_dates_are_refused(bad):
    with pytest.raises(ValueError):
        parse_date(bad)


def test_experts_activities_and_sources_take_short_forms():
    record = normalize(action(experts=["Spain", {"country": "AR", "kind": "Public official"}],
                              activities=["Workshop on protocols", {"title": "Study visit", "kind": "study visit",
                                                                    "place": "Madrid", "date": "2016-03"}],
                              sources=["An article"]))
    assert record["experts"] == [{"country": "ES", "kind": None}, {"country": "AR", "kind": "public official"}]
    assert record["activities"][1] == {"title": "Study visit", "kind": "study visit", "place": "Madrid", "date": "2016-03"}
    assert record["sources"] == [{"title": "An article", "publisher": None, "date": None, "url": None}]


def test_links_must_point_to_records_of_the_right_kind():
    practice = normalize({"id": "prc-x", "kind": "practice", "title": "P", "summary": "S", "sources": [SOURCE],
                          "actions": ["act-test", "act-missing"], "event": "act-test"})
    assert link_problems(practice, {"act-test": "action"}) == [
        ("actions", "no action with ID 'act-missing' in the catalogue"),
        ("event", "no event with ID 'act-test' in the catalogue"),
    ]


def test_duplicate_ids_are_refused():
    with pytest.raises(InvalidRecord) as error:
        validate_catalogue([action(), action(title="Another")])
    assert error.value.problems == [("id", "is used by two records; IDs must be unique")]
