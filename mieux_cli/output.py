"""The one output layer: it alone writes to the terminal.

Three modes, chosen once per command:
- json: `--json` was given; full records as documented in the README, for scripts;
- rich: standard output is a terminal and NO_COLOR is not set; tables that fit its width;
- plain: piped, redirected, NO_COLOR or TERM=dumb; no colour, no box drawing, one line a row.

User text is data, never markup: rich is given Text objects (never markup strings) from a
Console with markup and emoji off, and control characters (ESC sequences, BEL, bidi overrides)
are shown as visible escapes in every mode but JSON, where the encoder escapes them.
"""

import contextlib
import os
import re
import sys
import time
from dataclasses import dataclass, replace

PROGRESS_AFTER = 1.0  # seconds of work before a progress bar is worth showing

# C0 and C1 controls except tab and newline, DEL, and the bidirectional formatting characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_SPACE = re.compile(r"\s+")


def clean(text) -> str:
    """`text` with every control character shown as a visible escape (ESC -> \\x1b)."""
    text = "" if text is None else str(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def one_line(text) -> str:
    """`text` cleaned, with every run of white space (newlines included) made one space."""
    return _SPACE.sub(" ", clean(text))


@dataclass
class Column:
    header: str
    key: str  # which cell of a row dict
    no_wrap: bool = False  # never wrapped or cut (IDs)
    ratio: int | None = None  # share of the spare width when the table must shrink
    justify: str = "left"
    style: str | None = None
    drop: int = 0  # on a narrow terminal, columns with the highest `drop` go first (0: never)
    min_width: int = 0  # a wrapping column is not squeezed below this; columns are dropped instead


def choose_mode(json_requested: bool, stream=None) -> str:
    if json_requested:
        return "json"
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return "plain"
    isatty = getattr(stream, "isatty", None)
    return "rich" if isatty and isatty() else "plain"


class Output:
    def __init__(self, json_requested: bool = False, stdout=None, stderr=None, width: int | None = None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.mode = choose_mode(json_requested, self.stdout)
        self.width = width
        self._console = None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stdout, markup=False, emoji=False, highlight=False, width=self.width,
                force_terminal=True if self.mode == "rich" else None,
            )
        return self._console

    # -- messages (standard error) ----------------------------------------------------------------

    def notice(self, message: str) -> None:
        self.stderr.write(one_line(message) + "\n")

    def error(self, message: str) -> None:
        self.stderr.write("Error: " + one_line(message) + "\n")

    # -- data --------------------------------------------------------------------------------------

    def json(self, data) -> None:
        import orjson

        self.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")

    def data(self, text: str) -> None:
        """A document (an export, a brief) on standard output: byte for byte when piped or
        redirected, since it is data; on a terminal, control characters made visible."""
        isatty = getattr(self.stdout, "isatty", None)
        self.stdout.write(clean(text) if isatty and isatty() else text)

    def line(self, text: str = "") -> None:
        self.stdout.write(clean(text) + "\n")

    def table(self, columns: list[Column], rows: list[dict], title: str | None = None) -> None:
        if self.mode == "rich":
            from rich import box
            from rich.table import Table
            from rich.text import Text

            columns = self._fit(columns, rows)
            table = Table(box=box.SIMPLE_HEAD, title=Text(clean(title), style="bold") if title else None,
                          title_justify="left", pad_edge=False, header_style="bold")
            for c in columns:
                table.add_column(c.header, no_wrap=c.no_wrap, ratio=c.ratio, justify=c.justify,
                                 style=c.style, overflow="fold", min_width=max(c.min_width, len(c.header)))
            for row in rows:
                table.add_row(*(Text(clean(row.get(c.key, ""))) for c in columns))
            self.console.print(table)
            return
        cells = [[c.header.upper() for c in columns]]
        cells += [[one_line(row.get(c.key, "")).strip() for c in columns] for row in rows]
        if title:
            self.line(title)
        widths = [max((len(r[i]) for r in cells), default=0) for i in range(len(columns))]
        for r in cells:
            parts = [cell.rjust(widths[i]) if columns[i].justify == "right" else cell.ljust(widths[i])
                     for i, cell in enumerate(r)]
            self.stdout.write("  ".join(parts).rstrip() + "\n")

    def _fit(self, columns: list[Column], rows: list[dict]) -> list[Column]:
        """Drop optional columns until the table fits the terminal without squeezing the rest."""
        width = self.console.width
        columns = list(columns)

        def needed(cols):
            total = 2 * len(cols)  # rich pads each cell by one on either side
            for c in cols:
                if c.no_wrap:
                    total += max([len(c.header)] + [len(one_line(r.get(c.key, ""))) for r in rows])
                else:
                    total += max(c.min_width, len(c.header))
            return total

        while needed(columns) > width and any(c.drop for c in columns):
            columns.remove(max(columns, key=lambda c: c.drop))
        if needed(columns) > width:  # still too wide: let rich fold the wrapping columns narrower
            columns = [c if c.no_wrap else replace(c, min_width=0) for c in columns]
        return columns

    def fields(self, heading: str, pairs: list[tuple[str, list[str]]]) -> None:
        """A record, readable: a heading, then each label with its value lines."""
        if self.mode == "rich":
            from rich.table import Table
            from rich.text import Text

            self.console.print(Text(clean(heading), style="bold"))
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for label, lines in pairs:
                grid.add_row(Text(label), Text("\n".join(clean(line) for line in lines)))
            self.console.print(grid)
            return
        self.line(heading)
        width = max((len(label) for label, _ in pairs), default=0) + 2
        for label, lines in pairs:
            first, *rest = lines or [""]
            self.stdout.write(f"{label + ':':<{width}}{one_line(first)}\n")
            for line in rest:
                self.stdout.write(" " * width + one_line(line) + "\n")

    def hits(self, hits: list[tuple[str, str, str, list[tuple[str, bool]]]]) -> None:
        """Search results: (id, kind, title, snippet segments), best first."""
        if self.mode == "rich":
            from rich.text import Text

            for record_id, kind, title, segments in hits:
                line = Text()
                line.append(clean(record_id), style="cyan")
                line.append(f"  {kind}  ", style="dim")
                line.append(one_line(title), style="bold")
                self.console.print(line)
                snippet = Text("    ")
                for text, is_match in segments:
                    snippet.append(one_line(text), style="bold yellow" if is_match else None)
                self.console.print(snippet)
            return
        for record_id, kind, title, segments in hits:
            self.stdout.write(f"{clean(record_id)}  {kind}  {one_line(title)}\n")
            snippet = "".join(f"*{t}*" if is_match else t for t, is_match in segments)
            self.stdout.write("    " + one_line(snippet).strip() + "\n")

    def bars(self, rows: list[tuple[str, str, int]], total_label: str, total: int) -> None:
        """One bar per (value, label, count), scaled to the longest; the label is left out where
        it only repeats the value."""
        rows = [(value, "" if label == value else label, count) for value, label, count in rows]
        longest = max((count for _, _, count in rows), default=0) or 1
        label_width = max((len(label) for _, label, _ in rows), default=0)
        value_width = max((len(str(value)) for value, _, _ in rows), default=0)
        if self.mode == "rich":
            from rich.table import Table
            from rich.text import Text

            available = (self.width or self.console.width) - value_width - min(label_width, 40) - 10
            bar_room = max(10, min(40, available))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(style="cyan", no_wrap=True)
            grid.add_column(max_width=40, overflow="ellipsis", no_wrap=True)
            grid.add_column(justify="right")
            grid.add_column(no_wrap=True)
            for value, label, count in rows:
                bar = "█" * max(1, round(count / longest * bar_room)) if count else ""
                grid.add_row(Text(clean(value)), Text(clean(label)), Text(str(count)), Text(bar, style="green"))
            self.console.print(grid)
            self.console.print(Text(f"{total_label}: {total}", style="dim"))
            return
        count_width = len(str(longest))
        for value, label, count in rows:
            bar = "#" * max(1, round(count / longest * 30)) if count else ""
            label_cell = f"{clean(label):<{label_width}}  " if label_width else ""
            self.stdout.write(f"{clean(value):<{value_width}}  {label_cell}{count:>{count_width}}  {bar}\n")
        self.stdout.write(f"{total_label}: {total}\n")

    @contextlib.contextmanager
    def progress(self, total: int, description: str):
        """Yield advance(n=1). A progress bar appears on a terminal's standard error once the work
        has taken more than PROGRESS_AFTER seconds; quick work, and pipes, show nothing."""
        if not (getattr(self.stderr, "isatty", None) and self.stderr.isatty()) or os.environ.get("TERM") == "dumb":
            yield lambda n=1: None
            return
        started, state = time.monotonic(), {"bar": None, "task": None, "done": 0}

        def advance(n=1):
            state["done"] += n
            if state["bar"] is None and time.monotonic() - started > PROGRESS_AFTER:
                from rich.console import Console
                from rich.progress import Progress

                state["bar"] = Progress(console=Console(file=self.stderr), transient=True)
                state["bar"].start()
                state["task"] = state["bar"].add_task(description, total=total, completed=state["done"])
            elif state["bar"] is not None:
                state["bar"].update(state["task"], completed=state["done"])

        try:
            yield advance
        finally:
            if state["bar"] is not None:
                state["bar"].stop()
