"""A table as lines of text: plain (one line a row, columns aligned) or drawn for a terminal
(a bold header and a rule, cells wrapped to the widths layout.fit chose, columns TABLE_GAP
apart, styled with terminal codes). cli/output.py writes them."""

import itertools

from mieux_cli.text import one_line

TABLE_GAP = "   "  # between two columns of a table on a terminal
# The styles columns use, as terminal codes (SGR).
_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36"}


def _styled(text: str, style: str | None) -> str:
    return f"\x1b[{';'.join(_SGR[word] for word in style.split())}m{text}\x1b[0m" if style and text else text


def _justified(text: str, width: int, justify: str) -> str:
    from rich.cells import cell_len

    room = " " * (width - cell_len(text))
    return room + text if justify == "right" else text + room


def plain_lines(columns: list, widths: list[int], cells: list[list[str]]) -> str:
    """Rows of cells as plain lines, each column padded to its width (a longer cell pushes the
    rest of its line), two spaces apart."""
    lines = []
    for r in cells:
        parts = [cell.rjust(widths[i]) if columns[i].justify == "right" else cell.ljust(widths[i]) for i, cell in enumerate(r)]
        lines.append("  ".join(parts).rstrip() + "\n")
    return "".join(lines)


def head_lines(shown: list[tuple], width: int, title: str | None) -> list[str]:
    """The title and the header in bold, then a rule (`shown`: (column, width) from layout.fit)."""
    from mieux_cli.cli.layout import wrap

    lines = [_styled(line, "bold") for line in wrap(one_line(title), width)] if title else []
    lines.append(TABLE_GAP.join(_styled(_justified(c.header, w, c.justify), "bold") for c, w in shown))
    lines.append("─" * width)
    return lines


def row_lines(shown: list[tuple], cells: list[dict]):
    """Each row's lines, its cells wrapped to their columns, TABLE_GAP apart."""
    from mieux_cli.cli.layout import wrap

    for row in cells:
        wrapped = [wrap(row[c.key], w) for c, w in shown]
        yield [TABLE_GAP.join(_styled(_justified(parts[i] if i < len(parts) else "", w, c.justify), c.style)
                              for (c, w), parts in zip(shown, wrapped))
               for i in range(max(1, *map(len, wrapped)))]


def blocks(items, size: int):
    """Lists of `size` items (the last one shorter) from an iterator."""
    while block := list(itertools.islice(items, size)):
        yield block
