"""The one output layer: it alone writes to the terminal.

Three modes, chosen once per command:
- json: `--json` was given; full records as documented in the README, for scripts;
- rich: standard output is a terminal and NO_COLOR is not set; tables that fit its width;
- plain: piped, redirected, NO_COLOR or TERM=dumb; no colour, no box drawing, one line a row.

User text is data, never markup: rich is given Text objects (never markup strings) from a
Console with markup and emoji off, and control characters (ESC sequences, BEL, bidi overrides)
are shown as visible escapes in every mode but JSON, where they are written as \\uXXXX escapes.

On a terminal, long output goes through a pager, as git does (see Output.paged): only what does
not fit the screen, never JSON, never when piped.

Standard output can fail: closed (`>&-`), full (`> /dev/full`), or a pipe whose reader has gone
(`| head -1`). A write to it that fails raises OutputFailed, which the app's edge turns into one line
and an exit code (or a quiet exit for a broken pipe). Messages on standard error are best effort:
when it is closed there is no one to tell, and that must not turn a success into a failure.
"""

import contextlib
import functools
import itertools
import os
import re
import sys
import time
from dataclasses import dataclass

from mieux_cli.cli.pager import Pager, pager_command
from mieux_cli.cli.table_text import TABLE_GAP, blocks, head_lines, plain_lines, row_lines
from mieux_cli.errors import EXIT_BROKEN_PIPE, EXIT_OK, EXIT_OUTPUT
from mieux_cli.text import CONTROL, clean, one_line

PROGRESS_AFTER = 1.0  # seconds of work before a progress bar is worth showing
BAR_MAX = 40  # the longest bar of a chart on a terminal, in cells
ROWS_AT_ONCE = 200  # rows of a table written at a time
LAID_OUT_BY = 200  # rows: a longer table is laid out by its first rows, and the rest written as read
_LINE_BREAK = re.compile(r"[^\S\n]*\n\s*|\t")  # a newline with the white space around it, or a tab
_NON_ASCII = re.compile("[^\x00-\x7f]|" + CONTROL.pattern)


def _bar(mark: str, count: int, scale: int, width: int) -> str:
    """A count as a bar of up to `width` marks; past the scale, a full bar ending in "+"."""
    if count > scale:
        return mark * (width - 1) + "+"
    return mark * max(1, round(count / scale * width)) if count else ""


def _writes_unicode(stream) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding.startswith("utf")


def json_escaped(text: str, ascii_only: bool = False) -> str:
    """JSON text with control and invisible characters (and, for a stream that cannot encode
    them, every non-ASCII character) written as \\uXXXX escapes: the same JSON, safe to print.
    Outside strings JSON text is ASCII, so every such character is inside a string."""
    pattern = _NON_ASCII if ascii_only else CONTROL

    def escape(match) -> str:
        code = ord(match.group())
        if code > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return pattern.sub(escape, text)


@dataclass
class Column:
    """A table column; on a terminal, mieux_cli.cli.layout decides what is shown and how wide."""

    header: str
    key: str  # which cell of a row dict
    wrap: bool = False  # may take several lines (titles, IDs, countries); otherwise always whole
    main: bool = False  # the column the others give way to (a title); at most one a table
    min_width: int = 0  # a wrapping column is not narrowed below this before optional columns are dropped
    drop: int = 0  # optional: on a narrow terminal, the columns with the highest `drop` go first (0: never)
    justify: str = "left"
    style: str | None = None


class OutputFailed(Exception):
    """Standard output could not be written: closed, full, or a pipe with no reader left."""

    def __init__(self, reason: str, broken_pipe: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.broken_pipe = broken_pipe


@contextlib.contextmanager
def _writing_stdout():
    """Turn a failing write to standard output into OutputFailed."""
    try:
        yield
    except BrokenPipeError:
        raise OutputFailed("the pipe was closed", broken_pipe=True) from None
    except (OSError, ValueError) as e:  # ValueError: writing to a closed file object
        reason = getattr(e, "strerror", None) or "it is closed"
        raise OutputFailed(reason) from None


def _writes_stdout(method):
    """For the Output methods that write to standard output."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        if self.stdout is None:  # the process started with its standard output closed
            raise OutputFailed("it is closed")
        with _writing_stdout():
            return method(self, *args, **kwargs)

    return guarded


def configure_streams() -> None:
    """Text the terminal's encoding cannot show (PYTHONIOENCODING=ascii, a C locale) is written
    as escapes such as \\xed instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")


def flush_stdout() -> None:
    """Write out what is buffered, so that a failure is reported now rather than at exit."""
    if sys.stdout is not None:
        with _writing_stdout():
            sys.stdout.flush()


def output_failed(failure: OutputFailed, committed: bool) -> int:
    """Report a failure to write standard output; the exit code. A broken pipe is the reader's
    choice (`| head`), so it is quiet; a change already saved stays a success."""
    with contextlib.suppress(AttributeError, ValueError, OSError):  # what is still buffered goes nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    if committed:
        if not failure.broken_pipe:
            Output().notice(f"The change was saved, but its report could not be written to standard output: {failure.reason}.")
        return EXIT_OK
    if failure.broken_pipe:
        return EXIT_BROKEN_PIPE
    Output().error(f"Cannot write to standard output: {failure.reason}.")
    return EXIT_OUTPUT


def echo(text: str = "", newline: bool = True) -> None:
    """A question, an answer echoed or a word of explanation, on standard output at once (prompts.py;
    readline writes the question itself on a terminal); best effort, like every message."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stdout.write(text + ("\n" if newline else ""))
        sys.stdout.flush()


def choose_mode(json_requested: bool, stream=None) -> str:
    if json_requested:
        return "json"
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return "plain"
    isatty = getattr(stream, "isatty", None)
    return "rich" if isatty and isatty() else "plain"


HIT_INDENT = 4  # search results: the snippet, and every line a title or snippet wraps onto


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
                file=self.stdout, markup=False, emoji=False, highlight=False, width=self.columns,
                force_terminal=True if self.mode == "rich" else None,
            )
        return self._console

    @property
    def columns(self) -> int:
        """The terminal's width, as rich would find it: the width given, else $COLUMNS, else the
        size of the terminal on standard input, output or error, else 80."""
        if self.width:
            return self.width
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        for descriptor in (0, 1, 2):
            with contextlib.suppress(OSError):
                return os.get_terminal_size(descriptor).columns or 80
        return 80

    @contextlib.contextmanager
    def paged(self, enabled: bool = True):
        """What is written inside goes through the pager when standard output is a terminal and
        it is longer than the screen (never JSON, never TERM=dumb, not with --no-pager)."""
        isatty = getattr(self.stdout, "isatty", None)
        pager = pager_command() if enabled and self.mode != "json" and isatty and isatty() else None
        if pager is None or os.environ.get("TERM") == "dumb":
            yield
            return
        try:
            columns, rows = os.get_terminal_size(self.stdout.fileno())
        except (AttributeError, ValueError, OSError):
            yield
            return
        stdout = self.stdout
        self.stdout = Pager(stdout, *pager, rows=rows, columns=max(columns, 1), tell=self.notice)
        self._console = None
        try:
            yield
        finally:
            pager_stream, self.stdout, self._console = self.stdout, stdout, None
            with _writing_stdout():
                pager_stream.finish()

    # -- messages (standard error) ----------------------------------------------------------------

    def notice(self, message: str) -> None:
        self._tell(one_line(message))

    def error(self, message: str) -> None:
        self._tell("Error: " + one_line(message))

    def _tell(self, line: str) -> None:
        with contextlib.suppress(AttributeError, ValueError, OSError):  # closed or broken: no one to tell
            self.stderr.write(line + "\n")
            self.stderr.flush()

    # -- data --------------------------------------------------------------------------------------

    @_writes_stdout
    def json(self, data) -> None:
        import orjson

        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
        self.stdout.write(json_escaped(text, ascii_only=not _writes_unicode(self.stdout)) + "\n")

    @_writes_stdout
    def json_array(self, items) -> int:
        """`items` (an iterable) as the JSON array `json` writes, each item written as it comes, so
        that a reader who stops early (`| head`) stops the read; how many were written."""
        from mieux_cli.formats.json_file import array_pieces

        ascii_only = not _writes_unicode(self.stdout)
        written = -1  # the last piece closes the array
        for piece in array_pieces(items):
            self.stdout.write(json_escaped(piece, ascii_only))
            written += 1
        return written

    @_writes_stdout
    def data(self, text: str) -> None:
        """A document (an export, a brief) on standard output: when piped or redirected, its
        UTF-8 bytes exactly, as --output would write them, whatever the locale's encoding; on a
        terminal, control characters made visible."""
        self._data([text.encode("utf-8")])

    @_writes_stdout
    def data_pieces(self, pieces) -> None:
        """`data` of a document given as pieces of its UTF-8 bytes, each written as it comes."""
        self._data(pieces)

    def _data(self, pieces) -> None:
        isatty = getattr(self.stdout, "isatty", None)
        binary = getattr(self.stdout, "buffer", None)
        if isatty and isatty() or binary is None:
            text = b"".join(pieces).decode("utf-8")
            self.stdout.write(clean(text) if isatty and isatty() else text)
            return
        self.stdout.flush()
        for piece in pieces:
            binary.write(piece)
        binary.flush()

    @_writes_stdout
    def line(self, text: str = "") -> None:
        """One line whatever the text holds, so that user text in it can never start a line of its
        own (a forged history entry): each newline, with the white space around it, and each tab
        made one space; the spacing the caller laid out is kept."""
        self.stdout.write(_LINE_BREAK.sub(" ", clean(text)) + "\n")

    @_writes_stdout
    def table(self, columns: list[Column], rows, title: str | None = None) -> int:
        """`rows` (an iterable of dicts by column key) as a table: on a terminal, fitted to its
        width; else one line a row, columns aligned. The columns are laid out by the first
        LAID_OUT_BY rows (all of a shorter table), and the rest written as they come, a later cell
        too long for its column pushing the rest of its line; how many rows were written."""
        rows = iter(rows)
        first = list(itertools.islice(rows, LAID_OUT_BY))
        if self.mode == "rich":
            from mieux_cli.cli.layout import fit

            def cells_of(block):
                return [{c.key: one_line(row.get(c.key, "")) for c in columns} for row in block]

            cells = cells_of(first)
            shown = fit(columns, cells, self.columns, gap=len(TABLE_GAP))
            width = sum(w for _, w in shown) + len(TABLE_GAP) * (len(shown) - 1)
            self._draw_lines(head_lines(shown, width, title), row_lines(shown, cells))
            written = len(first)
            for block in blocks(rows, ROWS_AT_ONCE):
                self._draw_lines([], row_lines(shown, cells_of(block)))
                written += len(block)
            return written

        def cells_of(block):
            return [[one_line(row.get(c.key, "")).strip() for c in columns] for row in block]

        cells = [[c.header.upper() for c in columns], *cells_of(first)]
        if title:
            self.line(title)
        widths = [max((len(r[i]) for r in cells), default=0) for i in range(len(columns))]
        written = len(first)
        self.stdout.write(plain_lines(columns, widths, cells))
        for block in blocks(rows, ROWS_AT_ONCE):
            self.stdout.write(plain_lines(columns, widths, cells_of(block)))
            written += len(block)
        return written

    def _draw_lines(self, head: list[str], rows) -> None:
        """A table drawn by mieux itself (importing rich's console and table was a fifth of `mieux
        list` on a terminal), written ROWS_AT_ONCE rows at a time, so the first screen reaches
        the terminal (or the pager) without waiting for the rest."""
        lines = list(head)
        for number, drawn in enumerate(rows, 1):
            lines += drawn
            if number % ROWS_AT_ONCE == 0:
                self.stdout.write("".join(f"{line}\n" for line in lines))
                lines = []
        self.stdout.write("".join(f"{line}\n" for line in lines))

    def _draw(self, shown: list[tuple[Column, int]], cells: list[dict]) -> None:
        """A rich grid (no header, no rule) with the columns and widths layout chose."""
        from rich.table import Table
        from rich.text import Text

        from mieux_cli.cli.layout import wrap

        grid = Table.grid(padding=(0, 1))
        for column, width in shown:
            grid.add_column(width=width, no_wrap=True, justify=column.justify, style=column.style)
        for row in cells:
            grid.add_row(*(Text("\n".join(wrap(row[c.key], width))) for c, width in shown))
        self.console.print(grid)

    @_writes_stdout
    def fields(self, heading: str, pairs: list[tuple[str, list[str]]]) -> None:
        """A record, readable: a heading, then each label with its value lines."""
        if self.mode == "rich":
            from rich.table import Table
            from rich.text import Text

            self.console.print(Text(one_line(heading), style="bold"))
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for label, lines in pairs:
                grid.add_row(Text(label), Text("\n".join(one_line(line) for line in lines)))
            self.console.print(grid)
            return
        self.line(heading)
        width = max((len(label) for label, _ in pairs), default=0) + 2
        for label, lines in pairs:
            first, *rest = lines or [""]
            self.stdout.write(f"{label + ':':<{width}}{one_line(first)}\n")
            for line in rest:
                self.stdout.write(" " * width + one_line(line) + "\n")

    @_writes_stdout
    def hits(self, hits: list[tuple[str, str, str, list[tuple[str, bool]]]]) -> None:
        """Search results: (id, kind, title, snippet segments), best first."""
        if self.mode == "rich":
            from rich.text import Text

            for record_id, kind, title, segments in hits:
                line = Text()
                line.append(one_line(record_id), style="cyan")
                line.append(f"  {kind}  ", style="dim")
                line.append(one_line(title), style="bold")
                snippet = Text()
                for text, is_match in segments:
                    snippet.append(one_line(text), style="bold yellow" if is_match else None)
                self._indented(line, first=0)
                self._indented(snippet, first=HIT_INDENT)
            return
        for record_id, kind, title, segments in hits:
            self.stdout.write(f"{one_line(record_id)}  {kind}  {one_line(title)}\n")
            snippet = "".join(f"*{t}*" if is_match else t for t, is_match in segments)
            self.stdout.write("    " + one_line(snippet).strip() + "\n")

    def _indented(self, text, first: int) -> None:
        """`text` wrapped to the terminal, its first line `first` columns in and the rest
        HIT_INDENT columns in: no line it wraps onto begins with text a user typed."""
        from rich.text import Text

        width = max(self.columns - HIT_INDENT, 10)
        for n, line in enumerate(text.wrap(self.console, width)):
            self.console.print(Text(" " * (first if n == 0 else HIT_INDENT)) + line, soft_wrap=True)

    @_writes_stdout
    def bars(self, rows: list[tuple[str, str, int]], total_label: str, total: int, scale: int | None = None) -> None:
        """One bar per (value, label, count), scaled to `scale` (by default the longest count; a
        count past it fills the width and ends in "+", so it does not read as the longest); the
        label is left out where it only repeats the value."""
        rows = [(value, "" if label == value else label, count) for value, label, count in rows]
        longest = scale or max((count for _, _, count in rows), default=0) or 1
        label_width = max((len(label) for _, label, _ in rows), default=0)
        value_width = max((len(str(value)) for value, _, _ in rows), default=0)
        if self.mode == "rich":
            from rich.text import Text

            from mieux_cli.cli.layout import fit

            columns = [Column("", "value", style="cyan")]
            if label_width:
                columns.append(Column("", "label", wrap=True, main=True, min_width=12))
            columns += [Column("", "count", justify="right"),
                        Column("", "bar", wrap=True, min_width=10, drop=1, style="green")]
            cells = [{"value": one_line(value), "label": one_line(label), "count": str(count), "bar": "█" * BAR_MAX}
                     for value, label, count in rows]
            shown = fit(columns, cells, self.columns, gap=1)
            bar_width = next((width for column, width in shown if column.key == "bar"), 0)
            for row, (_, _, count) in zip(cells, rows):
                row["bar"] = _bar("█", count, longest, bar_width)
            self._draw(shown, cells)
            self._indented(Text(f"{total_label}: {total}", style="dim"), first=0)
            return
        count_width = max((len(str(count)) for _, _, count in rows), default=1)
        for value, label, count in rows:
            bar = _bar("#", count, longest, 30)
            label_cell = f"{one_line(label):<{label_width}}  " if label_width else ""
            self.stdout.write(f"{one_line(value):<{value_width}}  {label_cell}{count:>{count_width}}  {bar}\n")
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
