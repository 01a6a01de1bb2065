"""list, search and show through the CLI, as a user sees them (plain output: CliRunner is not a terminal)."""

import json

from conftest import add_records
from typer.testing import CliRunner

from mieux_cli.app import app


def test_first_use_creates_the_catalogue_in_the_data_directory(tmp_path):
    result = CliRunner().invoke(app, ["list", "--limit", "1"])
    path = tmp_path / "xdg-data" / "mieux" / "catalogue.json"
    assert result.exit_code == 0
    assert result.stderr == f"Created your catalogue at {path} from the 24 shipped records.\n"
    assert result.stdout.splitlines()[1].startswith("act-cr-integration-plans")
    assert CliRunner().invoke(app, ["list", "--limit", "1"]).stderr == ""


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
    from mieux_cli.schema import names_of

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
    assert result.stderr == "No record contains 'integracion'; showing matches for 'integration' or 'reintegration'.\n"
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
    result = cli("show", "act-cr-integration")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: No record with ID 'act-cr-integration'. Did you mean 'act-cr-integration-plans' or "
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
