"""Text folding shared by vocabulary look-up and search (case- and accent-insensitive), and text
from the operating system made safe to keep."""

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")
TOKEN = re.compile(r"[^\W_]+")  # a word: letters and digits
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_case(text: str) -> str:
    """Lower-case and strip accents, keeping everything else: 'Côte d'Ivoire' -> 'cote d'ivoire'.
    Decomposed first, then case-folded (Unicode's compatibility caseless match): letters that
    decompose to capitals ('ℌ', '𝐇' -> 'H') fold like them; case-folding first left them capitals,
    which the index's tokenizer then lowered and search did not. ASCII text, most of a catalogue,
    skips the Unicode decomposition (search folds every field)."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return _COMBINING.sub("", text)


def fold(text: str) -> str:
    """fold_case, keeping only letters and digits: 'Côte d'Ivoire' -> 'cote d ivoire'."""
    return _NON_WORD.sub(" ", fold_case(text)).strip()


def tokens(text: str) -> list[str]:
    return TOKEN.findall(fold(text))


def os_text(text: str) -> str:
    """Text from the operating system (a file name, the command line, a user name) with the bytes
    that are not UTF-8, which Python holds as surrogate escapes, written as \\xNN: such text
    can be stored in the catalogue, printed and sent as JSON."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no byte made: not from the OS, but never fatal
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def undecodable_byte(text: str) -> int | None:
    """The first byte of `text` that was not UTF-8 when the OS gave it (a surrogate escape), if any."""
    for char in text:
        if "\udc80" <= char <= "\udcff":
            return ord(char) - 0xDC00
    return None
