import pytest

from mieux_cli.errors import InvalidRecord
from mieux_cli.model.records import (
    link_problems,
    normalize,
    parse_date,
    validate_catalogue,
)
from mieux_cli.model.schema import names_of as fields_of

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
        normalize(action(countries=["Atlantis"], themes=["XX"], start="2018-13", status="maybe",
                         summry="typo", sources=[]))
    fields = [field for field, _ in error.value.problems]
    assert fields == ["summry", "status", "start", "countries", "themes", "sources"]
    messages = dict(error.value.problems)
    assert messages["summry"] == "an action has no such field; did you mean 'summary'?"
    assert messages["start"] == "month 13 in '2018-13' does not exist"
    assert messages["sources"] == "is required"


def test_a_regional_body_is_refused_as_a_country():
    with pytest.raises(InvalidRecord) as error:
        normalize(action(countries=["ECOWAS"]))
    assert error.value.problems == [("countries", "'ECOWAS' is a regional body, not a country. Name it as a partner instead.")]


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
    expert = {"institution": None, "count": None, "note": None}
    assert record["experts"] == [{"country": "ES", "kind": None, **expert},
                                 {"country": "AR", "kind": "partner-country administration", **expert}]
    assert record["activities"][1] == {"title": "Study visit", "kind": "study visit", "place": "Madrid", "date": "2016-03"}
    assert record["sources"] == [{"title": "An article", "publisher": None, "date": None, "url": None, "language": None,
                                  "accessed": None, "page": None, "file": None}]


def test_a_day_start_and_a_year_end_in_the_same_year_are_compared_as_periods():
    assert normalize(action(start="2022-04-25", end="2022"))["end"] == "2022"
    assert normalize(action(start="2022-04-25", end="2022-04"))["end"] == "2022-04"
    with pytest.raises(InvalidRecord) as error:
        normalize(action(start="2022-04-25", end="2022-03"))
    assert error.value.problems == [("end", "2022-03 is before the start 2022-04-25")]


def test_partners_have_a_name_role_country_and_kind_and_a_plain_name_still_works():
    record = normalize(action(partners=["Irish Refugee Council", {
        "name": "Instituto Nacional de Migración", "role": "co-host", "country": "México", "kind": "agency"}]))
    assert record["partners"] == [
        {"name": "Irish Refugee Council", "role": None, "country": None, "kind": None, "ref": None},
        {"name": "Instituto Nacional de Migración", "role": "co-host", "country": "MX", "kind": "agency", "ref": None},
    ]
    with pytest.raises(InvalidRecord, match="partners: role: Unknown partner role 'sponsor'"):
        normalize(action(partners=[{"name": "X", "role": "sponsor"}]))


@pytest.mark.parametrize("expert, stored", [
    ({"institution": "a university"}, {"country": None, "kind": None, "institution": "a university", "count": None, "note": None}),
    ({"kind": "NGO", "count": "2", "note": "two past experts"},
     {"country": None, "kind": "ngo", "institution": None, "count": 2, "note": "two past experts"}),
    ({"country": "Portugal", "institution": "the Portuguese immigration service", "kind": "member-state administration"},
     {"country": "PT", "kind": "member-state administration", "institution": "the Portuguese immigration service",
      "count": None, "note": None}),
    ({"country": "ES", "kind": "public official"},
     {"country": "ES", "kind": "member-state administration", "institution": None, "count": None, "note": None}),
])
def test_experts_carry_what_real_records_say_and_every_part_is_optional(expert, stored):
    assert normalize(action(experts=[expert]))["experts"] == [stored]


def test_an_expert_needs_at_least_one_part_and_a_count_is_a_whole_number():
    with pytest.raises(InvalidRecord, match="needs at least one of"):
        normalize(action(experts=[{}]))
    with pytest.raises(InvalidRecord, match="count: 'two' is not a whole number"):
        normalize(action(experts=[{"count": "two"}]))


@pytest.mark.parametrize("value, stored", [
    ("300%", {"value": 300, "unit": "%"}), ("15,000", {"value": 15000, "unit": None}),
    ("45 people", {"value": 45, "unit": "people"}), (2.5, {"value": 2.5, "unit": None}),
    ("about half", {"value": "about half", "unit": None}), (45.0, {"value": 45, "unit": None}),
])
def test_figures_keep_numbers_as_numbers_and_other_values_as_written(value, stored):
    record = normalize(action(figures=[{"label": "participants", "value": value, "as_of": "2018-07"}]))
    assert record["figures"] == [{"label": "participants", "as_of": "2018-07", "source": None, **stored}]


def test_a_figure_needs_a_value_and_too_large_a_number_is_refused():
    with pytest.raises(InvalidRecord, match="every figure needs value"):
        normalize(action(figures=[{"label": "participants"}]))
    with pytest.raises(InvalidRecord, match="at most 15 digits"):
        normalize(action(figures=[{"value": "1" * 20}]))


def test_statuses_depend_on_the_kind_and_come_with_the_date_they_were_known():
    assert normalize(action(status="ongoing", status_as_of="2018"))["status_as_of"] == "2018"
    event = {"id": "evt-x", "kind": "event", "title": "E", "sources": [SOURCE], "status": "will take place"}
    with pytest.raises(InvalidRecord, match="Unknown event status"):
        normalize(event)
    assert normalize({**event, "status": "planned"})["status"] == "planned"
    with pytest.raises(InvalidRecord, match="Unknown action status 'held'"):
        normalize(action(status="held"))
    with pytest.raises(InvalidRecord, match="status_as_of: is given without a status"):
        normalize(action(status=None, status_as_of="2018"))
    assert normalize(action(status=None))["status"] is None  # status is not required: nothing is invented


def test_participants_are_countries_that_only_took_part():
    record = normalize(action(countries=["Mexico"], participants=["El Salvador", "US"]))
    assert (record["countries"], record["participants"], record["region"]) == (["MX"], ["SV", "US"], "LAC")


def test_sources_have_a_language_an_access_date_and_a_page():
    source = {"title": "Page", "language": "Spanish", "accessed": "2024-05-02", "page": "section 3", "file": "page.txt"}
    stored = normalize(action(sources=[source]))["sources"][0]
    assert (stored["language"], stored["accessed"], stored["page"], stored["file"]) == ("es", "2024-05-02", "section 3", "page.txt")
    with pytest.raises(InvalidRecord, match="Unknown language 'Klingon'"):
        normalize(action(sources=[{**source, "language": "Klingon"}]))


def test_alternatives_name_a_field_of_the_kind_and_the_source_that_gives_them():
    record = normalize(action(alternatives=[{"field": "end", "value": "2019-03", "source": "MIEUX factsheet"}]))
    assert record["alternatives"] == [{"field": "end", "value": "2019-03", "source": "MIEUX factsheet", "note": None}]
    with pytest.raises(InvalidRecord, match="'place' is not a field of an action"):
        normalize(action(alternatives=[{"field": "place", "value": "x", "source": "y"}]))
    with pytest.raises(InvalidRecord, match="every other value needs source"):
        normalize(action(alternatives=[{"field": "end", "value": "2019"}]))


def test_practices_and_facts_can_name_actions_not_in_the_catalogue_yet():
    fact = normalize({"id": "fct-x", "kind": "fact", "title": "F", "text": "T", "sources": [SOURCE],
                      "unlisted_actions": ["Costa Rica II"], "actions": []})
    assert fact["unlisted_actions"] == ["Costa Rica II"]
    with pytest.raises(InvalidRecord, match="unlisted_actions: an event has no such field"):
        normalize({"id": "evt-x", "kind": "event", "title": "E", "sources": [SOURCE], "unlisted_actions": ["x"]})


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
