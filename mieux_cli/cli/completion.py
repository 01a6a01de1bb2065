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
    """`matches` as a line editor should get them: unchanged when what they have in common is
    at least as long as what was typed."""
    if len(matches) < 2 or len(os.path.commonprefix(matches)) >= len(typed):
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


def vocabulary_values(vocabulary, typed: str) -> list[tuple[str, str]]:
    """(value, description) for a half-typed value of a vocabulary option: codes that begin with
    it, or whose names do (`--area traff` -> THB); a country by its name, or by its code typed in
    capitals (CR, CRI -> Costa Rica)."""
    if vocabulary.name != "countries":
        codes = [str(code) for code in vocabulary]
        matched = starting_with(typed, codes)
        labels = {vocabulary.label(code): str(code) for code in vocabulary}
        matched += [labels[name] for name in starting_with(typed, labels) if labels[name] not in matched]
        return [(code, vocabulary.label(code)) for code in matched]
    from mieux_cli.model.vocab import countries

    entries = countries()
    if typed.isupper():
        code = next((c for c, e in entries.items() if typed in (c, e["alpha_3"])), None)
        if code is not None:
            return [(entries[code]["name"], code)]
    names = {entry["name"]: code for code, entry in entries.items()}
    return [(name, names[name]) for name in starting_with(typed, sorted(names, key=fold_case))]


_SHELL_SPECIAL = set(" \t\n!\"#$&'()*;<>?[\\]^`{|}~")


def for_shell(value: str, shell: str, quote: str = "") -> str:
    """A completion as `shell` should insert it, so that it stays one word: bash inserts it as
    it is (after the quote the word was begun with, which it then closes), PowerShell too; zsh and
    fish quote what they insert themselves."""
    if shell == "bash":
        if quote == "'":
            return value.replace("'", "'\\''")
        if quote == '"':
            return "".join("\\" + c if c in '"$`\\' else c for c in value)
        return "".join("\\" + c if c in _SHELL_SPECIAL else c for c in value)
    if shell in ("powershell", "pwsh") and any(c in _SHELL_SPECIAL or c in ",@" for c in value):
        return "'" + value.replace("'", "''") + "'"
    return value
