"""What TAB offers for a half-typed value, in the shell (`mieux list --country cos<TAB>`) and in
the questions of `mieux add` (readline): the same matching for both, in any case and accent.

Line editors (bash's and Python's readline) replace the typed word with what the candidates have
in common; candidates that differ in case or accents within what was typed ('Colombia' and
'Côte d'Ivoire' for 'co') would shorten it to 'C', so those continue what was typed instead.
"""

import os

from mieux_cli.text import fold_case


def starting_with(typed: str, candidates) -> list[str]:
    """The candidates that begin with `typed` in any case and accent, in their order, once each."""
    key = fold_case(typed)
    return list(dict.fromkeys(c for c in candidates if fold_case(c).startswith(key)))


def as_typed(typed: str, matches: list[str]) -> list[str]:
    """`matches` as a line editor should get them: unchanged when it would keep what was typed."""
    if len(matches) < 2 or os.path.commonprefix(matches).startswith(typed):
        return matches
    return [typed + rest if (rest := _after(match, typed)) is not None else match for match in matches]


def _after(match: str, typed: str) -> str | None:
    """What `match` has after the part that reads as `typed` (in any case and accent)."""
    key = fold_case(typed)
    for end in range(len(typed), len(match) + 1):
        folded = fold_case(match[:end])
        if folded == key:
            return match[end:]
        if len(folded) > len(key):
            return None
    return None
