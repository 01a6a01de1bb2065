"""Record text made safe for a brief's format: one line with control characters shown for plain
text, and Markdown's special characters escaped for Markdown, so a title holding '#', '*' or an
escape sequence prints as the text it is."""

import re

from mieux_cli.model.display import source_text
from mieux_cli.text import clean

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def plain(value) -> str:
    """Record text as one line, control characters made visible: it cannot break the layout."""
    return " ".join(clean(value).split())


def markdown(value) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain(value))


def markdown_source(source: dict) -> str:
    """A source in Markdown, its title linked when it has a link: [Title](https://...). Publisher."""
    text = markdown(source_text({**source, "url": None}, local_copy=False))
    if not source.get("url"):
        return text if text.endswith((".", "?", "!")) else text + "."
    title = markdown(source["title"])
    url = source["url"].replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    return f"[{title}](<{url}>)" + text[len(title):] + "."
