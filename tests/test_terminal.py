"""What a person sees in a real terminal (a pseudo-terminal of a given width)."""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios

from conftest import add_records

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = set("─│┌┐└┘├┤┬┴┼━┃╭╮╯╰")


def run_in_terminal(db, *args, columns=80, env=None):
    """Run mieux with its output on a terminal `columns` wide; returns (exit code, screen text)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
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
    lines = [line.strip() for line in text.splitlines()]
    for record_id in ("act-cr-integration-plans", "prc-mx-regional-cooperation-unaccompanied-minors",
                      "fct-mx-unaccompanied-children-increase"):
        assert any(line.startswith(record_id + " ") for line in lines), record_id
    assert "24 records." in text
    assert "\x1b[" in screen  # a terminal gets colour ...
    assert BOX & set(text)  # ... and a ruled header


def test_wider_terminals_show_more_columns(db):
    _, narrow = run_in_terminal(db, "list", "actions", columns=80)
    _, wide = run_in_terminal(db, "list", "actions", columns=140)
    assert "Where" not in ANSI.sub("", narrow)
    header = next(line for line in ANSI.sub("", wide).splitlines() if "ID" in line)
    assert header.split() == ["ID", "Years", "Where", "Status", "Title"]


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
