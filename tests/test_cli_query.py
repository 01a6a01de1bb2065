"""list, search and show through the CLI, as a user sees them (plain output: CliRunner is not a terminal)."""

import json

from conftest import add_records
from typer.testing import CliRunner

from mieux_cli.cli.app import app


def test_first_use_creates_the_catalogue_in_the_data_directory(tmp_path):
    result = CliRunner().invoke(app, ["list", "--limit", "1"])
    path = tmp_path / "xdg-data" / "mieux" / "catalogue.json"
    assert result.exit_code == 0
    assert result.stderr == (f"Created your catalogue at {path} from the 24 shipped records.\n"
                             "1 of 24 records. Show more with --limit.\n")
    assert result.stdout.splitlines()[1].startswith("act-cr-integration-plans")
    assert CliRunner().invoke(app, ["list", "--limit", "1"]).stderr == "1 of 24 records. Show more with --limit.\n"


def test_db_option_and_environment_variable_choose_the_file(tmp_path):
    runner = CliRunner()
    runner.invoke(app, ["--db", str(tmp_path / "a.json"), "list"])
    runner.invoke(app, ["list"], env={"MIEUX_DB": str(tmp_path / "b.json")})
    assert (tmp_path / "a.json").exists() and (tmp_path / "b.json").exists()
    result = runner.invoke(app, ["--db", str(tmp_path / "missing" / "c.json"), "list"])
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: The folder {tmp_path / 'missing'} does not exist. Create it first, or choose another file with --db or MIEUX_DB.\n"
    )


def test_db_is_taken_after_the_command_too_by_every_command(tmp_path):
    from mieux_cli.cli.app import COMMAND_MODULES, _MieuxGroup

    runner = CliRunner()
    result = runner.invoke(app, ["list", "--db", str(tmp_path / "a.json"), "--limit", "1"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Created your catalogue at {tmp_path / 'a.json'} ")
    result = runner.invoke(app, ["--db", str(tmp_path / "a.json"), "show", "--db", str(tmp_path / "b.json"), "act-cr"])
    assert result.exit_code == 0 and (tmp_path / "b.json").exists()  # the one given last
    result = runner.invoke(app, ["add", "fact", "--title", "T", "--text", "T", "--source", "S", "--no-input",
                                 "--db", str(tmp_path / "a.json")])
    assert result.exit_code == 0
    assert runner.invoke(app, ["history", "--db", str(tmp_path / "a.json"), "--json"]).stdout.count('"n"') == 1
    group = _MieuxGroup()
    for name in COMMAND_MODULES:
        assert "--db" in {opt for p in group.get_command(None, name).params for opt in p.opts}, name


def test_list_summary_and_export_take_the_kind_as_an_option_as_search_does(cli):
    assert cli("list", "--kind", "actions").stdout == cli("list", "actions").stdout
    assert cli("list", "-k", "fact", "--json").stdout == cli("list", "facts", "--json").stdout
    assert cli("summary", "--kind", "practices").stdout == cli("summary", "practices").stdout
    assert cli("export", "--kind", "events", "--format", "json").stdout == \
        cli("export", "events", "--format", "json").stdout
    result = cli("list", "actions", "--kind", "facts")
    assert (result.exit_code, result.stderr) == (
        2, "Error: The kind is given twice, as actions and as --kind facts. Give it once.\n")


def test_a_damaged_catalogue_exits_3_without_a_traceback(cli):
    cli.db.write_text("{not json")
    result = cli("list")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: The catalogue {cli.db} is damaged (not valid JSON).")
    assert cli.db.read_text() == "{not json"


def test_list_shows_the_shipped_catalogue(cli):
    result = cli("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "KIND", "YEARS", "WHERE", "STATUS", "TITLE"]
    assert len(lines) == 1 + 24
    assert lines[1].startswith("act-cr-integration-plans ")


def test_list_practices_in_costa_rica(cli):
    result = cli("list", "practices", "--country", "costa rica")
    assert result.exit_code == 0
    assert result.stdout == (
        "ID                                         YEARS  WHERE  TITLE\n"
        "prc-cr-integration-shared-responsibility          CR     Integration understood as a shared responsibility of migrants and institutions\n"
        "prc-cr-inter-institutional-working-groups         CR     Inter-institutional working groups, and sharing the journey through adoption and implementation\n"
    )


def test_list_json_returns_full_records_with_their_action_ids(cli):
    result = cli("list", "practices", "--country", "costa rica", "--json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert [r["id"] for r in records] == ["prc-cr-integration-shared-responsibility", "prc-cr-inter-institutional-working-groups"]
    assert all(r["actions"] == ["act-cr-integration-plans"] for r in records)
    assert all(r["countries"] == ["CR"] and r["region"] == "LAC" for r in records)
    from mieux_cli.model.schema import names_of

    assert list(records[0]) == names_of(records[0]["kind"])


def test_an_unknown_country_exits_2_with_a_clear_message(cli):
    result = cli("list", "--country", "Atlantis")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "Error: Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n"


def test_a_misspelt_value_gets_a_did_you_mean(cli):
    result = cli("list", "--country", "Costa Rika")
    assert result.exit_code == 2
    assert "Did you mean 'Costa Rica'?" in result.stderr
    result = cli("list", "--theme", "IMX")
    assert result.stderr == "Error: Unknown thematic area 'IMX'. Did you mean 'IMT'? See `mieux vocab themes` for the list.\n"
    result = cli("list", "actons")
    assert result.stderr == "Error: Unknown record kind 'actons'. Did you mean 'actions'? See `mieux vocab kinds` for the list.\n"


def test_no_match_is_an_empty_result_not_an_error(cli):
    result = cli("list", "--country", "France")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "No records match. Try fewer filters.\n"
    assert json.loads(cli("list", "--country", "France", "--json").stdout) == []


def test_list_filters_sort_and_limit(cli):
    result = cli("list", "--area", "THB", "--area", "SOM", "--year", "2017", "--sort", "id", "--limit", "2", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["act-ibero-american-prosecutors-som-protocol", "fct-lac-interventions-focus-thb-som"]
    result = cli("list", "actions", "--sort", "colour")
    assert result.exit_code == 2
    assert result.stderr == "Error: Cannot sort by 'colour'. Use one of: kind, id, title, start, end, region.\n"


def test_search_unaccompanied_finds_the_mexico_work_first(cli):
    result = cli("search", "unaccompanied")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "act-mx-unaccompanied-children  action  Mexico: assistance and protection of unaccompanied migrant children"
    assert lines[1].startswith("    Faced with a 300% increase in reported flows of *Unaccompanied* Migrant Children")


def test_search_json_and_filters(cli):
    hits = json.loads(cli("search", "unaccompanied", "--kind", "practices", "--json").stdout)
    assert [h["id"] for h in hits] == ["prc-mx-regional-cooperation-unaccompanied-minors"]
    assert set(hits[0]) == {"id", "score", "snippet", "record"}
    assert hits[0]["record"]["event"] == "evt-2018-mexico-city-roundtable"


def test_search_tells_when_it_corrected_a_word(cli):
    result = cli("search", "integracion", "--limit", "1")
    assert result.stderr == ("No record contains 'integracion'; showing matches for 'integration' or 'reintegration'.\n"
                             "1 of 8 matches. Show more with --limit.\n")
    assert result.stdout.startswith("act-cr-integration-plans  action")


def test_show_a_fact(cli):
    result = cli("show", "fct-lac-share-of-activities-2017")
    assert result.exit_code == 0
    assert result.stdout == (
        "LAC share of MIEUX activities in 2017  (fact fct-lac-share-of-activities-2017)\n"
        "Text:    The weight of MIEUX's portfolio of Actions in Latin America and the Caribbean has grown exponentially "
        "since the launch of operations, representing 33% of activities in 2017.\n"
        "When:    2017\n"
        "Region:  LAC Latin America and the Caribbean\n"
        "Figures: share of MIEUX activities in Latin America and the Caribbean: 33% (as of 2017)\n"
        "Tags:    portfolio\n"
        "         mieux activities\n"
        "Sources: [1] Sharing good practices in Latin America and the Caribbean. 2018 (en; copy: sharing-good-practices-lac.txt)\n"
    )


def test_show_lists_links_in_both_directions(cli):
    action = cli("show", "act-cr-integration-plans").stdout
    assert "Linked records: good practice: prc-cr-integration-shared-responsibility" in action
    assert "good practice: prc-cr-inter-institutional-working-groups" in action
    assert "fact about it: fct-cr-plan-spawned-aqui-todos-somos-migrantes" in action
    practice = cli("show", "prc-cr-integration-shared-responsibility").stdout
    assert "came from action: act-cr-integration-plans Costa Rica: first and second National Integration Plans" in practice
    assert "reported at: evt-2018-mexico-city-roundtable" in practice
    event = json.loads(cli("show", "evt-2018-mexico-city-roundtable", "--json").stdout)
    assert {link["id"] for link in event["linked"]} == {
        "prc-prosecutors-revised-cooperation-protocol", "prc-cr-integration-shared-responsibility", "prc-cr-inter-institutional-working-groups",
        "prc-do-flexibility-local-adaptation", "prc-mx-regional-cooperation-unaccompanied-minors",
    }
    assert event["linked"][0]["relation"] == "practice reported here"


def test_show_an_unknown_id_suggests_the_closest(cli):
    result = cli("show", "act-cr-integraton")  # a typo, not the beginning of an ID
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: No record with ID 'act-cr-integraton'. Did you mean 'act-cr-integration-plans' or "
        "'fct-lac-regional-integration'? See `mieux list` for the IDs.\n"
    )


def test_user_text_is_never_markup_or_terminal_control(cli):
    add_records(cli.db, {"id": "fct-hostile", "kind": "fact", "title": "[bold]Loud[/bold] :smile: \x1b[31mred\x07",
                         "text": "[link=http://evil]click[/link] \u202eevil"})
    listed = cli("list", "facts", "--tag", "nothing-else").stdout + cli("list", "facts").stdout
    assert "[bold]Loud[/bold] :smile: \\x1b[31mred\\x07" in listed
    assert "\x1b" not in listed and "\x07" not in listed
    shown = cli("show", "fct-hostile").stdout
    assert "[link=http://evil]click[/link] \\u202eevil" in shown
    assert "\u202e" not in shown
    assert json.loads(cli("show", "fct-hostile", "--json").stdout)["title"] == "[bold]Loud[/bold] :smile: \x1b[31mred\x07"


FORGED = "#99  2026-01-01 00:00:00 UTC  alice  mieux remove act-cr-integration-plans"
INVISIBLE = "\u061c \u200b \u200c \u200d \u2060 \ufeff \U000e0041 \u2028 \u2029"
INVISIBLE_SHOWN = "\\u061c \\u200b \\u200c \\u200d \\u2060 \\ufeff \\U000e0041 \\u2028 \\u2029"


def test_user_text_cannot_forge_lines_in_history_show_and_check(cli):
    result = cli("edit", "fct-lac-regional-integration", "--set", f"title=Real title\n{FORGED}",
                 env={"LOGNAME": f"bob\n{FORGED}", "USER": "bob"})
    assert result.exit_code == 0, result.output
    for args in (("history",), ("history", "fct-lac-regional-integration"), ("show", "fct-lac-regional-integration"),
                 ("list", "facts"), ("search", "real title")):
        output = cli(*args).stdout
        assert not any(line.startswith("#99") for line in output.splitlines()), args
        assert "Real title #99" in output or args == ("history",), args  # the title goes on, on the same line
    history = cli("history").stdout.splitlines()
    assert history[0].endswith(f"UTC  bob {FORGED}  mieux --db {cli.db} edit fct-lac-regional-integration --set "
                               f"'title=Real title {FORGED}'")
    assert history[1] == "    changed fct-lac-regional-integration: title"
    from mieux_cli.storage.catalogue_file import Store

    # a record added by other means than mieux
    Store(cli.db).change(lambda tx: tx.add([{"id": "fct-raw", "kind": "fact", "title": "Raw", "countries": [f"XX\n{FORGED}"]}]))
    checked = cli("check").stdout
    assert not any(line.startswith("#99") for line in checked.splitlines())
    assert f"Unknown country 'XX {FORGED}'" in checked


def test_invisible_characters_are_shown_as_escapes(cli):
    add_records(cli.db, {"id": "fct-invisible", "kind": "fact", "title": f"Hidden {INVISIBLE} end", "text": f"T {INVISIBLE}"})
    for args in (("list", "facts"), ("show", "fct-invisible"), ("search", "hidden"), ("history",)):
        output = cli(*args).stdout
        assert not set(INVISIBLE) - {" "} & set(output), args
    assert f"Hidden {INVISIBLE_SHOWN} end" in cli("list", "facts").stdout
    assert f"Hidden {INVISIBLE_SHOWN} end  (fact fct-invisible)" in cli("show", "fct-invisible").stdout


def test_json_escapes_controls_and_invisible_characters_and_stays_valid(cli):
    title = "C1 \x9b[31m DEL \x7f bidi \u202e zero-width \u200b tag \U000e0041"
    add_records(cli.db, {"id": "fct-json", "kind": "fact", "title": title, "text": "T"})
    for args in (("list", "facts", "--json"), ("show", "fct-json", "--json"), ("search", "bidi", "--json")):
        text = cli(*args).stdout
        assert "C1 \\u009b[31m DEL \\u007f bidi \\u202e zero-width \\u200b tag \\udb40\\udc41" in text, args
        assert not {"\x9b", "\x7f", "\u202e", "\u200b", "\U000e0041"} & set(text), args
        parsed = json.loads(text)
        assert title in json.dumps(parsed, ensure_ascii=False), args


def test_an_id_can_be_given_by_its_unambiguous_beginning(cli):
    shown = cli("show", "act-cr")
    assert shown.exit_code == 0 and "(action act-cr-integration-plans)" in shown.stdout.splitlines()[0]
    assert json.loads(cli("show", "ACT-CR-INT", "--json").stdout)["id"] == "act-cr-integration-plans"
    assert cli("brief", "evt-2018-mex").stdout == cli("brief", "evt-2018-mexico-city-roundtable").stdout
    edited = cli("edit", "fct-lac-regional-int", "--set", "title=Changed")
    assert (edited.exit_code, edited.stderr) == (0, "Changed fct-lac-regional-integration: title.\n")
    assert cli("history", "fct-lac-regional-int").stdout.splitlines()[1] == "    changed fct-lac-regional-integration: title"
    removed = cli("remove", "fct-mx-leading", "--yes")
    assert (removed.exit_code, removed.stderr) == (0, "Removed fct-mx-leading-gcm-negotiations. `mieux undo` brings it back.\n")
    assert cli("history", "fct-mx-lead").stdout.splitlines()[1].startswith("    removed fct-mx-leading-gcm-negotiations ")


def test_an_ambiguous_beginning_names_the_ids_it_begins(cli):
    before = cli.db.read_bytes()
    for args in (("show", "prc-cr-in"), ("edit", "prc-cr-in", "--set", "title=X"), ("remove", "prc-cr-in", "--yes"),
                 ("history", "prc-cr-in"), ("brief", "prc-cr-in")):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (2, ""), args
        assert result.stderr == ("Error: 'prc-cr-in' is the beginning of 2 IDs: prc-cr-integration-shared-responsibility, "
                                 "prc-cr-inter-institutional-working-groups. Type more of the one you mean.\n"), args
    result = cli("show", "prc")
    assert result.stderr.startswith("Error: 'prc' is the beginning of 5 IDs: prc-cr-integration-shared-responsibility, ")
    assert result.stderr.endswith("prc-prosecutors-revised-cooperation-protocol. Type more of the one you mean.\n")
    assert cli.db.read_bytes() == before


def test_a_cut_result_says_how_many_there_are_in_all(cli):
    result = cli("search", "integration", "-n", "3")
    assert len([line for line in result.stdout.splitlines() if not line.startswith(" ")]) == 3
    assert result.stderr == "3 of 8 matches. Show more with --limit.\n"  # piped: on standard error
    assert cli("search", "migration").stderr == "20 of 21 matches. Show more with --limit.\n"  # the default limit
    assert cli("search", "integration").stderr == ""  # nothing cut: nothing to say when piped
    assert cli("search", "integration", "-n", "3", "--json").stderr == "3 of 8 matches. Show more with --limit.\n"
    assert cli("list", "--limit", "3").stderr == "3 of 24 records. Show more with --limit.\n"
    assert cli("list", "--limit", "30").stderr == ""
