"""Shell completion, as the shell asks for it: one whole process per TAB press."""

import os
import subprocess
import sys

from conftest import add_records


def complete(db, words: str) -> list[str]:
    env = {**os.environ, "_MIEUX_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)), "MIEUX_DB": str(db)}
    result = subprocess.run([sys.executable, "-m", "mieux_cli"], env=env, capture_output=True, text=True,
                            cwd=db.parent, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_record_ids_complete(db):
    assert complete(db, "mieux show act-c") == ["act-cr-integration-plans"]
    assert complete(db, "mieux edit prc-cr-i") == ["prc-cr-integration-shared-responsibility",
                                                   "prc-cr-inter-institutional-working-groups"]


def test_vocabulary_values_complete(db):
    assert complete(db, "mieux list --theme I") == ["IMT", "IP"]
    assert complete(db, "mieux list --area T") == ["THB", "TRN"]
    assert "Costa" in complete(db, "mieux list --country Cos")
    assert complete(db, "mieux li") == ["list"]


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
