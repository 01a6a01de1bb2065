import difflib
import os
import random
import string
import subprocess
import sys

from conftest import add_records

from mieux_cli.queries import search as search_module
from mieux_cli.queries.search import search, with_snippets
from mieux_cli.storage.catalogue_file import Store


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


# -- bounded work ------------------------------------------------------------------------------------

def test_a_query_of_thousands_of_words_is_refused_at_once(db):
    """Without the bound this ran for minutes: every word was corrected against the vocabulary
    and compared with every word of every snippet."""
    random.seed(3)
    add_records(db, *({"id": f"fct-words-{i}", "kind": "fact", "title": f"Words {i}",
                       "text": " ".join("".join(random.choices(string.ascii_lowercase, k=7)) for _ in range(30))}
                      for i in range(300)))  # a vocabulary of 9,000 words to correct against
    words = ["".join(random.choices(string.ascii_lowercase, k=random.randint(5, 9))) for _ in range(15_000)]
    result = subprocess.run([sys.executable, "-m", "mieux_cli", "search", *words], env={**os.environ, "MIEUX_DB": str(db)},
                            capture_output=True, text=True, timeout=60, cwd=db.parent, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("Error: The query has 15000 different words; search takes at most 32. "
                             "Search for the few words that matter most.\n")


def _huge_record(words: int):
    random.seed(7)
    vocabulary = ["".join(random.choices(string.ascii_lowercase, k=random.randint(4, 10))) for _ in range(50_000)]
    return {"id": "fct-huge", "kind": "fact", "title": "Huge",
            "text": " ".join(random.choice(vocabulary) for _ in range(words)) + " migration"}


def test_snippets_look_at_a_bounded_part_of_each_field(db, monkeypatch):
    """One 10 MB field took seconds per search for its snippet, one word at a time."""
    add_records(db, _huge_record(1_200_000))
    calls = []
    is_match = search_module._is_match
    monkeypatch.setattr(search_module, "_is_match", lambda word, terms: calls.append(word) or is_match(word, terms))
    records = [r for r in Store(db).load().records if r["id"] == "fct-huge"]
    hits = with_snippets(search(records, "migration"), "migration", 20)
    assert [h.record["id"] for h in hits] == ["fct-huge"]
    assert len(calls) < 20_000


def test_corrections_look_at_a_bounded_vocabulary(db, monkeypatch):
    """A word found nowhere was compared with every distinct word of a 10 MB field, once for each
    such word of the query."""
    add_records(db, _huge_record(1_200_000))
    compared = []
    close_matches = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches",
                        lambda word, possibilities, **kw: compared.append(len(possibilities)) or close_matches(word, possibilities, **kw))
    records = Store(db).load().records
    results = search(records, "integracion zzyqwv qqxzzv")
    assert results.corrections["integracion"][0] == "integration"
    assert len(compared) <= 3 and sum(compared) < 3 * 20_000
