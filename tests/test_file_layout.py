"""The catalogue file laid out a line per entry (storage/file_layout.py): TinyDB opens it as it
is; a write to the file mieux wrote last copies every other line as bytes, without parsing the
records; any other file (a hand edit, an index that lies) is read whole and written right."""

import json
import sqlite3

import pytest
import tinydb
from conftest import add_records
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.storage import catalogue_file
from mieux_cli.storage.catalogue_file import Store
from mieux_cli.storage.file_format import RECORDS_TABLE


def mieux(db, *args):
    result = CliRunner().invoke(app, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def record_lines(db) -> list[bytes]:
    lines = db.read_bytes().splitlines(keepends=True)
    return lines[lines.index(b'"records":{\n') + 1:-1]


def test_tinydb_opens_the_file_with_every_record_and_change(cli):
    cli("edit", "act-cr-integration-plans", "--set", "status=ongoing")
    assert cli("remove", "fct-lac-regional-integration", "--force", "--yes").exit_code == 0
    database = tinydb.TinyDB(cli.db)
    records = database.table(RECORDS_TABLE).all()
    assert len(records) == 23
    assert {r["id"]: r.get("status") for r in records}["act-cr-integration-plans"] == "ongoing"
    assert [entry["command"].split()[3] for entry in database.table("history").all()] == ["edit", "remove"]
    database.close()


def test_each_record_is_one_line_and_the_file_is_one_json_document(db):
    lines = record_lines(db)
    assert len(lines) == 24
    assert lines[0].startswith(b'"1":{"id":') and all(line.startswith(b',"') for line in lines[1:])
    assert len(json.loads(db.read_text())[RECORDS_TABLE]) == 24


def test_an_edit_copies_every_other_record_s_line_byte_for_byte_and_adds_the_new_version_last(db):
    mieux(db, "list")  # the index, made
    before = record_lines(db)
    mieux(db, "edit", "act-cr-integration-plans", "--set", "status=ongoing")
    after = record_lines(db)
    assert after[:-1] == [before[1][1:], *before[2:]]  # the first line lost its comma with the line before it
    assert after[-1].startswith(b',"25":{"id":"act-cr-integration-plans"') and b'"status":"ongoing"' in after[-1]


def test_a_write_to_the_file_mieux_wrote_last_parses_none_of_its_records(db, monkeypatch):
    mieux(db, "list")

    def refused(raw):
        raise AssertionError("the whole file was parsed")

    monkeypatch.setattr(catalogue_file, "parse_catalogue", refused)
    mieux(db, "edit", "act-cr-integration-plans", "--set", "status=ongoing")
    mieux(db, "add", "--from", str(_one_fact(db.parent)))
    mieux(db, "remove", "fct-one", "--yes")
    mieux(db, "rename", "act-cr-integration-plans", "act-cr-plans")
    mieux(db, "undo", "--yes")
    assert "undo --yes" in mieux(db, "history").stdout
    monkeypatch.undo()
    catalogue = Store(db).load()
    assert "act-cr-integration-plans" in catalogue.by_id and "fct-one" not in catalogue.by_id
    assert catalogue.by_id["act-cr-integration-plans"]["status"] == "ongoing"
    assert "0 errors" in mieux(db, "check").output


def _one_fact(folder):
    path = folder / "one.json"
    path.write_text(json.dumps({"id": "fct-one", "kind": "fact", "title": "One more", "text": "A fact.",
                                "sources": ["bench"]}))
    return path


def test_removing_the_first_record_and_then_every_record_leaves_valid_json(db):
    mieux(db, "list")
    first = json.loads(record_lines(db)[0].split(b":", 1)[1])["id"]
    mieux(db, "remove", first, "--force", "--yes")
    assert not record_lines(db)[0].startswith(b",")
    ids = [r["id"] for r in json.loads(db.read_text())[RECORDS_TABLE].values()]
    assert first not in ids and len(ids) == 23

    def remove_all(tx):
        for record in list(tx.catalogue.records):
            current = tx.catalogue.by_id[record["id"]]
            tx.remove(tx.key_of(current), current)

    Store(db).change(remove_all)
    assert json.loads(db.read_text())[RECORDS_TABLE] == {}
    add_records(db, {"id": "fct-again", "kind": "fact", "title": "Again", "text": "T"})
    assert [r["id"] for r in json.loads(db.read_text())[RECORDS_TABLE].values()] == ["fct-again"]


def test_a_file_reformatted_by_hand_is_read_whole_and_written_back_a_line_per_entry(db):
    mieux(db, "list")
    db.write_text(json.dumps(json.loads(db.read_text()), indent=2))  # an editor's pretty-printing
    mieux(db, "edit", "act-cr-integration-plans", "--set", "status=ongoing")
    assert len(record_lines(db)) == 24
    assert Store(db).load().by_id["act-cr-integration-plans"]["status"] == "ongoing"


def index_claims_the_file(db) -> None:
    """Make the index say it was made from the file as it is now, which mieux wrote: a lie."""
    from mieux_cli.storage import index

    with sqlite3.connect(Store(db).index_path) as database:
        state = json.loads(database.execute("SELECT value FROM state").fetchone()[0])
        state = {k: v for k, v in state.items() if k != "crc"} | {"lines": True,
                                                                  "file": index.file_identity(db.stat())}
        database.execute("UPDATE state SET value = ?", (json.dumps(state),))


def test_an_index_that_wrongly_claims_a_pretty_printed_file_costs_a_whole_read(db):
    mieux(db, "list")
    db.write_text(json.dumps(json.loads(db.read_text()), indent=2))
    index_claims_the_file(db)
    mieux(db, "edit", "fct-lac-regional-integration", "--set", "title=Edited")
    assert Store(db).load().by_id["fct-lac-regional-integration"]["title"] == "Edited"
    assert len(record_lines(db)) == 24


def test_an_index_that_holds_a_record_the_file_lacks_is_found_out_before_anything_is_replaced(db):
    """The plan is made from the index; the copy of the lines finds the record missing, and the
    change is planned again on the file read whole, where the record is not."""
    mieux(db, "list")
    lines = db.read_bytes().splitlines(keepends=True)
    db.write_bytes(b"".join(line for line in lines if b'{"id":"fct-lac-regional-integration"' not in line))
    index_claims_the_file(db)
    before = db.read_bytes()
    result = CliRunner().invoke(app, ["--db", str(db), "edit", "fct-lac-regional-integration", "--set", "title=Edited"])
    assert result.exit_code == 2  # an unknown value
    assert "No record with ID 'fct-lac-regional-integration'" in result.output
    assert db.read_bytes() == before
    assert "0 errors" in mieux(db, "check").output


@pytest.mark.parametrize("gone", [{"2"}, {"1", "3"}, {str(n) for n in range(1, 12)}])
def test_a_rewrite_leaves_out_exactly_the_lines_of_the_keys_gone_even_where_their_text_appears_inside_a_record(gone):
    import io

    from mieux_cli.storage.file_layout import Rewrite, lines_of

    records = {str(n): {"id": f"r{n}", "nested": {str(n + 1): f'"{n + 1}": x'}} for n in range(1, 12)}
    data = {"meta": {"1": {"format": 3}}, "history": {}, "records": records}
    source = io.BufferedReader(io.BytesIO(b"".join(lines_of(data))))
    rewrite = Rewrite(source, {"1": {"format": 3}}, gone, [{"at": "now"}], {"12": {"id": "r12"}})
    written = json.loads(b"".join(rewrite))
    assert written["records"] == {**{k: r for k, r in records.items() if k not in gone}, "12": {"id": "r12"}}
    assert written["history"] == {"1": {"at": "now"}} and rewrite.last_history == 0


def test_an_index_made_again_by_a_read_still_lets_writes_copy_the_lines_of_a_file_mieux_laid_out(db, monkeypatch):
    """An upgrade whose index format changed, or a deleted index: the index is made by a read,
    which compares the file with the layout mieux writes, so the next write is still quick."""
    mieux(db, "list")
    Store(db).index_path.unlink()
    mieux(db, "list")  # made again, from a read

    def refused(raw):
        raise AssertionError("the whole file was parsed")

    monkeypatch.setattr(catalogue_file, "parse_catalogue", refused)
    mieux(db, "edit", "act-cr-integration-plans", "--set", "status=ongoing")
    assert "edit act-cr-integration-plans" in mieux(db, "history").stdout
