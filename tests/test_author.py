"""add, edit and remove, as a person and as a script would use them."""

import json
import os
import pty
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pexpect
import pytest
from conftest import at_question, interrupt, read_bytes

from mieux_cli.errors import MieuxError
from mieux_cli.storage.catalogue_file import Store

# A practice typed at the prompts (one question per field, in the schema's order): a wrong
# country first, then corrected.
PRACTICE_ANSWERS = [
    ("Title", "Peer review of asylum files"),
    ("Summary", "Experts reviewed 40 asylum files with the national office."),
    ("Why it worked", "Files were reviewed together, not in theory"),
    ("Presented as", "2"),  # number 2 in the menu: a highlight of results
    ("Start", "2019"),
    ("End", ""),
    ("Countries", "Atlantis"),  # refused ...
    ("Countries", "costa rica, MX"),  # ... and asked again
    ("Took part", ""),
    ("Partner 1", "Asylum office | counterpart | CR | agency"),  # a whole item in one line
    ("Partner 2", ""),
    ("Thematic areas", "3"),  # number 3 in the menu is IP
    ("Specific areas", "ASY"),
    ("GCM objectives", "12"),
    ("Guiding principles", "human-rights"),
    (r"Results \[1\]", "Faster first-instance decisions"),
    (r"Results \[2\]", ""),
    ("Figure 1", "files reviewed"),  # a figure part by part: its label ...
    ("value", "40"),  # ... its value ...
    ("unit", "files"),
    ("as_of", "2019"),
    ("source", ""),
    ("Figure 2", ""),
    ("From actions", "cr integration"),  # by words of the title
    ("Actions not yet in the catalogue", ""),
    ("Reported at", "mexico city"),
    ("Tags", "asylum"),
    ("Notes", ""),
    ("Source 1", "MIEUX final report | ICMPD | 2020"),
    ("Source 2", ""),
    ("Other value 1", ""),
    (r"ID \[prc-peer-review-asylum-files\]", ""),  # accept the suggested ID
    (r"Save this practice\? \[Y/n/field name to change\]", "y"),
]
ANSWERS = [answer for _, answer in PRACTICE_ANSWERS]


def test_add_interactively_corrects_a_wrong_answer_and_shows_the_record_before_saving(cli):
    result = cli("add", "practice", input="\n".join(ANSWERS) + "\n")
    assert result.exit_code == 0, result.output
    assert ("Countries: Atlantis\n  Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n"
            "Countries: costa rica, MX\n") in result.stdout
    assert "Linked records:     came from action: act-cr-integration-plans" in result.stdout
    assert "Save this practice? [Y/n/field name to change]:" in result.stdout
    assert result.stderr == "Added prc-peer-review-asylum-files.\n"
    record = Store(cli.db).load().by_id["prc-peer-review-asylum-files"]
    assert record["countries"] == ["CR", "MX"] and record["region"] == "LAC"
    assert record["themes"] == ["IP"] and record["areas"] == ["ASY"] and record["gcm"] == [12]
    assert record["actions"] == ["act-cr-integration-plans"]
    assert record["event"] == "evt-2018-mexico-city-roundtable"
    assert record["sources"] == [{"title": "MIEUX final report", "publisher": "ICMPD", "date": "2020", "url": None,
                                  "language": None, "accessed": None, "page": None, "file": None}]
    assert record["partners"] == [{"name": "Asylum office", "role": "counterpart", "country": "CR", "kind": "agency",
                                   "ref": None}]
    assert record["figures"] == [{"label": "files reviewed", "value": 40, "unit": "files", "as_of": "2019", "source": None}]
    assert Store(cli.db).history()[-1]["command"] == f"mieux --db {cli.db} add practice"


def test_input_ending_early_writes_nothing_and_never_hangs(cli):
    before = read_bytes(cli.db)
    result = cli("add", "practice", input="Half a record\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The input ended before the record was complete: nothing was written. Your answers are kept: "
        f"`mieux --db {cli.db} add practice --resume` asks the rest. In scripts, give the fields as options with "
        "--no-input, or use --from FILE.\n"
    )
    assert read_bytes(cli.db) == before


def test_declining_to_save_writes_nothing(cli):
    before = read_bytes(cli.db)
    answers = ANSWERS[:-1] + ["n"]
    result = cli("add", "practice", input="\n".join(answers) + "\n")
    assert (result.exit_code, result.stderr) == (0, "Not saved: nothing was written.\n")
    assert read_bytes(cli.db) == before


def test_add_with_options_and_no_input(cli):
    result = cli("add", "fact", "--title", "Share of activities", "--text", "A third of activities in 2017.",
                 "--start", "2017", "--region", "lac", "--source", "MIEUX article", "--no-input")
    assert (result.exit_code, result.stderr) == (0, "Added fct-share-activities.\n")
    record = Store(cli.db).load().by_id["fct-share-activities"]
    assert (record["region"], record["start"], record["sources"][0]["title"]) == ("LAC", "2017", "MIEUX article")


def test_no_input_lists_the_missing_fields(cli):
    before = read_bytes(cli.db)
    result = cli("add", "practice", "--title", "Something", "--no-input")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: A practice needs summary, sources. Give --summary ... --source ... (or run without --no-input to be asked).\n"
    )
    assert read_bytes(cli.db) == before


def test_bad_option_values_are_explained(cli):
    result = cli("add", "action", "--title", "T", "--summary", "S", "--status", "finished", "--source", "x",
                 "--country", "Atlantis", "--no-input")
    assert result.exit_code == 2
    assert result.stderr == "Error: --country: Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n"
    result = cli("add", "fact", "--why", "because", "--no-input")
    assert result.stderr == "Error: --why is for practices: a fact has no 'Why it worked'. Leave out --why for a fact.\n"


def test_an_id_clash_is_refused_with_a_free_one(cli):
    result = cli("add", "fact", "--id", "fct-lac-share-of-activities-2017", "--title", "T", "--text", "T",
                 "--source", "S", "--no-input")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The ID 'fct-lac-share-of-activities-2017' is taken by \"LAC share of MIEUX activities in 2017\". "
        "Choose another, for example 'fct-lac-share-of-activities-2017-2'.\n"
    )


def test_the_suggested_id_avoids_taken_ones(cli):
    for _ in range(2):
        cli("add", "fact", "--title", "Same title", "--text", "T", "--source", "S", "--no-input")
    ids = [r["id"] for r in Store(cli.db).load().records if r["id"].startswith("fct-same-title")]
    assert ids == ["fct-same-title", "fct-same-title-2"]


def test_answers_from_a_pipe_are_echoed_after_their_questions(db):
    """The output of a piped session reads like the same session on a terminal."""
    before = read_bytes(db)
    result = subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(db), "add", "practice"],
                            input="Peer review of asylum files\n\n", capture_output=True, text=True, check=False)
    assert result.stdout.splitlines() == [
        "Title: a short title (e.g. Costa Rica: National Integration Plans)",
        "Title: Peer review of asylum files",
        ("Summary: what was done, with whom, and what came of it, in a paragraph (e.g. MIEUX supported the "
         "National Institute of Migration in ...)"),
        "Summary: ",
        "  This one is required.",
        "Summary: ",
    ]
    assert result.returncode == 2 and result.stderr.startswith("Error: The input ended before the record was complete")
    assert read_bytes(db) == before


def _spawn(db, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR",)}
    env["TERM"] = "dumb"
    return pexpect.spawn(sys.executable, ["-m", "mieux_cli", "--db", str(db), *args], cwd=str(db.parent),
                         env=env, encoding="utf-8", timeout=20, dimensions=(50, 120))


def test_add_in_a_real_terminal_as_a_person_types(db):
    child = _spawn(db, "add", "practice")
    for prompt, answer in PRACTICE_ANSWERS:
        child.expect(prompt + r".*: ")
        child.sendline(answer)
        if answer == "Atlantis":
            child.expect("Unknown country 'Atlantis'")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "prc-peer-review-asylum-files" in Store(db).load().by_id


def test_ctrl_c_in_a_terminal_writes_nothing(db):
    before = read_bytes(db)
    child = _spawn(db, "add", "action")
    at_question(child, "Title")
    child.sendline("An action that will not be saved")
    at_question(child, "Summary")
    interrupt(child, "Cancelled: nothing was written.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert read_bytes(db) == before


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """A scripted editor: each run applies the next of the given Python edits to the file (the
    last one again for any later run). An edit giving bytes writes them as they are; one giving
    None deletes the file."""
    script = tmp_path / "editor.py"
    counter = tmp_path / "runs"

    def use(*edits):
        script.write_text(textwrap.dedent(f"""\
            import sys, pathlib
            counter = pathlib.Path({str(counter)!r})
            run = int(counter.read_text()) if counter.exists() else 0
            counter.write_text(str(run + 1))
            edits = {list(edits)!r}
            path = pathlib.Path(sys.argv[1])
            text = path.read_text(encoding="utf-8")
            pathlib.Path({str(tmp_path / 'seen')!r} + str(run)).write_text(text, encoding="utf-8")
            result = eval(edits[min(run, len(edits) - 1)], {{"text": text, "run": run}})
            if result is None:
                path.unlink()
            elif isinstance(result, bytes):
                path.write_bytes(result)
            else:
                path.write_text(result, encoding="utf-8")
            """))
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
        return tmp_path

    use.runs = lambda: int(counter.read_text()) if counter.exists() else 0
    return use


def edit_at_a_terminal(db, *args):
    """`mieux edit` as a person runs it: standard input is a terminal; what it prints is captured."""
    leader, follower = pty.openpty()
    try:
        return subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(db), "edit", *args], stdin=follower,
                              capture_output=True, text=True, timeout=60, cwd=db.parent, check=False)
    finally:
        os.close(leader)
        os.close(follower)


def test_edit_in_the_editor_validates_reopens_with_the_error_and_saves(db, editor):
    seen = editor(
        "text.replace('- CR', '- Atlantis')",  # a mistake ...
        "text.replace('- Atlantis', '- Costa Rica').replace('status: unknown', 'status: ongoing')",  # ... fixed
    )
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Changed act-cr-integration-plans: status.\n"
    first = (seen / "seen0").read_text()
    assert first.startswith("# Editing act-cr-integration-plans (action).")
    assert "\ntitle: 'Costa Rica: first and second National Integration Plans'\n" in first
    second = (seen / "seen1").read_text()
    first_line, *_ = second.splitlines()
    assert first_line.startswith("# ERROR: line ") and first_line.endswith(
        ": countries: Unknown country 'Atlantis'. See `mieux vocab countries` for the list.")
    named = int(first_line.split()[3].rstrip(":"))
    assert second.splitlines()[named - 1] == "countries:"  # the line the error names, counted in the text shown
    assert second.splitlines()[1].startswith("# Fix what these errors name")
    assert Store(db).load().by_id["act-cr-integration-plans"]["status"] == "ongoing"


def test_edit_left_unchanged_writes_nothing(db, editor):
    editor("text")
    before = read_bytes(db)
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert (result.returncode, result.stderr) == (0, "No changes: nothing was written.\n")
    assert read_bytes(db) == before


def test_edit_abandoned_after_an_error_writes_nothing(db, editor):
    editor("text.replace('status: unknown', 'status: maybe')", "text")
    before = read_bytes(db)
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert (result.returncode, result.stderr) == (2, "Error: Edit abandoned: the record was left as it was.\n")
    assert read_bytes(db) == before


def test_edit_refuses_without_a_terminal_and_points_to_set(cli, editor):
    editor("text.replace('status: unknown', 'status: ongoing')")
    before = read_bytes(cli.db)
    result = cli("edit", "act-cr-integration-plans")  # standard input is not a terminal here
    assert (result.exit_code, result.stderr) == (2, (
        "Error: `mieux edit` opens an editor, which needs a terminal, and standard input is not one. "
        "In scripts, set fields with --set FIELD=VALUE.\n"))
    assert editor.runs() == 0 and read_bytes(cli.db) == before
    closed = subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(cli.db), "edit", "act-cr-integration-plans"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=cli.db.parent, check=False)
    assert (closed.returncode, closed.stderr) == (2, result.stderr)
    assert editor.runs() == 0 and read_bytes(cli.db) == before


def test_an_editor_command_that_cannot_be_parsed_is_one_line(db, monkeypatch):
    before = read_bytes(db)
    monkeypatch.setenv("VISUAL", "vi 'x")
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert (result.returncode, result.stderr) == (2, (
        "Error: Cannot read the editor command in $VISUAL (vi 'x): No closing quotation. "
        "Set VISUAL or EDITOR to your editor, for example: export EDITOR=nano.\n"))
    assert read_bytes(db) == before


def test_an_editor_that_saves_latin_1_is_read_as_latin_1(db, editor):
    editor("text.replace('Costa Rica: first', 'Costa Rica: Año first').encode('latin-1')")
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert (result.returncode, result.stderr) == (0, (
        "Your editor saved the file in an encoding other than UTF-8; it was read as Windows-1252 (Latin-1).\n"
        "Changed act-cr-integration-plans: title.\n"))
    assert Store(db).load().by_id["act-cr-integration-plans"]["title"] == "Costa Rica: Año first and second National Integration Plans"


def test_an_editor_that_deletes_its_file_writes_nothing(db, editor):
    editor("None")
    before = read_bytes(db)
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert (result.returncode, result.stderr) == (2, "Error: The editor deleted the file: nothing was written.\n")
    assert read_bytes(db) == before


def test_an_editor_saving_invalid_text_is_run_five_times_and_the_text_kept(db, editor):
    editor("text.replace('- CR', '- Atlantis')", "text + f'# try {run}\\n'")  # never fixed, changed each time
    before = read_bytes(db)
    result = edit_at_a_terminal(db, "act-cr-integration-plans")
    assert editor.runs() == 5
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    prefix = "Error: The record still has problems after 5 tries: nothing was written. Your text is kept in "
    assert result.stderr.startswith(prefix) and result.stderr.endswith(".\n")
    kept = Path(result.stderr[len(prefix):-2])
    assert kept.read_text().startswith("# ERROR: line ") and ": countries: Unknown country 'Atlantis'." in kept.read_text()
    assert "- Atlantis\n" in kept.read_text() and kept.read_text().endswith("# try 4\n")
    assert read_bytes(db) == before
    kept.unlink()


def test_edit_with_set(cli):
    result = cli("edit", "prc-cr-integration-shared-responsibility", "--set", "gcm=16; 17; 3", "--set", "figure=1")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: A practice has no field 'figure'.")
    result = cli("edit", "prc-cr-integration-shared-responsibility", "--set", "gcm=16; 17; 3", "--set", "tags=")
    assert (result.exit_code, result.stderr) == (0, "Changed prc-cr-integration-shared-responsibility: gcm, tags.\n")
    record = Store(cli.db).load().by_id["prc-cr-integration-shared-responsibility"]
    assert (record["gcm"], record["tags"]) == ([3, 16, 17], [])
    result = cli("edit", "prc-cr-integration-shared-responsibility", "--set", "id=prc-new")
    assert result.stderr == "Error: The id of a record cannot be changed here. Use `mieux rename`.\n"


def test_remove_refuses_while_linked_and_force_unlinks(cli):
    result = cli("remove", "evt-2018-mexico-city-roundtable", "--yes")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 5 records link to 'evt-2018-mexico-city-roundtable': prc-cr-integration")
    result = cli("remove", "evt-2018-mexico-city-roundtable", "--force", input="y\n")
    assert result.exit_code == 0
    assert "Remove evt-2018-mexico-city-roundtable \"Regional Knowledge Sharing Round-table" in result.stdout
    catalogue = Store(cli.db).load()
    assert "evt-2018-mexico-city-roundtable" not in catalogue.by_id
    assert all(r.get("event") is None for r in catalogue.records if r["kind"] == "practice")


def test_remove_asks_first(cli):
    before = read_bytes(cli.db)
    result = cli("remove", "fct-lac-regional-integration", input="maybe\nn\n")
    assert (result.exit_code, result.stderr) == (0, "Nothing was removed.\n")
    question = 'Remove fct-lac-regional-integration "Comparatively high regional integration in LAC"? [y/N]: '
    assert result.stdout == f"{question}maybe\n  Answer y or n.\n{question}n\n"
    assert read_bytes(cli.db) == before
    result = cli("remove", "fct-lac-regional-integration", input="")
    assert result.exit_code == 2 and read_bytes(cli.db) == before


def test_add_from_a_file(cli, tmp_path):
    path = tmp_path / "new.json"
    path.write_text(json.dumps([
        {"id": "fct-one", "kind": "fact", "title": "One", "text": "T", "sources": ["S"]},
        {"id": "fct-two", "kind": "fact", "title": "Two", "text": "T", "sources": ["S"]},
    ]))
    result = cli("add", "--from", str(path))
    assert (result.exit_code, result.stderr) == (0, "Added 2 records: fct-one, fct-two.\n")
    result = cli("add", "--from", str(path))
    assert result.exit_code == 2 and "is taken" in result.stderr


def test_rename_updates_every_link_keeps_the_old_id_and_can_be_undone(cli, tmp_path):
    result = cli("rename", "act-cr-integration-plans", "act-cr-national-integration-plans")
    assert (result.exit_code, result.stderr) == (0, (
        "Renamed act-cr-integration-plans to act-cr-national-integration-plans; 3 records linking to it updated. "
        "`mieux undo` reverts it.\n"))
    catalogue = Store(cli.db).load()
    assert catalogue.by_id["act-cr-national-integration-plans"]["aliases"] == ["act-cr-integration-plans"]
    linking = [r["id"] for r in catalogue.records if "act-cr-national-integration-plans" in r.get("actions", [])]
    assert linking == ["prc-cr-integration-shared-responsibility", "prc-cr-inter-institutional-working-groups",
                       "fct-cr-plan-spawned-aqui-todos-somos-migrantes"]
    # the old ID still finds it, with a notice
    result = cli("show", "act-cr-integration-plans")
    assert result.stdout.startswith("Costa Rica: first and second National Integration Plans  (action act-cr-national-integration-plans)")
    assert result.stderr == ("'act-cr-integration-plans' was renamed 'act-cr-national-integration-plans'; use the new ID "
                             "from now on.\n")
    assert "Former IDs:" in result.stdout
    # undo takes it back, links and all; undo again (a redo) renames it again
    assert cli("undo", "--yes").exit_code == 0
    catalogue = Store(cli.db).load()
    assert "act-cr-integration-plans" in catalogue.by_id and "act-cr-national-integration-plans" not in catalogue.by_id
    assert catalogue.by_id["prc-cr-integration-shared-responsibility"]["actions"] == ["act-cr-integration-plans"]
    assert cli("undo", "--yes").exit_code == 0
    assert "act-cr-national-integration-plans" in Store(cli.db).load().by_id
    # a file that links to the old ID imports, and the link follows the rename
    path = tmp_path / "new.yaml"
    path.write_text("id: prc-new\nkind: practice\ntitle: New\nsummary: S\nsources: [S]\nactions: [act-cr-integration-plans]\n")
    assert cli("import", str(path)).exit_code == 0
    assert Store(cli.db).load().by_id["prc-new"]["actions"] == ["act-cr-national-integration-plans"]
    # a new record cannot take the old ID
    result = cli("add", "fact", "--id", "act-cr-integration-plans", "--title", "T", "--text", "T", "--source", "S", "--no-input")
    assert result.exit_code == 2 and "(it was its ID before `mieux rename`)" in result.stderr
    # the export writes the former ID
    cli("export", "--output", str(tmp_path / "out"))
    assert "aliases:\n- act-cr-integration-plans\n" in (tmp_path / "out" / "actions" / "act-cr-national-integration-plans.yaml").read_text()


def test_rename_refuses_a_taken_or_bad_id_and_changes_nothing(cli):
    before = read_bytes(cli.db)
    result = cli("rename", "act-cr-integration-plans", "act-do-migration-school-journalists")
    assert result.exit_code == 2 and result.stderr.startswith("Error: The ID 'act-do-migration-school-journalists' is taken by")
    result = cli("rename", "act-cr-integration-plans", "Not An ID")
    assert result.exit_code == 2 and result.stderr.startswith("Error: NEW: 'Not An ID' is not a valid ID")
    result = cli("rename", "act-nowhere", "act-somewhere")
    assert result.exit_code == 2 and result.stderr.startswith("Error: No record with ID 'act-nowhere'.")
    assert read_bytes(cli.db) == before


@pytest.mark.parametrize("new_id", ["", "   ", "\t"])
def test_rename_to_an_empty_id_is_refused_and_the_record_and_its_links_stay(cli, new_id):
    """An unset shell variable gives "": the record was stored with an ID of None, vanished from
    every read, and took the links to it along."""
    before = read_bytes(cli.db)
    result = cli("rename", "act-cr-integration-plans", new_id)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", (
        "Error: NEW: the new ID is empty; give lowercase letters, digits and single hyphens "
        "(for example act-cr-integration-plans).\n"))
    assert read_bytes(cli.db) == before


def test_no_change_can_store_a_record_that_reads_would_set_aside(cli):
    from mieux_cli.storage.history import Change, commit

    before = read_bytes(cli.db)

    def plan(catalogue):
        record = catalogue.by_id["fct-lac-regional-integration"]
        return [Change("update", record["id"], record, {**record, "id": None})]

    with pytest.raises(MieuxError, match="Refused to save 'fct-lac-regional-integration': the record has no ID"):
        commit(Store(cli.db), plan, "test")
    assert read_bytes(cli.db) == before


def test_a_colleague_s_export_after_a_rename_renames_the_record_here_too(cli, tmp_path):
    import shutil

    from test_schema import run

    colleague = tmp_path / "colleague.json"
    shutil.copy(cli.db, colleague)
    run(colleague, "rename", "fct-lac-regional-integration", "fct-lac-high-regional-integration")
    run(colleague, "export", "--output", str(tmp_path / "shared"))
    own = cli.db
    result = cli("import", str(tmp_path / "shared"), "--dry-run")
    assert "rename  fct-lac-regional-integration -> fct-lac-high-regional-integration\n" in result.stdout
    assert cli("import", str(tmp_path / "shared")).exit_code == 0
    catalogue = Store(own).load()
    assert "fct-lac-regional-integration" not in catalogue.by_id
    assert catalogue.get("fct-lac-regional-integration")["id"] == "fct-lac-high-regional-integration"
    # an old file under the former ID is refused, not brought back beside the renamed record
    stale = tmp_path / "stale.yaml"
    stale.write_text("id: fct-lac-regional-integration\nkind: fact\ntitle: Old\ntext: T\nsources: [S]\n")
    result = cli("import", str(stale))
    assert result.exit_code == 2
    assert "id: 'fct-lac-regional-integration' was renamed 'fct-lac-high-regional-integration'" in result.stderr


def test_an_edit_in_the_editor_keeps_what_someone_saved_meanwhile_in_other_fields(db, editor):
    """The editor stays open while a colleague sets another field: both changes are kept."""
    other = f"{sys.executable} -m mieux_cli --db {db} edit fct-lac-regional-integration --set tags=colleague"
    editor(f"__import__('subprocess').run({other!r}, shell=True, check=True, capture_output=True) and None or "
           "text.replace('title: Comparatively high', 'title: Still comparatively high')")
    result = edit_at_a_terminal(db, "fct-lac-regional-integration")
    assert (result.returncode, result.stderr) == (0, "Changed fct-lac-regional-integration: title.\n")
    record = Store(db).load().by_id["fct-lac-regional-integration"]
    assert (record["title"], record["tags"]) == ("Still comparatively high regional integration in LAC", ["colleague"])


def test_the_same_field_changed_meanwhile_is_a_conflict_that_loses_nothing(db, editor):
    other = f"{sys.executable} -m mieux_cli --db {db} edit fct-lac-regional-integration --set 'title=By a colleague'"
    editor(f"__import__('subprocess').run({other!r}, shell=True, check=True, capture_output=True) and None or "
           "text.replace('title: Comparatively high', 'title: Mine, comparatively high')")
    result = edit_at_a_terminal(db, "fct-lac-regional-integration")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "Error: 'fct-lac-regional-integration' was changed by someone else while you edited it: title is now "
        "'By a colleague', you wrote 'Mine, comparatively high regional integration in LAC'. Nothing was saved. "
        "Your text is kept in ")
    kept = Path(result.stderr.split("Your text is kept in ", 1)[1].split(". Run ", 1)[0])
    assert "title: Mine, comparatively high regional integration in LAC" in kept.read_text()
    assert Store(db).load().by_id["fct-lac-regional-integration"]["title"] == "By a colleague"


def test_a_yaml_error_names_its_line_in_the_text_shown_again(cli, editor):
    seen = editor("text.replace('title: ', 'title: [unclosed ', 1)", "text")
    edit_at_a_terminal(cli.db, "fct-lac-regional-integration")
    again = (seen / "seen1").read_text().splitlines()
    named = int(again[0].split()[3].rstrip(":"))
    assert again[0].startswith("# ERROR: line ") and "not valid YAML" in again[0]
    assert again[named - 1].startswith("title: [unclosed") or again[named - 2].startswith("title: [unclosed")


@pytest.mark.slow
def test_eight_people_setting_different_fields_of_one_record_at_once_keep_every_change(db):
    import subprocess

    fields = {"title": "T", "text": "X", "notes": "N", "start": "2017", "end": "2019", "tags": "a; b",
              "region": "EN", "themes": "HO"}
    for round_ in range(5):
        processes = [subprocess.Popen([sys.executable, "-m", "mieux_cli", "--db", str(db), "edit",
                                       "fct-lac-regional-integration", "--set", f"{field}={value} {round_}"
                                       if field not in ("start", "end", "region", "themes") else f"{field}={value}"],
                                      stderr=subprocess.PIPE, env={**os.environ, "MIEUX_LOCK_TIMEOUT": "60"})
                     for field, value in fields.items()]
        for process in processes:
            assert process.wait() == 0, process.stderr.read()
        record = Store(db).load().by_id["fct-lac-regional-integration"]
        assert (record["title"], record["text"], record["notes"]) == (f"T {round_}", f"X {round_}", f"N {round_}")
        assert (record["start"], record["end"], record["region"], record["themes"], record["tags"]) == \
            ("2017", "2019", "EN", ["HO"], ["a", f"b {round_}"])


def test_set_sources_reads_every_part_of_a_source(cli):
    result = cli("edit", "fct-lac-regional-integration", "--set", "sources=Report | ICMPD | 2019 | https://example.org/r")
    assert (result.exit_code, result.stderr) == (0, "Changed fct-lac-regional-integration: sources.\n")
    source = Store(cli.db).load().by_id["fct-lac-regional-integration"]["sources"][0]
    assert (source["title"], source["publisher"], source["date"], source["url"]) == (
        "Report", "ICMPD", "2019", "https://example.org/r")


def test_an_id_suggested_from_letters_that_decompose_to_capitals_is_an_id():
    from mieux_cli.authoring.plans import suggest_id

    assert suggest_id("fact", "ℌello from 𝐇ouse", {}) == "fct-hello-from-house"  # was fct-Hello-from-House, refused


def test_add_does_not_ask_the_country_of_a_place_that_names_it(db):
    """The region is not asked when the countries give it; nor is the place's country when the
    place ends in it ("Accra, Ghana"), and it is asked for one that does not ("Bangkok")."""
    for place, asked, country in (("Accra, Ghana", False, "GH"), ("Bangkok", True, "TH")):
        child = _spawn(db, "add", "event", "--title", f"Seminar in {place}", "--summary", "A seminar.",
                       "--source", "Notes")
        for question in ("Status", "Status as of", "Start", "End"):
            at_question(child, question)
            child.sendline("")
        at_question(child, "Place")
        child.sendline(place)
        found = child.expect([r"Place's country: [^\r\n]+\r\n", r"Countries: [^\r\n]+\r\n"])
        assert found == (0 if asked else 1), place
        if asked:
            child.expect_exact("Place's country: ")
            child.sendline("Thailand")
        while child.expect([r": $", r"\n> $", r"\? \[[^\]]*\] $", pexpect.EOF]) != 3:  # skip the rest, then save
            child.sendline("y" if child.after.startswith("?") else "")
        child.close()
        assert child.exitstatus == 0
        saved = [r for r in Store(db).load().records if r["title"] == f"Seminar in {place}"]
        assert [r["place_country"] for r in saved] == [country]
