"""Shell completion, as the shell asks for it: one whole process per TAB press."""

import os
import subprocess
import sys

import pexpect
from conftest import add_records, at_question, interrupt


def complete(db, *words: str) -> list[str]:
    """What mieux answers bash when TAB is pressed after `words` (the last one being typed), as
    bash's completion script asks: the words as typed, quotes included, joined by newlines."""
    env = {**os.environ, "_MIEUX_COMPLETE": "complete_bash", "COMP_WORDS": "\n".join(words),
           "COMP_CWORD": str(len(words) - 1), "MIEUX_DB": str(db)}
    result = subprocess.run([sys.executable, "-m", "mieux_cli"], env=env, capture_output=True, text=True,
                            cwd=db.parent, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_record_ids_complete(db):
    assert complete(db, "mieux", "show", "act-c") == ["act-cr-integration-plans"]
    assert complete(db, "mieux", "edit", "prc-cr-i") == ["prc-cr-integration-shared-responsibility",
                                                         "prc-cr-inter-institutional-working-groups"]


def test_vocabulary_values_complete(db):
    assert complete(db, "mieux", "list", "--theme", "I") == ["IMT", "IP"]
    assert complete(db, "mieux", "list", "--area", "T") == ["THB", "TRN"]
    assert complete(db, "mieux", "li") == ["list"]


def test_countries_complete_quoted_in_any_case_and_accent_and_from_their_codes(db):
    assert complete(db, "mieux", "list", "--country", "Cos") == ["Costa\\ Rica"]  # bash reads it as one word
    assert complete(db, "mieux", "list", "--country", "cos") == ["Costa\\ Rica"]
    assert complete(db, "mieux", "list", "--country", "cote") == ["Côte\\ d\\'Ivoire"]
    assert complete(db, "mieux", "list", "--country", "CR") == ["Costa\\ Rica"]  # a code: the country it stands for
    assert complete(db, "mieux", "list", "--country", "CRI") == ["Costa\\ Rica"]
    assert complete(db, "mieux", "list", "--country", '"costa r') == ["Costa Rica"]  # the quote is bash's to close
    assert complete(db, "mieux", "list", "--country", "'cote") == ["Côte d'\\''Ivoire"]
    # Several that differ in case or accents within what was typed continue it, never shorten it.
    assert complete(db, "mieux", "list", "--country", "co")[:3] == ["cocos\\ \\(Keeling\\)\\ Islands", "colombia",
                                                                  "comoros"]


def test_every_vocabulary_option_completes_in_any_case(db):
    assert complete(db, "mieux", "list", "--theme", "imt") == ["IMT"]
    assert complete(db, "mieux", "summary", "--area", "traff") == ["THB"]  # by its name too
    assert complete(db, "mieux", "list", "--region", "lac") == ["LAC"]
    assert complete(db, "mieux", "list", "--status", "ONG") == ["ongoing"]
    assert complete(db, "mieux", "list", "Act") == ["actions"]
    assert complete(db, "mieux", "search", "x", "--kind", "pr") == ["practices"]
    assert complete(db, "mieux", "list", "--kind", "ev") == ["events"]


def test_powershell_gets_names_with_spaces_quoted(db):
    assert complete_in(db, "powershell", "mieux list --country cos") == "'Costa Rica':::CR\n"
    assert complete_in(db, "powershell", "mieux list --country cote") == "'Côte d''Ivoire':::CI\n"


def test_a_country_completed_in_a_real_bash_runs(db):
    """The issue: `mieux list --country Cos<TAB>` inserted Costa Rica unquoted, and the command
    then failed with "Unknown record kind 'Rica'"."""
    script = subprocess.run([sys.executable, "-m", "mieux_cli"], env={**os.environ, "_MIEUX_COMPLETE": "source_bash"},
                            capture_output=True, text=True, check=True).stdout
    (db.parent / "completion.sh").write_text(script)
    env = {**os.environ, "MIEUX_DB": str(db), "TERM": "dumb", "PS1": "$ ", "NO_COLOR": "1",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=env, encoding="utf-8", timeout=20,
                          cwd=str(db.parent), dimensions=(50, 200))
    child.expect_exact("$ ")
    child.sendline("source completion.sh")
    child.expect_exact("$ ")
    for typed in ("mieux list practices --country cos", 'mieux list practices --country "cos'):
        child.send(typed + "\t")
        child.expect("Rica")
        child.sendline("; echo exit=$?")
        child.expect(r"exit=(\d+)")
        assert child.match.group(1) == "0", child.before
        assert "prc-cr-inter-institutional-working-groups" in child.before
        child.expect_exact("$ ")
    child.sendline("exit")
    child.expect(pexpect.EOF)


HOSTILE_TITLE = ("[bold]Loud[/bold] :smile: \x1b[31mred\x07 \u202eflipped " + "a long title that goes on " * 8
                 + "\nand a second line")
DESCRIPTION = "[bold]Loud[/bold] :smile: [31mred flipped a long title that…"  # 60 characters


def complete_in(db, shell: str, line: str) -> str:
    """What mieux answers `shell` when TAB is pressed at the end of `line`."""
    env = {**os.environ, "_MIEUX_COMPLETE": f"complete_{shell}", "MIEUX_DB": str(db), "COLUMNS": "40"}
    if shell == "bash":
        env.update(COMP_WORDS=line, COMP_CWORD=str(len(line.split()) - 1))
    else:
        env.update(_TYPER_COMPLETE_ARGS=line, _TYPER_COMPLETE_FISH_ACTION="get-args",
                   _TYPER_COMPLETE_WORD_TO_COMPLETE=line.split()[-1])
    result = subprocess.run([sys.executable, "-m", "mieux_cli"], env=env, capture_output=True, text=True,
                            cwd=db.parent, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_completion_descriptions_are_one_plain_short_line_in_every_shell(db):
    add_records(db, {"id": "fct-hostile", "kind": "fact", "title": HOSTILE_TITLE, "text": "T"},
                {"id": "fct-hostile-two", "kind": "fact", "title": "Plain", "text": "T"})
    assert complete_in(db, "bash", "mieux show fct-host").split() == ["fct-hostile", "fct-hostile-two"]
    assert complete_in(db, "fish", "mieux show fct-host") == f"fct-hostile\t{DESCRIPTION}\nfct-hostile-two\tPlain\n"
    assert complete_in(db, "powershell", "mieux show fct-host") == \
        f"fct-hostile:::{DESCRIPTION}\nfct-hostile-two:::Plain\n"
    zsh = complete_in(db, "zsh", "mieux show fct-host")
    assert zsh.splitlines() == [
        "_arguments '*: :((\"fct-hostile\":\"[bold]Loud[/bold] \\\\:smile\\\\: [31mred flipped a long title that…\"",
        "\"fct-hostile-two\":\"Plain\"))'",
    ]
    for shell in ("fish", "powershell", "zsh"):
        assert not {"\x1b", "\x07", "\u202e", "😄"} & set(complete_in(db, shell, "mieux show fct-host")), shell


# -- TAB in the questions of `mieux add` (readline) ------------------------------------------------

FACT_TO_COUNTRIES = ["My fact", "Some text.", "", "2018", ""]  # title, text, summary, start, end


def add_fact_at_countries(db):
    """`mieux add fact` in a real terminal, answered up to the countries question."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "dumb"
    child = pexpect.spawn(sys.executable, ["-m", "mieux_cli", "--db", str(db), "add", "fact"], cwd=str(db.parent),
                          env=env, encoding="utf-8", timeout=20, dimensions=(50, 120))
    for label, answer in zip(("Title", "Text", "Summary", "Start", "End"), FACT_TO_COUNTRIES):
        at_question(child, label)
        child.sendline(answer)
    at_question(child, "Countries")
    return child


def test_tab_completes_each_country_of_a_list_in_any_case_and_accent(db):
    child = add_fact_at_countries(db)
    child.send("Costa Rica, cote d\t")  # after ", " as the question's own example writes it; no accent
    child.expect("Côte d'Ivoire")
    child.sendline("")
    assert child.expect(["Took part: countries", "Unknown country"]) == 0
    child.expect_exact("Took part: ")
    interrupt(child, pexpect.EOF)


def test_a_second_tab_lists_the_choices_without_shortening_what_was_typed(db):
    child = add_fact_at_countries(db)
    child.send("co\t\t")  # Colombia, Comoros ... Côte d'Ivoire: they differ in case and accent after 'c'
    child.expect("Cook Islands")  # the list
    child.expect("Countries: co")  # the whole question again, under the list, with 'co' kept
    interrupt(child, pexpect.EOF)


def screen_line(output: str) -> str:
    """The last line as a terminal shows it after `output` (carriage returns, backspaces)."""
    line: list[str] = []
    column = 0
    for char in output.rsplit("\n", 1)[-1]:
        if char == "\r":
            column = 0
        elif char == "\b":
            column = max(0, column - 1)
        elif char.isprintable():
            line[column:column + 1] = [char]
            column += 1
    return "".join(line).rstrip()


def test_the_question_stays_on_the_line_after_ctrl_u(db):
    child = add_fact_at_countries(db)
    child.send("Atlantis")
    child.expect("Atlantis")
    child.send("\x15")  # Ctrl-U: erase what was typed
    child.send("MX")
    child.expect("MX")
    assert screen_line("Countries: Atlantis" + child.before + "MX") == "Countries: MX"
    interrupt(child, pexpect.EOF)
