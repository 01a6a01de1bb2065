"""What a person sees in a real terminal (a pseudo-terminal of a given width)."""

import fcntl
import io
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios

import pexpect
import pytest
from conftest import add_records
from rich.cells import cell_len
from test_layout import joined, table

from mieux_cli.storage.catalogue_file import Store

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = set("─│┌┐└┘├┤┬┴┼━┃╭╮╯╰")


def run_in_terminal(db, *args, columns=80, env=None, rows=50):
    """Run mieux with its output on a terminal `columns` wide; returns (exit code, screen text)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES", "TERM")}
    environment.update(TERM="xterm-256color", **(env or {}))
    # cwd: away from the source tree, so that `-m` runs the installed package
    process = subprocess.Popen([sys.executable, "-m", "mieux_cli", "--db", str(db), *args], cwd=db.parent,
                               stdin=follower, stdout=follower, stderr=follower, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(), b"".join(chunks).decode().replace("\r\n", "\n")


def test_tables_fit_80_columns_without_losing_the_id(db):
    code, screen = run_in_terminal(db, "list", columns=80)
    assert code == 0
    text = ANSI.sub("", screen)
    assert max(len(line) for line in text.splitlines()) <= 80
    _, rows = table(text.splitlines()[:-1], ["ID", "Kind", "Years", "Where", "Status", "Title"])
    ids = {joined(row["ID"]) for row in rows}  # a long ID breaks after a hyphen, whole
    assert {"act-cr-integration-plans", "prc-mx-regional-cooperation-unaccompanied-minors",
            "fct-mx-unaccompanied-children-increase"} <= ids and len(ids) == 24
    assert "24 records." in text
    assert "\x1b[" in screen  # a terminal gets colour ...
    assert BOX & set(text)  # ... and a ruled header


def test_wider_terminals_show_more_columns(db):
    _, narrow = run_in_terminal(db, "list", "actions", columns=60)
    _, wide = run_in_terminal(db, "list", "actions", columns=140)
    assert "Where" not in ANSI.sub("", narrow)
    header = next(line for line in ANSI.sub("", wide).splitlines() if "ID" in line)
    assert header.split() == ["ID", "Years", "Where", "Status", "Title"]


def standard_output_on_a_terminal(db, *args, columns):
    """Run mieux with its standard output on a terminal `columns` wide (standard error apart)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES", "TERM")}
    environment["TERM"] = "xterm-256color"
    process = subprocess.Popen([sys.executable, "-m", "mieux_cli", "--db", str(db), *args], cwd=db.parent,
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait() == 0 and "Traceback" not in stderr, stderr
    return ANSI.sub("", b"".join(chunks).decode().replace("\r\n", "\n")).splitlines()


@pytest.mark.parametrize("columns", [50, 60, 80, 100, 120, 140])
def test_real_terminals_get_tables_that_fit_with_every_needed_column(db, columns):
    subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(db), "backup"], capture_output=True, check=True)
    records = {r["id"]: r for r in Store(db).load().records}
    for args, headers, needed in (
        (("list",), ["ID", "Kind", "Years", "Where", "Status", "Title"], ["ID", "Title"]),
        (("backup", "--list"), ["#", "Backup", "Kind", "Size"], ["#", "Backup"]),
        (("vocab", "areas"), ["Code", "Name", "Theme"], ["Code", "Name", "Theme"]),
    ):
        lines = standard_output_on_a_terminal(db, *args, columns=columns)
        assert max(cell_len(line) for line in lines) <= columns, (columns, args)
        shown, rows = table(lines, headers)
        assert shown[:len(needed)] == needed or set(needed) <= set(shown), (columns, args, shown)
        if args == ("list",):
            assert {joined(row["ID"]) for row in rows} == set(records)
            assert all(" ".join(row["Title"]) == records[joined(row["ID"])]["title"] for row in rows), columns
    bars = standard_output_on_a_terminal(db, "summary", "--by", "theme", columns=columns)
    assert max(cell_len(line) for line in bars) <= columns
    assert [line.split()[0] for line in bars if line[:1] != " "][:-1] == ["HO", "IMT", "LM", "IP", "(none)"]
    assert [int(re.search(r" (\d+)(?: █+)? *$", line)[1]) for line in bars if line[:1] != " "][:-1] == [15, 8, 8, 2, 2]
    crosstab = standard_output_on_a_terminal(db, "summary", "--by", "region", "--by", "theme", columns=columns)
    assert max(cell_len(line) for line in crosstab) <= columns
    assert crosstab[1].split() == ["Region", "IMT", "LM", "IP", "HO", "(none)", "Total"]


def test_no_color_gives_plain_text_on_a_terminal(db):
    code, screen = run_in_terminal(db, "summary", "--by", "region", env={"NO_COLOR": "1"})
    assert code == 0
    assert "\x1b" not in screen and not BOX & set(screen)
    assert screen.splitlines()[0].startswith("LAC     Latin America and the Caribbean       21  ####")


def test_rich_output_shows_user_text_literally(db):
    add_records(db, {"id": "fct-hostile", "kind": "fact", "title": "[bold]Loud[/bold] :smile: \x1b]8;;http://x\x1b\\link",
                     "text": "[red]not red[/red] \x1b[5mblink"})
    for args in (("list", "facts"), ("show", "fct-hostile"), ("search", "loud")):
        code, screen = run_in_terminal(db, *args, columns=120)
        assert code == 0
        text = ANSI.sub("", screen)
        assert "[bold]Loud[/bold] :smile:" in text, args
        assert "\\x1b]8;;http://x" in text, args
        assert "\x1b]8" not in screen and "\x1b[5m" not in screen, args
    _, shown = run_in_terminal(db, "show", "fct-hostile", columns=120)
    assert "[red]not red[/red] \\x1b[5mblink" in ANSI.sub("", shown)


def test_a_terminal_gets_user_text_on_one_line_with_invisible_characters_escaped(db):
    invisible = "\u061c\u200b\u200d\u2060\ufeff\U000e0041\u2028\u2029"
    add_records(db, {"id": "fct-forged", "kind": "fact", "title": f"Real\n#99 forged {invisible} end", "text": "T \x9b\x7f\u202e"})
    for args in (("list", "facts"), ("show", "fct-forged"), ("search", "real")):
        code, screen = run_in_terminal(db, *args, columns=200)
        text = ANSI.sub("", screen)
        assert code == 0, args
        assert not any(line.strip().startswith("#99") for line in text.splitlines()), args
        assert "Real #99 forged \\u061c\\u200b\\u200d\\u2060\\ufeff\\U000e0041\\u2028\\u2029 end" in text, args
        assert not set(invisible) & set(screen), args
    code, screen = run_in_terminal(db, "list", "facts", "--json", columns=200)
    assert '"text": "T \\u009b\\u007f\\u202e"' in screen and not {"\x9b", "\x7f", "\u202e"} & set(screen)


def test_a_terminal_says_how_many_matches_there_are_in_all(db):
    _, screen = run_in_terminal(db, "search", "migration", columns=120)
    assert ANSI.sub("", screen).splitlines()[-1] == "20 of 21 matches. Show more with --limit."
    _, screen = run_in_terminal(db, "search", "integration", columns=120)
    assert ANSI.sub("", screen).splitlines()[-1] == "8 matches."
    _, screen = run_in_terminal(db, "list", "--limit", "3", columns=120)
    assert ANSI.sub("", screen).splitlines()[-1] == "3 of 24 records. Show more with --limit."


# -- the pager ---------------------------------------------------------------------------------------

def pager_that_keeps(path):
    """A pager command that keeps what it is given, and the LESS it saw, in `path`."""
    return f"{{ echo \"LESS=$LESS\"; cat; }} > {path}"


def test_output_longer_than_the_terminal_goes_through_the_pager(db, tmp_path):
    paged = tmp_path / "paged.txt"
    code, screen = run_in_terminal(db, "list", rows=10, columns=200, env={"MIEUX_PAGER": pager_that_keeps(paged)})
    assert code == 0
    kept = ANSI.sub("", paged.read_text())
    assert kept.startswith("LESS=FRX\n")  # as git sets it: quit if one screen, colours, no clearing
    assert "act-cr-integration-plans" in kept and "fct-mx-unaccompanied-children-increase" in kept
    assert "act-cr-integration-plans" not in screen  # the terminal got it through the pager only
    assert "24 records." in screen  # messages still go to the terminal, after the pager


def test_the_pager_is_used_only_when_needed_and_as_asked(db, tmp_path):
    paged = tmp_path / "paged.txt"

    def pager_ran(*args, rows=10, **env):
        paged.unlink(missing_ok=True)
        code, screen = run_in_terminal(db, *args, rows=rows, env={"MIEUX_PAGER": pager_that_keeps(paged), **env})
        assert code == 0, screen
        return paged.exists()

    assert not pager_ran("list", "actions", rows=50)  # it fits
    assert not pager_ran("list", "--json")  # never for JSON
    assert not pager_ran("--no-pager", "list")
    assert not pager_ran("list", "--no-pager")
    assert not pager_ran("list", MIEUX_PAGER="")  # set empty (or to cat): no pager
    assert pager_ran("search", "migration")
    assert pager_ran("show", "act-cr-integration-plans")
    assert pager_ran("list", LESS="R")
    assert paged.read_text().startswith("LESS=R\n")  # a LESS of your own is kept
    code, screen = run_in_terminal(db, "list", rows=10, env={"MIEUX_PAGER": "", "PAGER": pager_that_keeps(paged)})
    assert code == 0 and "act-cr-integration-plans" in screen  # MIEUX_PAGER comes before PAGER
    paged.unlink(missing_ok=True)
    assert subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(db), "list"], capture_output=True, check=False,
                          env={**os.environ, "MIEUX_PAGER": pager_that_keeps(paged)}).returncode == 0
    assert not paged.exists()  # piped: never


def test_a_pager_quit_early_is_started_once_and_mieux_ends_quietly(db, tmp_path):
    add_records(db, *({"id": f"fct-many-{i}", "kind": "fact", "title": f"Many {i}", "text": "T"} for i in range(1000)))
    started = tmp_path / "started"
    code, screen = run_in_terminal(db, "list", rows=10, env={"MIEUX_PAGER": f"echo started >> {started}"})
    assert code == 0 and "Traceback" not in screen
    assert started.read_text() == "started\n"  # the pager read nothing and left: the rest is not wanted


def test_a_pager_that_cannot_be_found_prints_instead(db):
    code, screen = run_in_terminal(db, "list", rows=10, env={"MIEUX_PAGER": "no-such-pager -x"})
    assert code == 0
    assert "The pager 'no-such-pager' (MIEUX_PAGER) was not found: printing instead." in screen
    assert "act-cr-integration-plans" in screen


def test_search_results_that_wrap_on_a_terminal_never_start_a_line_with_a_record_s_text(db):
    """A title or snippet wider than the terminal went on at column 0, so that a line of output
    could begin with text a user typed ("ERROR: ...")."""
    from conftest import add_records

    add_records(db, {"id": "fct-forged", "kind": "fact", "title": "Protocol " + "padding words " * 6 + "ERROR: forged line",
                     "text": "protocol " + "more padding words " * 8 + "WARNING: forged too"})
    code, screen = run_in_terminal(db, "search", "protocol", columns=60, env={"NO_COLOR": ""})
    assert code == 0
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in screen.splitlines()]
    hits = [line for line in lines if line and not line.startswith("    ")]
    assert hits and all(re.match(r"(act|prc|evt|fct)-[a-z0-9-]+  [a-z]+  ", line) for line in hits if "matches" not in line), hits
    assert any(line.startswith("    ") and "ERROR: forged line" in line for line in lines)
    assert all(len(line) <= 60 for line in lines)


@pytest.mark.parametrize("pager", ["false", "sh -c 'exit 3'", "no-such-pager-here; exit 127"])
def test_a_pager_that_fails_prints_instead_and_loses_nothing(db, pager):
    """A pager that starts, then fails at once (a bad option, a command the shell cannot find),
    swallowed the whole output, and mieux exited 0 as if it had been read."""
    code, screen = run_in_terminal(db, "list", rows=10, columns=200, env={"MIEUX_PAGER": pager})
    assert code == 0
    program = pager.split()[0]
    assert f"The pager '{program}' (MIEUX_PAGER) failed (exit code " in screen
    assert "): printing instead." in screen
    for record_id in ("act-cr-integration-plans", "fct-mx-unaccompanied-children-increase"):  # the first and the last
        assert record_id in screen


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
def test_less_by_default_and_ctrl_c_in_it_does_not_stop_mieux(db):
    env = {k: v for k, v in os.environ.items() if k not in ("MIEUX_PAGER", "PAGER", "NO_COLOR")}
    child = pexpect.spawn(sys.executable, ["-m", "mieux_cli", "--db", str(db), "list"], cwd=str(db.parent),
                          env={**env, "TERM": "xterm-256color"}, encoding="utf-8", timeout=20, dimensions=(10, 200))
    child.expect("act-cr-integration-plans")
    child.sendintr()  # for less (it stops a search); mieux waits for it
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "24 records." in child.before


def test_a_long_table_drawn_in_pieces_is_one_table(monkeypatch):
    from mieux_cli.cli import output
    from mieux_cli.cli.output import Column, Output

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    columns = [Column("ID", "id", style="cyan"), Column("Title", "title", wrap=True, main=True)]
    rows = [{"id": f"fct-{i}", "title": f"Title {i} " * (i % 7)} for i in range(450)]
    drawn = []
    for at_once in (output.ROWS_AT_ONCE, 10**6):
        monkeypatch.setattr(output, "ROWS_AT_ONCE", at_once)
        out = Output(stdout=Terminal(), width=60)
        out.table(columns, rows, title="Pieces")
        drawn.append(out.stdout.getvalue())
    assert drawn[0] == drawn[1]
