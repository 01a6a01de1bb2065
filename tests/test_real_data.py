"""Real data in and out: IATI files as publishers write them (the seven real files in
../shared/reference/iati/real/, read as they are), imports that keep curated work, IATI exports
that publish only our own activities and pass IATI's rules, and spreadsheets from Excel."""

import json
from pathlib import Path

import pytest
from conftest import add_records

from mieux_cli.model import vocab

REAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "iati" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"the real IATI files are not here ({REAL})")


def real(name: str) -> str:
    return str(REAL / name)


# -- 1. a country code is a country ------------------------------------------------------------------

def test_no_regional_body_is_named_by_a_code_or_a_name_iso_gives_a_country():
    """'AU' was read as the African Union before ISO 3166 was consulted."""
    index = vocab._country_index()
    clashes = [name for name in vocab.REGIONAL_BODIES if name in index]
    assert clashes == []


def test_au_is_australia_everywhere(cli):
    assert vocab.COUNTRIES.resolve("AU") == "AU" and vocab.COUNTRIES.resolve("aus") == "AU"
    add_records(cli.db, {"id": "act-au", "kind": "action", "title": "Down under", "summary": "S", "countries": ["GH"]})
    assert cli("edit", "act-au", "--set", "countries=Australia").exit_code == 0
    assert [line.split()[0] for line in cli("list", "--country", "AU").stdout.splitlines()[1:]] == ["act-au"]
    result = cli("add", "fact", "--title", "T", "--text", "T", "--country", "African Union", "--no-input",
                 "--source", "N")
    assert result.exit_code == 2 and "'African Union' is a regional body, not a country" in result.stderr


@needs_real
def test_the_iom_file_imports_whole_with_its_activities_in_australia(cli):
    result = cli("import", real("iom-577-2.03.xml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Added 577, changed 0, unchanged 0.")
    assert len(json.loads(cli("list", "--country", "AU", "--json").stdout)) == 5
    only = cli("import", real("iom-577-2.03.xml"), "--country", "AU", "--dry-run").stdout
    assert "Read 577 IATI activities (version 2.03); 572 left out by --country AU.\n" in only


def iati_file(tmp_path, *activities: str, root: str = '<iati-activities version="2.03">') -> str:
    path = tmp_path / "activities.xml"
    path.write_text(f"{root}\n" + "\n".join(activities) + "\n</iati-activities>\n", encoding="utf-8")
    return str(path)


def activity(identifier: str = "XM-T-1", extra: str = "", title: str = "Border cooperation",
             updated: str = "2024-06-01T00:00:00Z", reporting: str = "XM-T") -> str:
    return (f'<iati-activity last-updated-datetime="{updated}" xml:lang="en"><iati-identifier>{identifier}</iati-identifier>'
            f'<reporting-org ref="{reporting}" type="10"><narrative>Test Ministry</narrative></reporting-org>'
            f"<title><narrative>{title}</narrative></title><description><narrative>Support.</narrative></description>"
            f'<activity-status code="2"/>{extra}</iati-activity>')


def records(cli) -> dict:
    return {r["id"]: r for r in json.loads(cli("list", "--json").stdout)}


# -- 2. real files import; the invalid activities of a download can be set aside --------------------

@needs_real
@pytest.mark.parametrize("name, added", [("annotated-2.03.xml", 1), ("dfid-2.01.xml", 8), ("finland-mfa-2.03.xml", 6),
                                         ("usaid-3-2.03.xml", 3), ("iom-dportal-activity.xml", 1)])
def test_each_real_file_imports_as_its_publisher_wrote_it(cli, name, added):
    result = cli("import", real(name))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Added {added}, changed 0, unchanged 0.")


@needs_real
def test_one_activity_as_d_portal_serves_it_is_read_with_its_own_version(cli):
    """The root is <iati-activity> itself, with iati-activities:version in d-portal's namespace."""
    result = cli("import", real("iom-dportal-activity.xml"), "--dry-run")
    assert "Read 1 IATI activity (version 2.03).\n" in result.stdout
    assert cli("import", real("iom-dportal-activity.xml")).exit_code == 0
    record = records(cli)["act-xm-dac-47066-dp-2154"]
    assert record["countries"] == ["SO"] and record["title"].startswith("Promotion of Human Security")


@needs_real
def test_a_windows_1252_file_is_read_as_such_and_its_one_real_problem_named(cli, tmp_path):
    """IATI's encoding test: Windows-1252 bytes, no encoding declared, and an empty iati-identifier."""
    result = cli("import", real("pyiati-windows1252.xml"))
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {real('pyiati-windows1252.xml')}:5: ?: id: the activity has no iati-identifier, which every IATI "
        "activity needs\nNothing was imported: 1 problem in 1 record. Fix it and run the import again.\n"))
    fixed = tmp_path / "fixed.xml"
    fixed.write_bytes((REAL / "pyiati-windows1252.xml").read_bytes().replace(
        b"<iati-identifier></iati-identifier>", b"<iati-identifier>AA-AAA-123456789-1</iati-identifier>"))
    result = cli("import", str(fixed))
    assert result.exit_code == 0, result.stderr
    assert "The file is not UTF-8 and declares no encoding: it was read as Windows-1252.\n" in result.stderr
    assert records(cli)["act-aa-aaa-123456789-1"]["partners"][0]["name"] == "\u0178"  # 0x9F in Windows-1252


def test_skip_invalid_imports_the_valid_activities_and_reports_the_others(cli, tmp_path):
    """A download from many publishers always has activities that break a rule; all or nothing
    imported none of them."""
    path = iati_file(tmp_path, activity("XM-T-1", '<activity-date type="2" iso-date="2020-01-01"/><recipient-country code="MX"/>'),
                     activity("XM-T-2", '<activity-date type="2" iso-date="2020-01-01"/><activity-date type="4" iso-date="2019-01-01"/>'),
                     activity("XM-T-3", '<recipient-country code="ZZ"/>'))
    before = cli("list", "--json").stdout
    refused = cli("import", path)
    assert refused.exit_code == 2 and refused.stderr.endswith("Nothing was imported: 2 problems in 2 records. Fix them "
                                                              "and run the import again.\n")
    assert cli("list", "--json").stdout == before
    report = tmp_path / "refused.txt"
    dry = cli("import", path, "--skip-invalid", "--report", str(report), "--dry-run")
    assert dry.stdout.startswith("Would add 1, change 0, leave 0 unchanged; would skip 2 invalid records.\nadd  act-xm-t-1\n")
    assert dry.stderr.startswith(f"Would set aside 2 invalid records: {report} lists them with their problems.\n")
    done = cli("import", path, "--skip-invalid", "--report", str(report))
    assert done.exit_code == 0
    assert done.stdout == "Added 1, changed 0, unchanged 0; skipped 2 invalid records.\n"
    assert report.read_text() == (
        "2 records were set aside by --skip-invalid, with 2 problems:\n"
        f"{path}:3: act-xm-t-2: end: 2019-01-01 is before the start 2020-01-01\n"
        f"{path}:4: act-xm-t-3: countries: Unknown country 'ZZ'. See `mieux vocab countries` for the list.\n")
    assert "act-xm-t-1" in records(cli) and "act-xm-t-2" not in records(cli)
    history = json.loads(cli("history", "--json").stdout)
    assert len([h for h in history if " import " in h["command"]]) == 1  # one change, undone in one step


def test_skip_invalid_writes_its_report_to_the_cache_folder_unless_told(cli, tmp_path):
    path = iati_file(tmp_path, activity("XM-T-1", '<recipient-country code="MX"/>'), activity("XM-T-2", '<recipient-country code="ZZ"/>'))
    result = cli("import", path, "--skip-invalid")
    line = result.stderr.splitlines()[0]
    assert line.startswith("Set aside 1 invalid record: ") and line.endswith(" lists it with its problems.")
    written = Path(line.removeprefix("Set aside 1 invalid record: ").removesuffix(" lists it with its problems."))
    assert written.parent.name == "import-reports" and "act-xm-t-2" in written.read_text()
    assert cli("import", path, "--report", "x.txt").stderr == (
        "Error: --report names the file for the records --skip-invalid sets aside. Add --skip-invalid, or leave out "
        "--report.\n")


def test_activities_can_be_left_out_by_publisher_or_country_and_versions_are_read_one_by_one(cli, tmp_path):
    path = iati_file(tmp_path, activity("XM-T-1", '<recipient-country code="MX"/>'),
                     activity("XM-OTHER-1", '<recipient-country code="GT"/>', reporting="XM-OTHER"),
                     activity("XM-T-3", '<recipient-country code="AU"/>').replace("<iati-activity ", '<iati-activity version="1.05" '),
                     root="<iati-activities>")
    result = cli("import", path, "--exclude-reporting-org", "XM-OTHER", "--exclude-country", "Australia", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "Read 3 IATI activities (version not given); 2 left out by --exclude-country AU --exclude-reporting-org XM-OTHER.\n" in result.stdout
    result = cli("import", path, "--exclude-reporting-org", "XM-OTHER", "--dry-run")
    assert f"{path}:4: act-xm-t-3: version: this activity is IATI version 1.05; mieux reads IATI 2.01 to 2.03" in result.stderr


# -- 3. where and who, as the source gives them -----------------------------------------------------------

@needs_real
def test_countries_and_sectors_given_on_transactions_count_for_the_activity(cli):
    """USAID gives them only on transactions: they were lost, and invisible to --country and --sector."""
    result = cli("import", real("usaid-3-2.03.xml"), "--country", "Pakistan", "--sector", "91010")
    assert result.exit_code == 0, result.stderr
    record = records(cli)["act-us-gov-1-a"]
    assert record["countries"] == ["PK"]
    assert {"code": "91010", "vocabulary": "1", "percentage": None} in record["sectors"]


@needs_real
def test_the_reporting_organisation_and_every_participating_organisation_are_partners_with_role_and_identifier(cli):
    assert cli("import", real("usaid-3-2.03.xml")).exit_code == 0
    partners = records(cli)["act-us-gov-1-a"]["partners"]
    assert [(p["name"], p["role"], p["ref"]) for p in partners] == [
        ("U.S. Agency for International Development", "donor", "US-GOV-1"),
        ("U.S. Agency for International Development", "accountable", "US-GOV-1"),
        ("U.S. Agency for International Development", "extending", "US-GOV-1"),
        ("Enterprise - Non United States Unknown", "implementing partner", "US-GOV-1")]  # the publisher's ref, another name
    assert "act-us-gov-1-a" in cli("search", "Agency for International Development").stdout


def test_shares_and_regions_are_kept_as_the_publisher_gives_them(cli, tmp_path):
    path = iati_file(tmp_path, activity("XM-T-1", '<recipient-country code="MX" percentage="60"/>'
                                                  '<recipient-region code="389" vocabulary="1" percentage="40"/>'),
                     activity("XM-T-2", '<recipient-region code="679" vocabulary="1"/>'))
    assert cli("import", path).exit_code == 0
    got = records(cli)
    assert got["act-xm-t-1"]["shares"] == [{"country": "MX", "region": None, "vocabulary": None, "percentage": 60},
                                          {"country": None, "region": "389", "vocabulary": "1", "percentage": 40}]
    assert (got["act-xm-t-2"]["countries"], got["act-xm-t-2"]["region"]) == ([], "ASIA")  # 679 South Asia, regional
    assert "act-xm-t-2" in [line.split()[0] for line in cli("list", "--region", "ASIA").stdout.splitlines()[1:]]


# -- 4. money and sectors -------------------------------------------------------------------------------

def test_budgets_and_transactions_are_summed_by_year_and_currency_and_funders_counted(cli, tmp_path):
    money = ('<participating-org role="1" ref="XM-EU"><narrative>European Union</narrative></participating-org>'
             '<recipient-country code="MX"/><sector vocabulary="1" code="15190"/>'
             '<budget type="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>'
             '<value currency="EUR" value-date="2020-01-01">100000</value></budget>'
             '<budget type="2"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>'
             '<value currency="EUR" value-date="2020-06-01">120000</value></budget>'
             '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-03-01"/>'
             '<value currency="EUR" value-date="2020-03-01">40000.50</value></transaction>'
             '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-09-01"/>'
             '<value currency="EUR" value-date="2020-09-01">10000</value></transaction>')
    path = iati_file(tmp_path, activity("XM-T-1", money), activity("XM-T-2", money))
    assert cli("import", path).exit_code == 0
    assert records(cli)["act-xm-t-1"]["funding"] == [
        {"type": "budget", "year": "2020", "value": 120000, "currency": "EUR"},  # the revised budget, not both
        {"type": "disbursement", "year": "2020", "value": 50000.5, "currency": "EUR"}]
    shown = [" ".join(line.split()) for line in cli("show", "act-xm-t-1").stdout.splitlines()]
    assert shown[shown.index("Funding: Budget: 120,000 EUR in 2020") + 1] == "Disbursement: 50,000.50 EUR in 2020"
    assert cli("summary", "actions", "--by", "funder").stdout.splitlines() == [
        "European Union           2  " + "#" * 30, "(none)          not set  4  " + "#" * 29 + "+",
        "Actions in scope (by funder): 6"]
    assert cli("summary", "--by", "sector").stdout.splitlines()[0].split()[:2] == ["15190", "Facilitation"]


# -- 5. dates -------------------------------------------------------------------------------------------

def test_planned_and_actual_dates_stay_apart_and_a_future_actual_date_is_a_plan(cli, tmp_path):
    """The Spanish ministry's planned dates became actual on export; an EC actual end of 2050-12-31
    is a placeholder."""
    dates = ('<activity-date type="1" iso-date="2019-01-01"/><activity-date type="2" iso-date="2019-03-01"/>'
             '<activity-date type="3" iso-date="2021-12-31"/><activity-date type="4" iso-date="2050-12-31"/>'
             '<recipient-country code="MX"/>')
    assert cli("import", iati_file(tmp_path, activity("XM-T-1", dates))).exit_code == 0
    record = records(cli)["act-xm-t-1"]
    assert (record["start"], record["planned_start"], record["end"], record["planned_end"]) == (
        "2019-03-01", "2019-01-01", None, "2050-12-31")
    dry = cli("import", iati_file(tmp_path, activity("XM-T-1", dates)), "--dry-run").stdout
    assert ("actual end 2050-12-31 is after 2024-06-01, when the activity was last known: kept as the planned end (the "
            "file's planned end, 2021-12-31, is not kept)") in dry
    assert "act-xm-t-1" in [line.split()[0] for line in cli("list", "--year", "2030").stdout.splitlines()[1:]]


def test_an_identifier_with_a_space_is_kept_as_the_publisher_wrote_it(cli, tmp_path):
    assert cli("import", iati_file(tmp_path, activity("FI-3-2020- 2020000056", '<recipient-country code="KE"/>'))).exit_code == 0
    from mieux_cli.formats.iati import imported_from

    assert imported_from(records(cli)["act-fi-3-2020-2020000056"]) == "FI-3-2020- 2020000056"


# -- 6. merging, not replacing -----------------------------------------------------------------------------

def test_an_import_updates_only_the_fields_its_source_carries_and_says_what_each_record_gains(cli, tmp_path):
    """The Costa Rica Action lost its article source, experts, activities and tags to a thinner IATI
    version, and the output said "changed 1"."""
    before = records(cli)["act-cr-integration-plans"]
    thin = activity("XM-EXAMPLE-1-act-cr-integration-plans", '<activity-date type="2" iso-date="2013-01-01"/>'
                    '<recipient-country code="CR"/>', title="Costa Rica: National Integration Plans",
                    reporting="XM-EXAMPLE-1")
    path = iati_file(tmp_path, thin)
    dry = cli("import", path, "--dry-run")
    assert dry.stdout.startswith(
        "Would add 0, change 1 (act-cr-integration-plans gains status_as_of, start), leave 0 unchanged.\n"
        "change  act-cr-integration-plans (gains status_as_of, start; changes title, summary, status, sources)\n")
    result = cli("import", path)
    assert result.stdout == "Added 0, changed 1 (act-cr-integration-plans gains status_as_of, start), unchanged 0.\n"
    after = records(cli)["act-cr-integration-plans"]
    for kept in ("experts", "activities", "tags", "outputs", "results", "themes", "areas", "gcm"):
        assert after[kept] == before[kept], kept
    assert after["sources"][:len(before["sources"])] == before["sources"]  # the article stays, the activity is added
    assert after["sources"][-1]["title"] == "IATI activity XM-EXAMPLE-1-act-cr-integration-plans"
    assert (after["title"], after["start"], after["status"]) == ("Costa Rica: National Integration Plans", "2013-01-01",
                                                                 "ongoing")


def test_replace_replaces_the_record_whole_and_says_what_it_loses(cli, tmp_path):
    thin = activity("XM-EXAMPLE-1-act-cr-integration-plans", '<recipient-country code="CR"/>', reporting="XM-EXAMPLE-1")
    result = cli("import", iati_file(tmp_path, thin), "--replace")
    assert result.stdout.startswith("Added 0, changed 1 (act-cr-integration-plans gains status_as_of; loses experts, "
                                    "themes, areas, gcm, activities, outputs, results, tags), unchanged 0.")
    assert records(cli)["act-cr-integration-plans"]["experts"] == []


# -- 7. never publish someone else's activity as ours --------------------------------------------------------

@pytest.fixture
def publisher(cli):
    for name, value in (("iati.publisher-ref", "XM-EXAMPLE-1"), ("iati.publisher-name", "MIEUX (ICMPD)"),
                        ("iati.publisher-type", "40"), ("iati.vocabulary-uri", "https://example.org/mieux-codes")):
        assert cli("config", "set", name, value).exit_code == 0


@needs_real
def test_activities_other_publishers_report_are_never_exported_as_ours(cli, tmp_path, publisher):
    assert cli("import", real("dfid-2.01.xml")).exit_code == 0
    add_records(cli.db, {"id": "act-ours", "kind": "action", "title": "Ours", "summary": "S", "status": "ongoing",
                         "start": "2020", "countries": ["GH"], "partners": [{"name": "ICMPD", "role": "implementing partner"}]})
    out = tmp_path / "out.xml"
    result = cli("export", "actions", "--format", "iati", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert ("Not exported: 8 Actions imported from activities other publishers report (their identifiers do not start "
            "with XM-EXAMPLE-1-): mieux publishes only yours. Add --list-others to name them.\n") in result.stderr
    assert "GB-1-" not in out.read_text() and "XM-EXAMPLE-1-act-ours" in out.read_text()
    listed = cli("export", "actions", "--format", "iati", "--output", str(out), "--list-others")
    assert " act-gb-1-109616\n" in listed.stderr


@needs_real
@pytest.mark.parametrize("name", ["annotated-2.03.xml", "finland-mfa-2.03.xml", "iom-577-2.03.xml", "usaid-3-2.03.xml",
                                  "iom-dportal-activity.xml"])
def test_a_publisher_s_own_real_activities_export_valid_by_the_schema_and_iati_s_rules(cli, tmp_path, name):
    """As if the publisher of each real file kept its activities in mieux: what it exports passes
    the XSD and the ruleset checker, and keeps the file's own sectors and money."""
    from iati_rules import findings
    from lxml import etree
    from test_iati import schema

    from mieux_cli.formats.iati.reading import ReadOptions, read

    reporting = next(etree.parse(real(name)).iter("reporting-org")).get("ref")
    for key, value in (("iati.publisher-ref", reporting), ("iati.publisher-name", "Publisher"),
                       ("iati.publisher-type", "10"), ("iati.vocabulary-uri", "https://example.org/codes")):
        assert cli("config", "set", key, value).exit_code == 0
    assert cli("import", real(name)).exit_code == 0
    out = tmp_path / "again.xml"
    result = cli("export", "actions", "--format", "iati", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert schema().validate(etree.fromstring(data)), schema().error_log
    assert findings(data) == []
    again = {item.raw["id"]: item.raw for item in read(out, ReadOptions()).items}
    first = {item.raw["id"]: item.raw for item in read(REAL / name, ReadOptions()).items}
    def dac(raw):  # the sectors of IATI's vocabularies (one of the publisher's own needs its vocabulary-uri, not kept)
        return {(s["code"], s["vocabulary"]) for s in raw["sectors"] if s["vocabulary"] not in ("98", "99")}

    assert again
    for record_id, raw in again.items():
        assert raw["funding"] == first[record_id]["funding"], record_id
        assert dac(raw) == dac(first[record_id]) or not dac(first[record_id]), record_id


@needs_real
def test_activities_whose_identifiers_do_not_start_with_their_reporting_org_are_not_exported(cli, tmp_path):
    """DFID's activities are GB-1-... under reporting-org GB-GOV-1 (IATI rule 1.1.1): even for DFID
    itself, mieux does not publish an activity under an identifier that is not the publisher's."""
    for key, value in (("iati.publisher-ref", "GB-GOV-1"), ("iati.publisher-name", "DFID"), ("iati.publisher-type", "10")):
        assert cli("config", "set", key, value).exit_code == 0
    assert cli("import", real("dfid-2.01.xml")).exit_code == 0
    result = cli("export", "actions", "--format", "iati", "--output", str(tmp_path / "x.xml"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Not exported: 8 Actions imported from activities other publishers report (their "
                                    "identifiers do not start with GB-GOV-1-)")


# -- 9. spreadsheets ----------------------------------------------------------------------------------------

def test_excel_csv_with_semicolons_in_windows_1252_imports_and_says_how_it_was_read(cli, tmp_path):
    """Excel in French, Spanish or German saves semicolon-separated Windows-1252."""
    path = tmp_path / "semi.csv"
    path.write_bytes("id;kind;title;text;countries;sources\r\nfct-aqui;fact;Aquí todos;Un hecho;Costa Rica;Notas\r\n"
                     .encode("cp1252"))
    result = cli("import", str(path))
    assert (result.exit_code, result.stdout) == (0, "Added 1, changed 0, unchanged 0.\n")
    assert result.stderr == f"{path} is not UTF-8: it was read as Windows-1252, as Excel saves CSV files.\n"
    assert (records(cli)["fct-aqui"]["title"], records(cli)["fct-aqui"]["countries"]) == ("Aquí todos", ["CR"])


@pytest.mark.parametrize("header, message", [
    ("a,b", ("the first row names no field of a record (it holds 'a', 'b'): a CSV file to import starts with a row of "
            "field names such as id, kind, title")),
    ("id,title", "the header has no 'kind' column, which says what each row is (action, practice, event or fact)"),
])
def test_a_wrong_header_is_named_in_plain_words(cli, tmp_path, header, message):
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\nx,y\n")
    result = cli("import", str(path))
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: {path}:1: {message}.")


def test_an_excel_workbook_holds_names_and_imports_back_to_the_same_records(cli, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "catalogue.xlsx"
    assert cli("export", "--format", "xlsx", "--output", str(out)).exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "act-mx-unaccompanied-children")
    assert (row[header.index("countries")], row[header.index("themes")]) == ("Mexico", "Horizontal Interventions")
    assert "Aquí" in "".join(str(c.value) for r in sheet.iter_rows() for c in r if c.value)  # no mojibake: it is not CSV
    fresh = tmp_path / "fresh.json"
    assert cli("--db", str(fresh), "import", str(out)).exit_code == 0
    from mieux_cli.storage.catalogue_file import Store

    assert Store(fresh).load().records == Store(cli.db).load().records


def test_a_workbook_cell_that_looks_like_a_formula_stays_text(cli, tmp_path):
    from openpyxl import load_workbook

    add_records(cli.db, {"id": "fct-formula", "kind": "fact", "title": "=HYPERLINK(\"http://x\")", "text": "=1+1"})
    out = tmp_path / "f.xlsx"
    assert cli("export", "facts", "--format", "xlsx", "--output", str(out)).exit_code == 0
    cells = [c for r in load_workbook(out).worksheets[0].iter_rows() for c in r if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert cli("export", "--format", "xlsx").stderr == (
        "Error: An Excel workbook is a file, not text for the terminal. Give it a name: --output catalogue.xlsx\n")


@needs_real
def test_a_brief_gives_the_money_the_records_give(cli):
    assert cli("import", real("usaid-3-2.03.xml")).exit_code == 0
    text = cli("brief", "--country", "Pakistan", "--width", "200", "--date", "2026-11-28").stdout
    assert "- Funding: commitments of 30,863.58 USD; disbursements of 14,903.13 USD.\n" in text
    assert "  Funding:\n  - Commitment: 27,542.35 USD in 2014\n  - Disbursement: 9,529.74 USD in 2014\n" in text
