"""Tables that fit: at every terminal width from 50 to 200 columns, `list`, `summary`, a crosstab,
`backup --list` and `vocab areas` draw no line wider than the terminal, keep every column a user
needs (the ID, the count, the backup's number), and break titles only between words.

The commands run whole, through Output in rich mode with a Console of the given width (rich
reads COLUMNS); tests/test_terminal.py checks a few widths in a real pseudo-terminal."""

import json
import re

import pytest
from rich.cells import cell_len

from mieux_cli.cli import output
from mieux_cli.cli.layout import wrap
from mieux_cli.model.facets import status_label
from mieux_cli.queries.summary import label
from mieux_cli.storage.catalogue_file import Store

WIDTHS = (50, 60, 80, 100, 120, 140, 200)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def screen(cli, monkeypatch):
    """screen(width, *args): what mieux draws on a terminal `width` columns wide (standard output)."""
    monkeypatch.setattr(output, "choose_mode", lambda json_requested, stream=None: "json" if json_requested else "rich")

    def draw(width, *args):
        result = cli(*args, env={"COLUMNS": str(width), "TERM": "xterm-256color"})
        assert result.exit_code == 0, result.output
        lines = ANSI.sub("", result.stdout).splitlines()
        too_wide = [line for line in lines if cell_len(line) > width]
        assert not too_wide, (width, args, too_wide)
        return lines

    draw.cli = cli
    return draw


def table(lines: list[str], headers: list[str]) -> tuple[list[str], list[dict[str, list[str]]]]:
    """The columns shown and, for each row, each column's lines; a rich table without edges: a
    header line, a rule, then rows. Columns are where text is: they are apart by at least three
    spaces on every line. A row starts where the first column has text that does not continue a
    hyphenated word of the line before."""
    header, rule, body = lines[0], lines[1], lines[2:]
    assert set(rule) == {"─"}
    width = max(len(line) for line in lines)
    blank = [all(i >= len(line) or line[i] == " " for line in [header, *body]) for i in range(width)]
    regions, start = [], None
    for i in range(width + 3):
        if i < width and not blank[i]:
            if start is None:
                start = i
        elif start is not None and all(i + k >= width or blank[i + k] for k in range(3)):
            regions.append((start, i))
            start = None
    shown = [header[a:b].strip() for a, b in regions]
    assert all(h in headers for h in shown), (shown, header)
    rows: list[dict[str, list[str]]] = []
    for line in body:
        cells = {h: line[a:b].strip() for h, (a, b) in zip(shown, regions)}
        first = cells[shown[0]]
        if first and not (rows and rows[-1][shown[0]][-1].endswith("-")):
            rows.append({h: [] for h in shown})
        for h in shown:
            if cells[h]:
                rows[-1][h].append(cells[h])
    return shown, rows


def joined(parts: list[str]) -> str:
    """A cell's lines as one text: lines after a hyphen join without a space (IDs, file names)."""
    text = ""
    for part in parts:
        text += part if not text or text.endswith("-") else " " + part
    return text


def check_list(screen, width):
    records = {r["id"]: r for r in json.loads(screen.cli("list", "--json").stdout)}
    lines = screen(width, "list")
    shown, rows = table(lines, ["ID", "Kind", "Years", "Where", "Status", "Title"])
    assert shown[0] == "ID" and shown[-1] == "Title", (width, shown)
    assert {joined(row["ID"]) for row in rows} == set(records), width  # every ID, whole
    for row in rows:
        record = records[joined(row["ID"])]
        assert " ".join(row["Title"]) == " ".join(record["title"].split()), (width, row["Title"])  # broken between words only
        if "Where" in shown:
            assert " ".join(row["Where"]) == (", ".join(record["countries"]) or record["region"] or ""), width
        if "Status" in shown:
            assert " ".join(row["Status"]) == status_label(record), width
    return shown


def test_list_fits_every_width_without_losing_ids_or_splitting_words(screen):
    seen = {width: check_list(screen, width) for width in WIDTHS}
    assert seen[50] == seen[60] == ["ID", "Title"]
    assert seen[140] == seen[200] == ["ID", "Kind", "Years", "Where", "Status", "Title"]


def test_wide_columns_give_way_before_the_title(screen):
    """At 140 columns the 48-character ID and the country lists used to keep their full width and
    the titles wrapped over 3-4 lines; at 60, titles got 7 characters."""
    for width, widest_title in ((60, 25), (100, 40), (140, 60)):
        _, rows = table(screen(width, "list"), ["ID", "Kind", "Years", "Where", "Status", "Title"])
        title_width = max(len(line) for row in rows for line in row["Title"])
        assert title_width >= widest_title, (width, title_width)
        # the longest title (117 characters, the prosecutors' network) takes the most lines
        assert max(len(row["Title"]) for row in rows) <= {60: 6, 100: 4, 140: 3}[width], width


def check_bars(screen, width, field):
    counts = json.loads(screen.cli("summary", "--by", field, "--json").stdout)["counts"]
    expected = [(str(c[field] if c[field] is not None else "(none)"), c["count"]) for c in counts]
    lines = screen(width, "summary", "--by", field)
    total_at = max(i for i, line in enumerate(lines) if line.startswith("Records in scope"))
    assert all(line.startswith("    ") for line in lines[total_at + 1:])  # the total, wrapped under itself
    value_width = max(len(value) for value, _ in expected)
    rows = []
    for line in lines[:total_at]:
        if line[:value_width].strip():
            match = re.fullmatch(r"(\S+) +(.*?) +(\d+)(?: █+\+?)? *", line)
            assert match, (width, line)
            rows.append([match[1], [match[2]], int(match[3])])
        else:
            rows[-1][1].append(line.strip())
    assert [(value, count) for value, _, count in rows] == expected, width  # every value and every count
    for value, label_lines, _ in rows:
        wanted = label(field, None if value == "(none)" else value if field != "gcm" else int(value))
        wanted = "not set" if value == "(none)" else wanted
        if wanted != value:
            assert " ".join(label_lines) == wanted, (width, label_lines)  # whole, broken between words


def test_summary_fits_every_width_with_every_count_and_whole_names(screen):
    for width in WIDTHS:
        for field in ("kind", "theme", "country", "area"):
            check_bars(screen, width, field)
    wide = screen(140, "summary", "--by", "theme")
    assert "IMT    Irregular Migration / Trafficking in Human Beings " in wide[1]  # not cut at 40 characters


def test_a_crosstab_fits_every_width_with_every_column(screen):
    for width in WIDTHS:
        lines = screen(width, "summary", "--by", "region", "--by", "theme")
        assert lines[0].rstrip() == "Records by region and theme"
        assert lines[1].split() == ["Region", "IMT", "LM", "IP", "HO", "(none)", "Total"], width
        assert lines[-1].split() == ["Total", "8", "8", "2", "15", "2", "35"], width


def check_backups(screen, width):
    backups = json.loads(screen.cli("backup", "--list", "--json").stdout)
    lines = screen(width, "backup", "--list")
    shown, rows = table(lines, ["#", "Backup", "Kind", "Size"])
    assert shown[:2] == ["#", "Backup"], width
    assert [(joined(row["#"]), joined(row["Backup"])) for row in rows] == \
        [(str(b["n"]), b["file"].rsplit("/", 1)[-1]) for b in backups], width  # every number, every name whole
    if "Kind" in shown:
        assert [row["Kind"] for row in rows] == [[b["kind"]] for b in backups], width
    if "Size" in shown:
        assert all(row["Size"] and row["Size"][0].endswith(" KB") for row in rows), width
    return shown


def test_backup_list_fits_every_width_and_keeps_the_number(screen):
    screen.cli("backup")
    for title in ("One", "Two"):
        screen.cli("edit", "fct-lac-regional-integration", "--set", f"title={title}")
    seen = {width: check_backups(screen, width) for width in WIDTHS}
    assert seen[80] == ["#", "Backup", "Kind", "Size"]


def check_vocab(screen, width):
    areas = json.loads(screen.cli("vocab", "areas", "--json").stdout)
    shown, rows = table(screen(width, "vocab", "areas"), ["Code", "Name", "Theme"])
    assert shown == ["Code", "Name", "Theme"], width
    assert [(joined(r["Code"]), " ".join(r["Name"]), joined(r["Theme"])) for r in rows] == \
        [(a["code"], a["label"], a["theme"]) for a in areas], width


def test_vocab_areas_fits_every_width(screen):
    for width in WIDTHS:
        check_vocab(screen, width)


@pytest.mark.slow
def test_every_width_from_50_to_200(screen):
    screen.cli("backup")
    screen.cli("edit", "fct-lac-regional-integration", "--set", "title=Changed")
    for width in range(50, 201):
        check_list(screen, width)
        for field in ("theme", "country"):
            check_bars(screen, width, field)
        crosstab = screen(width, "summary", "--by", "region", "--by", "theme")
        assert crosstab[1].split() == ["Region", "IMT", "LM", "IP", "HO", "(none)", "Total"], width
        check_backups(screen, width)
        check_vocab(screen, width)


# -- wrapping ---------------------------------------------------------------------------------------


def test_cells_wrap_between_words_and_long_words_after_hyphens():
    assert wrap("Costa Rica: first and second National Integration Plans", 20) == \
        ["Costa Rica: first", "and second National", "Integration Plans"]
    assert wrap("prc-mx-regional-cooperation-unaccompanied-minors", 24) == \
        ["prc-mx-regional-", "cooperation-", "unaccompanied-minors"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]  # no hyphen, no space: cut, as a last resort
    assert wrap("東京都の移民政策", 6) == ["東京都", "の移民", "政策"]  # two cells a character
    assert wrap("", 5) == [""]


def test_the_shipped_catalogue_is_what_the_width_tests_see(db):
    assert len(Store(db).load().records) == 24
