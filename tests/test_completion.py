"""Shell completion, as the shell asks for it: one whole process per TAB press."""

import os
import subprocess
import sys


def complete(db, words: str) -> list[str]:
    env = {**os.environ, "_MIEUX_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)), "MIEUX_DB": str(db)}
    result = subprocess.run([sys.executable, "-m", "mieux_cli"], env=env, capture_output=True, text=True,
                            cwd=db.parent)
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
