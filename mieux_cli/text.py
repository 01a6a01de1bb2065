"""Text folding shared by vocabulary look-up and search: case- and accent-insensitive."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_TOKEN = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents, keep letters and digits: 'Côte d'Ivoire' -> 'cote d ivoire'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))
