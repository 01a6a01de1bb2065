"""JSON: one array of full records, written with orjson, read with the standard library (which gives
the line of a syntax error and lets duplicate keys be refused)."""

from mieux_cli.formats.files import Item, UnreadableFile


def text(records) -> str:
    return "".join(array_pieces(records))


def array_pieces(items):
    """`items` (any iterable) as the text orjson writes for the list of them, indented by two, and
    a line break: a piece an item, made as the items come, so that a long export is written as it
    is read (the bytes are those of one orjson call)."""
    import orjson

    written = False
    for item in items:  # each item's lines indented as they are inside the array
        yield ("[\n  " if not written else ",\n  ") + orjson.dumps(item, option=orjson.OPT_INDENT_2).decode().replace("\n", "\n  ")
        written = True
    yield "\n]\n" if written else "[]\n"


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple]) -> dict:
    mapping = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def read(text: str, name: str, reached=lambda fraction: None) -> list[Item]:
    """A record (object) or an array of records. The standard library's parser, not orjson: it
    gives the line of a syntax error and lets duplicate keys be refused."""
    import json

    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise UnreadableFile(name, e.lineno, f"not valid JSON: {e.msg}") from None
    except _DuplicateKey as e:
        raise UnreadableFile(name, None, f"duplicate key '{e.args[0]}' in a JSON object") from None
    return [Item(raw, name) for raw in (data if isinstance(data, list) else [data])]
