"""Every question mieux asks goes through Prompter, so that a person at a terminal, a script
piping answers and a test all meet the same code. Questions quote record text (a title in
"Remove ...?"): it is shown with control characters made visible, like all output.

On a terminal, answers can be completed with TAB from the field's choices (readline), each item
of a list separated by "," or ";" (and spaces), in any case and accent. readline is given the
whole question as its prompt, so that it redraws it after Ctrl-U or a list of choices. A wrong
answer is explained and asked again. End of input or Ctrl-C raise Cancelled: the caller writes
nothing.

When the answers come from a pipe or a file, each is echoed after its question, so that the
output reads as the session would on a terminal, where the terminal echoes what is typed.
"""

import shutil
import sys

from mieux_cli.cli.output import echo
from mieux_cli.errors import MieuxError
from mieux_cli.text import clean, one_line

ANSWER_ROOM = 20  # columns left for the answer after a question; a longer question gets a line of its own


def is_terminal(stream=None) -> bool:
    """Whether a person is typing (standard input, by default): a terminal, not a pipe or a file."""
    stream = stream if stream is not None else sys.stdin
    return bool(stream is not None and getattr(stream, "isatty", None) and stream.isatty())


class Cancelled(Exception):
    """The person pressed Ctrl-C (`interrupted`) or the input ended: nothing is to be written."""

    def __init__(self, interrupted: bool):
        super().__init__("interrupted" if interrupted else "the input ended")
        self.interrupted = interrupted


def _asking() -> None:
    """A command that asks a person anything is never run again from the start (app.py does so
    when the index changes under a read, and every answer would be lost): its reads from then on
    take the catalogue as it is when they run, and the write checks everything again under the
    lock anyway (changes.commit)."""
    from typer._click.globals import (
        get_current_context,  # Typer 0.28 (pinned) carries its own click
    )

    ctx = get_current_context(silent=True)
    if ctx is not None:
        ctx.find_root().meta["mieux.asked"] = True
    index = sys.modules.get("mieux_cli.storage.index")
    if index is not None:  # loaded: this command reads the index
        index.end_reads()


class Prompter:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        self.interactive = is_terminal(self.stream)

    def _complete_with(self, choices: list[str], prompt: str) -> None:
        if not self.interactive:
            return
        try:
            import readline
        except ImportError:  # Windows without pyreadline
            return
        from mieux_cli.cli.completion import as_typed, starting_with

        names: dict[str, str] = {}  # each match as inserted -> the choice it stands for

        def complete(text, state):
            if state == 0:  # text: what follows the last "," or ";", with the spaces after it
                typed = text.lstrip()
                space = text[:len(text) - len(typed)]
                found = starting_with(typed, choices)
                names.clear()
                names.update((space + inserted, name) for inserted, name in zip(as_typed(typed, found), found))
            matches = list(names)
            return matches[state] if state < len(matches) else None

        def show(_, matches, __):
            """The list a second TAB prints: the choices as they are written, then the question."""
            shown = [names.get(m, m).strip() for m in matches]
            width = max(len(name) for name in shown) + 2
            per_line = max(1, shutil.get_terminal_size().columns // width)
            echo()
            for start in range(0, len(shown), per_line):
                echo(clean("".join(f"{name:<{width}}" for name in shown[start:start + per_line]).rstrip()))
            echo(prompt.rsplit("\n", 1)[-1] + readline.get_line_buffer(), newline=False)

        readline.set_completer(complete if choices else None)
        readline.set_completion_display_matches_hook(show)
        readline.set_completer_delims(",;")
        readline.parse_and_bind("tab: complete")

    def raw(self, question: str, default: str = "", choices: list[str] | None = None, room: int = ANSWER_ROOM) -> str:
        """One line of text; `default` is shown and taken on an empty answer. `room`: the columns
        the answer needs beside the question."""
        prompt = one_line(question) + (f" [{one_line(default)}]" if default else "") + ": "
        if self.interactive and len(prompt) + room > shutil.get_terminal_size().columns:
            prompt = prompt.rstrip() + "\n> "  # readline scrolls or wraps a line it cannot fit
        self._complete_with(choices or [], prompt)
        return self._read(prompt).strip() or default

    def _read(self, prompt: str) -> str:
        _asking()
        try:
            if self.interactive:  # readline: line editing, TAB from _complete_with; it is given the
                # whole question, which it then redraws itself (after Ctrl-U, or a list of choices)
                return input(prompt)
            echo(prompt, newline=False)
            line = self.stream.readline()
        except KeyboardInterrupt:
            raise Cancelled(interrupted=True) from None
        except EOFError:  # Ctrl-D at a terminal
            raise Cancelled(interrupted=False) from None
        if not line:  # the end of the input
            echo()
            raise Cancelled(interrupted=False)
        answer = line.rstrip("\r\n")
        echo(clean(one_line(answer)))
        return answer

    def ask(self, question: str, parse, default: str = "", choices: list[str] | None = None, required: bool = False):
        """Ask until parse(answer) succeeds; an empty answer to an optional question is None."""
        while True:
            answer = self.raw(question, default, choices)
            if not answer:
                if not required:
                    return None
                self.say("  This one is required.")
                continue
            try:
                return parse(answer)
            except (MieuxError, ValueError, TypeError) as e:  # the message says what to type instead
                self.say(f"  {e}")

    def ask_lines(self, question: str, parse_item, choices: list[str] | None = None) -> list:
        """Several answers, one per line, until an empty line."""
        items: list = []
        while True:
            item = self.ask(f"{question} [{len(items) + 1}] (empty to finish)", parse_item, choices=choices)
            if item is None:
                return items
            items.append(item)

    def confirm(self, question: str, default: bool = True) -> bool:
        choices = "[Y/n]" if default else "[y/N]"
        while True:
            answer = self.raw(f"{question} {choices}", room=4).lower()
            if not answer:
                return default
            if answer in ("y", "yes", "n", "no"):
                return answer.startswith("y")
            self.say("  Answer y or n.")

    def say(self, text: str = "") -> None:
        echo(clean(text))
