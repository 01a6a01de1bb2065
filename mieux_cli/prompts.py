"""Every question mieux asks goes through Prompter, so that a person at a terminal, a script
piping answers and a test all meet the same code. Questions quote record text (a title in
"Remove ...?"): it is shown with control characters made visible, like all output.

On a terminal, answers can be completed with TAB from the field's choices (readline). A wrong
answer is explained and asked again. End of input or Ctrl-C raise Cancelled: the caller writes
nothing.

When the answers come from a pipe or a file, each is echoed after its question, so that the
output reads as the session would on a terminal, where the terminal echoes what is typed.
"""

import sys

import typer

from mieux_cli.errors import MieuxError
from mieux_cli.output import clean, one_line


def is_terminal(stream=None) -> bool:
    """Whether a person is typing (standard input, by default): a terminal, not a pipe or a file."""
    stream = stream if stream is not None else sys.stdin
    return bool(stream is not None and getattr(stream, "isatty", None) and stream.isatty())


class Cancelled(Exception):
    """The person pressed Ctrl-C or the input ended: nothing is to be written."""


class Prompter:
    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        self.interactive = is_terminal(self.stream)

    def _complete_with(self, choices: list[str]) -> None:
        if not self.interactive:
            return
        try:
            import readline
        except ImportError:  # Windows without pyreadline
            return
        matches: list[str] = []

        def complete(text, state):
            if state == 0:
                matches[:] = [c for c in choices if c.lower().startswith(text.lower())]
            return matches[state] if state < len(matches) else None

        readline.set_completer(complete if choices else None)
        readline.set_completer_delims(",;")
        readline.parse_and_bind("tab: complete")

    def raw(self, question: str, default: str = "", choices: list[str] | None = None) -> str:
        """One line of text; `default` is shown and taken on an empty answer."""
        self._complete_with(choices or [])
        shown = f" [{default}]" if default else ""
        return self._read(f"{one_line(question)}{shown}: ").strip() or default

    def _read(self, prompt: str) -> str:
        try:
            if self.interactive:  # readline: line editing, and TAB from _complete_with; it is
                # given only the last space, as click does, since a long prompt would confuse it
                typer.echo(prompt.rstrip(" "), nl=False)
                return input(" ")
            typer.echo(prompt, nl=False)
            line = self.stream.readline()
        except KeyboardInterrupt:
            raise Cancelled from None
        except EOFError:
            line = ""
        if not line:  # the end of the input
            typer.echo()
            raise Cancelled
        answer = line.rstrip("\r\n")
        typer.echo(clean(one_line(answer)))
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
            answer = self._read(f"{one_line(question)} {choices}: ").strip().lower()
            if not answer:
                return default
            if answer in ("y", "yes", "n", "no"):
                return answer.startswith("y")
            self.say("  Answer y or n.")

    def say(self, text: str = "") -> None:
        typer.echo(clean(text))
