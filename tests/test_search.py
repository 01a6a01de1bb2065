from mieux_cli.search import search, with_snippets
from mieux_cli.store import Store


def test_unaccompanied_finds_the_mexico_work_first(db):
    hits = search(Store(db).load().records, "unaccompanied").hits
    assert hits[0].record["id"] == "act-mx-unaccompanied-children"
    assert {h.record["id"] for h in hits[:4]} >= {"act-mx-unaccompanied-children",
                                                  "prc-mx-regional-cooperation-unaccompanied-minors"}


def test_search_ignores_case_and_accents(db):
    records = Store(db).load().records
    for query in ("aquí", "AQUI", "aqui"):
        assert search(records, query).hits[0].record["id"] == "fct-cr-plan-spawned-aqui-todos-somos-migrantes"
    assert [h.record["id"] for h in search(records, "REPÚBLICA dominicana").hits] == \
        [h.record["id"] for h in search(records, "republica dominicana").hits]


def test_records_matching_every_word_rank_above_those_matching_some(db):
    hits = search(Store(db).load().records, "journalists manual").hits
    assert hits[0].record["id"] == "act-do-migration-school-journalists"
    assert hits[0].score > 2 * hits[1].score


def test_a_word_found_nowhere_is_corrected_to_the_closest_words(db):
    results = search(Store(db).load().records, "integracion")
    assert results.corrections == {"integracion": ["integration", "reintegration"]}
    assert results.hits[0].record["id"] in {"act-cr-integration-plans", "prc-cr-integration-shared-responsibility"}


def test_the_snippet_marks_the_matching_words(db):
    hit = with_snippets(search(Store(db).load().records, "xenophobia"), "xenophobia", 1)[0]
    matched = [text for text, is_match in hit.snippet if is_match]
    assert matched and all(m.lower() == "xenophobia" for m in matched)
    assert len("".join(t for t, _ in hit.snippet)) <= 162


def test_a_prefix_matches_longer_words(db):
    ids = [h.record["id"] for h in search(Store(db).load().records, "smuggl").hits]
    assert "act-ibero-american-prosecutors-som-protocol" in ids


def test_nothing_found_is_an_empty_result(db):
    results = search(Store(db).load().records, "zzyzx")
    assert results.hits == [] and results.corrections == {}
