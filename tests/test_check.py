"""mieux check, on a catalogue changed behind mieux's back."""

import json

import pytest
from conftest import add_records


def _tamper(db, change):
    data = json.loads(db.read_text())
    change(data["records"])
    db.write_text(json.dumps(data))


def by_id(records, record_id):
    return next(r for r in records.values() if r["id"] == record_id)


def test_a_clean_catalogue_passes(cli):
    result = cli("check")
    assert result.exit_code == 0
    assert result.stdout.startswith("Completeness: 90% overall, over 24 records.\nLeast complete: ")
    assert result.stderr == "0 errors, 0 warnings.\n"


def test_errors_and_warnings_are_found_and_exit_1(cli):
    add_records(cli.db, {"id": "prc-orphan", "kind": "practice", "title": "Orphan practice", "summary": "S"},
                {"id": "prc-orphan-2", "kind": "practice", "title": "Orphan practices", "summary": "S"})

    def damage(records):
        by_id(records, "act-cr-integration-plans")["countries"] = ["ZZ"]
        by_id(records, "prc-cr-integration-shared-responsibility")["actions"] = ["act-gone"]
        records["999"] = dict(by_id(records, "fct-lac-regional-integration"))
        del by_id(records, "act-mx-unaccompanied-children")["summary"]

    _tamper(cli.db, damage)
    result = cli("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:7] == [
        "error    act-cr-integration-plans  countries: Unknown country 'ZZ'. See `mieux vocab countries` for the list.",
        "error    act-mx-unaccompanied-children  summary: is required",
        "error    fct-lac-regional-integration  id: is used by more than one record",
        "error    prc-cr-integration-shared-responsibility  actions: no action with ID 'act-gone' in the catalogue",
        "warning  prc-orphan  actions: this practice comes from no action",
        "warning  prc-orphan  title: 2 records have the same or nearly the same title: prc-orphan, prc-orphan-2",
        "warning  prc-orphan-2  actions: this practice comes from no action",
    ]
    assert result.stderr == "4 errors, 3 warnings.\n"
    report = json.loads(cli("check", "--json").stdout)
    assert (report["errors"], report["warnings"]) == (4, 3)
    assert report["problems"][0] == {"severity": "error", "id": "act-cr-integration-plans", "field": "countries",
                                     "message": "Unknown country 'ZZ'. See `mieux vocab countries` for the list."}
    assert report["completeness"]["records"]["prc-orphan"] == 0.3


def test_near_duplicates_are_one_line_per_group_however_many_records_repeat_a_title(cli):
    records = [{"id": f"fct-repeat-{i}", "kind": "fact", "title": ["Regional workshop on return", "Study visit on asylum"][i % 2],
                "text": "T"} for i in range(400)]
    add_records(cli.db, *records)
    lines = [line for line in cli("check").stdout.splitlines() if "nearly the same title" in line]
    assert lines == [
        ("warning  fct-repeat-0  title: 200 records have the same or nearly the same title: fct-repeat-0, fct-repeat-10, "
        "fct-repeat-100, fct-repeat-102, fct-repeat-104 and 195 more"),
        ("warning  fct-repeat-1  title: 200 records have the same or nearly the same title: fct-repeat-1, fct-repeat-101, "
        "fct-repeat-103, fct-repeat-105, fct-repeat-107 and 195 more"),
    ]
    everything = [line for line in cli("check", "--all").stdout.splitlines() if "nearly the same title" in line]
    assert len(everything) == 2 and everything[0].endswith("fct-repeat-98")  # --all names every record of a group


# Hand-edited files: every command keeps working, names what it skipped, and `check` reports it.
DAMAGE = {
    "no title": lambda r: r.pop("title"),
    "countries null": lambda r: r.update(countries=None),
    "an integer start": lambda r: r.update(start=2018),
    "an unknown kind": lambda r: r.update(kind="bogus"),
    "no id": lambda r: r.pop("id"),
    "a list for a record": None,
}
READS = [["list"], ["list", "--json"], ["search", "integration"], ["show", "fct-lac-regional-integration"],
         ["summary", "--by", "country"], ["brief", "--region", "LAC"], ["history"], ["check"], ["vocab", "themes"]]


def _damage_a_record(db, damage: str) -> None:
    def change(records):
        key = next(k for k, r in records.items() if r["id"] == "act-cr-integration-plans")
        if DAMAGE[damage] is None:
            records[key] = ["not", "a", "record"]
        else:
            DAMAGE[damage](records[key])

    _tamper(db, change)


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_reads_survive_a_damaged_record_name_it_and_check_reports_it(cli, damage):
    _damage_a_record(cli.db, damage)
    for args in READS:
        result = cli(*args)
        assert result.exit_code in (0, 1), (args, result.output)  # 1: check found errors
        if args[0] != "vocab":
            assert "Skipped 1 damaged record (" in result.stderr, args
    assert "is damaged: it " in cli("check").stdout
    assert cli("edit", "fct-lac-regional-integration", "--set", "title=Still writable").exit_code == 0
    result = cli("export", "--format", "json")
    assert result.exit_code == 2 and "1 record of the catalogue is damaged: nothing was exported." in result.stderr


def test_check_reports_progress_record_by_record(db):
    from mieux_cli.checks.catalogue import check
    from mieux_cli.storage.catalogue_file import Store

    records = Store(db).load().records
    steps = []
    check(records, advance=lambda n=1: steps.append(n))
    assert sum(steps) == 2 * len(records)  # records checked, then compared for near-duplicate titles


def test_record_keys_that_are_not_numbers_break_no_read_and_no_write(cli):
    """A hand edit can leave a key TinyDB cannot number ("abc", "01"); writes give it a number."""
    def change(records):
        keys = list(records)
        records["abc"] = records.pop(keys[0])
        records["01"] = records.pop(keys[1])

    _tamper(cli.db, change)
    ids = sorted(r["id"] for r in json.loads(cli.db.read_text())["records"].values())
    assert cli("list").exit_code == 0 and cli("check").exit_code == 0
    for args in (["edit", "fct-lac-regional-integration", "--set", "title=Still writable"],
                 ["add", "fact", "--title", "New", "--text", "T", "--source", "S", "--no-input"],
                 ["remove", "fct-new", "--yes"], ["undo"]):
        result = cli(*args, input="y\n")
        assert result.exit_code == 0, (args, result.output)
    records = json.loads(cli.db.read_text())["records"]
    assert all(key.isdigit() and str(int(key)) == key for key in records)
    assert sorted(r["id"] for r in records.values()) == sorted([*ids, "fct-new"])  # the undo brought it back
    assert by_id(records, "fct-lac-regional-integration")["title"] == "Still writable"


# Every command, against catalogues damaged by hand: whatever each answers, it is never a traceback.
FILE_DAMAGE = {
    "meta is a list": lambda data: data.update(meta=[]),
    "records is a list": lambda data: data.update(records=[]),
    "a newer format": lambda data: data["meta"]["1"].update(format=99),
    "a key that is not a number": lambda data: data["records"].update(abc=data["records"].pop(next(iter(data["records"])))),
    "a history entry that is not one": lambda data: data.setdefault("history", {}).update({"7": "not a change"}),
    # Of the right shape, so read, but no calendar or vocabulary knows these values.
    "values nothing knows": lambda data: next(r for r in data["records"].values() if r["id"] == "act-cr-integration-plans")
    .update(start="20x", gcm=["3", 3, "x"], status="bogus", themes=["XYZ", "XYZ"], region="Nowhere"),
    # what a hostile tester's hand edits of valid JSON found still crashing commands
    "a country that is a number": lambda data: _record(data, "act-cr-integration-plans").update(countries=[5]),
    "a month that does not exist": lambda data: _record(data, "act-cr-integration-plans").update(start="2017-13"),
    "a source title that is a number": lambda data: _record(data, "fct-lac-regional-integration")["sources"][0].update(title=5),
    "a practice linking to itself": lambda data: _record(data, "prc-cr-integration-shared-responsibility").update(
        actions=["prc-cr-integration-shared-responsibility"]),
    "a change time that is a number": lambda data: data["meta"]["1"].update(changed=5),
    "a field nested 1,000 deep": lambda data: _record(data, "fct-lac-regional-integration").update(notes=_nested(1000)),
}


def _record(data, record_id):
    return next(r for r in data["records"].values() if r["id"] == record_id)


class _Nested:
    """A value nested `depth` lists deep, written out by _deep_json (json.dumps would recurse)."""

    def __init__(self, depth):
        self.depth = depth


def _nested(depth):
    return _Nested(depth)


def _deep_json(data) -> str:
    nested = []

    def placeholder(value):
        nested.append(value.depth)
        return f"@nested-{len(nested) - 1}@"

    text = json.dumps(data, default=placeholder)
    for n, depth in enumerate(nested):
        text = text.replace(f'"@nested-{n}@"', "[" * depth + '"deep"' + "]" * depth)
    return text
# Reads that work out years, or order and count codes: from the index and from the file.
COUNTING = [["summary", "--by", "year", "--by", "gcm"], ["summary", "--by", "status", "--by", "theme"],
            ["summary", "--by", "region"], ["brief"], ["brief", "act-cr-integration-plans"], ["list", "--year", "2017"],
            ["list", "--sort", "start"]]
EVERY_COMMAND = [
    *READS, *COUNTING, ["schema"], ["config", "list"], ["backup", "--list"], ["export", "--format", "csv"],
    ["add", "fact", "--title", "New", "--text", "T", "--source", "S", "--no-input"],
    ["edit", "fct-lac-regional-integration", "--set", "title=Changed"],
    ["rename", "fct-lac-regional-integration", "fct-lac-integration"], ["remove", "fct-lac-integration", "--yes"],
    ["import", "{new}"], ["undo"], ["backup"], ["restore", "--yes"],
]


@pytest.mark.parametrize("damage", sorted([*DAMAGE, *FILE_DAMAGE]))
def test_every_command_on_a_hand_damaged_catalogue_ends_without_a_traceback(cli, tmp_path, damage):
    if damage in FILE_DAMAGE:
        data = json.loads(cli.db.read_text())
        FILE_DAMAGE[damage](data)
        cli.db.write_text(_deep_json(data))
    else:
        _damage_a_record(cli.db, damage)
    new = tmp_path / "new.yaml"
    new.write_text("id: fct-imported\nkind: fact\ntitle: Imported\ntext: T\nsources: [S]\n")
    for args in COUNTING:
        result = cli(*args, env={"MIEUX_NO_INDEX": "1"})  # a traceback fails the test
        assert result.exit_code in (0, 2, 3), (args, result.exit_code, result.output)
    for args in EVERY_COMMAND:
        result = cli(*[str(new) if a == "{new}" else a for a in args], input="y\n")
        assert result.exit_code in (0, 1, 2, 3), (args, result.exit_code, result.output)
        assert "Traceback" not in result.output, args


def test_a_damaged_history_entry_is_shown_reported_and_never_undone(cli):
    cli("edit", "fct-lac-regional-integration", "--set", "title=Changed")
    data = json.loads(cli.db.read_text())
    data["history"]["1"]["changes"] = "lost"
    cli.db.write_text(json.dumps(data))
    before = cli.db.read_bytes()
    assert cli("history").stdout == "#1  damaged in the file: it has no list of changes (see `mieux check`)\n"
    result = cli("check")
    assert result.exit_code == 1
    assert ("error    history #1  history: is damaged: it has no list of changes; `mieux undo` cannot go back "
            "across it (restore a backup for that)\n") in result.stdout
    result = cli("undo", input="y\n")
    assert (result.exit_code, result.stderr) == (2, (
        "Error: Change #1 is damaged in the catalogue file (it has no list of changes): it cannot be undone. "
        "See `mieux check`; `mieux restore` a backup to go back further.\n"))
    assert cli.db.read_bytes() == before


def test_a_value_nested_deeper_than_orjson_writes_stops_no_write(cli):
    """orjson writes at most 255 levels; a hand edit nesting a field 1,000 deep stopped every
    write with a traceback, restore included."""
    assert cli("backup").exit_code == 0
    data = json.loads(cli.db.read_text())
    FILE_DAMAGE["a field nested 1,000 deep"](data)
    cli.db.write_text(_deep_json(data))
    added = cli("add", "fact", "--title", "Still writable", "--text", "T", "--source", "S", "--no-input")
    assert added.exit_code == 0, added.output
    assert "fct-still-writable" in cli("list").stdout
    result = cli("restore", "2", "--yes")  # the manual backup, from before the damage
    assert result.exit_code == 0, result.output
    assert cli("list").stderr == ""
    assert cli("undo", "--yes").exit_code == 0  # the damaged record, put back whole
    assert ("[" * 1000 + '"deep"' + "]" * 1000) in cli.db.read_text()
