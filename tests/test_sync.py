"""mieux sync: colleagues, each with a home of their own, sharing one catalogue through a bare git
repository in a temporary folder (real git, no network)."""

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.storage.catalogue_file import Store

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="mieux sync needs git, and git is not installed")

ACTION = "act-cr-integration-plans"
FACT = "fct-lac-regional-integration"
PRACTICES_OF_ACTION = ["prc-cr-integration-shared-responsibility", "prc-cr-inter-institutional-working-groups"]


class User:
    """A colleague: a home, data, settings and cache folders of their own, and a login."""

    def __init__(self, root, name: str):
        self.name = name
        self.home = root / name
        self.env = {"HOME": str(self.home), "XDG_DATA_HOME": str(self.home / "data"),
                    "XDG_CONFIG_HOME": str(self.home / "config"), "XDG_CACHE_HOME": str(self.home / "cache"),
                    "XDG_STATE_HOME": str(self.home / "state"), "LOGNAME": name, "USER": name}

    def __call__(self, *args, input=None):
        return CliRunner().invoke(app, list(args), env=self.env, input=input, catch_exceptions=False)

    @property
    def db(self):
        return self.home / "data" / "mieux" / "catalogue.json"

    @property
    def tree(self):
        return self.db.with_name("catalogue.json.sync")

    def records(self) -> dict[str, dict]:
        return Store(self.db).load().by_id

    def subprocess(self, *args, extra=None):
        return subprocess.run([sys.executable, "-m", "mieux_cli", *args], env={**os.environ, **self.env, **(extra or {})},
                              capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def team(tmp_path):
    """alice shares her (shipped) catalogue through a new folder; bob joins it."""
    alice, bob = User(tmp_path, "alice"), User(tmp_path, "bob")
    remote = tmp_path / "team.git"
    first = alice("sync", "--init", str(remote))
    assert first.exit_code == 0, first.output
    assert first.stdout == f"Committed the catalogue's 24 records (its first sync).\nPushed to {remote}.\n"
    joined = bob("sync", "--init", str(remote))
    assert (joined.exit_code, joined.stdout) == (0, f"Up to date with {remote}.\n")
    return alice, bob, remote


def synced(user):
    """A sync that succeeds, after which the catalogue and the work tree agree, as `check` says."""
    result = user("sync")
    assert result.exit_code == 0, result.output
    checked = user("check")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.splitlines()[-1].startswith("Sync: the catalogue matches the last sync (commit "), checked.stdout
    return result


def test_a_removal_travels_to_colleagues_and_is_undone_like_any_change(team):
    alice, bob, remote = team
    alice("remove", FACT, "--yes")
    assert synced(alice).stdout == f"Committed 1 record you changed: removed {FACT}.\nPushed to {remote}.\n"
    result = synced(bob)
    assert result.stdout == (
        f"Brought in 1 change from {remote}:\n"
        f"    removed {FACT} (fact) Comparatively high regional integration in LAC (by alice)\n"
        "This is change #1; `mieux undo` reverts it here (and the next sync shares that).\n")
    assert FACT not in bob.records()
    assert "    removed fct-lac-regional-integration (fact) Comparatively high regional integration in LAC (by alice)" \
        in bob("history").stdout.splitlines()
    # the removed record does not come back with bob's next sync, nor with an export
    synced(bob)
    assert FACT not in bob.records() and FACT not in alice.records()
    # bob wants it back: his undo is a change of his, which the next syncs share
    assert bob("undo", "--yes").exit_code == 0
    assert FACT in bob.records()
    synced(bob)
    synced(alice)
    assert alice.records()[FACT] == bob.records()[FACT]


def test_edits_of_different_fields_of_a_record_are_both_kept(team):
    alice, bob, _ = team
    alice("edit", ACTION, "--set", "title=Costa Rica: national integration plans")
    bob("edit", ACTION, "--set", "status=completed")
    synced(alice)
    result = synced(bob)
    assert f"    changed {ACTION}: title (by alice)" in result.stdout.splitlines()
    synced(alice)
    for user in (alice, bob):
        record = user.records()[ACTION]
        assert (record["title"], record["status"]) == ("Costa Rica: national integration plans", "completed")


def test_the_same_field_changed_on_both_sides_is_a_conflict_that_changes_nothing_until_answered(team):
    alice, bob, _ = team
    alice("edit", ACTION, "--set", "title=Alice's title")
    bob("edit", ACTION, "--set", "title=Bob's title", "--set", "status=completed")
    synced(alice)
    before = bob.db.read_bytes()
    result = bob("sync")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        f"Conflict: {ACTION}:title: yours \"Bob's title\", alice's \"Alice's title\".",
        (f"Nothing in the catalogue was changed. Answer each conflict: mieux sync --take mine|theirs ID[:FIELD], or edit "
        f"its file in {bob.tree} and run `mieux sync`."),
    ]
    assert bob.db.read_bytes() == before
    text = (bob.tree / "actions" / f"{ACTION}.yaml").read_text()
    assert "<<<<<<< yours\ntitle: Bob's title\n=======\ntitle: Alice's title\n>>>>>>> alice\n" in text
    assert bob("check").stdout.splitlines()[-1] == \
        "Sync: 1 conflict of the last sync waits for an answer (`mieux sync` lists them)."
    assert bob("sync").exit_code == 1  # asked again, the conflict is still there
    wrong = bob("sync", "--take", "theirs", "act-nowhere")
    assert (wrong.exit_code, wrong.stderr.splitlines()[0]) == (
        2, f"Error: No conflict is named 'act-nowhere'. The conflicts: {ACTION}:title.")
    result = bob("sync", "--take", "theirs", f"{ACTION}:title")
    assert result.exit_code == 0, result.output
    assert f"    changed {ACTION}: title (by alice)" in result.stdout.splitlines()
    synced(alice)
    for user in (alice, bob):
        record = user.records()[ACTION]
        assert (record["title"], record["status"]) == ("Alice's title", "completed")


def title_conflict(team):
    """alice and bob changed the title of ACTION; alice synced first: bob's sync meets a conflict.
    The conflict's file in bob's work tree."""
    alice, bob, _ = team
    alice("edit", ACTION, "--set", "title=Alice's title")
    bob("edit", ACTION, "--set", "title=Bob's title")
    synced(alice)
    assert bob("sync").exit_code == 1
    return bob.tree / "actions" / f"{ACTION}.yaml"


def test_a_conflict_is_answered_by_editing_its_file(team):
    alice, bob, _ = team
    path = title_conflict(team)
    text = path.read_text()
    start, end = text.index("<<<<<<<"), text.index(">>>>>>> alice\n") + len(">>>>>>> alice\n")
    path.write_text(text[:start] + "title: A title both agree on\n" + text[end:])
    synced(bob)
    synced(alice)
    assert alice.records()[ACTION]["title"] == bob.records()[ACTION]["title"] == "A title both agree on"


def test_a_file_still_marked_keeps_its_conflict(team):
    _, bob, _ = team
    path = title_conflict(team)
    path.write_text(path.read_text().replace("Bob's title", "Bob's second thought"))  # markers left in
    result = bob("sync")
    assert result.exit_code == 1
    assert bob.records()[ACTION]["title"] == "Bob's title"


@pytest.mark.parametrize("side", ["mine", "theirs"])
def test_a_removal_against_an_edit_is_a_conflict_never_a_loss_or_a_resurrection(team, side):
    alice, bob, _ = team
    alice("remove", FACT, "--yes")
    bob("edit", FACT, "--set", "title=Regional integration, revised")
    synced(alice)
    result = bob("sync")
    assert result.exit_code == 1
    assert f"Conflict: {FACT}: you changed it; alice removed it." in result.stdout.splitlines()
    assert bob.records()[FACT]["title"] == "Regional integration, revised"
    result = bob("sync", "--take", side)
    assert result.exit_code == 0, result.output
    synced(alice)
    if side == "mine":
        assert alice.records()[FACT]["title"] == bob.records()[FACT]["title"] == "Regional integration, revised"
    else:
        assert FACT not in alice.records() and FACT not in bob.records()


def test_an_edit_against_a_removal_is_a_conflict_too(team):
    alice, bob, _ = team
    alice("edit", FACT, "--set", "title=Regional integration, revised")
    bob("remove", FACT, "--yes")
    synced(alice)
    result = bob("sync")
    assert result.exit_code == 1
    assert f"Conflict: {FACT}: you removed it; alice changed it." in result.stdout.splitlines()
    assert FACT not in bob.records()
    assert bob("sync", "--take", "theirs", FACT).exit_code == 0
    assert bob.records()[FACT]["title"] == "Regional integration, revised"


def test_a_removal_that_a_colleagues_new_link_needs_is_a_conflict(team):
    alice, bob, _ = team
    alice("remove", "prc-do-flexibility-local-adaptation", "--yes", "--force")
    alice("remove", "act-do-migration-school-journalists", "--yes", "--force")
    bob("edit", "prc-cr-integration-shared-responsibility", "--set",
        f"actions={ACTION}; act-do-migration-school-journalists")
    synced(alice)
    result = bob("sync")
    assert result.exit_code == 1
    assert ("Conflict: act-do-migration-school-journalists: removed by alice, but "
            "prc-cr-integration-shared-responsibility still links to it (--take mine keeps it).") in result.stdout.splitlines()
    assert bob("sync", "--take", "theirs").exit_code == 0
    assert bob.records()["prc-cr-integration-shared-responsibility"]["actions"] == [ACTION]
    assert "act-do-migration-school-journalists" not in bob.records()
    assert bob("check").exit_code == 0


def test_a_rename_against_an_edit_keeps_both_and_links_follow(team):
    alice, bob, _ = team
    alice("rename", ACTION, "act-cr-national-integration-plans")
    bob("edit", ACTION, "--set", "status=completed")
    synced(alice)
    synced(bob)
    synced(alice)
    for user in (alice, bob):
        records = user.records()
        assert ACTION not in records
        renamed = records["act-cr-national-integration-plans"]
        assert (renamed["status"], renamed["aliases"]) == ("completed", [ACTION])
        for practice in PRACTICES_OF_ACTION:
            assert records[practice]["actions"] == ["act-cr-national-integration-plans"]
        assert user("check").exit_code == 0


def test_a_new_link_to_a_record_renamed_by_a_colleague_follows_the_rename(team):
    alice, bob, _ = team
    alice("rename", "act-mx-unaccompanied-children", "act-mx-children")
    bob("edit", "prc-cr-integration-shared-responsibility", "--set", f"actions={ACTION}; act-mx-unaccompanied-children")
    synced(alice)
    synced(bob)
    assert bob.records()["prc-cr-integration-shared-responsibility"]["actions"] == [ACTION, "act-mx-children"]


def test_a_rename_on_both_sides(team):
    alice, bob, _ = team
    alice("rename", ACTION, "act-cr-plans")
    bob("rename", ACTION, "act-cr-plans")
    synced(alice)
    synced(bob)
    assert set(bob.records()) == set(alice.records())
    alice("rename", "act-cr-plans", "act-cr-alice")
    bob("rename", "act-cr-plans", "act-cr-bob")
    synced(alice)
    result = bob("sync")
    assert result.exit_code == 1
    assert "Conflict: act-cr-bob:id: yours 'act-cr-bob', alice's 'act-cr-alice'." in result.stdout.splitlines()
    assert bob("sync", "--take", "theirs").exit_code == 0
    synced(alice)
    for user in (alice, bob):
        records = user.records()
        assert "act-cr-alice" in records and "act-cr-bob" not in records
        assert records["prc-cr-inter-institutional-working-groups"]["actions"] == ["act-cr-alice"]


def test_offline_the_changes_are_committed_and_pushed_at_the_next_sync(team, tmp_path):
    alice, bob, remote = team
    alice("edit", ACTION, "--set", "status=completed")
    remote.rename(tmp_path / "away.git")  # the shared drive is not mounted
    result = alice("sync")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Committed 1 record you changed: changed {ACTION}."
    assert lines[1].startswith(f"Could not reach {remote} (")
    assert lines[1].endswith("): your changes are committed here and will be pushed at the next sync.")
    (tmp_path / "away.git").rename(remote)
    assert synced(alice).stdout == f"Pushed to {remote}.\n"
    synced(bob)
    assert bob.records()[ACTION]["status"] == "completed"


def test_three_colleagues_adding_and_editing_converge(team, tmp_path):
    alice, bob, remote = team
    carol = User(tmp_path, "carol")
    assert carol("sync", "--init", str(remote)).exit_code == 0
    alice("add", "fact", "--id", "fct-alice", "--title", "Alice's figure", "--text", "A figure.", "--source",
          "Notes | ICMPD | 2024", "--no-input")
    bob("add", "fact", "--id", "fct-bob", "--title", "Bob's figure", "--text", "A figure.", "--source",
        "Notes | ICMPD | 2024", "--no-input")
    carol("edit", FACT, "--set", "text=Carol's text.")
    for user in (alice, bob, carol, alice, bob):
        synced(user)
    assert alice.records() == bob.records() == carol.records()
    assert {"fct-alice", "fct-bob"} <= set(carol.records())


def test_the_history_and_the_commits_carry_the_name_set_in_the_settings(team):
    alice, bob, _ = team
    alice("config", "set", "user.name", "Alice Martín")
    alice("edit", ACTION, "--set", "status=completed")
    assert "  Alice Martín  mieux edit" in alice("history", "--limit", "1").stdout
    synced(alice)
    author = subprocess.run(["git", "log", "-1", "--format=%an"], cwd=alice.tree, capture_output=True, text=True,
                            check=True).stdout
    assert author == "Alice Martín\n"
    result = synced(bob)
    assert f"    changed {ACTION}: status (by Alice Martín)" in result.stdout.splitlines()


def test_without_a_remote_or_git_sync_says_what_to_do(team, tmp_path):
    _, _, remote = team
    carol = User(tmp_path, "carol")
    result = carol("sync")
    assert (result.exit_code, result.stderr) == (
        2, ("Error: No repository to sync with is set. "
           "Set it up once: mieux sync --init REMOTE-OR-FOLDER (a git address, or a folder).\n"))
    not_git = tmp_path / "not-git"
    not_git.mkdir()
    (not_git / "notes.txt").write_text("mine")
    result = carol("sync", "--init", str(not_git))
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        2, (f"Error: {not_git} is a folder that is not a git repository. Give a new or empty folder (mieux makes it a "
           "shared repository), or a git repository."))
    result = carol.subprocess("sync", "--init", str(remote), extra={"PATH": str(tmp_path / "no-programs")})
    assert (result.returncode, result.stderr.splitlines()[0]) == (
        2, ("Error: `mieux sync` needs git, and git is not installed here. Install git: `sudo apt-get install git` (Debian, "
           "Ubuntu), `sudo dnf install git` (Fedora), `brew install git` (macOS), or see https://git-scm.com/downloads."))
    assert not carol.db.exists() or carol("config", "get", "sync.remote").exit_code == 2


def test_take_without_a_conflict_and_names_without_take_are_refused(team):
    alice, _, _ = team
    result = alice("sync", "--take", "mine")
    assert (result.exit_code, result.stderr.splitlines()[0]) == (2, ("Error: There is no conflict to answer. "
                                                                 "`mieux sync` shares the catalogue; --take answers the conflicts it reports."))
    result = alice("sync", ACTION)
    assert (result.exit_code, result.stderr.splitlines()[0]) == (
        2, f"Error: '{ACTION}' is given without --take. To answer a conflict: mieux sync --take mine|theirs {ACTION}")
    result = alice("sync", "--take", "yours")
    assert result.exit_code == 2 and "Give --take mine" in result.stderr


GIT_SHIM = """#!/bin/sh
# git, counting the calls mieux makes, and killing mieux (SIGKILL) at the call $KILL_AT: before
# that call runs, or just after it ($KILL_WHEN); or running $MEANWHILE before the call $MEANWHILE_AT.
if grep -q mieux_cli /proc/$PPID/cmdline 2>/dev/null; then
    n=$(( $(cat "$GIT_CALLS") + 1 )); echo $n > "$GIT_CALLS"
    if [ "$n" -eq "${MEANWHILE_AT:-0}" ]; then sh -c "$MEANWHILE"; fi
    if [ "$n" -eq "$KILL_AT" ]; then
        if [ "$KILL_WHEN" = before ]; then kill -KILL $PPID; exit 137; fi
        {git} "$@"; done=$?; kill -KILL $PPID; exit $done
    fi
fi
exec {git} "$@"
"""


def killed_team(tmp_path):
    """alice and bob both changed the catalogue since their last sync, and alice has pushed; a
    git that can kill bob's sync at any call."""
    alice, bob = User(tmp_path, "alice"), User(tmp_path, "bob")
    remote = tmp_path / "team.git"
    assert alice("sync", "--init", str(remote)).exit_code == 0
    assert bob("sync", "--init", str(remote)).exit_code == 0
    alice("edit", ACTION, "--set", "title=Alice's title")
    alice("remove", FACT, "--yes")
    synced(alice)
    bob("edit", ACTION, "--set", "status=completed")
    bob("add", "fact", "--id", "fct-bob", "--title", "Bob's figure", "--text", "A figure.", "--source",
        "Notes | ICMPD | 2024", "--no-input")
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "git").write_text(GIT_SHIM.replace("{git}", shutil.which("git")))
    (shims / "git").chmod(0o755)
    (tmp_path / "calls").write_text("0")
    env = {"PATH": f"{shims}:{os.environ['PATH']}", "GIT_CALLS": str(tmp_path / "calls")}
    return alice, bob, env


def kill_points():
    """A kill just after every git call of the sync in killed_team (counted by running it once:
    see test_the_kill_points_are_every_git_call_of_a_sync), and before the first. A kill before
    call n + 1 leaves what a kill after call n leaves, plus mieux's own work in between, which is
    either the export (written again by the next sync) or the catalogue's write (atomic, and
    followed by a call that only reads: a kill after that call is the same moment), so these are
    every moment a kill can leave. (Before and after every call, 68 runs, all passed once.)"""
    return [(1, "before")] + [(n, "after") for n in range(1, SYNC_GIT_CALLS + 1)]


SYNC_GIT_CALLS = 35


def test_the_kill_points_are_every_git_call_of_a_sync(tmp_path):
    _, bob, env = killed_team(tmp_path)
    result = bob.subprocess("sync", extra={**env, "KILL_AT": "0", "KILL_WHEN": "before"})
    assert result.returncode == 0, result.stderr
    assert int((tmp_path / "calls").read_text()) == SYNC_GIT_CALLS


def kill_then_resume(tmp_path, n: int, when: str):
    alice, bob, env = killed_team(tmp_path)
    killed = bob.subprocess("sync", extra={**env, "KILL_AT": str(n), "KILL_WHEN": when})
    assert killed.returncode == -9, (n, when, killed.stdout, killed.stderr)
    records = bob.records()  # the catalogue is whole, before or after the merge
    assert records["fct-bob"]["title"] == "Bob's figure" and records[ACTION]["status"] == "completed"
    assert bob.subprocess("sync", extra={**env, "KILL_AT": "0"}).returncode == 0
    checked = bob("check")
    assert checked.exit_code == 0
    assert checked.stdout.splitlines()[-1].startswith("Sync: the catalogue matches the last sync"), (n, when)
    synced(alice)  # and checked
    for user in (alice, bob):
        records = user.records()
        assert (records[ACTION]["title"], records[ACTION]["status"]) == ("Alice's title", "completed"), (n, when)
        assert FACT not in records and records["fct-bob"]["title"] == "Bob's figure", (n, when)


@pytest.mark.parametrize(("n", "when"), [(4, "after"), (12, "before"), (19, "after")])
def test_a_sync_killed_part_way_loses_nothing_and_the_next_one_finishes_it(tmp_path, n, when):
    kill_then_resume(tmp_path, n, when)


@pytest.mark.slow
@pytest.mark.parametrize(("n", "when"), kill_points())
def test_a_sync_killed_at_any_git_call_loses_nothing(tmp_path, n, when):
    kill_then_resume(tmp_path, n, when)


def test_import_prune_removes_what_a_colleagues_export_removed_and_nothing_else(tmp_path):
    alice, bob = User(tmp_path, "alice"), User(tmp_path, "bob")
    shared = tmp_path / "shared"
    alice("export", "--output", str(shared))
    bob("add", "fact", "--id", "fct-bob", "--title", "Bob's figure", "--text", "A figure.", "--source",
        "Notes | ICMPD | 2024", "--no-input")
    alice("remove", FACT, "--yes")
    alice("export", "--output", str(shared))
    manifest = json.loads((shared / ".mieux-export.json").read_text())
    assert manifest["removed"] == [FACT]
    before = bob.db.read_bytes()
    dry = bob("import", str(shared), "--prune", "--dry-run")
    assert dry.stdout == f"Would add 0, change 0, leave 23 unchanged; would remove {FACT}.\nremove  {FACT}\n"
    assert bob.db.read_bytes() == before
    result = bob("import", str(shared), "--prune")
    assert (result.exit_code, result.stdout) == (0, f"Added 0, changed 0, unchanged 23; removed {FACT}.\n")
    assert FACT not in bob.records() and "fct-bob" in bob.records()  # his own record, never exported, stays
    assert bob("import", str(shared)).stdout == "Added 0, changed 0, unchanged 23.\n"
    assert bob("undo", "--yes").exit_code == 0 and FACT in bob.records()
    # exported again by a colleague who has it, the record is no longer listed as removed
    bob("export", "--output", str(shared))
    assert "removed" not in json.loads((shared / ".mieux-export.json").read_text())


def test_import_prune_keeps_a_record_one_of_yours_links_to_and_says_so(tmp_path):
    alice, bob = User(tmp_path, "alice"), User(tmp_path, "bob")
    shared = tmp_path / "shared"
    alice("export", "--output", str(shared))
    alice("remove", "prc-do-flexibility-local-adaptation", "--yes")
    alice("remove", "act-do-migration-school-journalists", "--yes", "--force")
    alice("export", "--output", str(shared))
    bob("add", "practice", "--id", "prc-bob", "--title", "Bob's practice", "--summary", "A practice.", "--action",
        "act-do-migration-school-journalists", "--source", "Notes | ICMPD | 2024", "--no-input")
    before = bob.db.read_bytes()
    result = bob("import", str(shared), "--prune")
    assert (result.exit_code, result.stderr) == (2, (
        "Error: prc-bob links to act-do-migration-school-journalists (actions), which the folder's export removed. "
        "Remove the link first (`mieux edit prc-bob`), then import with --prune again.\n"))
    assert bob.db.read_bytes() == before


def test_import_prune_wants_a_folder_mieux_exported(tmp_path, db):
    folder = tmp_path / "hand-made"
    (folder / "facts").mkdir(parents=True)
    (folder / "facts" / "fct-x.yaml").write_text("id: fct-x\nkind: fact\ntitle: X\ntext: X.\nsources: [Notes]\n")
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(folder), "--prune"])
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {folder} has no .mieux-export.json, so nothing says which records were removed from it. "
        "--prune takes a folder written by `mieux export --output DIR`; import without --prune.\n"))


def test_a_change_made_here_while_a_sync_runs_is_merged_not_lost(tmp_path):
    alice, bob, env = killed_team(tmp_path)
    after_commit = 12  # the call after bob's export is committed, before the merge is brought in
    meanwhile = f"{shlex.quote(sys.executable)} -m mieux_cli edit {ACTION} --set 'summary=Changed during the sync.'"
    result = bob.subprocess("sync", extra={**env, "KILL_AT": "0", "MEANWHILE_AT": str(after_commit), "MEANWHILE": meanwhile})
    assert result.returncode == 0, result.stderr
    synced(alice)
    for user in (alice, bob):
        record = user.records()[ACTION]
        assert (record["title"], record["status"], record["summary"]) == (
            "Alice's title", "completed", "Changed during the sync."), user.name
        assert FACT not in user.records()


def test_another_catalogue_is_synced_only_once_set_up_and_never_with_the_default_ones_remote(team, tmp_path):
    alice, _, remote = team
    other = tmp_path / "trial.json"
    result = alice("--db", str(other), "sync")
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: The catalogue {other} is not synced yet. "
        "Set it up once: mieux sync --init REMOTE-OR-FOLDER (a git address, or a folder).\n"))
    trial_remote = tmp_path / "trial.git"
    assert alice("--db", str(other), "sync", "--init", str(trial_remote)).exit_code == 0
    assert alice("config", "get", "sync.remote").stdout == f"{remote}\n"  # the default catalogue's, still
    assert alice("--db", str(other), "sync").stdout == f"Up to date with {trial_remote}.\n"


def test_a_catalogue_with_changes_of_its_own_joins_a_team_by_a_merge(team, tmp_path):
    alice, _, remote = team
    alice("edit", ACTION, "--set", "status=completed")
    synced(alice)
    carol = User(tmp_path, "carol")
    carol("edit", ACTION, "--set", "title=Carol's title")
    carol("remove", FACT, "--yes")
    result = carol("sync", "--init", str(remote))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == [
        "Committed the catalogue's 23 records (its first sync).",
        f"Brought in 2 changes from {remote}:",
        f"    changed {ACTION}: status (by alice)",
        f"    added {FACT} (fact) Comparatively high regional integration in LAC (by alice)",  # never shared: new to her
    ]
    synced(alice)
    for user in (alice, carol):
        assert (user.records()[ACTION]["title"], user.records()[ACTION]["status"]) == ("Carol's title", "completed")


def test_check_compares_records_not_bytes_with_the_last_sync(team):
    import yaml

    alice, _, _ = team
    path = alice.tree / "actions" / f"{ACTION}.yaml"
    record = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(record, default_flow_style=True, width=80))  # another writer's layout
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "another layout"], cwd=alice.tree, check=True, capture_output=True)
    assert alice("check").stdout.splitlines()[-1].startswith("Sync: the catalogue matches the last sync (commit ")
    path.write_text(yaml.safe_dump({**record, "status": "completed"}, default_flow_style=True, width=80))
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "a change"], cwd=alice.tree, check=True, capture_output=True)
    assert alice("check").stdout.splitlines()[-1].endswith(
        "1 record changed since the last sync (commit " + subprocess.run(
            ["git", "rev-parse", "--short=7", "HEAD"], cwd=alice.tree, capture_output=True, text=True,
            check=True).stdout.strip() + "): `mieux sync` shares them.")


def test_sync_json_says_what_came_and_from_whom(team):
    alice, bob, _ = team
    alice("remove", FACT, "--yes")
    synced(alice)
    result = bob("sync", "--json")
    data = json.loads(result.stdout)
    assert (data["committed"], data["change"], data["conflicts"], data["pushed"], data["offline"]) == ([], 1, [], False, None)
    assert [(c["op"], c["id"], c["by"]) for c in data["brought"]] == [("remove", FACT, "alice")]
    history = json.loads(bob("history", "--json").stdout)
    assert [(c["op"], c["id"], c["by"]) for c in history[0]["changes"]] == [("remove", FACT, "alice")]
    checked = json.loads(bob("check", "--json").stdout)["sync"]
    assert (checked["changed"], checked["conflicts"]) == ([], 0)


def test_the_region_follows_the_countries_an_answer_takes(team):
    alice, bob, _ = team
    alice("edit", ACTION, "--set", "countries=BJ", "--set", "region=")  # an empty region: derived again
    bob("edit", ACTION, "--set", "countries=TH", "--set", "region=")
    regions = alice.records()[ACTION]["region"], bob.records()[ACTION]["region"]
    assert regions[0] != regions[1]  # each derived from the countries
    synced(alice)
    result = bob("sync")
    assert result.exit_code == 1
    conflicts = [line for line in result.stdout.splitlines() if line.startswith("Conflict:")]
    assert conflicts == [f"Conflict: {ACTION}:countries: yours '[TH]', alice's '[BJ]'."]  # not the region too
    assert bob("sync", "--take", "theirs").exit_code == 0
    record = bob.records()[ACTION]
    assert (record["countries"], record["region"]) == (["BJ"], regions[0])


def test_a_merge_that_would_break_a_rule_changes_nothing_and_says_which(team):
    alice, bob, _ = team
    alice("edit", ACTION, "--set", "start=2021")
    bob("edit", ACTION, "--set", "end=2015")  # each valid alone; merged, the end comes before the start
    synced(alice)
    before = bob.db.read_bytes()
    result = bob("sync")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: Merged, {ACTION} would break a rule: end: ")
    assert result.stderr.endswith(f"Change it on one side (`mieux edit {ACTION}`), then sync again.\n")
    assert bob.db.read_bytes() == before
