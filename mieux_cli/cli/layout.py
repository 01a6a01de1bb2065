"""How a table fits a terminal: which columns it shows, how wide each one is, and each cell
wrapped into lines. Only the rich output uses it (plain output is one line a row, for pipes).

The rules, in order:
1. If every column fits at its natural width (its longest cell), that is the table.
2. Otherwise the main column (a title) is given half the room, or its natural width if less;
   the other wrapping columns (IDs, countries) give way first: they narrow, in proportion to
   what they can spare, down to their `min_width`.
   A wrapping column's floor also covers its longest unbreakable piece (a word, or the part of
   one between hyphens), up to WORD_MAX cells, so that words are not cut while a column could be
   dropped instead.
3. If they cannot give way enough, the optional column that goes first (highest `drop`) is
   dropped and the table tried again. Columns with `drop` 0 (an ID, a count, a backup's number)
   are never dropped.
4. With nothing left to drop, the main column narrows down to its own `min_width`, then every
   column narrows as far as it must: the table never gets wider than the terminal.

Cells wrap at spaces; a word longer than its column breaks after its hyphens (IDs), and only a
piece still too long is cut anywhere. Widths are in terminal cells (a CJK character takes two).
"""

import re

from rich.cells import cell_len, chop_cells

_HYPHEN_PIECE = re.compile(r"[^-]*-+|[^-]+")  # "prc-mx-regional" -> "prc-", "mx-", "regional"
WORD_MAX = 30  # a piece of a word up to this wide is kept whole where the terminal allows


def _pieces(text: str) -> list[str]:
    """What a cell cannot be broken within: its words, and the parts of a word between hyphens."""
    return [p for word in text.split(" ") for p in _HYPHEN_PIECE.findall(word)]


def fit(columns: list, rows: list[dict[str, str]], width: int, gap: int) -> list[tuple]:
    """(column, width) for the columns shown, in order. `rows` hold one-line cell texts by column
    key; `gap` is the space the table puts between two columns."""
    natural = {c.key: max([cell_len(c.header)] + [cell_len(r.get(c.key, "")) for r in rows]) for c in columns}
    piece = {c.key: min(WORD_MAX, max([0] + [cell_len(p) for r in rows for p in _pieces(r.get(c.key, ""))]))
             for c in columns if c.wrap}

    def floor(column) -> int:
        if not column.wrap:
            return natural[column.key]
        return min(natural[column.key], max(column.min_width, cell_len(column.header), piece[column.key], 1))

    shown = list(columns)
    while True:
        room = width - gap * (len(shown) - 1)
        widths = _comfortable(shown, natural, floor, room)
        if widths is not None:
            return [(c, widths[c.key]) for c in shown]
        optional = [c for c in shown if c.drop]
        if not optional:
            widths = _squeezed(shown, natural, floor, room)
            return [(c, widths[c.key]) for c in shown]
        shown.remove(max(optional, key=lambda c: c.drop))


def _comfortable(shown: list, natural: dict, floor, room: int) -> dict | None:
    """Rules 1 and 2: the widths, or None when the other columns cannot give way enough."""
    widths = {c.key: natural[c.key] for c in shown}
    if sum(widths.values()) <= room:
        return widths
    main = next((c for c in shown if c.main), None)
    others = [c for c in shown if c.wrap and c is not main]
    fixed = sum(natural[c.key] for c in shown if not c.wrap)
    main_width = min(natural[main.key], max(floor(main), room // 2)) if main else 0
    space = room - fixed - main_width
    if space < sum(floor(c) for c in others):
        return None
    _narrow(others, widths, floor, space)
    if main:
        widths[main.key] = min(natural[main.key], room - fixed - sum(widths[c.key] for c in others))
    return widths


def _squeezed(shown: list, natural: dict, floor, room: int) -> dict:
    """Rule 4: the other wrapping columns to their floor, the main one to its floor, then every
    column as far as it must (at least one cell)."""
    widths = {c.key: natural[c.key] for c in shown}
    main = [c for c in shown if c.main]
    others = [c for c in shown if c.wrap and not c.main]
    for columns, lowest in ((others, floor), (main, floor), (others + main, lambda c: 1), (shown, lambda c: 1)):
        excess = sum(widths.values()) - room
        if excess <= 0:
            break
        spare = sum(widths[c.key] - lowest(c) for c in columns)
        _narrow(columns, widths, lowest, sum(widths[c.key] for c in columns) - min(excess, spare))
    return widths


def _narrow(columns: list, widths: dict, lowest, total: int) -> None:
    """Narrow `columns` (in `widths`) to `total` cells between them, each in proportion to what it
    can spare above lowest(column)."""
    excess = sum(widths[c.key] for c in columns) - total
    if excess <= 0:
        return
    spare = {c.key: widths[c.key] - lowest(c) for c in columns}
    all_spare = sum(spare.values())
    cuts = {key: excess * s // all_spare for key, s in spare.items()}
    left = excess - sum(cuts.values())
    for key in sorted(spare, key=lambda k: spare[k] - cuts[k], reverse=True)[:left]:  # the rounding
        cuts[key] += 1
    for key, cut in cuts.items():
        widths[key] -= cut


def wrap(text: str, width: int) -> list[str]:
    """`text` (one line) in lines of at most `width` cells."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if not word:
            continue
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        line = ""
        if cell_len(word) <= width:
            line = word
            continue
        for piece in _HYPHEN_PIECE.findall(word):  # a word longer than a line
            if cell_len(line + piece) <= width:
                line += piece
                continue
            if line:
                lines.append(line)
            *full, line = chop_cells(piece, width)
            lines += full
    if line:
        lines.append(line)
    return lines or [""]
