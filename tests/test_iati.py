"""IATI: Actions exported as IATI 2.03 activities that the schema accepts, IATI activity files
imported as Actions, and the round trip between them. Every file exported here is validated
against the IATI 2.03 schema in tests/fixtures/iati/schema/ (the published files, copied)."""

import functools
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import add_records, read_bytes
from lxml import etree
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.formats import iati
from mieux_cli.formats.iati import reading as iati_reading
from mieux_cli.formats.iati import writing as iati_writing
from mieux_cli.storage.catalogue_file import Store

FIXTURES = Path(__file__).parent / "fixtures" / "iati"
SCHEMA = FIXTURES / "schema"
REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "iati"  # ../shared/reference/iati
PUBLISHER = iati.Publisher("XM-EXAMPLE-1", "MIEUX (ICMPD)", "40", vocabulary_uri="https://example.org/mieux-codes")
# The published files, as IATI released them (sha256): a fresh clone without ../shared/reference/iati
# still validates against exactly these.
SCHEMA_DIGESTS = {
    "iati-activities-schema.xsd": "62c91a66c82ee26864d5e6c3f4bd6358de14d3aec69bc649db85da9f9a0792bc",
    "iati-common.xsd": "322692e4ea1f4434b154855f381eb4bd972aaa2e1349dfaf9578b775ad6c9c6b",
    "xml.xsd": "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c",
    "codelists/ActivityDateType.xml": "2797f5fd9c5a60101a00ee44934068063d85dd91fd25643f234a31cb96655195",
    "codelists/ActivityStatus.xml": "8ebc8ace71ee1bd8d004e4bbffaf0fab45979532a054ad96a5815cb918597cea",
    "codelists/DocumentCategory.xml": "d24a73014e1850f8da1c9415d57c00e903906e1c8429d97ac7c99e52f0848f10",
    "codelists/OrganisationRole.xml": "fa872338304c37708f633cb4c5cde75a1304f2f155b05d8c2fc1f16504b91893",
}


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA / "iati-activities-schema.xsd")))


def assert_valid(data: bytes) -> None:
    """The IATI 2.03 schema accepts the file, and it breaks none of IATI's rules (iati_rules.py)."""
    from iati_rules import findings

    checker = schema()
    assert checker.validate(etree.fromstring(data)), checker.error_log
    assert findings(data) == []


def run(*args, db=None):
    prefix = ["--db", str(db)] if db else []
    return CliRunner().invoke(app, [*prefix, *args], catch_exceptions=False)


@pytest.fixture
def publisher():
    for name, value in (("iati.publisher-ref", PUBLISHER.ref), ("iati.publisher-name", PUBLISHER.name),
                        ("iati.publisher-type", PUBLISHER.type), ("iati.vocabulary-uri", PUBLISHER.vocabulary_uri)):
        assert run("config", "set", name, value).exit_code == 0
    return PUBLISHER


def records_of(path) -> dict[str, dict]:
    return {r["id"]: r for r in Store(path).load().records}


def without_provenance(before: dict, after: dict) -> dict:
    """The imported record without the source an import adds to name the IATI activity (a record
    that came from IATI already has it, and keeps it)."""
    if iati.imported_from(before):
        return after
    identifier = iati.imported_from(after)
    return {**after, "sources": [s for s in after["sources"] if s["title"] != f"IATI activity {identifier}"]}


def changed_fields(before: dict, after: dict) -> set[str]:
    after = without_provenance(before, after)
    return {name for name in before if before[name] != after[name]}


# -- the schema files ------------------------------------------------------------------------------


def test_the_schema_files_are_the_ones_iati_published():
    for name, digest in SCHEMA_DIGESTS.items():
        copy = (SCHEMA / name).read_bytes()
        assert hashlib.sha256(copy).hexdigest() == digest, name
        if REFERENCE.is_dir():  # beside the repository, as in the project's workspace
            assert copy == (REFERENCE / name).read_bytes(), name
    assert schema().validate(etree.parse(str(FIXTURES / "activities-2.03.xml")))  # the fixture is valid 2.03 too


# -- export --------------------------------------------------------------------------------------


def test_export_without_a_publisher_is_refused_with_the_commands_to_type(cli, tmp_path):
    out = tmp_path / "lac.xml"
    result = cli("export", "--format", "iati", "--region", "LAC", "--output", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: An IATI file names its publisher, and iati.publisher-ref, iati.publisher-name and iati.publisher-type "
        "are not set. Set them: mieux config set iati.publisher-ref REF; mieux config set iati.publisher-name NAME; "
        "mieux config set iati.publisher-type CODE (REF is your organisation's IATI identifier "
        "(https://org-id.guide); CODE its organisation type, such as 40 Multilateral or 10 Government).\n")
    assert not out.exists()
    run("config", "set", "iati.publisher-ref", "XM-EXAMPLE-1")
    run("config", "set", "iati.publisher-type", "40")
    result = cli("export", "--format", "iati", "--output", str(out))
    assert result.stderr == ("Error: An IATI file names its publisher, and iati.publisher-name is not set. Set it: "
                             "mieux config set iati.publisher-name NAME.\n")
    assert not out.exists()


def test_the_shipped_actions_are_not_exported_with_values_the_catalogue_does_not_hold(cli, tmp_path, publisher):
    """The shipped Actions say only what their source says: three have no known status, two no
    date, and no partner has a role. IATI requires all three; mieux does not make them up."""
    out = tmp_path / "lac.xml"
    result = cli("export", "--format", "iati", "--region", "LAC", "--output", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        "Not exported: 5 practices, 1 event, 11 facts (an IATI file describes activities: only Actions are exported).\n"
        "Not exported: 4 Actions that IATI cannot describe without a value the catalogue does not hold:\n"
        " act-cr-integration-plans: needs a status (it is unknown); a start date, planned or actual (IATI rule 6.11.1); "
        "a participating organisation (a partner with its role, or an expert's institution)\n"
        " act-do-migration-school-journalists: needs a status (it is unknown); a participating organisation (a partner "
        "with its role, or an expert's institution)\n"
        " act-ibero-american-prosecutors-som-protocol: needs a status (it is unknown); a participating organisation "
        "(a partner with its role, or an expert's institution)\n"
        " act-mx-unaccompanied-children: needs a start date, planned or actual (IATI rule 6.11.1); a participating "
        "organisation (a partner with its role, or an expert's institution)\n"
        " Complete them with `mieux edit ID`, then export again; `mieux config set iati.publisher-role CODE` names the "
        "publisher itself as a participating organisation of every activity.\n"
        "Error: There is no Action to write, and an IATI file holds at least one activity. Complete the Actions listed "
        "above, or change the filters.\n")
    assert not out.exists()


def completed_shipped_catalogue(db, tmp_path) -> Path:
    """The shipped catalogue with what IATI requires filled in, as its publisher would before
    publishing: a status and a date for each Action (the publisher's own role gives each a
    participating organisation)."""
    records = Store(db).load().records
    facts = {"act-cr-integration-plans": {"status": "completed", "start": "2013", "end": "2022"},
             "act-do-migration-school-journalists": {"status": "completed", "start": "2017", "end": "2017-11"},
             "act-ibero-american-prosecutors-som-protocol": {"status": "completed", "start": "2017",
                                                             "end": "2017-11-30"},
             "act-mx-unaccompanied-children": {"start": "2017-05-01"}}
    completed = [{**r, **facts.get(r["id"], {})} for r in records]
    path = tmp_path / "completed.json"
    path.write_text(json.dumps(completed))
    target = tmp_path / "completed-catalogue.json"
    assert run("import", str(path), db=target).exit_code == 0
    return target


def test_the_shipped_catalogue_round_trips_through_iati(db, tmp_path, publisher):
    run("config", "set", "iati.publisher-role", "4")
    source = completed_shipped_catalogue(db, tmp_path)
    out = tmp_path / "lac.xml"
    exported = run("export", "--format", "iati", "--region", "LAC", "--output", str(out), db=source)
    assert exported.exit_code == 0
    assert exported.stderr.endswith(f"Exported 4 Actions to {out} as IATI 2.03 activities.\n")
    assert_valid(out.read_bytes())
    fresh = tmp_path / "fresh.json"
    imported = run("import", str(out), db=fresh)
    assert imported.exit_code == 0, imported.output
    before = records_of(source)
    after = records_of(fresh)
    assert sorted(after) == sorted(i for i, r in before.items() if r["kind"] == "action")
    report = iati_writing.export(list(before.values()), iati.Publisher(**{**PUBLISHER.__dict__, "role": "4"}), datetime.now(UTC))
    for record_id in after:
        lost = {loss.field for loss in report.losses if loss.record_id == record_id}
        assert changed_fields(before[record_id], after[record_id]) == lost, record_id
    # what IATI carries comes back as it was, partial dates too
    assert after["act-cr-integration-plans"]["start"] == "2013"
    assert after["act-do-migration-school-journalists"]["end"] == "2017-11"
    assert after["act-ibero-american-prosecutors-som-protocol"]["aliases"] == ["act-aiamp-som-protocol"]
    # and what it does not is listed, by field, on standard error
    for loss in report.losses:
        line = next(line for line in exported.stderr.splitlines() if line.startswith(f" {loss.field}: {loss.reason}: "))
        assert loss.record_id in line


EVERY_FIELD = [
    {"id": "act-every-field", "kind": "action", "title": "Every field: <b>markup</b> & \"quotes\"",
     "summary": "Line one.\nLine two, with ünïcödé, a tab\tand a carriage\rreturn.",
     "status": "ongoing", "status_as_of": "2024-05", "start": "2017-03", "end": "2025",
     "countries": ["MX", "GT", "HN"], "participants": ["US"], "region": "LAC",
     "partners": [{"name": "Donor Agency", "role": "donor", "country": "ES", "kind": "agency"},
                  {"name": "Ministry of the Interior", "role": "requesting institution", "kind": "ministry"},
                  {"name": "A University", "role": "implementing partner", "kind": "university"},
                  {"name": "Host City", "role": "host", "kind": "local authority"},
                  {"name": "Partner of no known role"},
                  {"name": "Partner of another role", "role": "other", "kind": "ngo"}],
     "experts": [{"country": "ES", "kind": "member-state administration", "institution": "Ministry of Inclusion",
                  "count": 2, "note": "two past experts"}, {"country": "PT"}],
     "themes": ["IMT", "LM"], "areas": ["THB", "SOM"], "gcm": [9, 10],
     "activities": [{"title": "Workshop", "kind": "workshop", "place": "Mexico City", "date": "2017-05"}],
     "outputs": ["Protocol"], "results": ["Cooperation; lasting | and = escaped"],
     "figures": [{"label": "participants", "value": 45, "unit": "people", "as_of": "2018-07"}],
     "tags": ["protocol", "prosecutors & judges"], "notes": "A note.",
     "sources": [{"title": "Factsheet", "publisher": "MIEUX", "date": "2019-03-01",
                  "url": "https://example.org/factsheet.pdf", "language": "es", "accessed": "2020-01-01", "page": "3",
                  "file": "factsheet.txt"},
                 {"title": "Web page", "url": "https://example.org/page?id=3&x=y", "date": "2018-06-30", "language": "en"},
                 {"title": "Article", "date": "2018"}],
     "alternatives": [{"field": "end", "value": "2026", "source": "Factsheet"}],
     "aliases": ["act-old-id"]},
    # everything IATI carries whole: comes back identical
    {"id": "act-all-carried", "kind": "action", "title": "All carried", "summary": "Only what IATI holds.",
     "status": "completed", "start": "2016-02-01", "end": "2018-12", "countries": ["SN"],
     "partners": [{"name": "Ministry of Labour", "role": "implementing partner", "kind": "ministry"},
                  {"name": "Funder", "role": "donor", "kind": "international organisation"}],
     "themes": ["LM"], "areas": ["LAB"], "gcm": [6], "outputs": ["Strategy"], "results": ["Strategy adopted"],
     "tags": ["labour"], "notes": "Two phases.",
     "sources": [{"title": "Report", "url": "https://example.org/report.pdf", "date": "2019-01-15", "language": "fr"}],
     "aliases": ["act-all-carried-old"]},
    # a region and no country; text XML cannot hold
    {"id": "act-regional", "kind": "action", "title": "Regional \x1b[31mred\x1b[0m workshop", "summary": "Planned.",
     "status": "planned", "start": "2027", "region": "WCA",
     "partners": [{"name": "ECOWAS Commission", "role": "regional body", "kind": "regional organisation"}]},
    # countries of two regions, and a region set by hand; an ID IATI gives back with act- in front
    {"id": "cr-plans-cancelled", "kind": "action", "title": "Cancelled", "summary": "Never started.",
     "status": "cancelled", "start": "2020-01-01", "end": "2020-06-30", "countries": ["SN", "KE"], "region": "WCA",
     "partners": [{"name": "Agency", "role": "counterpart", "kind": "prosecution service"}]},
    {"id": "act-suspended", "kind": "action", "title": "Suspended", "summary": "On hold.", "status": "suspended",
     "end": "2030", "experts": [{"institution": "Frontex", "kind": "eu agency"}]},
    # what IATI cannot describe: not exported, and said so
    {"id": "act-status-unknown", "kind": "action", "title": "Unknown", "summary": "No status.", "status": "unknown",
     "start": "2017", "partners": [{"name": "Agency", "role": "donor"}]},
    {"id": "prc-a-practice", "kind": "practice", "title": "A practice", "summary": "Worked.",
     "actions": ["act-every-field"]},
    {"id": "fct-a-fact", "kind": "fact", "title": "A fact", "text": "A figure."},
]


@pytest.fixture
def every_field(tmp_path):
    path = tmp_path / "every-field.json"
    add_records(path, *EVERY_FIELD)
    return path


def test_every_field_comes_back_or_is_listed_as_not_carried(every_field, tmp_path, publisher):
    out = tmp_path / "every.xml"
    exported = run("export", "--format", "iati", "--output", str(out), db=every_field)
    assert exported.exit_code == 0
    assert_valid(out.read_bytes())
    fresh = tmp_path / "fresh.json"
    assert run("import", str(out), db=fresh).exit_code == 0
    before, after = records_of(every_field), records_of(fresh)
    report = iati_writing.export(list(before.values()), PUBLISHER, datetime.now(UTC))
    back = {record_id: iati.record_id(f"{PUBLISHER.ref}-{record_id}", PUBLISHER.ref) for record_id in report.exported}
    assert sorted(after) == sorted(back.values()) == sorted(
        ["act-every-field", "act-all-carried", "act-regional", "act-xm-example-1-cr-plans-cancelled"])
    for record_id, new_id in back.items():
        lost = {loss.field for loss in report.losses if loss.record_id == record_id}
        assert changed_fields(before[record_id], after[new_id]) == lost, record_id
    assert {loss.field for loss in report.losses if loss.record_id == "act-every-field"} == {
        "partners", "experts", "participants", "status_as_of", "activities", "figures", "alternatives", "sources",
        "sectors", "shares", "end", "planned_end"}
    assert {loss.field for loss in report.losses if loss.record_id == "act-all-carried"} == {"sectors"}  # gains 15190
    assert without_provenance(before["act-all-carried"], after["act-all-carried"]) == {
        **before["act-all-carried"], "sectors": [{"code": "15190", "vocabulary": "1", "percentage": 100}]}
    assert {loss.field for loss in report.losses if loss.record_id == "act-regional"} == {
        "title", "partners", "sources", "sectors", "start", "planned_start"}
    assert after["act-regional"]["title"] == "Regional [31mred[0m workshop"
    assert {loss.field for loss in report.losses if loss.record_id == "cr-plans-cancelled"} == {
        "id", "region", "partners", "sources", "sectors", "shares", "end", "start", "planned_end", "planned_start"}
    assert report.incomplete == {
        "act-status-unknown": ["a status (it is unknown)", "a recipient country or region (IATI rule 3.7.1)"],
        "act-suspended": ["a start date, planned or actual (IATI rule 6.11.1)",
                          "a recipient country or region (IATI rule 3.7.1)"]}
    every = after["act-every-field"]
    assert (every["summary"], every["start"], every["end"], every["planned_end"], every["status"],
            every["status_as_of"]) == ("Line one.\nLine two, with ünïcödé, a tab\tand a carriage\rreturn.", "2017-03", None,
                                       "2025", "ongoing", None)
    assert every["partners"] == [
        {"name": "Donor Agency", "role": "donor", "country": None, "kind": "agency", "ref": None},
        {"name": "Ministry of the Interior", "role": "accountable", "country": None, "kind": "ministry", "ref": None},
        {"name": "A University", "role": "implementing partner", "country": None, "kind": "university", "ref": None},
        {"name": "Host City", "role": "implementing partner", "country": None, "kind": "local authority", "ref": None},
        {"name": "Ministry of Inclusion", "role": "implementing partner", "country": None, "kind": "ministry",
         "ref": None}]
    assert every["sources"] == [
        {"title": "Factsheet", "publisher": None, "date": "2019-03-01", "url": "https://example.org/factsheet.pdf",
         "language": "es", "accessed": None, "page": None, "file": None},
        {"title": "Web page", "publisher": None, "date": "2018-06-30", "url": "https://example.org/page?id=3&x=y",
         "language": "en", "accessed": None, "page": None, "file": None},
        {"title": "IATI activity XM-EXAMPLE-1-act-every-field", "publisher": "MIEUX (ICMPD)", "date": None, "url": None,
         "language": "en", "accessed": None, "page": None, "file": None}]


def test_the_export_lists_what_iati_cannot_carry_on_standard_error(every_field, tmp_path, publisher):
    out = tmp_path / "every.xml"
    result = run("export", "--format", "iati", "--output", str(out), db=every_field)
    assert_valid(out.read_bytes())
    assert result.stdout == ""
    assert result.stderr == (
        "Not exported: 1 practice, 1 fact (an IATI file describes activities: only Actions are exported).\n"
        "Not exported: 2 Actions that IATI cannot describe without a value the catalogue does not hold:\n"
        " act-status-unknown: needs a status (it is unknown); a recipient country or region (IATI rule 3.7.1)\n"
        " act-suspended: needs a start date, planned or actual (IATI rule 6.11.1); a recipient country or "
        "region (IATI rule 3.7.1)\n"
        " Complete them with `mieux edit ID`, then export again; `mieux config set iati.publisher-role CODE` "
        "names the publisher itself as a participating organisation of every activity.\n"
        "Not carried by IATI (importing the file gives these fields back empty or changed):\n"
        " sectors: an Action made in mieux with no sector is written with sector 15190 (Facilitation of "
        "orderly, safe, regular and responsible migration and mobility), and comes back with it: "
        "act-all-carried, act-every-field, act-regional, cr-plans-cancelled\n"
        " partners: IATI gives an organisation no country: act-every-field (Donor Agency)\n"
        " partners: IATI has no role 'requesting institution': it is written as Accountable and comes back as"
        " 'accountable': act-every-field (Ministry of the Interior)\n"
        " partners: IATI has no role 'host': it is written as Implementing and comes back as 'implementing "
        "partner': act-every-field (Host City)\n"
        " partners: a partner needs one of IATI's roles (donor, accountable, extending, implementing partner,"
        " requesting institution, host ...) to be written: act-every-field (Partner of no known role), "
        "act-every-field (Partner of another role)\n"
        " partners: gains the experts' institutions, written as implementing organisations: act-every-field "
        "(Ministry of Inclusion)\n"
        " experts: IATI has no experts; their institutions are written as implementing organisations: "
        "act-every-field\n"
        " end: an Action that has not ended has its end written as planned, and it comes back as the planned "
        "end: act-every-field, cr-plans-cancelled\n"
        " planned_end: comes back with the end written as planned: act-every-field, cr-plans-cancelled\n"
        " status_as_of: an IATI status has no date of its own: act-every-field\n"
        " shares: the record gives no shares: the recipient countries and regions are written with equal "
        "percentages, and come back with them: act-every-field, cr-plans-cancelled\n"
        " participants: IATI names the recipient countries only, not the countries that only took part: "
        "act-every-field\n"
        " sources: an IATI document link has no publisher, date read, page or local copy: act-every-field "
        "(Factsheet)\n"
        " sources: a source without a link cannot be an IATI document link: act-every-field (Article), "
        "act-regional (Test notes), cr-plans-cancelled (Test notes)\n"
        " activities: IATI has no sub-activities: act-every-field\n"
        " figures: IATI's figures are results indicators with periods and values: act-every-field\n"
        " alternatives: IATI has no place for the values other sources give: act-every-field\n"
        " partners: IATI has no role 'regional body': it is written as Implementing and comes back as "
        "'implementing partner': act-regional (ECOWAS Commission)\n"
        " partners: IATI has no organisation type 'regional organisation': it is written as 40 and comes back"
        " as 'international organisation': act-regional (ECOWAS Commission)\n"
        " title: control characters, which XML cannot hold, are left out: act-regional\n"
        " start: an Action that has not started has its start written as planned, and it comes back as the "
        "planned start: act-regional, cr-plans-cancelled\n"
        " planned_start: comes back with the start written as planned: act-regional, cr-plans-cancelled\n"
        " partners: IATI has no role 'counterpart': it is written as Implementing and comes back as "
        "'implementing partner': cr-plans-cancelled (Agency)\n"
        " partners: IATI has no organisation type 'prosecution service': it is written as 10 and comes back "
        "as 'ministry': cr-plans-cancelled (Agency)\n"
        " id: comes back as act-xm-example-1-cr-plans-cancelled (an Action's ID from IATI starts with act-): "
        "cr-plans-cancelled\n"
        " region: IATI takes a region only where there is no country, and these countries give another: "
        "cr-plans-cancelled\n"
        "Notes:\n"
        " end: a year or month is written as its first (start) or last (end) day; the date's narrative keeps "
        "it as recorded: act-all-carried (2018-12), act-every-field (2025)\n"
        " start: a year or month is written as its first (start) or last (end) day; the date's narrative "
        "keeps it as recorded: act-every-field (2017-03), act-regional (2027)\n"
        f"Exported 4 Actions to {out} as IATI 2.03 activities.\n")


def test_the_activity_as_written(every_field, publisher):
    """The mapping, element by element, for one Action."""
    result = run("export", "actions", "--format", "iati", db=every_field)  # to standard output
    assert_valid(result.stdout.encode())
    activities = etree.fromstring(result.stdout.encode())
    assert activities.get("version") == "2.03"
    carried = next(a for a in activities if a.findtext("iati-identifier") == "XM-EXAMPLE-1-act-all-carried")
    lines = [line.strip() for line in etree.tostring(carried, encoding="unicode").splitlines()]
    assert lines == [
        '<iati-activity xml:lang="en">', "<iati-identifier>XM-EXAMPLE-1-act-all-carried</iati-identifier>",
        '<reporting-org ref="XM-EXAMPLE-1" type="40">', "<narrative>MIEUX (ICMPD)</narrative>", "</reporting-org>",
        "<title>", "<narrative>All carried</narrative>", "</title>",
        '<description type="1">', "<narrative>Only what IATI holds.</narrative>", "</description>",
        '<description type="4">', "<narrative>Two phases.</narrative>", "</description>",
        '<participating-org role="4" type="10">', "<narrative>Ministry of Labour</narrative>", "</participating-org>",
        '<participating-org role="1" type="40">', "<narrative>Funder</narrative>", "</participating-org>",
        '<other-identifier ref="XM-EXAMPLE-1-act-all-carried-old" type="A3"/>',
        '<activity-status code="4"/>',
        '<activity-date type="2" iso-date="2016-02-01"/>',
        '<activity-date type="4" iso-date="2018-12-31">', "<narrative>2018-12</narrative>", "</activity-date>",
        '<recipient-country code="SN" percentage="100"/>',
        '<sector vocabulary="1" code="15190" percentage="100"/>',
        '<tag vocabulary="99" code="theme:LM" vocabulary-uri="https://example.org/mieux-codes">', "<narrative>Legal Migration and Mobility</narrative>", "</tag>",
        '<tag vocabulary="99" code="area:LAB" vocabulary-uri="https://example.org/mieux-codes">', "<narrative>Labour Migration</narrative>", "</tag>",
        '<tag vocabulary="99" code="gcm:6" vocabulary-uri="https://example.org/mieux-codes">', "<narrative>GCM objective 6: Recruitment and decent work</narrative>",
        "</tag>",
        '<tag vocabulary="99" code="tag:labour" vocabulary-uri="https://example.org/mieux-codes">', "<narrative>labour</narrative>", "</tag>",
        '<document-link url="https://example.org/report.pdf" format="application/pdf">',
        "<title>", "<narrative>Report</narrative>", "</title>", '<category code="A08"/>', '<language code="fr"/>',
        '<document-date iso-date="2019-01-15"/>', "</document-link>",
        '<result type="1">', "<title>", "<narrative>Strategy</narrative>", "</title>", '<indicator measure="5">',
        "<title>", "<narrative>Strategy</narrative>", "</title>", "</indicator>", "</result>",
        '<result type="2">', "<title>", "<narrative>Strategy adopted</narrative>", "</title>", '<indicator measure="5">',
        "<title>", "<narrative>Strategy adopted</narrative>", "</title>", "</indicator>", "</result>",
        "</iati-activity>"]
    every = next(a for a in activities if a.findtext("iati-identifier") == "XM-EXAMPLE-1-act-every-field")
    assert [(c.get("code"), c.get("percentage")) for c in every.iter("recipient-country")] == [
        ("GT", "33.34"), ("HN", "33.33"), ("MX", "33.33")]
    assert [(d.get("type"), d.get("iso-date"), d.findtext("narrative")) for d in every.iter("activity-date")] == [
        ("2", "2017-03-01", "2017-03"), ("3", "2025-12-31", "2025")]
    regional = next(a for a in activities if a.findtext("iati-identifier") == "XM-EXAMPLE-1-act-regional")
    region = regional.find("recipient-region")
    assert (region.get("code"), region.get("vocabulary"), region.get("vocabulary-uri"), region.findtext("narrative")) == (
        "WCA", "99", "https://example.org/mieux-codes", "Western and Central Africa")
    assert [(d.get("type"), d.get("iso-date")) for d in regional.iter("activity-date")] == [("1", "2027-01-01")]
    assert regional.find("activity-status").get("code") == "1"


def test_a_date_is_actual_only_once_it_has_passed():
    """IATI: an actual start or end is never in the future. The status says whether the Action
    started or ended; a date still to come is written as planned."""
    record = {**next(r for r in EVERY_FIELD if r["id"] == "act-all-carried"), "start": "2016-02-01", "end": "2018-12"}
    record = add_records_in_memory(record)
    for today, types in (("2019-01-01", ["2", "4"]), ("2018-12-30", ["2", "3"]), ("2016-01-31", ["1", "3"])):
        result = iati_writing.export([record], PUBLISHER, datetime.fromisoformat(today + "T12:00:00+00:00"))
        assert_valid(result.xml)
        dates = etree.fromstring(result.xml)[0].iter("activity-date")
        assert [d.get("type") for d in dates] == types, today


def add_records_in_memory(raw: dict) -> dict:
    from mieux_cli.model.records import normalize

    return normalize({"sources": [{"title": "Test notes"}], **raw})


def test_the_publisher_s_role_and_language_come_from_the_settings(every_field, publisher):
    run("config", "set", "iati.publisher-role", "Implementing")
    run("config", "set", "iati.language", "es")
    result = run("export", "actions", "--format", "iati", db=every_field)
    assert_valid(result.stdout.encode())
    activity = etree.fromstring(result.stdout.encode())[0]
    assert activity.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    orgs = [(o.get("ref"), o.get("role"), o.get("type"), o.findtext("narrative")) for o in activity.iter("participating-org")]
    assert orgs[-1] == ("XM-EXAMPLE-1", "4", "40", "MIEUX (ICMPD)")
    tag = activity.find("tag")  # mieux's labels are English, and say so in a Spanish file
    assert tag.find("narrative").get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_only_actions_are_exported_and_an_empty_file_is_never_written(every_field, tmp_path, publisher):
    out = tmp_path / "practices.xml"
    result = run("export", "practices", "--format", "iati", "--output", str(out), db=every_field)
    assert result.exit_code == 2
    assert result.stderr == (
        "Not exported: 1 practice (an IATI file describes activities: only Actions are exported).\n"
        "Error: There is no Action to write, and an IATI file holds at least one activity. Choose Actions: mieux export "
        "actions --format iati ...\n")
    assert not out.exists()
    result = run("export", "--format", "iati", "--country", "FR", "--output", str(out), db=every_field)
    assert (result.exit_code, result.stderr) == (2, (
        "No records match. Try fewer filters.\n"
        "Error: There is no Action to write, and an IATI file holds at least one activity. Try fewer filters.\n"))
    assert not out.exists()
    result = run("export", "--format", "iati", "--output", str(tmp_path), db=every_field)
    assert result.stderr == f"Error: {tmp_path} is a folder. Give a file name: --output {tmp_path / 'catalogue.xml'}\n"


# -- import ------------------------------------------------------------------------------------------


def test_an_iati_file_is_read_as_actions_with_a_dry_run_report(tmp_path):
    fresh = tmp_path / "new.json"
    result = run("import", str(FIXTURES / "activities-2.03.xml"), "--dry-run", db=fresh)
    assert result.exit_code == 0
    assert result.stdout == (
        "Would add 7, change 0, leave 0 unchanged.\n"
        "add  act-xm-example-2-mig-001\nadd  act-xm-example-2-mig-002\nadd  act-xm-example-2-mig-003\n"
        "add  act-xm-example-2-mig-004\nadd  act-xm-example-2-mig-005\nadd  act-xi-example-9-coop-77\n"
        "add  act-cr-integration-plans\n"
        "Read 7 IATI activities (version 2.03).\n"
        "Texts kept in English (en); narratives in other languages not kept: 7 in French.\n"
        "5 texts had no narrative in en: the first one given was kept.\n"
        "Not kept, because mieux has no field for them:\n"
        "  act-xm-example-2-mig-001: description of objectives; result Draft labour migration strategy: indicator "
        "Officials trained on strategy drafting\n"
        "  act-xm-example-2-mig-002: tag 10.7 (vocabulary 3); other-identifier A1 MIG-002-INTERNAL; humanitarian=1\n"
        "  act-xm-example-2-mig-003: activity-status 3 Finalisation (kept as completed)\n")
    assert result.stderr == "Dry run: nothing was written (the catalogue file would be created).\n"
    assert not fresh.exists()


def test_each_activity_becomes_an_action_without_invented_values(tmp_path):
    fresh = tmp_path / "new.json"
    result = run("import", str(FIXTURES / "activities-2.03.xml"), db=fresh)
    assert result.exit_code == 0
    assert result.stderr == (
        f"Created a new catalogue at {fresh} with the 7 imported records.\n"
        "Read 7 IATI activities (version 2.03).\n"
        "Texts kept in English (en); narratives in other languages not kept: 7 in French.\n"
        "5 texts had no narrative in en: the first one given was kept.\n"
        f"3 records came with parts mieux has no field for; `mieux import --dry-run "
        f"{FIXTURES / 'activities-2.03.xml'}` lists them.\n")
    records = records_of(fresh)
    assert records["act-xm-example-2-mig-001"] == {
        "id": "act-xm-example-2-mig-001", "kind": "action", "title": "Labour migration governance in Senegal",
        "summary": "Support to the Ministry of Labour of Senegal in drafting a labour migration strategy.",
        "status": "planned", "status_as_of": "2024-04-30", "start": None, "end": None,
        "planned_start": "2025-01-01", "planned_end": "2027-12-31",
        "countries": ["SN"], "participants": [], "region": "WCA", "shares": [],
        "partners": [{"name": "Example Ministry of Foreign Affairs", "role": "donor", "country": None, "kind": "ministry",
                      "ref": "XM-EXAMPLE-2"},
                     {"name": "Ministry of Labour of Senegal", "role": "accountable", "country": None, "kind": "ministry",
                      "ref": None},
                     {"name": "Example International NGO", "role": "implementing partner", "country": None,
                      "kind": "ngo", "ref": "XM-EXAMPLE-3"}],
        "experts": [], "themes": [], "areas": [],
        "sectors": [{"code": "15190", "vocabulary": "1", "percentage": 60},
                    {"code": "16020", "vocabulary": "1", "percentage": 40}],
        "gcm": [], "activities": [], "outputs": ["Draft labour migration strategy"], "results": [], "figures": [],
        "funding": [{"type": "budget", "year": "2025", "value": 250000, "currency": "EUR"}], "tags": [], "notes": None,
        "sources": [
            {"title": "Project document", "publisher": None, "date": "2024-03-15",
             "url": "https://example.org/mig-001/project-document.pdf", "language": "en", "accessed": None,
             "page": None, "file": None},
            {"title": "IATI activity XM-EXAMPLE-2-MIG-001", "publisher": "Example Ministry of Foreign Affairs",
             "date": "2024-04-30", "url": None, "language": "en", "accessed": None, "page": None, "file": None}],
        "alternatives": [], "aliases": []}
    statuses = {r["id"]: (r["status"], r["status_as_of"], r["start"], r["end"], r["planned_start"], r["planned_end"])
                for r in records.values()}
    assert statuses == {  # actual dates in start and end, planned ones apart
        "act-xm-example-2-mig-001": ("planned", "2024-04-30", None, None, "2025-01-01", "2027-12-31"),
        "act-xm-example-2-mig-002": ("ongoing", None, "2022-03-01", None, None, "2025-06-30"),  # no last update: no date
        "act-xm-example-2-mig-003": ("completed", "2023-11-20", "2020-09-01", "2023-06-30", None, None),
        "act-xm-example-2-mig-004": ("completed", None, None, "2019-12-31", None, None),
        "act-xm-example-2-mig-005": ("cancelled", None, None, None, "2021-01-01", None),
        "act-xi-example-9-coop-77": ("suspended", "2024-02-01", "2021-05-01", None, None, None),
        "act-cr-integration-plans": ("completed", None, "2013", "2022", None, None),  # partial dates, from the narratives
    }
    assert records["act-xm-example-2-mig-003"]["title"] == "Gestion des frontières au Bénin"  # no English: the first
    # a region-only activity keeps its region (489 South America is in MIEUX's LAC)
    assert (records["act-xm-example-2-mig-004"]["countries"], records["act-xm-example-2-mig-004"]["region"],
            records["act-xm-example-2-mig-004"]["shares"]) == (
        [], "LAC", [{"country": None, "region": "489", "vocabulary": "1", "percentage": 100}])
    assert records["act-xm-example-2-mig-002"]["countries"] == ["GT", "MX"]
    assert records["act-xm-example-2-mig-002"]["shares"] == [  # 70 and 30, as the publisher shares them
        {"country": "MX", "region": None, "vocabulary": None, "percentage": 70},
        {"country": "GT", "region": None, "vocabulary": None, "percentage": 30}]
    assert records["act-xm-example-2-mig-002"]["funding"] == [  # two disbursements of 40,000 in 2023
        {"type": "disbursement", "year": "2023", "value": 80000, "currency": "USD"}]
    assert records["act-xi-example-9-coop-77"]["summary"] == ("Support to a migration data system.\n\n"
                                                               "Second phase: statistics on returnees.")
    mieux_like = records["act-cr-integration-plans"]
    assert (mieux_like["themes"], mieux_like["areas"], mieux_like["gcm"], mieux_like["tags"], mieux_like["notes"],
            mieux_like["aliases"], mieux_like["outputs"], mieux_like["results"]) == (
        ["LM"], ["INT"], [16], ["integration"], "The source gives no end date.", ["act-cr-plans"],
        ["Second National Integration Plan 2018-2022"], ["Integration understood as a shared responsibility"])


def test_lang_chooses_the_narratives_and_counts_the_others(tmp_path):
    fresh = tmp_path / "new.json"
    result = run("import", str(FIXTURES / "activities-2.03.xml"), "--lang", "français", db=fresh)
    assert result.exit_code == 0
    assert ("Texts kept in French (fr); narratives in other languages not kept: 7 in English.\n"
            "35 texts had no narrative in fr: the first one given was kept.\n") in result.stderr
    records = records_of(fresh)
    assert records["act-xm-example-2-mig-001"]["title"] == "Gouvernance de la migration de travail au Sénégal"
    assert records["act-xm-example-2-mig-001"]["partners"][1]["name"] == "Ministère du Travail du Sénégal"
    assert records["act-xm-example-2-mig-005"]["title"] == "Fonds d'investissement de la diaspora au Maroc"
    assert records["act-xm-example-2-mig-002"]["title"].startswith("Protection of unaccompanied")  # no French: the first
    assert records["act-xm-example-2-mig-001"]["sources"][-1]["publisher"] == "Ministère exemple des affaires étrangères"


def test_filters_keep_only_the_activities_wanted(tmp_path):
    fresh = tmp_path / "new.json"
    path = str(FIXTURES / "activities-2.03.xml")
    cases = {
        ("--country", "mexico", "--country", "KG"): ["act-xi-example-9-coop-77", "act-xm-example-2-mig-002"],
        ("--sector", "24030"): ["act-xm-example-2-mig-005"],
        ("--sector", "15190", "--reporting-org", "XI-EXAMPLE-9"): ["act-xi-example-9-coop-77"],
        ("--sector", "15190", "--country", "SN"): ["act-xm-example-2-mig-001"],
    }
    for options, expected in cases.items():
        result = run("import", path, "--dry-run", *options, db=fresh)
        assert result.exit_code == 0, options
        assert sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("add  ")) == expected
        assert f"; {7 - len(expected)} left out by " in result.stdout
    result = run("import", path, "--country", "Atlantis", db=fresh)
    assert (result.exit_code, result.stderr) == (
        2, "Error: Unknown country 'Atlantis'. See `mieux vocab countries` for the list.\n")
    result = run("import", path, "--reporting-org", "XM-NOBODY-1", db=fresh)
    assert (result.exit_code, result.stderr) == (
        2, (f"Error: None of the 7 activities in {path} matches --reporting-org XM-NOBODY-1. Drop a filter, or check "
           "its value.\n"))
    result = run("import", "catalogue", "--country", "MX", db=fresh)
    assert (result.exit_code, result.stderr) == (
        2, ("Error: --lang, --country, --sector and --reporting-org choose what to read from an IATI file (.xml). Leave "
           "them out to import a YAML, JSON or CSV file.\n"))
    assert not fresh.exists()


def test_importing_a_newer_download_updates_the_same_records(tmp_path):
    db = tmp_path / "catalogue.json"
    path = FIXTURES / "activities-2.03.xml"
    assert run("import", str(path), db=db).exit_code == 0
    assert run("import", str(path), db=db).stdout == "Added 0, changed 0, unchanged 7.\n"
    newer = tmp_path / "newer.xml"
    newer.write_bytes(path.read_bytes().replace(b'<activity-status code="2"/>', b'<activity-status code="4"/>'))
    result = run("import", str(newer), "--dry-run", db=db)
    assert result.stdout.startswith("Would add 0, change 1, leave 6 unchanged.\nchange  act-xm-example-2-mig-002 "
                                    "(changes status)\n"
                                    "  status: 'ongoing' -> 'completed'\n")


RENAMED_ACTIVITY = """<iati-activities version="2.03">
  <iati-activity xml:lang="en">
    <iati-identifier>XM-EXAMPLE-9-{identifier}</iati-identifier>
    <reporting-org ref="XM-EXAMPLE-9" type="10"><narrative>Example Ministry</narrative></reporting-org>
    <title><narrative>Border management support</narrative></title>
    <description type="1"><narrative>Support to border management.</narrative></description>
    <activity-status code="2"/>
    <activity-date type="2" iso-date="2020-01-01"/>
    <recipient-country code="CR"/>
    <sector vocabulary="1" code="15190"/>
    <other-identifier ref="{previous}" type="A3"/>
  </iati-activity>
</iati-activities>
"""


def test_a_previous_iati_identifier_renames_only_the_record_of_that_activity(cli, tmp_path):
    """An activity whose previous identifier named a shipped Action removed it and repointed the
    practices linking to it."""
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(RENAMED_ACTIVITY.format(identifier="NEW-1", previous="XM-EXAMPLE-9-act-cr-integration-plans"))
    before = read_bytes(cli.db)
    result = cli("import", str(hostile))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: {hostile}:11: act-xm-example-9-new-1: aliases: gives XM-EXAMPLE-9-act-cr-integration-plans as its "
        "previous IATI identifier, which would rename 'act-cr-integration-plans', but 'act-cr-integration-plans' in "
        "the catalogue was not imported from that activity, nor published by XM-EXAMPLE-9 as the publisher of your "
        "settings: it is another record; leave it out, or set iati.publisher-ref if this file is your organisation's\n")
    assert read_bytes(cli.db) == before
    # the publisher's own activity, renamed: a rename
    assert run("config", "set", "iati.publisher-ref", "XM-EXAMPLE-9").exit_code == 0
    result = cli("import", str(hostile))
    assert result.stdout == ("Added 0, changed 0, unchanged 0; renamed act-cr-integration-plans to "
                             "act-xm-example-9-new-1, relinked 3 other records to the new IDs.\n")
    assert run("config", "unset", "iati.publisher-ref").exit_code == 0
    # an activity imported before, published again under a new identifier: a rename
    old = tmp_path / "old.xml"
    old.write_text(RENAMED_ACTIVITY.format(identifier="OLD-2", previous="XM-EXAMPLE-9-OLDER"))
    assert cli("import", str(old)).stdout == "Added 1, changed 0, unchanged 0.\n"
    new = tmp_path / "new.xml"
    new.write_text(RENAMED_ACTIVITY.format(identifier="NEW-2", previous="XM-EXAMPLE-9-OLD-2"))
    result = cli("import", str(new))
    assert result.stdout == "Added 0, changed 0, unchanged 0; renamed act-xm-example-9-old-2 to act-xm-example-9-new-2.\n"


def test_one_bad_activity_means_nothing_is_imported_and_each_problem_is_named(cli, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes((FIXTURES / "activities-2.03.xml").read_bytes()
                    .replace(b'<recipient-country code="SN"', b'<recipient-country code="XX"')
                    .replace(b"<narrative>Diaspora investment fund in Morocco</narrative>", b"")
                    .replace(b"<narrative xml:lang=\"fr\">Fonds d'investissement de la diaspora au Maroc</narrative>", b""))
    before = read_bytes(cli.db)
    result = cli("import", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {bad}:40: act-xm-example-2-mig-001: countries: Unknown country 'XX'. See `mieux vocab countries` for "
        "the list.\n"
        f"Error: {bad}:161: act-xm-example-2-mig-005: title: is required\n"
        "Nothing was imported: 2 problems in 2 records. Fix them and run the import again.\n")
    assert read_bytes(cli.db) == before


def test_version_2_01_is_read_and_version_1_is_refused(tmp_path):
    fresh = tmp_path / "new.json"
    text = (FIXTURES / "activities-2.03.xml").read_text()
    old = tmp_path / "activities-2.01.xml"
    old.write_text(text.replace('version="2.03"', 'version="2.01"'))
    result = run("import", str(old), "--dry-run", db=fresh)
    assert result.exit_code == 0 and "Read 7 IATI activities (version 2.01).\n" in result.stdout
    cases = {
        '<iati-activities version="1.05"><iati-activity><iati-identifier>X-1</iati-identifier></iati-activity>'
        "</iati-activities>": "{f}:1: IATI version 1.05; mieux reads IATI 2.01 to 2.03. Download the activities as IATI "
        "2.03: the IATI Datastore and d-portal serve every published activity in 2.03.",
        '<iati-activities version="2.04"/>': "{f}:1: IATI version '2.04', which mieux does not know; mieux reads 2.01 to "
        "2.03. Give an IATI activity file of version 2.01 to 2.03.",
        '<iati-organisations version="2.03"/>': "{f}:1: an IATI organisation file, not an activity file. Give an IATI "
        "activity file (its first element is <iati-activities>).",
        "<catalogue><record/></catalogue>": "{f}:1: not an IATI activity file (its first element is <catalogue>, not "
        "<iati-activities>). Give a YAML, JSON or CSV file, or an IATI activity file (2.01 to 2.03).",
        '<iati-activities version="2.03">\n<iati-activity>\n</iati-activites>': "{f}:3: not valid XML: Opening and "
        "ending tag mismatch: iati-activity line 2 and iati-activites. Fix it and run the import again.",
        '<iati-activities version="2.03"></iati-activities>': "There are no activities in {f}. An IATI activity file "
        "holds <iati-activity> elements.",
    }
    for n, (content, message) in enumerate(cases.items()):
        path = tmp_path / f"case-{n}.xml"
        path.write_text(content)
        result = run("import", str(path), db=fresh)
        assert (result.exit_code, result.stderr) == (2, "Error: " + message.format(f=path) + "\n"), content
    assert not fresh.exists()


# -- hostile XML ---------------------------------------------------------------------------------------

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)).replace("&lol0;", "&lol;")
          + "]>")
HOSTILE = {
    "laughs.xml": LAUGHS + '<iati-activities version="2.03"><iati-activity>&lol9;</iati-activity></iati-activities>',
    "laughs-in-an-attribute.xml": LAUGHS + '<iati-activities version="&lol9;"/>',
    "external-entity.xml": '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    '<iati-activities version="2.03"><iati-activity><iati-identifier>&e;</iati-identifier></iati-activity>'
    "</iati-activities>",
    "external-dtd.xml": '<!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:9/iati.dtd">\n'
    '<iati-activities version="2.03"/>',
    "parameter-entities.xml": '<!DOCTYPE x [<!ENTITY % a "aaaaaaaaaa"><!ENTITY % b "%a;%a;%a;%a;">%b;]>'
    '<iati-activities version="2.03"/>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_dtd_is_refused_before_any_entity_is_read(cli, tmp_path, name):
    path = tmp_path / name
    path.write_text(HOSTILE[name])
    before = read_bytes(cli.db)
    result = cli("import", str(path))
    line = 2 if name == "external-entity.xml" else 1
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {path}:{line}: declares a DTD (<!DOCTYPE ...>), which IATI files never do; it is not read, for safety. "
        "Give the IATI activity file as the IATI Registry, d-portal or the Datastore serve it.\n"))
    assert read_bytes(cli.db) == before


def test_a_dtd_behind_a_long_prolog_is_refused_too(cli, tmp_path):
    path = tmp_path / "late-dtd.xml"
    path.write_text("<!--" + "x" * 70000 + "-->\n" + HOSTILE["external-entity.xml"].split("\n", 1)[1])
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}:3: declares a DTD (<!DOCTYPE ...>)")
    assert "root:" not in result.output  # /etc/passwd was not read into anything


def test_the_parser_itself_expands_nothing_and_fetches_nothing(tmp_path, monkeypatch):
    """Were the DTD check gone, lxml as configured would still not expand or fetch an entity."""
    monkeypatch.setattr(iati_reading, "_refuse_a_dtd", lambda path: None)
    monkeypatch.setattr(iati_reading._ActivityReader, "check_root", lambda self, root: setattr(self, "version", "2.03"))
    path = tmp_path / "external-entity.xml"
    path.write_text(HOSTILE["external-entity.xml"].replace("<iati-identifier>&e;</iati-identifier>",
                                                           "<iati-identifier>X-1</iati-identifier><title>"
                                                           "<narrative>&e;</narrative></title>"))
    reading = iati_reading.read(path, iati_reading.ReadOptions())
    assert reading.items[0].raw["title"] is None  # the entity stayed a reference; /etc/passwd was not read
    laughs = tmp_path / "laughs.xml"
    laughs.write_text(HOSTILE["laughs-in-an-attribute.xml"])
    with pytest.raises(Exception, match="amplification"):
        iati_reading.read(laughs, iati_reading.ReadOptions())


def peak_of(command: list[str], cwd) -> tuple[int, str, str, int]:
    """Exit code, stdout, stderr and peak RSS (KiB) of mieux run by a small Python process (the
    peak of a child forked from pytest would count pytest's own pages)."""
    measure = (
        "import json, os, subprocess, sys\n"
        "process = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "out = process.stdout.read(); err = process.stderr.read()\n"
        "_, status, usage = os.wait4(process.pid, 0)\n"
        "print(json.dumps([os.waitstatus_to_exitcode(status), out.decode(), err.decode(), usage.ru_maxrss]))\n"
    )
    result = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "mieux_cli", *command], cwd=cwd,
                            capture_output=True, text=True, check=True)
    return tuple(json.loads(result.stdout))


def test_a_300_mb_iati_file_is_refused_before_it_is_read(db, tmp_path):
    huge = tmp_path / "huge.xml"
    with open(huge, "wb") as f:
        f.write(b'<?xml version="1.0"?>\n<iati-activities version="2.03">\n')
        f.truncate(300 * 1024 * 1024)  # sparse: 300 MB that take no disk
    before = read_bytes(db)
    code, out, err, peak_kib = peak_of(["--db", str(db), "import", str(huge)], tmp_path)
    assert (code, out, err) == (2, "", (f"Error: {huge}: too large to import (300 MB; the limit is 256 MB). Download a "
                                       "smaller selection (by country, sector or publisher).\n"))
    assert peak_kib < 100 * 1024
    assert read_bytes(db) == before


ACTIVITY = (
    '<iati-activity xml:lang="en"><iati-identifier>XM-BULK-1-{n}</iati-identifier>'
    '<reporting-org ref="XM-BULK-1" type="10"><narrative>Bulk publisher</narrative></reporting-org>'
    "<title><narrative>Activity {n} " + "with a long title " * 20 + "</narrative></title>"
    "<description><narrative>" + "A long description of what was done. " * 60 + "</narrative></description>"
    '<participating-org role="4"><narrative>Implementer</narrative></participating-org>'
    '<activity-status code="2"/><activity-date type="2" iso-date="2020-01-01"/></iati-activity>\n'
)


@pytest.mark.slow
def test_a_large_iati_file_is_read_in_bounded_memory(db, tmp_path):
    """200 MB of activities are streamed: memory holds one at a time (lxml's tree of the whole file
    would take several times its size). Every activity is left out by the filter, so that only
    reading is measured."""
    large = tmp_path / "large.xml"
    with open(large, "w") as f:
        f.write('<iati-activities version="2.03">\n')
        n = 0
        while f.tell() < 200 * 1024 * 1024:
            f.write("".join(ACTIVITY.format(n=n + i) for i in range(1000)))
            n += 1000
        f.write("</iati-activities>\n")
    code, out, err, peak_kib = peak_of(["--db", str(db), "import", str(large), "--reporting-org", "XM-NOBODY-1"], tmp_path)
    assert (code, out) == (2, "")
    assert err == (f"Error: None of the {n} activities in {large} matches --reporting-org XM-NOBODY-1. Drop a filter, "
                   "or check its value.\n")
    assert peak_kib < 120 * 1024


def test_reading_shows_a_progress_bar_on_a_terminal(monkeypatch):
    import io

    from mieux_cli.cli import output
    from mieux_cli.formats import importing

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(output, "PROGRESS_AFTER", 0)  # a large file takes seconds; this one, none
    stderr = Terminal()
    reading = importing.read_import(FIXTURES / "activities-2.03.xml", output.Output(stderr=stderr).progress)
    assert len(reading.items) == 7
    assert "Reading IATI activities" in stderr.getvalue() and "100%" in stderr.getvalue()


def test_an_activity_or_a_text_far_larger_than_any_real_one_is_refused_in_one_line_in_bounded_memory(db, tmp_path):
    """One activity of 32 MB took 1 GB and 33 s (MemoryError under a 1.5 GB limit)."""
    head = ('<iati-activities version="2.03">\n<iati-activity xml:lang="en"><iati-identifier>XM-BIG-1</iati-identifier>'
            '<reporting-org ref="XM-BIG" type="10"><narrative>Big</narrative></reporting-org>')
    big = tmp_path / "big.xml"
    big.write_text(head + "<description>" + "<narrative>some words of a description</narrative>\n" * 300_000
                   + "</description></iati-activity></iati-activities>\n")
    code, out, err, peak_kib = peak_of(["--db", str(db), "import", str(big)], tmp_path)
    assert (code, out, err) == (2, "", (
        f"Error: {big}:2: an activity larger than 8 MB, which no IATI activity is (real ones are a few KB). Give the "
        "file as its publisher or the IATI Registry serves it.\n"))
    assert peak_kib < 200 * 1024
    long = tmp_path / "long.xml"
    long.write_text(head + "<title><narrative>" + "x" * 300_000 + "</narrative></title></iati-activity></iati-activities>\n")
    before = read_bytes(db)
    result = run("import", str(long), db=db)
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: {long}:2: a text of 300,000 characters, longer than any text of an IATI activity (the limit is "
        "200,000). Give the file as its publisher or the IATI Registry serves it.\n"))
    assert read_bytes(db) == before
