"""history, undo, backup and restore."""

import json
import os
import subprocess
import sys

import pexpect
import pytest
from conftest import add_records, interrupt, read_bytes

from mieux_cli.errors import MieuxError
from mieux_cli.storage.catalogue_file import Store


def _set_title(cli, title):
    result = cli("edit", "fct-lac-regional-integration", "--set", f"title={title}")
    assert result.exit_code == 0, result.output


def title(cli):
    return Store(cli.db).load().by_id["fct-lac-regional-integration"]["title"]


def test_history_shows_when_who_which_command_and_what(cli):
    _set_title(cli, "First")
    cli("add", "fact", "--title", "New fact", "--text", "T", "--source", "S", "--no-input")
    lines = cli("history").stdout.splitlines()
    assert lines[0].startswith("#2  ") and lines[0].endswith(f"  mieux --db {cli.db} add fact --title 'New fact' --text T --source S --no-input")
    assert lines[1] == "    added fct-new-fact (fact) New fact"
    assert lines[3] == "    changed fct-lac-regional-integration: title"
    detailed = cli("history", "fct-lac-regional-integration").stdout.splitlines()
    assert detailed[1:] == ["    changed fct-lac-regional-integration: title",
                            "        title: Comparatively high regional integration in LAC -> First"]
    entries = json.loads(cli("history", "--json").stdout)
    assert entries[1]["changes"] == [{"op": "update", "id": "fct-lac-regional-integration", "kind": "fact", "title": "First",
                                      "diff": {"title": {"before": "Comparatively high regional integration in LAC",
                                                         "after": "First"}}}]
    assert entries[0]["user"] and entries[0]["at"].endswith("Z")


def test_undo_reverts_the_latest_change_and_can_itself_be_undone(cli):
    _set_title(cli, "First")
    result = cli("undo", "--yes")
    assert result.exit_code == 0
    assert result.stderr.startswith("Undid #1 (mieux --db ")
    assert title(cli) == "Comparatively high regional integration in LAC"
    cli("undo", "--yes")
    assert title(cli) == "First"


def test_undo_to_a_change_reverts_everything_after_it(cli):
    for t in ("First", "Second", "Third"):
        _set_title(cli, t)
    cli("remove", "fct-mx-leading-gcm-negotiations", "--yes")
    result = cli("undo", "--to", "1", "--yes")
    assert result.exit_code == 0
    assert title(cli) == "First"
    assert "fct-mx-leading-gcm-negotiations" in Store(cli.db).load().by_id
    assert Store(cli.db).history()[-1]["undoes"] == [2, 3, 4]


def test_undo_refuses_to_overwrite_a_later_change(cli):
    _set_title(cli, "First")
    _set_title(cli, "Second")
    before = cli.db.read_bytes()
    result = cli("undo", "--to", "0")
    assert result.exit_code == 2
    assert result.stderr == "Error: There is no change #0. See `mieux history` for the numbers.\n"
    from mieux_cli.authoring.plans import plan_undo

    history = Store(cli.db).history()
    plan, _ = plan_undo(history[:1], None)  # undo #1 alone, though #2 changed the record since
    with pytest.raises(MieuxError, match="Change #1 cannot be undone: 'fct-lac-regional-integration' has changed since"):
        plan(Store(cli.db).load())
    assert cli.db.read_bytes() == before


def test_the_history_is_compact(cli):
    cli("remove", "fct-lac-regional-integration", "--yes")
    cli("add", "fact", "--title", "New fact", "--text", "T", "--source", "S", "--no-input")
    removal, addition = (e["changes"][0] for e in Store(cli.db).history())
    assert set(addition) == {"op", "id", "kind", "title", "hash"}  # the record is in the catalogue
    assert removal["record"]["title"] == "Comparatively high regional integration in LAC"  # kept to bring it back


def test_undo_refuses_what_it_cannot_do(cli):
    assert cli("undo").stderr == "Error: There is nothing to undo: the history is empty. See `mieux history`.\n"
    _set_title(cli, "First")
    result = cli("undo", "--to", "7")
    assert (result.exit_code, result.stderr) == (2, "Error: There is no change #7. See `mieux history` for the numbers.\n")


def test_backup_and_restore(cli):
    assert cli("backup").exit_code == 0
    _set_title(cli, "Changed after the backup")
    listing = cli("backup", "--list", "--json")
    backups = json.loads(listing.stdout)
    assert [b["kind"] for b in backups] == ["automatic", "manual"]
    result = cli("restore", "2", input="y\n")
    assert result.exit_code == 0, result.output
    assert "(24 records): change 1 record? [y/N]: y\n" in result.stdout
    assert title(cli) == "Comparatively high regional integration in LAC"
    cli("undo", "--yes")  # a restore is a change like any other
    assert title(cli) == "Changed after the backup"


def test_restore_asks_and_refuses_unknown_backups(cli):
    _set_title(cli, "Changed")
    before = read_bytes(cli.db)
    assert cli("restore", input="n\n").stderr == "Nothing was restored.\n"
    assert read_bytes(cli.db) == before
    result = cli("restore", "9")
    assert (result.exit_code, result.stderr) == (2, "Error: There is no backup number 9. See `mieux backup --list`.\n")


def test_a_backup_number_is_ascii_digits_only(cli):
    _set_title(cli, "Changed")
    for typed in ("¹", "٣", "１"):  # str.isdigit() is True for each; int() refuses the first
        result = cli("restore", typed, "--yes")
        assert (result.exit_code, result.stderr) == (2, f"Error: There is no backup file {typed}. See `mieux backup --list`.\n")
    assert cli("restore", " 1", "--yes").exit_code == 2  # not a number either: no surprise restore


def test_a_backup_can_be_restored_by_the_name_the_list_shows(cli):
    cli("backup")
    _set_title(cli, "Changed after the backup")
    listing = cli("backup", "--list")
    name = listing.stdout.splitlines()[2].split()[1]  # the manual backup, second newest
    assert name.endswith("-manual.json") and "/" not in name
    assert listing.stderr == f"In {cli.db.parent / 'backups' / cli.db.name}. Restore one with `mieux restore N`.\n"
    result = cli("restore", name, "--yes")
    assert result.exit_code == 0, result.output
    assert title(cli) == "Comparatively high regional integration in LAC"


def test_restore_checks_every_record_like_import_and_refuses_a_bad_backup_changing_nothing(cli, tmp_path):
    data = json.loads(read_bytes(cli.db))
    records = data["records"]
    bogus = next(key for key, r in records.items() if r["id"] == "fct-lac-regional-integration")
    records[bogus]["kind"] = "bogus"
    dangling = next(key for key, r in records.items() if r["id"] == "prc-cr-integration-shared-responsibility")
    records[dangling]["actions"] = ["act-nowhere"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    before = read_bytes(cli.db)
    result = cli("restore", str(bad), "--yes")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {bad}: prc-cr-integration-shared-responsibility: actions: no action with ID 'act-nowhere' in the catalogue\n"
        f"Error: {bad}: fct-lac-regional-integration: kind: 'bogus' is not one of action, practice, event, fact\n"
        "Nothing was restored: bad.json has 2 problems in 2 records. "
        "Choose another backup: see `mieux backup --list`.\n"
    )
    assert read_bytes(cli.db) == before
    assert cli("list").exit_code == 0


def test_a_restore_that_another_process_made_meanwhile_says_so_and_names_no_change(cli, monkeypatch):
    """Two colleagues restoring the same backup at once: the second printed "Restored X as change
    #None; `mieux undo` reverts it." (an undo would have reverted the other's restore)."""
    assert cli("backup").exit_code == 0
    _set_title(cli, "Changed after the backup")

    def the_other_restores_first(*args):
        other = run_mieux(cli.db, "restore", "2", "--yes")
        assert other.returncode == 0, other.stderr
        return True

    monkeypatch.setattr("mieux_cli.cli.commands.admin.confirm", the_other_restores_first)
    before = read_bytes(cli.db)
    name = Store(cli.db).backups()[-2].path.name
    result = cli("restore", "2")
    assert (result.exit_code, result.stderr) == (
        0, f"The catalogue already holds exactly the records of {name}: nothing to restore.\n")
    assert title(cli) == "Comparatively high regional integration in LAC"
    assert len(Store(cli.db).history()) == len(json.loads(before)["history"]) + 1  # the other's restore only


def test_a_restore_takes_out_the_damaged_records_and_an_undo_puts_them_back(cli):
    assert cli("backup").exit_code == 0
    data = json.loads(read_bytes(cli.db))
    data["records"]["900"] = "not a record"
    data["records"]["901"] = {"id": "fct-lac-regional-integration", "kind": "bogus", "title": "A damaged twin"}
    cli.db.write_text(json.dumps(data))
    damaged = cli("list")
    assert damaged.stderr == ("Skipped 2 damaged records (?, fct-lac-regional-integration): `mieux check` says what "
                              "is wrong with them.\n")
    result = cli("restore", "1", input="y\n")
    assert result.exit_code == 0, result.output
    assert "(24 records): take out 2 damaged records? [y/N]: y\n" in result.stdout
    assert (cli("list").stderr, cli("check").exit_code) == ("", 0)
    assert len(Store(cli.db).load().records) == 24
    history = cli("history", "-n", "1").stdout
    assert "    took out the damaged record ? (it is str, not a record)\n" in history
    assert "    took out the damaged record fct-lac-regional-integration (it has no known kind ('bogus'))\n" in history
    assert cli("undo", "--yes").exit_code == 0  # puts them back, as they were
    assert cli("list").stderr == damaged.stderr
    stored = list(json.loads(read_bytes(cli.db))["records"].values())
    assert "not a record" in stored and data["records"]["901"] in stored
    assert cli("undo", "--yes").exit_code == 0  # and an undo of that takes them out again
    assert cli("list").stderr == ""


def run_mieux(db, *args, stdin=subprocess.DEVNULL):
    """mieux in a process of its own, with standard input as given (by default /dev/null)."""
    return subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(db), *args], stdin=stdin,
                          capture_output=True, text=True, timeout=60, cwd=db.parent, check=False)


def test_a_confirmation_nobody_can_answer_is_refused_with_its_own_message_not_an_interrupt(cli):
    _set_title(cli, "Changed")
    before = read_bytes(cli.db)
    remove = run_mieux(cli.db, "remove", "fct-lac-regional-integration")
    assert (remove.returncode, remove.stderr) == (
        2, "Error: The input ended before an answer: nothing was removed. To remove without asking, add --yes.\n")
    restore = run_mieux(cli.db, "restore")
    assert (restore.returncode, restore.stderr) == (
        2, "Error: The input ended before an answer: nothing was restored. To restore without asking, add --yes.\n")
    assert read_bytes(cli.db) == before


def test_ctrl_c_at_a_confirmation_is_an_interrupt(cli):
    _set_title(cli, "Changed")
    before = read_bytes(cli.db)
    for args, what in ((["remove", "fct-lac-regional-integration"], "removed"), (["restore"], "restored")):
        child = pexpect.spawn(sys.executable, ["-m", "mieux_cli", "--db", str(cli.db), *args], cwd=str(cli.db.parent),
                              env={**os.environ, "TERM": "dumb"}, encoding="utf-8", timeout=20)
        child.expect(r"\[y/N\]:")
        interrupt(child, f"Cancelled: nothing was {what}.")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 130
    assert read_bytes(cli.db) == before


def test_undo_shows_what_it_will_undo_and_asks_first(cli):
    _set_title(cli, "First")
    before = read_bytes(cli.db)
    result = cli("undo", input="n\n")
    assert (result.exit_code, result.stderr) == (0, "Nothing was undone.\n")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Undo #1  ") and lines[0].endswith(" edit fct-lac-regional-integration --set title=First")
    assert lines[1:] == ["It would change 1 record:",
                         "    change fct-lac-regional-integration: title",
                         "Undo it? [y/N]: n"]
    assert read_bytes(cli.db) == before
    result = cli("undo", input="y\n")
    assert result.exit_code == 0 and result.stderr.startswith("Undid #1 ")
    assert title(cli) == "Comparatively high regional integration in LAC"


def test_an_undo_confirmed_after_another_process_changed_the_catalogue_undoes_nothing(cli, tmp_path, monkeypatch):
    _set_title(cli, "First")

    def someone_else_edits_while_the_question_waits(out, question, verb):
        subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(cli.db), "edit", "fct-mx-leading-gcm-negotiations",
                        "--set", "tags=meanwhile"], cwd=tmp_path, check=True, capture_output=True)
        return True

    monkeypatch.setattr("mieux_cli.cli.commands.admin.confirm", someone_else_edits_while_the_question_waits)
    result = cli("undo")
    assert result.stdout.splitlines()[1:] == ["It would change 1 record:", "    change fct-lac-regional-integration: title"]
    assert (result.exit_code, result.stderr) == (
        2, ("Error: The catalogue changed while the undo was shown: nothing was undone. "
            "Run `mieux undo` again to see what it would do now.\n"))
    assert title(cli) == "First"
    assert Store(cli.db).load().by_id["fct-mx-leading-gcm-negotiations"]["tags"] == ["meanwhile"]
    assert [e["command"].split(" ", 3)[-1] for e in Store(cli.db).history()] == [
        "edit fct-lac-regional-integration --set title=First", "edit fct-mx-leading-gcm-negotiations --set tags=meanwhile"]


def test_undo_of_many_changes_lists_a_few_and_counts_the_rest(cli):
    _set_title(cli, "First")
    for _ in range(9):
        cli("edit", "fct-mx-leading-gcm-negotiations", "--set", "tags=t")
        cli("edit", "fct-mx-leading-gcm-negotiations", "--set", "tags=")
    before = read_bytes(cli.db)
    result = cli("undo", "--to", "1", "--dry-run")  # 18 changes, which leave one record changed
    assert (result.exit_code, result.stderr) == (0, "Dry run: nothing was undone.\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "Undo 18 changes:"
    assert [line.split()[0] for line in lines[1:9]] == [f"#{n}" for n in range(19, 11, -1)]
    assert lines[9:] == ["    ... and 10 more changes",
                         "It would change 1 record:",
                         "    change fct-mx-leading-gcm-negotiations: tags"]
    assert read_bytes(cli.db) == before


def test_undo_of_a_large_import_lists_a_few_records_and_counts_the_rest(cli, tmp_path):
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"id": f"fct-many-{i:02}", "kind": "fact", "title": f"Many {i}", "text": "T",
                                 "sources": ["S"]} for i in range(30)]))
    assert cli("import", str(many)).exit_code == 0
    before = read_bytes(cli.db)
    result = cli("undo", "--dry-run")
    assert (result.exit_code, result.stderr) == (0, "Dry run: nothing was undone.\n")
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f" import {many}")
    assert lines[1] == "It would remove 30 records:"
    assert lines[2:10] == [f"    remove fct-many-{i:02} (fact) Many {i}" for i in range(8)]
    assert lines[10:] == ["    ... and 22 more"]
    assert read_bytes(cli.db) == before
    result = run_mieux(cli.db, "undo")  # standard input /dev/null: no answer, nothing undone
    assert (result.returncode, result.stderr) == (
        2, "Error: The input ended before an answer: nothing was undone. To undo without asking, add --yes.\n")
    assert read_bytes(cli.db) == before
    assert cli("undo", "--yes").exit_code == 0
    assert not any(r["id"].startswith("fct-many") for r in Store(cli.db).load().records)


def _changes_after_a_backup(cli):
    assert cli("backup").exit_code == 0
    _set_title(cli, "Changed after the backup")
    assert cli("remove", "prc-cr-integration-shared-responsibility", "--force", "--yes").exit_code == 0
    assert cli("rename", "act-cr-integration-plans", "act-cr-plans").exit_code == 0
    add_records(cli.db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})


def test_a_restore_reads_only_the_lines_a_backup_differs_by_and_restores_what_a_whole_read_restores(cli, tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from mieux_cli.cli.app import app
    from mieux_cli.storage import file_format, restoring

    _changes_after_a_backup(cli)
    twin = tmp_path / "twin"
    twin.mkdir()
    for path in cli.db.parent.iterdir():  # the catalogue, its index and backups, as they are
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, twin / path.name)
    with monkeypatch.context() as patched:
        patched.setattr(file_format, "read_backup", lambda path: (_ for _ in ()).throw(AssertionError("read whole")))
        manual = next(b.path.name for b in Store(cli.db).backups() if b.manual)
        quick = cli("restore", manual, "--yes")
    assert quick.exit_code == 0, quick.stderr
    monkeypatch.setattr(restoring, "difference", lambda store, path: None)  # the backup read whole
    slow = CliRunner().invoke(app, ["--db", str(twin / cli.db.name), "restore", manual, "--yes"])
    assert slow.exit_code == 0, slow.stderr
    assert Store(cli.db).load().records == Store(twin / cli.db.name).load().records != [] and title(cli) == (
        "Comparatively high regional integration in LAC")
    assert {"prc-cr-integration-shared-responsibility", "act-cr-integration-plans"} <= set(Store(cli.db).load().by_id)
    assert "fct-new" not in Store(cli.db).load().by_id
    assert cli("undo", "--yes").exit_code == 0 and "fct-new" in Store(cli.db).load().by_id


@pytest.mark.parametrize("detailed", [False, True])
def test_history_shows_eight_lines_of_an_entry_and_counts_the_rest(detailed):
    from mieux_cli.cli.commands.admin import _first_lines, change_lines

    changes = [{"op": "update", "id": f"fct-{n}", "kind": "fact", "title": "T", "hash": "h",
                "diff": {"title": ["a", "b"], "text": ["c", "d"]}} for n in range(5)]
    every = [line for change in changes for line in change_lines(change, detailed)]
    shown, more = _first_lines(changes, detailed)
    assert shown == every[:8]
    assert more == max(0, len(every) - 8) == (7 if detailed else 0)
