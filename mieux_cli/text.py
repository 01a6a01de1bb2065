"""Text folding shared by vocabulary look-up and search: case- and accent-insensitive."""

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"[^\W_]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_case(text: str) -> str:
    """Lower-case and strip accents, keeping everything else: 'Côte d'Ivoire' -> 'cote d'ivoire'.
    ASCII text, most of a catalogue, skips the Unicode decomposition (search folds every field)."""
    text = text.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text


def fold(text: str) -> str:
    """fold_case, keeping only letters and digits: 'Côte d'Ivoire' -> 'cote d ivoire'."""
    return _NON_WORD.sub(" ", fold_case(text)).strip()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))
