"""Records that look like one piece of work recorded twice, each with the reason it looks so:
records of one kind with the same or nearly the same title; events in one city in one month;
Actions in one country, in years that overlap (or are not known), whose titles share most of
their words. Numbered phases of one programme ("Costa Rica I", "Costa Rica II") are told apart.

Each comparison looks only at a bounded number of neighbours, so `check` stays near linear on a
large catalogue: titles are compared within their first word, in title order; Actions within
their country, in order of start."""

import difflib
import re
from dataclasses import dataclass

from mieux_cli.model import vocab
from mieux_cli.model.display import date_words
from mieux_cli.text import fold, tokens

NEAR_DUPLICATE = 0.9  # titles this similar (difflib ratio, folded) are flagged
NEIGHBOURS = 50  # how many of the next records in order each one is compared with
_NUMBERING = re.compile(r"^(?:\d+|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))$")
# Words that say nothing about what an Action did: a title's grammar, its numbering, its framing.
_FILLER = frozenset({
    "a", "an", "and", "the", "of", "on", "in", "into", "for", "to", "with", "by", "at", "from", "as", "its", "their",
    "new", "first", "second", "third", "fourth", "fifth", "phase", "action", "actions", "mieux", "support",
    "supporting", "project", "programme", "regional", "towards",
    "de", "del", "la", "las", "los", "el", "y", "en", "para", "con", "por", "des", "du", "le", "les", "et", "pour",
    "au", "aux", "sur",
})


@dataclass
class Alike:
    """Records that look like one, and why, in words. A group (`ids` sorted) all look alike; with
    `centre`, the others each look like that one record (not like each other)."""
    ids: list[str]
    why: str
    field: str  # the field the reason is about
    centre: str | None = None


def numbering(title_tokens: list[str]) -> list[str]:
    """The numbers of a title ('costa rica ii' -> ['ii']): phases with different ones are apart."""
    return [word for word in title_tokens if _NUMBERING.match(word)]


def near_titles(records: list[dict], advance=lambda n=1: None) -> list[Alike]:
    """Records of one kind with the same or nearly the same title, one group per title.
    Identical (folded) titles are grouped by a dictionary; only distinct titles are compared,
    each with the next NEIGHBOURS that share its first word."""
    same: dict[tuple, list[str]] = {}
    for record in records:
        same.setdefault((record["kind"], " ".join(tokens(record["title"]))), []).append(record["id"])
    parent = {key: key for key in same}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    buckets: dict[tuple, list[tuple]] = {}
    for key in sorted(same):
        buckets.setdefault((key[0], key[1].split(" ")[0]), []).append(key)
    numbers = {key: numbering(key[1].split(" ")) for key in same}
    letters = {key: _letter_counts(key[1]) for key in same}
    common = {key: counts[:len(_COMMON)] for key, counts in letters.items()}
    sizes = {key: len(key[1]) for key in same}
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for keys in buckets.values():
        for i, key in enumerate(keys):
            advance(len(same[key]))
            size, number, few, counts = sizes[key], numbers[key], common[key], letters[key]
            matching = False
            for other in keys[i + 1:i + NEIGHBOURS]:
                other_size = sizes[other]
                least = NEAR_DUPLICATE * (size + other_size)
                # cheapest bounds first: the lengths, the numbering, a few characters, all of them
                if (2 * min(size, other_size) < least or numbers[other] != number
                        or size + other_size - sum(map(_apart, few, common[other])) < least
                        or 2 * sum(map(min, counts, letters[other])) < least):
                    continue
                if not matching:  # compared with many: SequenceMatcher caches its second text
                    matcher.set_seq2(key[1])
                    matching = True
                matcher.set_seq1(other[1])
                if matcher.ratio() >= NEAR_DUPLICATE:
                    parent[root(other)] = root(key)
    groups: dict[tuple, list[str]] = {}
    for key, ids in same.items():
        groups.setdefault(root(key), []).extend(ids)
    return [Alike(sorted(set(ids)), "have the same or nearly the same title", "title") for ids in groups.values()
            if len(set(ids)) > 1]


# The commonest characters of titles first: two titles share at most (total - how far apart
# their counts of some characters are), a bound that those few characters already make tight
# enough to set most pairs aside before all of them are counted.
_COMMON = " etaoinsr"
_ALPHABET = _COMMON + "".join(c for c in "abcdefghijklmnopqrstuvwxyz0123456789" if c not in _COMMON)


def _apart(a: int, b: int) -> int:
    return abs(a - b)


def _letter_counts(title: str) -> tuple[int, ...]:
    """How often each character occurs in a folded title (the commonest first), others counted
    together: two titles share at most the sum of the smaller counts, the bound difflib's
    quick_ratio gives, but computed once a title rather than once a pair."""
    counts = [title.count(c) for c in _ALPHABET]
    return (*counts, len(title) - sum(counts))


def city(place: str) -> str:
    """The city of a place as written: 'Cotonou, Benin' and 'cotonou' are both 'cotonou'."""
    return fold(place.split(",")[0])


def same_city_and_month(records: list[dict]) -> list[Alike]:
    """Events in the same city in the same month: likely one event recorded twice."""
    groups: dict[tuple, list[dict]] = {}
    for record in records:
        start = record.get("start") or ""
        if record["kind"] == "event" and record.get("place") and city(record["place"]) and len(start) >= 7:
            groups.setdefault((city(record["place"]), start[:7]), []).append(record)
    found = []
    for (_, month), events in sorted(groups.items()):
        if len(events) > 1:
            name = min(r["place"] for r in events).split(",")[0].strip()
            found.append(Alike(sorted(r["id"] for r in events),
                               f"are events in {name} in {date_words(month)} (the same city and month)", "start"))
    return found


def _words(record: dict) -> frozenset[str]:
    """The words of an Action's title that say what it did: not its grammar, its numbering or the
    names of its countries; plurals as singulars ('plans' is 'plan')."""
    places = {w for c in record["countries"] for w in tokens(vocab.country_name(c))}
    words = tokens(record["title"])
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in words if w not in _FILLER and w not in places and not _NUMBERING.match(w) and len(w) > 1)


def _years(record: dict) -> tuple[int, int] | None:
    try:
        start, end = record.get("start"), record.get("end")
        return (int((start or end)[:4]), int((end or start)[:4])) if start or end else None
    except (TypeError, ValueError):
        return None


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def _share(a: frozenset, b: frozenset) -> frozenset:
    """The title words two Actions share when they share most of them: at least two, and two
    thirds of the shorter title's; else nothing."""
    shared = a & b
    return shared if len(shared) >= 2 and 3 * len(shared) >= 2 * min(len(a), len(b)) else frozenset()


def same_work(records: list[dict]) -> list[Alike]:
    """Actions that may record the same work: in one country, in years that overlap or are not
    known, with titles sharing most of their words; never two different phases ("I" and "II").
    One line for the Action most others look like, naming them, then for what is left."""
    actions = [r for r in records if r["kind"] == "action"]
    facts = {r["id"]: (_words(r), _years(r), numbering(tokens(r["title"]))) for r in actions}
    by_country: dict[str, list[dict]] = {}
    for record in actions:
        for country in record["countries"]:
            by_country.setdefault(country, []).append(record)
    pairs: dict[frozenset, tuple[str, frozenset]] = {}
    for country, group in by_country.items():
        group.sort(key=lambda r: ((facts[r["id"]][1] or (0, 0))[0], r["id"]))
        for i, record in enumerate(group):
            words, years, numbers = facts[record["id"]]
            for other in group[i + 1:i + NEIGHBOURS]:
                other_words, other_years, other_numbers = facts[other["id"]]
                if numbers and other_numbers and numbers != other_numbers or not _overlap(years, other_years):
                    continue
                shared = _share(words, other_words)
                if shared:
                    pairs.setdefault(frozenset((record["id"], other["id"])), (country, shared))
    degree: dict[str, int] = {}
    for pair in pairs:
        for one in pair:
            degree[one] = degree.get(one, 0) + 1
    by_record: dict[str, list[frozenset]] = {}
    for pair in pairs:
        for one in pair:
            by_record.setdefault(one, []).append(pair)
    found = []
    for centre in sorted(degree, key=lambda i: (-degree[i], i)):
        mine = sorted((pair for pair in by_record[centre] if pair in pairs), key=sorted)
        if not mine:
            continue
        countries = sorted({vocab.country_name(pairs[pair][0]) for pair in mine})
        words = sorted({w for pair in mine for w in pairs[pair][1]})
        found.append(Alike(sorted(next(iter(pair - {centre})) for pair in mine), (
            f"Actions in {' and '.join(countries)}, in years that overlap or are not known, whose titles share "
            + ", ".join(repr(w) for w in words)), "title", centre))
        for pair in mine:
            del pairs[pair]
    return found
