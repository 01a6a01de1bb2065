"""Full-text search: case- and accent-insensitive, ranked, with a snippet around the best match.

Scoring is BM25-like over weighted fields: a word in the title counts more than one in the
summary, which counts more than one in a list of results or tags. Rare words weigh more than
common ones (idf), repeated words saturate, and a record matching every word of the query ranks
above one matching some of them. A query word also matches longer words it begins
("migrant" finds "migrants"), at half weight. A word found nowhere is replaced by the closest
words that are there ("integracion" -> "integration"), and the caller is told so.
"""

import difflib
import itertools
import math
import re
from dataclasses import dataclass

from mieux_cli.errors import MieuxError
from mieux_cli.model import schema
from mieux_cli.model.words import SCAN_CHARS, field_texts, searched_fields
from mieux_cli.text import fold, fold_case, tokens

# The fields a snippet is taken from, best first (the field with most matches wins).
SNIPPET_FIELDS = ("summary", "text", "why", "results", "outputs", "activities", "notes", "title")
SNIPPET_CHARS = 160
PREFIX_MIN = 4  # shorter query words match whole words only
# Bounds on the work one search does, whatever the catalogue holds or the query says: a query of
# thousands of words ran for minutes, one 10 MB field took seconds. A field is searched whole,
# but snippets and corrections look at its first SCAN_CHARS characters only (model/words.py), and
# a word's occurrences in a field stop counting after COUNTED_MAX (its weight saturates long before).
MAX_QUERY_WORDS = 32
MAX_QUERY_CHARS = 1000
COUNTED_MAX = 100
STOPWORDS = {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "of", "on",
             "or", "that", "the", "to", "was", "were", "with"}


@dataclass
class Hit:
    record: dict
    score: float
    snippet: list[tuple[str, bool]]  # (text, is_match) segments


def weight_in(record: dict, word: str, corrections: tuple[str, ...] = (),
              fields: dict[str, schema.Field] | None = None) -> float:
    """How strongly one record holds a query word (its corrections too), as `search` weighs it:
    for the records whose words the index does not hold whole."""
    fields = fields or searched_fields()
    texts = {f: fold_case(t) for f, t in field_texts(record, fields).items()}
    return _weighted(_Term(word, corrections), texts, {name: f.weight for name, f in fields.items()})


def scan_vocabulary(record: dict, fields: dict[str, schema.Field] | None = None) -> set[str]:
    """The words corrections are taken from in one record: those of the first SCAN_CHARS
    characters of each field."""
    return {w for text in field_texts(record, fields).values() for w in tokens(fold_case(text)[:SCAN_CHARS])}


# -- scoring: the arithmetic both the in-memory search and the index's use, so that they rank alike

def frequency(exact: int, partial: int) -> float:
    """How often a field holds a term: whole words at full weight, longer words it begins and
    corrections at half weight."""
    return exact + 0.5 * partial


def term_weight(frequencies) -> float:
    """How strongly a record holds a term, before its rarity: the sum of `saturated` over
    (field weight, frequency) pairs in the schema's field order, from 0.0."""
    total = 0.0
    for weight, tf in frequencies:
        if tf:
            total += saturated(weight, tf)
    return total


def saturated(weight: float, tf: float) -> float:
    """What a field holding a term `tf` times adds to the record's weight for it: repeated words
    saturate."""
    return weight * tf / (tf + 1.0)


def rarity(total: int, df: int) -> float:
    """The idf of a term found in `df` of `total` records."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def combined(idf: list[float], weights: list[float], matched: int, terms: int) -> float:
    """A record's score: its terms' weights times their rarity, scaled by the share of the
    query's terms it holds (squared, so that records holding every term rank first)."""
    return round(sum(i * x for i, x in zip(idf, weights)) * (matched / terms) ** 2, 3)


FUZZY_MIN = 5  # shorter words are not corrected
FUZZY_CUTOFF = 0.8


def query_terms(query: str) -> list[str]:
    """The distinct words to look for; a query too long to search in bounded time is refused."""
    words = tokens(query)
    meaningful = [w for w in words if w not in STOPWORDS]
    terms = list(dict.fromkeys(meaningful or words))
    if len(terms) > MAX_QUERY_WORDS:
        raise MieuxError(f"The query has {len(terms)} different words; search takes at most {MAX_QUERY_WORDS}.",
                         "Search for the few words that matter most.")
    if len(query) > MAX_QUERY_CHARS:
        raise MieuxError(f"The query is {len(query)} characters long; search takes at most {MAX_QUERY_CHARS}.",
                         "Search for the few words that matter most.")
    return terms


@dataclass
class Results:
    hits: list[Hit]
    corrections: dict[str, list[str]]  # query word found nowhere -> the words searched instead


class _Term:
    """A query word, and how to count it in a folded field: whole words at full weight, longer
    words it begins and corrections at half weight."""

    def __init__(self, word: str, corrections: tuple[str, ...] = ()):
        self.word, self.corrections = word, corrections
        suffix = "[^\\W_]*" if len(word) >= PREFIX_MIN else ""
        alternatives = [re.escape(word) + f"({suffix})"] + [re.escape(c) + "()" for c in corrections]
        self.pattern = re.compile("(?<![^\\W_])(?:" + "|".join(f"(?:{a})" for a in alternatives) + ")(?![^\\W_])")

    def frequency(self, text: str) -> float:
        if self.word not in text and not any(c in text for c in self.corrections):  # the common case, at C speed
            return 0.0
        exact = partial = 0
        for match in itertools.islice(self.pattern.finditer(text), COUNTED_MAX):
            if match.group() == self.word:
                exact += 1
            else:
                partial += 1
        return frequency(exact, partial)


def _weighted(term: _Term, fields: dict[str, str], weights: dict[str, float]) -> float:
    """How strongly a record's fields hold a term, before its rarity (idf) is counted."""
    return term_weight((weights[name], term.frequency(text)) for name, text in fields.items())


def search(records: list[dict], query: str) -> Results:
    """Records matching the query, best first; snippets are made by `snippet` for the hits shown."""
    words = query_terms(query)
    # Fields are only case- and accent-folded: the terms' patterns find word boundaries themselves.
    fields = searched_fields()
    weights = {name: f.weight for name, f in fields.items()}
    indexed = [(r, {f: fold_case(t) for f, t in field_texts(r, fields).items()}) for r in records]
    terms = [_Term(w) for w in words]
    scores = [[_weighted(t, texts, weights) for t in terms] for _, texts in indexed]
    corrections: dict[str, list[str]] = {}
    vocabulary = None
    for i, term in enumerate(terms):
        if len(term.word) >= FUZZY_MIN and not any(w[i] for w in scores):
            if vocabulary is None:  # the words there are, to correct from: built once, from the start of each field
                vocabulary = list({w for _, texts in indexed for text in texts.values() for w in tokens(text[:SCAN_CHARS])})
            close = difflib.get_close_matches(term.word, vocabulary, n=3, cutoff=FUZZY_CUTOFF)
            if close:
                corrections[term.word] = close
                terms[i] = _Term(term.word, tuple(close))
                for w, (_, texts) in zip(scores, indexed):
                    w[i] = _weighted(terms[i], texts, weights)
    total = len(indexed)
    idf = [rarity(total, sum(1 for w in scores if w[i])) for i in range(len(terms))]
    hits = []
    for (record, _), w in zip(indexed, scores):
        matched = sum(1 for x in w if x)
        if matched:
            hits.append(Hit(record, combined(idf, w, matched, len(terms)), []))
    hits.sort(key=lambda h: (-h.score, h.record["id"]))
    return Results(hits, corrections)


@dataclass
class Found:
    """What `search` shows: the best hits, with their snippets, out of `total`."""

    hits: list[Hit]
    total: int
    corrections: dict[str, list[str]]


def with_snippets(results: Results, query: str, limit: int) -> list[Hit]:
    """The best `limit` hits, each with its snippet."""
    words = query_terms(query) + [w for c in results.corrections.values() for w in c]
    return [Hit(h.record, h.score, snippet(h.record, words)) for h in results.hits[:limit]]


_WORD = re.compile(r"\w+")


def _is_match(word: str, terms: list[str]) -> bool:
    folded = fold(word).replace(" ", "")
    return any(folded == t or (len(t) >= PREFIX_MIN and folded.startswith(t)) for t in terms)


def snippet(record: dict, terms: list[str]) -> list[tuple[str, bool]]:
    """About SNIPPET_CHARS characters of the field with the most matches (in its first
    SCAN_CHARS characters), centred on the first match, split into (text, is_match) segments so
    the output layer can highlight safely."""
    texts = field_texts(record)
    best, best_count = None, 0
    for field in SNIPPET_FIELDS:
        text = texts.get(field)
        if text:
            count = sum(1 for m in _WORD.finditer(text, 0, SCAN_CHARS) if _is_match(m.group(), terms))
            if count > best_count:
                best, best_count = text, count
    if best is None:
        best = texts.get("summary") or texts.get("text") or record["title"]
    matches = [m for m in _WORD.finditer(best, 0, SCAN_CHARS) if _is_match(m.group(), terms)]
    begin = 0
    if matches and len(best) > SNIPPET_CHARS:
        begin = max(0, matches[0].start() - SNIPPET_CHARS // 3)
        begin = best.rfind(" ", 0, begin) + 1 if begin else 0
    end = min(len(best), begin + SNIPPET_CHARS)
    if end < len(best):
        end = best.rfind(" ", begin, end) if best.rfind(" ", begin, end) > begin else end
    segments: list[tuple[str, bool]] = [("…", False)] if begin else []
    cursor = begin
    for m in matches:
        if m.start() < begin or m.end() > end:
            continue
        if m.start() > cursor:
            segments.append((best[cursor:m.start()], False))
        segments.append((m.group(), True))
        cursor = m.end()
    segments.append((best[cursor:end], False))
    if end < len(best):
        segments.append(("…", False))
    return [s for s in segments if s[0]]
