"""Text helpers every layer may use: folding for vocabulary look-up and search (case- and
accent-insensitive), text from the operating system made safe to keep, and user text made safe to
show (control and invisible characters as visible escapes)."""

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


# Characters that control the terminal or cannot be seen: C0 and C1 controls except tab and
# newline, DEL; bidirectional formatting (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069);
# zero-width and other invisible format characters (U+180E, U+200B-U+200D, U+2060-U+2064,
# U+206A-U+206F, U+FEFF, U+FFF9-U+FFFB, the tag characters U+E0000-U+E007F); and the line and
# paragraph separators U+2028-U+2029, which some terminals and rich treat as line breaks.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
                     "\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")
_SPACE = re.compile(r"\s+")


def _escape(match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def clean(text) -> str:
    """`text` with every control or invisible character shown as a visible escape (ESC -> \\x1b,
    ZERO WIDTH SPACE -> \\u200b)."""
    text = "" if text is None else str(text)
    return CONTROL.sub(_escape, text)


def one_line(text) -> str:
    """`text` cleaned, with every run of white space (newlines included) made one space."""
    return _SPACE.sub(" ", clean(text))


def plain_line(text, limit: int) -> str:
    """`text` where escapes would not help (a shell's completion menu): without control or
    invisible characters, on one line, at most `limit` characters (the last an ellipsis)."""
    text = _SPACE.sub(" ", CONTROL.sub("", "" if text is None else str(text))).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def join_words(items) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def count_of(n: int, noun: str) -> str:
    """"1 record", "2 records"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def a_or_an(noun: str) -> str:
    """'an action', 'a practice': the noun with its indefinite article."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
