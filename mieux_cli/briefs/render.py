"""A brief written out: the shipped Jinja2 templates (templates/), or a user's own, given the
brief's data (scope.py, record.py) and filters that make record text safe for the format."""

import re
import textwrap
from pathlib import Path

from mieux_cli.briefs.markup import markdown, plain
from mieux_cli.briefs.phrases import give_none, plural, then
from mieux_cli.errors import MieuxError
from mieux_cli.text import join_words

TEMPLATES = Path(__file__).parent / "templates"
MAX_TEMPLATE_BYTES = 1 << 20  # a brief template, with what it includes, is a page or two of text


def _user_templates(folder: Path):
    """A loader for a user's template and those it includes, from its folder: each read only if
    it is a regular file, and never more than MAX_TEMPLATE_BYTES (jinja2's own loader would open
    a named pipe and wait, or read /dev/zero for ever)."""
    import jinja2
    from jinja2.loaders import split_template_path

    from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

    def load(name: str):
        path = folder.joinpath(*split_template_path(name))  # refuses names that leave the folder
        hint = "Give the path of a Jinja2 template file."
        try:
            data = read_regular_file(path, MAX_TEMPLATE_BYTES)
        except FileNotFoundError:
            return None  # jinja2 says which template is missing
        except NotRegularFile as e:
            raise MieuxError(f"The template {path} is {e.what}, not a template file.", hint) from None
        except TooLarge as e:
            raise MieuxError(f"The template {path} is too large ({e}).", hint) from None
        except OSError as e:
            raise MieuxError(f"Cannot read the template {path}: {e.strerror or e}.", hint) from None
        try:
            return data.decode("utf-8"), str(path), lambda: True
        except UnicodeDecodeError:
            raise MieuxError(f"The template {path} is not UTF-8 text.", "Save it as UTF-8.") from None

    return jinja2.FunctionLoader(load)


def _compiled_templates():
    """Templates compiled once and kept between runs, in the user's cache folder (compiling the
    shipped ones took most of a small brief's time); keyed by each template's text, so an edited
    one is compiled again. Only from a folder of this user's that no one else may write to, and
    never a reason for a brief to fail."""
    import contextlib
    import os
    import stat

    import jinja2
    from platformdirs import user_cache_path

    class Compiled(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError, TypeError):  # a cache file cut short or damaged: compile
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    folder = user_cache_path("mieux", appauthor=False) / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.stat(folder)
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return Compiled(str(folder))


def render(brief: dict, fmt: str, width: int, template: Path | None = None) -> str:
    import jinja2

    loader = _user_templates(template.parent) if template else jinja2.FileSystemLoader([str(TEMPLATES)])
    env = jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             bytecode_cache=_compiled_templates())
    escape = markdown if fmt == "markdown" else plain

    def wrap(value, indent: str = "", first: str | None = None) -> str:
        """A paragraph wrapped to the width; `first` prefixes its first line (a bullet)."""
        if fmt == "markdown":
            return (first if first is not None else indent) + str(value)
        lead = first if first is not None else indent
        return "\n".join(textwrap.wrap(str(value), width=width, initial_indent=lead, subsequent_indent=indent,
                                       break_long_words=False, break_on_hyphens=False)) or lead.rstrip()

    env.filters.update(e=escape, wrap=wrap, words=join_words, then=then, codespan=lambda value: f"`{value}`")
    env.globals.update(plural=plural, give_none=give_none, width=width)
    name = template.name if template else ("brief.md.j2" if fmt == "markdown" else "brief.txt.j2")
    try:
        text = env.get_template(name).render(brief=brief)
    except jinja2.TemplateError as e:
        raise MieuxError(f"The template {name} cannot be used: {e}.", "See the README for the variables a brief has.") from None
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
