"""`mieux add` never throws work away: any field can be changed at the preview, and answers given
before Ctrl-C, the end of the input or a failed save are kept in a draft that `--resume` takes up."""

import json
import os
import subprocess
import sys

import pexpect
from conftest import at_question, interrupt, read_bytes

from mieux_cli.storage.catalogue_file import Store

# The reproduction, in today's order of questions (schema.py): an end before the start,
# then the input ends at "Save this fact?".
FACT_ANSWERS = [
    "My fact",  # Title
    "Some text.",  # Text
    "",  # Summary
    "2018",  # Start
    "2017",  # End: before the start, refused ...
    "",  # ... and asked again: skipped
    "",  # Countries
    "",  # Took part
    "LAC",  # Region
    "", "", "",  # Thematic areas, Specific areas, GCM objectives
    "",  # Figure 1
    "", "", "", "",  # From actions, Actions not yet in the catalogue, Tags, Notes
    "A source", "", "", "", "",  # Source 1: title, publisher, date, url, language
    "",  # Source 2
    "",  # Other value 1
    "fct-other-id",  # ID
]


def mieux(db, *args, answers=None, env=None):
    """mieux on the catalogue `db` (named by MIEUX_DB, so that hints are short) in a process of its
    own, its standard input a pipe holding `answers`, one a line."""
    text = "".join(a + "\n" for a in answers) if answers is not None else ""
    return subprocess.run([sys.executable, "-m", "mieux_cli", *args], input=text,
                          capture_output=True, text=True, timeout=60, cwd=db.parent, check=False,
                          env={**os.environ, "MIEUX_DB": str(db), **(env or {})})


def drafts_folder(tmp_path):
    return tmp_path / "xdg-state" / "mieux" / "drafts"


def test_input_that_ends_early_never_loops_and_its_answers_are_resumed(db, tmp_path):
    before = read_bytes(db)
    result = mieux(db, "add", "fact", answers=FACT_ANSWERS)
    assert result.returncode == 2
    assert "End: 2017\n  2017 is before the start 2018\nEnd: \n" in result.stdout  # asked again at once
    assert result.stderr == (
        "Error: The input ended before the record was complete: nothing was written. Your answers are kept: "
        "`mieux add fact --resume` asks the rest. In scripts, give the fields as options with --no-input, "
        "or use --from FILE.\n")
    assert read_bytes(db) == before
    [draft] = drafts_folder(tmp_path).iterdir()
    assert json.loads(draft.read_text())["answers"]["title"] == "My fact"

    resumed = mieux(db, "add", "--resume", answers=["y"])
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.startswith("Resuming the fact started ")
    assert resumed.stderr.endswith(": 19 answers kept.\nAdded fct-other-id.\n")
    assert "Title:" not in resumed.stdout  # nothing asked again but the question to save
    record = Store(db).load().by_id["fct-other-id"]
    assert (record["title"], record["text"], record["start"], record["end"], record["region"]) == (
        "My fact", "Some text.", "2018", None, "LAC")
    assert record["sources"][0]["title"] == "A source"
    assert list(drafts_folder(tmp_path).iterdir()) == []  # saved: the draft is gone


def test_resume_asks_only_the_questions_not_answered_yet(db):
    mieux(db, "add", "fact", answers=FACT_ANSWERS[:4])  # up to the start
    resumed = mieux(db, "add", "fact", "--resume", answers=FACT_ANSWERS[4:] + ["y"])
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("End: ")  # the first question not answered before
    assert resumed.stderr.endswith(": 4 answers kept.\nAdded fct-other-id.\n")
    assert Store(db).load().by_id["fct-other-id"]["start"] == "2018"


def test_another_add_of_the_same_kind_leaves_the_draft_alone(db):
    mieux(db, "add", "fact", answers=FACT_ANSWERS[:4])
    result = mieux(db, "add", "fact", "--title", "Other", "--text", "T", "--source", "S", "--no-input")
    assert result.returncode == 0
    resumed = mieux(db, "add", "--resume", answers=FACT_ANSWERS[4:] + ["y"])
    assert resumed.returncode == 0, resumed.stderr
    assert "fct-other-id" in Store(db).load().by_id


def test_resume_with_no_draft_is_one_line(db):
    result = mieux(db, "add", "--resume")
    assert (result.returncode, result.stderr) == (
        2, "Error: There is no unfinished record to resume for this catalogue. Start one with `mieux add KIND`.\n")
    result = mieux(db, "add", "practice", "--resume")
    assert (result.returncode, result.stderr) == (
        2, "Error: There is no unfinished practice to resume for this catalogue. Start one with `mieux add practice`.\n")


def test_drafts_belong_to_their_catalogue(db, tmp_path):
    mieux(db, "add", "fact", answers=FACT_ANSWERS[:4])
    other = tmp_path / "other.json"
    result = mieux(other, "add", "--resume")
    assert result.returncode == 2 and "no unfinished record" in result.stderr
    result = mieux(db, "add", "fact", answers=["Another"])  # a new add says the draft is there
    assert result.stderr.startswith("An unfinished fact is kept from ")
    assert "`mieux add fact --resume` takes it up" in result.stderr
    result = mieux(other, "--db", str(db), "add", "fact", answers=["Another"])  # hints name a catalogue given so
    assert f"`mieux --db {db} add fact --resume` asks the rest" in result.stderr


def test_the_preview_changes_any_field_by_name_and_checks_rules_across_fields(db):
    answers = FACT_ANSWERS[:4] + ["2019"] + FACT_ANSWERS[6:] + [
        "strat",  # not a field: explained, asked again
        "start",  # change the start ...
        "2020",  # ... to after the end, which breaks a rule: the end is asked again at once
        "2017",  # still before the start: refused
        "2021",
        "Title",  # by its label, in any case
        "My changed fact",
        "y",
    ]
    result = mieux(db, "add", "fact", answers=answers)
    assert result.returncode == 0, result.stderr
    assert "Save this fact? [Y/n/field name to change]: " in result.stdout
    assert "  No field 'strat' in a fact; did you mean 'start'? Type y to save, n not to, or a field:" in result.stdout
    assert "End: 2019 is before the start 2020." in result.stdout
    assert "2017 is before the start 2020" in result.stdout
    record = Store(db).load().by_id["fct-other-id"]
    assert (record["title"], record["start"], record["end"]) == ("My changed fact", "2020", "2021")


def test_a_failed_save_keeps_the_answers(db, tmp_path):
    lock_holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"f = open({str(db) + '.lock'!r}, 'a')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert lock_holder.stdout.readline() == "locked\n"
        result = mieux(db, "add", "fact", answers=FACT_ANSWERS + ["y"], env={"MIEUX_LOCK_TIMEOUT": "0"})
    finally:
        lock_holder.kill()
        lock_holder.wait()
    assert result.returncode == 3
    assert result.stderr.rstrip().endswith("Your answers are kept: `mieux add fact --resume` takes them up.")
    assert mieux(db, "add", "--resume", answers=["y"]).returncode == 0
    assert "fct-other-id" in Store(db).load().by_id


def test_ctrl_c_in_a_terminal_keeps_the_answers(db):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="dumb", MIEUX_DB=str(db))
    child = pexpect.spawn(sys.executable, ["-m", "mieux_cli", "add", "action"], cwd=str(db.parent),
                          env=env, encoding="utf-8", timeout=20)
    at_question(child, "Title")
    child.sendline("An action to finish later")
    at_question(child, "Summary")
    interrupt(child, pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Cancelled: nothing was written. Your answers are kept: `mieux add action --resume` asks the rest." in \
        child.before
    child = pexpect.spawn(sys.executable, ["-m", "mieux_cli", "add", "--resume"], cwd=str(db.parent),
                          env=env, encoding="utf-8", timeout=20)
    child.expect("Resuming the action started .*: 1 answer kept.")
    at_question(child, "Summary")  # the title is not asked again
    interrupt(child, pexpect.EOF)


def test_an_add_is_never_asked_again_from_the_start_when_another_process_writes_meanwhile(db):
    """Another process's write changes the index under the questions; the next read made from it
    (the preview's linked records) ran the whole command again, from "Title:", and every answer
    was lost."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="dumb", MIEUX_DB=str(db))
    child = pexpect.spawn(sys.executable, ["-m", "mieux_cli", "add", "fact"], cwd=str(db.parent), env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 250))
    at_question(child, "Title")
    answers = [*FACT_ANSWERS[:13], "act-cr-integration-plans", *FACT_ANSWERS[14:-1]]  # all but the ID
    child.send("".join(a + "\r" for a in answers))
    child.expect_exact("ID [fct-my-fact]: ")
    subprocess.run([sys.executable, "-m", "mieux_cli", "edit", "fct-lac-regional-integration", "--set", "tags=meanwhile"],
                   env=env, check=True, capture_output=True)
    child.sendline("")
    asked = child.expect_exact(["Save this fact? [Y/n/field name to change]: ", "Title: "])
    assert asked == 0, "asked again from the start"
    child.sendline("y")
    child.expect_exact("Added fct-my-fact.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    catalogue = Store(db).load()
    assert catalogue.by_id["fct-my-fact"]["actions"] == ["act-cr-integration-plans"]
    assert catalogue.by_id["fct-lac-regional-integration"]["tags"] == ["meanwhile"]


def test_an_index_that_breaks_under_the_questions_keeps_the_answers(db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mieux_cli.cli import asking
    from mieux_cli.cli.app import app
    from mieux_cli.errors import IndexBroken

    def broken(*args, **kwargs):
        raise IndexBroken("database disk image is malformed")

    monkeypatch.setattr(asking, "resolve_link", broken)
    answers = [*FACT_ANSWERS[:13], "act-cr-integration-plans", *FACT_ANSWERS[14:]]
    before = read_bytes(db)
    result = CliRunner().invoke(app, ["--db", str(db), "add", "fact"], input="".join(a + "\n" for a in answers))
    assert result.exit_code == 2
    assert result.stdout.count("Title: ") == 2  # the explanation and the question, once
    assert result.stderr == (
        "Error: The catalogue's index could not be read while you were answering: nothing was written. Your answers "
        f"are kept: `mieux --db {db} add fact --resume` takes them up.\n")
    assert read_bytes(db) == before
    [draft] = drafts_folder(tmp_path).iterdir()
    assert json.loads(draft.read_text())["answers"]["text"] == "Some text."


def test_a_draft_saved_again_with_a_byte_order_mark_is_resumed(db, tmp_path):
    """An editor that writes a byte-order mark made the draft "damaged"."""
    mieux(db, "add", "fact", answers=FACT_ANSWERS[:4])
    [draft] = drafts_folder(tmp_path).iterdir()
    draft.write_bytes(b"\xef\xbb\xbf" + draft.read_bytes())
    resumed = mieux(db, "add", "fact", "--resume", answers=FACT_ANSWERS[4:] + ["y"])
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.endswith(": 4 answers kept.\nAdded fct-other-id.\n")
