import json


def test_summary_by_kind_is_the_default(cli):
    result = cli("summary")
    assert result.exit_code == 0
    assert result.stdout == (
        "fact      12  ##############################\n"
        "practice   5  ############\n"
        "action     4  ##########\n"
        "event      3  ########\n"
        "Records in scope (by kind): 24\n"
    )


def test_summary_crosstab_by_region_and_theme(cli):
    result = cli("summary", "--by", "region", "--by", "theme")
    assert result.exit_code == 0
    assert result.stdout == (
        "Records by region and theme\n"
        "REGION  IMT  LM  IP  HO  (NONE)  TOTAL\n"
        "WCA                   1              1\n"
        "ASIA      1   1                      2\n"
        "LAC       7   7   2  14       1     31\n"
        "(none)                        1      1\n"
        "Total     8   8   2  15       2     35\n"
    )
    assert result.stderr == "24 records in scope; a record counts once under each of its values.\n"


def test_summary_json(cli):
    data = json.loads(cli("summary", "actions", "--by", "status", "--json").stdout)
    assert data == {"by": ["status"], "total": 4,
                    "counts": [{"status": "unknown", "status_as_of": None, "count": 3},
                               {"status": "ongoing", "status_as_of": "2018", "count": 1}]}
    data = json.loads(cli("summary", "--by", "region", "--json").stdout)
    assert data["counts"][-1] == {"region": None, "count": 1}


def test_summary_by_status_counts_only_actions_and_events_with_the_date_each_status_was_known(cli):
    from conftest import add_records

    add_records(cli.db, {"id": "act-new", "kind": "action", "title": "N", "summary": "S", "status": "ongoing",
                         "status_as_of": "2024", "region": "LAC"},
                {"id": "act-old", "kind": "action", "title": "O", "summary": "S", "status": "ongoing", "region": "LAC"})
    result = cli("summary", "--by", "status")
    assert result.stdout == (
        "unknown                      3  ##############################\n"
        "held                         2  ####################\n"
        "planned as of 2018           1  ##########\n"
        "ongoing as of 2018           1  ##########\n"
        "ongoing as of 2024           1  ##########\n"
        "ongoing (date not recorded)  1  ##########\n"
        "Actions and events in scope (by status): 9\n"
    )


def test_summary_puts_records_without_a_value_last(cli):
    rows = [c["country"] for c in json.loads(cli("summary", "--by", "country", "--json").stdout)["counts"]]
    assert rows[-1] is None and None not in rows[:-1]
    text = cli("summary", "--by", "country").stdout.splitlines()
    assert text[-2].startswith("(none)")


def test_summary_by_year_counts_each_active_year(cli):
    data = json.loads(cli("summary", "facts", "--by", "year", "--region", "LAC", "--json").stdout)
    counts = {c["year"]: c["count"] for c in data["counts"]}
    assert counts[2009] == 1 and counts[2017] == 2 and counts[2018] == 8 and counts[2019] == 1  # Ecuador's GFMD chairmanship
    assert counts[None] == 1  # the rise in flows to Mexico, which the article dates only as "in the last three years"


def test_summary_refuses_bad_fields(cli):
    result = cli("summary", "--by", "regoin")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Cannot count by 'regoin'. Did you mean 'region'? Use one of: kind, region, country, theme, area, gcm, "
        "year, status, funder, sector.\n"
    )
    result = cli("summary", "--by", "region", "--by", "theme", "--by", "year")
    assert (result.exit_code, result.stderr) == (2, "Error: At most two --by fields can be combined. Write for example --by region --by theme.\n")


def test_vocab_lists(cli):
    assert cli("vocab", "themes").stdout == (
        "CODE  NAME\n"
        "IMT   Irregular Migration / Trafficking in Human Beings\n"
        "LM    Legal Migration and Mobility\n"
        "IP    International Protection and Asylum Policy\n"
        "MD    Migration and Development\n"
        "HO    Horizontal Interventions\n"
    )
    countries = json.loads(cli("vocab", "countries", "--json").stdout)
    assert {"code": "CR", "label": "Costa Rica", "alpha_3": "CRI", "region": "LAC"} in countries
    assert len(json.loads(cli("vocab", "gcm", "--json").stdout)) == 23
    result = cli("vocab", "colours")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: There is no vocabulary 'colours'. Choose one of: themes, areas,")


def test_a_crosstab_by_gcm_names_the_objectives(cli):
    rows = cli("summary", "--by", "gcm", "--by", "region").stdout.splitlines()
    assert rows[2].split("  ")[0] == "7 Reduce vulnerabilities"
    by_columns = cli("summary", "--by", "region", "--by", "gcm").stdout.splitlines()
    assert by_columns[1].split()[:3] == ["REGION", "7", "9"]
    assert by_columns[-1].startswith("GCM objectives: 7 Reduce vulnerabilities; 9 Counter smuggling;")
