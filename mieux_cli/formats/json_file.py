"""JSON: one array of full records, written with orjson, read with the standard library (which gives
the line of a syntax error and lets duplicate keys be refused)."""

from mieux_cli.formats.files import Item, UnreadableFile


def text(records: list[dict]) -> str:
    import orjson

    return orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"


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
