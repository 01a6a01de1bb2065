"""The words of a record that search finds, as both ways of searching take them: the fields
searched, each as one text (codes as their names), and what the index's full-text table holds of
them. Search's own matching and ranking are in queries/search.py."""

from mieux_cli.model import schema
from mieux_cli.model.display import code_text
from mieux_cli.text import TOKEN, fold_case

# Corrections look at the first SCAN_CHARS characters of a field; the index holds the words of a
# field up to INDEXED_CHARS long (one of 16 MB made it 4 times the file): see index_words.
SCAN_CHARS = 10_000
INDEXED_CHARS = 100_000


def searched_fields() -> dict[str, schema.Field]:
    return {f.name: f for f in schema.searched()}


def field_texts(record: dict, fields: dict[str, schema.Field] | None = None) -> dict[str, str]:
    """Each searchable field of a record as one string: codes as their names, items as their
    text parts."""
    texts = {}
    for name, f in (fields or searched_fields()).items():
        value = record.get(name)
        if not value:
            continue
        if f.type in ("code", "codes"):
            vocabulary = f.vocab_for(record["kind"])
            value = [code_text(vocabulary, c) for c in (value if isinstance(value, list) else [value])]
        elif f.type == "items":
            value = [str(item[p.name]) for item in value for p in f.parts if p.type == "text" and item.get(p.name)]
        texts[name] = " ".join(value) if isinstance(value, list) else str(value)
    return texts


def index_words(record: dict, fields: dict[str, schema.Field] | None = None) -> tuple[dict[str, str], bool, bool]:
    """What the index's full-text table holds for a record: each searchable field's words, folded
    as `search` folds them and one space apart (its tokenizer splits at ASCII spaces and
    punctuation only), so that the index finds exactly the words this module finds; a field
    longer than INDEXED_CHARS is left out (one of 16 MB made the index 4 times the file, and
    search slower than without it). Then whether the words corrections take from the record (each
    field's first SCAN_CHARS characters) are exactly those: no field is longer, and none is changed
    by folding twice; and whether every field's words are there. The index reads the others' words
    from the records themselves."""
    words, plain, whole = {}, True, True
    for name, text in field_texts(record, fields).items():
        folded = fold_case(text)
        if len(folded) > INDEXED_CHARS:
            plain = whole = False
            continue
        if folded.isascii():
            words[name] = folded
            plain = plain and len(folded) <= SCAN_CHARS
        else:
            words[name] = " ".join(TOKEN.findall(folded))
            plain = plain and len(folded) <= SCAN_CHARS and fold_case(folded) == folded
    return words, plain, whole
