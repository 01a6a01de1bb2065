"""add, edit and remove, as a person and as a script would use them."""

import json
import os
import stat
import sys
import textwrap

import pexpect
import pytest
from conftest import read_bytes

from mieux_cli.store import Store

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
    (r"Save this practice\? \[Y/n\]", "y"),
]
ANSWERS = [answer for _, answer in PRACTICE_ANSWERS]


def test_add_interactively_corrects_a_wrong_answer_and_shows_the_record_before_saving(cli):
    result = cli("add", "practice", input="\n".join(ANSWERS) + "\n")
    assert result.exit_code == 0, result.output
    assert ("Countries: Atlantis\n  Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n"
            "Countries: costa rica, MX\n") in result.stdout
    assert "Linked records:     came from action: act-cr-integration-plans" in result.stdout
    assert "Save this practice? [Y/n]:" in result.stdout
    assert result.stderr == "Added prc-peer-review-asylum-files.\n"
    record = Store(cli.db).load().by_id["prc-peer-review-asylum-files"]
    assert record["countries"] == ["CR", "MX"] and record["region"] == "LAC"
    assert record["themes"] == ["IP"] and record["areas"] == ["ASY"] and record["gcm"] == [12]
    assert record["actions"] == ["act-cr-integration-plans"]
    assert record["event"] == "evt-2018-mexico-city-roundtable"
    assert record["sources"] == [{"title": "MIEUX final report", "publisher": "ICMPD", "date": "2020", "url": None,
                                  "language": None, "accessed": None, "page": None, "file": None}]
    assert record["partners"] == [{"name": "Asylum office", "role": "counterpart", "country": "CR", "kind": "agency"}]
    assert record["figures"] == [{"label": "files reviewed", "value": 40, "unit": "files", "as_of": "2019", "source": None}]
    assert Store(cli.db).history()[-1]["command"] == f"mieux --db {cli.db} add practice"


def test_input_ending_early_writes_nothing_and_never_hangs(cli):
    before = read_bytes(cli.db)
    result = cli("add", "practice", input="Half a record\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The input ended before the record was complete: nothing was written. In scripts, give the fields "
        "as options with --no-input, or use --from FILE.\n"
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
    child.expect("Title.*: ")
    child.sendline("An action that will not be saved")
    child.expect("Summary.*: ")
    child.sendintr()
    child.expect("Cancelled: nothing was written.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert read_bytes(db) == before


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """A scripted editor: each run applies the next of the given Python edits to the file."""
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
            text = path.read_text()
            pathlib.Path({str(tmp_path / 'seen')!r} + str(run)).write_text(text)
            path.write_text(eval(edits[run], {{"text": text}}))
            """))
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
        return tmp_path

    return use


def test_edit_in_the_editor_validates_reopens_with_the_error_and_saves(cli, editor):
    seen = editor(
        "text.replace('- CR', '- Atlantis')",  # a mistake ...
        "text.replace('- Atlantis', '- Costa Rica').replace('status: unknown', 'status: ongoing')",  # ... fixed
    )
    result = cli("edit", "act-cr-integration-plans")
    assert result.exit_code == 0, result.output
    assert result.stderr == "Changed act-cr-integration-plans: status.\n"
    first = (seen / "seen0").read_text()
    assert first.startswith("# Editing act-cr-integration-plans (action).")
    assert "\ntitle: 'Costa Rica: first and second National Integration Plans'\n" in first
    second = (seen / "seen1").read_text()
    assert second.startswith("# ERROR: countries: Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n")
    assert Store(cli.db).load().by_id["act-cr-integration-plans"]["status"] == "ongoing"


def test_edit_left_unchanged_writes_nothing(cli, editor):
    editor("text")
    before = read_bytes(cli.db)
    result = cli("edit", "act-cr-integration-plans")
    assert (result.exit_code, result.stderr) == (0, "No changes: nothing was written.\n")
    assert read_bytes(cli.db) == before


def test_edit_abandoned_after_an_error_writes_nothing(cli, editor):
    editor("text.replace('status: unknown', 'status: maybe')", "text")
    before = read_bytes(cli.db)
    result = cli("edit", "act-cr-integration-plans")
    assert (result.exit_code, result.stderr) == (2, "Error: Edit abandoned: the record was left as it was.\n")
    assert read_bytes(cli.db) == before


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
    result = cli("remove", "fct-lac-regional-integration", input="n\n")
    assert (result.exit_code, result.stderr) == (0, "Nothing was removed.\n")
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
    assert cli("undo").exit_code == 0
    catalogue = Store(cli.db).load()
    assert "act-cr-integration-plans" in catalogue.by_id and "act-cr-national-integration-plans" not in catalogue.by_id
    assert catalogue.by_id["prc-cr-integration-shared-responsibility"]["actions"] == ["act-cr-integration-plans"]
    assert cli("undo").exit_code == 0
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
    cli("export", "--out", str(tmp_path / "out"))
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


def test_a_colleague_s_export_after_a_rename_renames_the_record_here_too(cli, tmp_path):
    import shutil

    from test_schema import run

    colleague = tmp_path / "colleague.json"
    shutil.copy(cli.db, colleague)
    run(colleague, "rename", "fct-lac-regional-integration", "fct-lac-high-regional-integration")
    run(colleague, "export", "--out", str(tmp_path / "shared"))
    own = cli.db
    result = cli("import", str(tmp_path / "shared"), "--dry-run")
    assert "add  fct-lac-high-regional-integration" in result.stdout
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
