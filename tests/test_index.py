"""The index gives the same answers as the file: every read command run both ways (the index,
and MIEUX_NO_INDEX=1, which parses the file and answers in memory, the reference), on every kind
of catalogue the tests make, gives the same output byte for byte."""

import itertools
import json
import shutil
import sys
from pathlib import Path

import orjson
import pytest
from conftest import add_records
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.model.schema import KIND_ORDER
from mieux_cli.queries.filters import Filters
from mieux_cli.queries.indexed import IndexedCatalogue
from mieux_cli.queries.reading import open_catalogue
from mieux_cli.storage.catalogue_file import NO_INDEX, Store
from mieux_cli.storage.file_format import RECORDS_TABLE

FIXTURES = Path(__file__).parent / "fixtures"
LONG_FIELD = " ".join(["migration policy"] * 700) + " beyondthecut integratoin zebrafish"  # > 10,000 characters


def _tamper(db, change):
    data = json.loads(db.read_text())
    change(data[RECORDS_TABLE])
    db.write_text(json.dumps(data))


def _by_id(records, record_id):
    return next(r for r in records.values() if isinstance(r, dict) and r.get("id") == record_id)


def _shipped(db):
    Store(db).load()


def _format_1(db):
    shutil.copy(FIXTURES / "format1-catalogue.json", db)


def _hostile(db):
    Store(db).load()
    add_records(db, {"id": "fct-hostile", "kind": "fact", "title": "[bold]Loud[/bold] :smile: \x1b[31mred\x07 \u202eflip",
                     "text": "[link=http://evil]click[/link] \u200b zero\nnew line #99 forged", "tags": ["x\ny"]},
                {"id": "fct-invisible", "kind": "fact", "title": "Hidden \u061c \u200b \ufeff \U000e0041 \u2028 end",
                 "text": "T \u2029 migration"})


def _damaged(db):
    Store(db).load()
    add_records(db, {"id": "prc-undated", "kind": "practice", "title": "Undated practice from two actions",
                     "summary": "Takes its years from its actions.",
                     "actions": ["act-ibero-american-prosecutors-som-protocol", "act-do-migration-school-journalists"]},
                {"id": "prc-from-event", "kind": "practice", "title": "Practice dated by its event", "summary": "S",
                 "event": "evt-2018-mexico-city-roundtable"})

    def damage(records):
        records["900"] = "not a record"
        records["901"] = {"kind": "fact", "title": "No ID"}
        records["902"] = {"id": "fct-bogus-kind", "kind": "bogus", "title": "Unknown kind"}
        records["903"] = {**_by_id(records, "fct-lac-regional-integration"), "id": "fct-null-countries", "countries": None}
        records["904"] = {**_by_id(records, "fct-lac-regional-integration"), "title": "A second record with this ID"}
        records["905"] = {**_by_id(records, "fct-lac-share-of-activities-2017"), "id": "fct-with-status",
                          "status": "ongoing", "status_as_of": "2019"}
        records["906"] = {**_by_id(records, "act-cr-integration-plans"), "id": "act-listed-status", "status": ["x"]}
        # Values the vocabularies' bits cannot say: summaries read them as they are.
        records["907"] = {**_by_id(records, "fct-lac-regional-integration"), "id": "fct-odd-codes",
                          "themes": ["IMT", "IMT", "XYZ"], "areas": ["THB", 7], "gcm": ["3", 3], "region": "Nowhere"}
        _by_id(records, "prc-cr-integration-shared-responsibility")["actions"] = ["act-gone"]
        # an ID no command would make, ending in the last code point (a beginning of it has no "next" text)
        records["908"] = {**_by_id(records, "fct-lac-regional-integration"), "id": "fct-odd-\U0010ffff"}

    _tamper(db, damage)


def _renamed(db):
    Store(db).load()
    runner = CliRunner()
    for args in (["rename", "act-ibero-american-prosecutors-som-protocol", "act-aiamp-som-protocol"],
                 ["remove", "fct-mx-leading-gcm-negotiations", "--yes"],
                 ["edit", "act-cr-integration-plans", "--set", "end=2022", "--set", "status=ongoing"],
                 ["add", "--from", str(db.with_name("new.json"))]):
        db.with_name("new.json").write_text(json.dumps({
            "id": "prc-linked-by-a-former-id", "kind": "practice", "title": "Practice linked by a former ID", "summary": "S",
            "actions": ["act-ibero-american-prosecutors-som-protocol"], "sources": ["S"]}))
        assert runner.invoke(app, ["--db", str(db), *args]).exit_code == 0, args


def _words(db):
    """Accents, folding, a field longer than what corrections read, a word repeated more often
    than a field's matches count, and longer words a query word begins."""
    add_records(db, {"id": "act-words", "kind": "action", "title": "Côte d'Ivoire: Straße ﬁnancing and AQUÍ", "summary": LONG_FIELD,
                     "countries": ["CI"], "start": "2015", "status": "ongoing", "status_as_of": "2016"},
                {"id": "fct-repeat", "kind": "fact", "title": "Repeated words",
                 "text": " ".join(["migration", "migrations", "migrant"] * 60) + " República Dominicana", "start": "2016"},
                {"id": "fct-repeat-two", "kind": "fact", "title": "Migrants", "text": "migrant " * 150, "start": "2016",
                 "tags": ["Migration"]},
                {"id": "prc-words", "kind": "practice", "title": "Integration plans", "summary": "integration of migrants",
                 "actions": ["act-words"]},
                # letters that decompose to capitals, a title-case digraph, a dotted capital I
                {"id": "fct-letterlike", "kind": "fact", "title": "ℌello from 𝐇ouse", "text": "ǅemal visited İstanbul, ℍistory"})


def _synthetic(db):
    sys.path.insert(0, str(Path(__file__).parent / "bench"))
    from run import synthetic

    source = db.with_name("records.json")
    source.write_text(json.dumps(synthetic(600)))
    assert CliRunner().invoke(app, ["--db", str(db), "import", str(source)]).exit_code == 0


MAKERS = {"shipped": _shipped, "format-1": _format_1, "hostile": _hostile, "damaged": _damaged, "renamed": _renamed,
          "words": _words, "synthetic": _synthetic}


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.slow) if name == "synthetic" else name for name in MAKERS])
def catalogue(request, tmp_path):
    db = tmp_path / "catalogue.json"
    MAKERS[request.param](db)
    CliRunner().invoke(app, ["--db", str(db), "list", "--limit", "1"])  # created, migrated and indexed once
    assert isinstance(open_catalogue(Store(db)), IndexedCatalogue)
    return db


def same_both_ways(db, *args):
    """The command's exit code, standard output and standard error, the same from the index and
    from the file."""
    runner = CliRunner()
    indexed = runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)
    from_file = runner.invoke(app, ["--db", str(db), *args], env={NO_INDEX: "1"}, catch_exceptions=False)
    assert (indexed.exit_code, indexed.stdout, indexed.stderr) == (from_file.exit_code, from_file.stdout, from_file.stderr), args
    return indexed


def record_ids(db) -> list[str]:
    return [r["id"] for r in Store(db).load().records]


FILTERS = [
    [], ["actions"], ["practices", "--country", "costa rica"], ["--region", "LAC", "--theme", "IMT"], ["--area", "THB", "--area", "SOM"],
    ["--gcm", "10"], ["--status", "ongoing"], ["--status", "ongoing", "--as-of", "2018"], ["--status", "completed", "--as-of", "2015-06"],
    ["--year", "2017"], ["--year", "2015-"], ["--year", "2010-2013", "--year", "2018"], ["--tag", "integration"],
    ["--country", "MX", "--role", "participant"], ["--country", "MX", "--role", "beneficiary"], ["--country", "US"],
    ["facts", "--region", "LAC"], ["--country", "France"],
]


def test_list_is_the_same_from_the_index_and_the_file(catalogue):
    for filters in FILTERS:
        same_both_ways(catalogue, "list", *filters)
    for sort in ("kind", "id", "title", "start", "end", "region"):
        same_both_ways(catalogue, "list", "--sort", sort)
        same_both_ways(catalogue, "list", "--sort", sort, "--limit", "3", "--json")
    same_both_ways(catalogue, "list", "--json")
    same_both_ways(catalogue, "list", "events", "--limit", "1")


QUERIES = ["unaccompanied", "migrant", "migration", "integracion", "integratoin", "aqui", "AQUÍ", "strasse", "financing",
           "smuggl", "the", "of the", "journalists manual", "zzyzx", "republica dominicana", "migration children protocol",
           "2017", "a", "beyondthecut", "zebrafsh", "cote d ivoire", "policy", "protocol training", "!!!", "hello", "ℌello",
           "HOUSE", "dzemal", "istanbul", "history"]


def test_search_is_the_same_from_the_index_and_the_file(catalogue):
    for query in QUERIES:
        same_both_ways(catalogue, "search", *query.split())
        same_both_ways(catalogue, "search", *query.split(), "--json", "--limit", "50")
    for filters in FILTERS[1:8]:
        same_both_ways(catalogue, "search", "migration", *[f for f in filters if f not in ("actions", "practices", "facts")])
    same_both_ways(catalogue, "search", "integracion", "--region", "LAC")
    same_both_ways(catalogue, "search", "protocol", "--kind", "practices", "-n", "2")


def test_show_is_the_same_from_the_index_and_the_file(catalogue):
    ids = record_ids(catalogue)
    for record_id in ids[::max(1, len(ids) // 40)]:
        same_both_ways(catalogue, "show", record_id)
        same_both_ways(catalogue, "show", record_id, "--json")
    for typed in ("act-cr", "ACT-CR-INT", "prc-cr-in", "prc", "act-aiamp-som-protocol", "act-cr-integraton",
                  "fct-bogus-kind", "integration plans", "nothing at all", "fct-lac-regional-integration",
                  "\ud7ff", "fct-odd-\U0010ffff", "fct-odd-", "\U0010ffff", "fct-\ud7ff"):
        same_both_ways(catalogue, "show", typed)


def test_summary_is_the_same_from_the_index_and_the_file(catalogue):
    fields = ["kind", "region", "country", "theme", "area", "gcm", "year", "status"]
    for by in fields:
        same_both_ways(catalogue, "summary", "--by", by)
        same_both_ways(catalogue, "summary", "--by", by, "--json")
    for first, second in (("region", "theme"), ("year", "status"), ("country", "kind"), ("theme", "gcm"), ("status", "area")):
        same_both_ways(catalogue, "summary", "--by", first, "--by", second)
    for filters in FILTERS[1:10]:
        same_both_ways(catalogue, "summary", *filters, "--by", "country", "--by", "year")
        same_both_ways(catalogue, "summary", *filters, "--by", "region", "--by", "theme")
        same_both_ways(catalogue, "summary", *filters, "--by", "gcm", "--json")
    same_both_ways(catalogue, "summary", "--country", "MX", "--role", "participant", "--by", "country")
    for role in ("beneficiary", "participant", "place", "any"):  # counted by SQLite over the values of that role
        same_both_ways(catalogue, "summary", "--role", role, "--by", "country")
        same_both_ways(catalogue, "summary", "--region", "LAC", "--year", "2015-", "--role", role, "--by", "country", "--json")


def test_brief_is_the_same_from_the_index_and_the_file(catalogue):
    for filters in (["--region", "LAC"], ["--country", "costa rica"], ["--country", "US"], ["--theme", "IMT", "--year", "2015-"],
                    ["--area", "THB"], [], ["--kind", "practices", "--country", "MX"], ["--country", "France"]):
        same_both_ways(catalogue, "brief", *filters, "--date", "2026-01-01")
    same_both_ways(catalogue, "brief", "--region", "LAC", "--format", "markdown")
    same_both_ways(catalogue, "brief", "--region", "LAC")  # dated by the catalogue's last change
    records = [r for r in Store(catalogue).load().records if r["kind"] != "fact"]
    for record in records[::max(1, len(records) // 12)]:
        same_both_ways(catalogue, "brief", record["id"], "--date", "2026-01-01")


def test_completion_is_the_same_from_the_index_and_the_file(catalogue):
    indexed, from_file = open_catalogue(Store(catalogue)), Store(catalogue).load()
    assert isinstance(indexed, IndexedCatalogue)
    for prefix in ("", "a", "act-", "prc-cr-i", "fct-", "zzz", "act-bench-1", "\ud7ff", "fct-odd-\U0010ffff", "\U0010ffff"):
        assert sorted(indexed.completions(prefix)) == sorted(from_file.completions(prefix)), prefix


# -- the index is a cache: losing it, damaging it or letting it fall behind never gives a wrong answer

READS = [("list",), ("list", "--json"), ("search", "integration"), ("show", "fct-lac-regional-integration"),
         ("summary", "--by", "region", "--by", "theme"), ("brief", "--region", "LAC")]


def answers_from_the_file(db) -> list:
    runner = CliRunner()
    results = [runner.invoke(app, ["--db", str(db), *args], env={NO_INDEX: "1"}) for args in READS]
    return [(r.exit_code, r.stdout, r.stderr) for r in results]


def answers(db) -> list:
    """What the reads answer, each from an index that matches the file."""
    runner = CliRunner()
    found = []
    for args in READS:
        result = runner.invoke(app, ["--db", str(db), *args])
        found.append((result.exit_code, result.stdout, result.stderr))
        assert isinstance(open_catalogue(Store(db)), IndexedCatalogue), args
    return found


@pytest.fixture
def indexed(db):
    """The shipped catalogue, changed once, with its index."""
    add_records(db, {"id": "fct-added", "kind": "fact", "title": "An added fact on integration", "text": "T", "region": "LAC"})
    assert isinstance(open_catalogue(Store(db)), IndexedCatalogue)
    return db


def test_a_deleted_index_is_made_again(indexed):
    Store(indexed).index_path.unlink()
    assert answers(indexed) == answers_from_the_file(indexed)


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "zeroed pages", "records zeroed"])
def test_a_damaged_index_is_made_again(indexed, damage):
    sys.path.insert(0, str(Path(__file__).parent / "bench"))
    from run import synthetic

    source = indexed.with_name("records.json")
    source.write_text(json.dumps(synthetic(400)))
    assert CliRunner().invoke(app, ["--db", str(indexed), "import", str(source)]).exit_code == 0
    path = Store(indexed).index_path
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"\x00garbage\xff" * 5000)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":  # a whole header, its first pages, then nothing
        path.write_bytes(data[:len(data) // 3])
    elif damage == "zeroed pages":
        path.write_bytes(data[:8192] + bytes(len(data) - 16384) + data[-8192:])
    else:  # the records table alone: the index opens, and fails in the middle of a read
        import sqlite3

        with sqlite3.connect(path) as db:
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'records'").fetchone()
        path.write_bytes(data[:(root - 1) * page_size] + bytes(page_size) + data[root * page_size:])
    expected = answers_from_the_file(indexed)
    assert answers(indexed) == expected
    assert answers(indexed) == expected  # and once more, from the index made again


def test_an_index_older_than_the_file_is_made_again(indexed, tmp_path):
    """The file changed by other means than this mieux: by hand (in place, even keeping its size),
    by an older mieux (which replaces it without touching the index), or restored from a copy."""
    path = Store(indexed).index_path
    old_index = path.read_bytes()
    text = indexed.read_text()
    with open(indexed, "r+") as f:  # in place, same size: only the file's times tell
        f.write(text.replace("An added fact on integration", "An added fact on migrations!", 1))
    assert answers(indexed) == answers_from_the_file(indexed)
    assert "migrations!" in answers(indexed)[0][1]
    shutil.copy(indexed, tmp_path / "before.json")
    add_records(indexed, {"id": "fct-later", "kind": "fact", "title": "Later", "text": "T"})
    path.write_bytes(old_index)  # as if an older mieux had written the file: the index is behind
    assert answers(indexed) == answers_from_the_file(indexed)
    assert "fct-later" in answers(indexed)[0][1]
    shutil.copy(tmp_path / "before.json", indexed)  # a copy put back: the index is ahead
    assert answers(indexed) == answers_from_the_file(indexed)
    assert "fct-later" not in answers(indexed)[0][1]


def test_a_change_in_place_within_the_same_tick_as_a_write_is_seen_on_a_coarse_file_system(indexed, monkeypatch):
    """On file systems whose times are coarse (a second on ext4 with small inodes and many network
    shares, two on FAT), a hand edit that keeps the size, made in the same tick as a mieux write,
    left the file's identity as it was, and reads answered from the stale index."""
    import os
    import sqlite3

    from mieux_cli.storage import index

    # a coarse file system: times in whole seconds, and a change time no finer (so versions stay
    # racy as long as on one)
    monkeypatch.setattr(index, "file_identity", lambda info: [info.st_dev, info.st_ino, info.st_size,
                                                              info.st_mtime_ns // 10**9])
    monkeypatch.setattr(index, "FINE_RACY_NS", index.RACY_NS)
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(indexed), "edit", "fct-added", "--set", "title=Written by mieux"]).exit_code == 0
    written = os.stat(indexed)
    text = indexed.read_text()
    with open(indexed, "r+") as f:  # in place, the same size, the same second
        before, _, after = text.rpartition("Written by mieux")  # the record, after the history's entry
        f.write(f"{before}Written by hand!{after}")
    os.utime(indexed, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert index.file_identity(os.stat(indexed)) == index.file_identity(written)
    shown = runner.invoke(app, ["--db", str(indexed), "show", "fct-added", "--json"])
    assert json.loads(shown.stdout)["title"] == "Written by hand!"
    assert answers(indexed) == answers_from_the_file(indexed)

    def checksum_kept():
        with sqlite3.connect(Store(indexed).index_path) as db:
            return "crc" in json.loads(db.execute("SELECT value FROM state").fetchone()[0])

    # once the version is older than a tick can be, a read that finds the bytes alike stops comparing them
    assert checksum_kept()
    monkeypatch.setattr(index, "FINE_RACY_NS", 0)
    assert runner.invoke(app, ["--db", str(indexed), "list"]).exit_code == 0
    assert not checksum_kept()
    assert isinstance(open_catalogue(Store(indexed)), IndexedCatalogue)


class Killed(BaseException):
    """A process dying at this point."""


def test_a_write_that_dies_between_the_file_and_the_index_never_gives_a_wrong_answer(indexed, monkeypatch):
    from mieux_cli.storage import index_writing

    def dies(*args, **kwargs):
        raise Killed()

    monkeypatch.setattr(index_writing, "update", dies)
    with pytest.raises(Killed):
        CliRunner().invoke(app, ["--db", str(indexed), "edit", "fct-added", "--set", "title=Written, not indexed"])
    monkeypatch.undo()
    assert Store(indexed).load().by_id["fct-added"]["title"] == "Written, not indexed"  # the file was replaced
    assert answers(indexed) == answers_from_the_file(indexed)
    assert "Written, not indexed" in answers(indexed)[0][1]


KILLED_AT = """
import os, signal, sys
from mieux_cli.storage import index_writing
from mieux_cli.cli.console import main

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

# update: the file is replaced, the index not touched; _respan: in the middle of the index's own transaction
setattr(index_writing, sys.argv[1], killed)
sys.argv = ["mieux", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("where", ["update", "_respan"])
def test_a_writer_killed_between_the_file_and_the_index_or_inside_the_index_s_transaction(indexed, where):
    import subprocess

    command = [sys.executable, "-c", KILLED_AT, where, "--db", str(indexed), "edit", "fct-added", "--set", "title=Killed writer"]
    assert subprocess.run(command, capture_output=True, check=False).returncode == -9
    assert Store(indexed).load().by_id["fct-added"]["title"] == "Killed writer"
    assert answers(indexed) == answers_from_the_file(indexed)
    assert "Killed writer" in answers(indexed)[0][1]


KILLED_AFTER = """
import os, signal, sys
from mieux_cli.storage import index, index_writing
from mieux_cli.cli.console import main

made = index.connect
steps = int(sys.argv[1])

def connect(*args, **kwargs):
    db = made(*args, **kwargs)
    db.execute("PRAGMA cache_size=1")  # a large change spills its pages to the file before the commit
    counted = [0]

    def step():
        counted[0] += 1
        if counted[0] >= steps:
            os.kill(os.getpid(), signal.SIGKILL)

    db.set_progress_handler(step, 100)
    return db

index_writing.connect = connect  # the update of the index, not the reads before it
sys.argv = ["mieux", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("steps", [1, 30, 150, 300, 500])
@pytest.mark.parametrize("then", ["check", "delete the index"])
def test_a_journal_left_by_a_writer_killed_inside_the_index_s_transaction_is_never_played_into_a_new_index(
        indexed, tmp_path, steps, then):
    """SQLite plays a journal back into whatever database next bears its name: after `check` (whose
    read-only look cannot play it back) or a deleted index, a new index made beside the old
    journal took the old index's pages (a record listed twice, another missing, old titles)."""
    import subprocess

    records = [{**normalize_fact(i), "title": f"Fact {i} as first imported"} for i in range(300)]
    source = tmp_path / "records.json"
    source.write_text(json.dumps(records))
    assert CliRunner().invoke(app, ["--db", str(indexed), "import", str(source)]).exit_code == 0
    source.write_text(json.dumps([{**r, "title": f"Fact {i} changed by the killed writer"} for i, r in enumerate(records)]))
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER, str(steps), "--db", str(indexed), "import", str(source)],
                            capture_output=True, check=False)
    assert killed.returncode == -9, killed.stderr
    journal = Path(f"{Store(indexed).index_path}-journal")
    assert journal.exists()  # the killed writer's transaction, never ended
    if then == "check":
        assert CliRunner().invoke(app, ["--db", str(indexed), "check"]).exit_code == 0
    else:
        Store(indexed).index_path.unlink()
    assert answers(indexed) == answers_from_the_file(indexed)
    checked = CliRunner().invoke(app, ["--db", str(indexed), "check"])
    assert "\nIndex: matches the catalogue file, record for record.\n" in checked.stdout
    assert same_both_ways(indexed, "list", "--json").exit_code == 0


def test_a_rebuild_killed_before_its_rename_leaves_no_temporary_file_past_the_next_rebuild(indexed):
    import subprocess

    Store(indexed).index_path.unlink()
    command = [sys.executable, "-c", KILLED_AT, "_insert", "--db", str(indexed), "list"]
    assert subprocess.run(command, capture_output=True, check=False).returncode == -9
    left = sorted(p.name for p in indexed.parent.iterdir() if p.name.endswith(".tmp"))
    assert len(left) == 1 and left[0].startswith(".catalogue.json.index.sqlite.")
    assert answers(indexed) == answers_from_the_file(indexed)  # the next read makes the index
    assert [p.name for p in indexed.parent.iterdir() if p.name.endswith(".tmp")] == []


def normalize_fact(i: int) -> dict:
    return {"id": f"fct-killed-{i}", "kind": "fact", "title": f"Fact {i}", "text": f"Text of fact {i}.", "sources": ["S"]}


@pytest.mark.slow
def test_readers_at_once_while_the_index_is_made_and_the_file_written_get_whole_answers(tmp_path):
    """Readers started together on a catalogue without an index wait for one of them to make it
    (none reads half an index); readers running while a writer changes the file get the answer
    from before or from after the change, never a mix or an error."""
    import os
    import subprocess

    sys.path.insert(0, str(Path(__file__).parent / "bench"))
    from run import synthetic

    db = tmp_path / "catalogue.json"
    source = tmp_path / "records.json"
    source.write_text(json.dumps(synthetic(3000)))
    assert CliRunner().invoke(app, ["--db", str(db), "import", str(source)]).exit_code == 0
    reads = [["list", "--region", "LAC", "--json"], ["search", "protocol", "--json"], ["summary", "--by", "year"],
             ["show", "act-bench-2"]]
    env = {**os.environ, "NO_COLOR": "1"}

    def run(args, **extra):
        return subprocess.Popen([sys.executable, "-m", "mieux_cli", "--db", str(db), *args], env={**env, **extra},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    expected = [run(args, MIEUX_NO_INDEX="1").communicate() for args in reads]
    for _ in range(3):
        Store(db).index_path.unlink()
        readers = [run(args) for args in reads * 3]
        outputs = [reader.communicate() for reader in readers]
        assert [r.returncode for r in readers] == [0] * len(readers)
        assert outputs == expected * 3
    before = Store(db).load().by_id["act-bench-2"]["title"]
    for round in range(3):
        writer = run(["edit", "act-bench-2", "--set", f"title=Changed while read {round}"])
        readers = [run(["show", "act-bench-2", "--json"]) for _ in range(6)]
        titles = {json.loads(reader.communicate()[0])["title"] for reader in readers}
        assert writer.wait() == 0
        assert titles <= {before, f"Changed while read {round}"}
        before = f"Changed while read {round}"


def test_a_reader_left_open_does_not_hold_up_another_process_s_update_of_the_index(indexed):
    """A command that waits while it reads (an editor open, a slow pipe) holds no lock on the
    index: another process's write updates it in place at once (it waited 10 s, then left it to be
    made again), and a read the first command makes after that runs again from the file."""
    import os
    import subprocess

    from mieux_cli.errors import IndexBroken
    from mieux_cli.queries.filters import Filters
    from mieux_cli.storage import index

    reader = open_catalogue(Store(indexed))
    assert len(reader.select(Filters(), limit=1)) == 1  # reading, and left open
    path = Store(indexed).index_path
    inode = os.stat(path).st_ino
    other = subprocess.run([sys.executable, "-m", "mieux_cli", "--db", str(indexed), "edit", "fct-added", "--set",
                            "title=Changed by another process"], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "MIEUX_LOCK_TIMEOUT": "0"}, check=False)
    assert other.returncode == 0, other.stderr
    assert os.stat(path).st_ino == inode  # updated in place, not made again
    assert index.open_fresh(path, indexed, index.file_identity(os.stat(indexed))) is not None
    with pytest.raises(IndexBroken) as changed:
        reader.select(Filters())
    assert not changed.value.damaged


def test_check_compares_the_index_with_the_file_and_makes_a_wrong_one_again(indexed):
    import sqlite3

    runner = CliRunner()
    checked = runner.invoke(app, ["--db", str(indexed), "check"])
    assert "\nIndex: matches the catalogue file, record for record.\n" in checked.stdout
    with sqlite3.connect(Store(indexed).index_path) as db:  # a row lost, the state as it was
        db.execute("DELETE FROM records WHERE id = 'fct-added'")
    report = json.loads(runner.invoke(app, ["--db", str(indexed), "check", "--json"]).stdout)
    assert report["index"] == {"problem": "its records differ from the file's", "remade": True}
    checked = runner.invoke(app, ["--db", str(indexed), "check"])
    assert checked.exit_code == 0
    assert "\nIndex: matches the catalogue file, record for record.\n" in checked.stdout
    Store(indexed).index_path.unlink()
    assert "\nIndex: missing; made again from the file.\n" in runner.invoke(app, ["--db", str(indexed), "check"]).stdout
    assert answers(indexed) == answers_from_the_file(indexed)


# -- random operations, then every read both ways ------------------------------------------------------

WORD_POOL = ["migration", "integration", "ℌello", "𝐇ouse", "Côte", "AQUÍ", "Straße", "ǅemal", "İstanbul", "ﬁnancing",
             "protocol", "trafficking", "smuggling", "children", "journalists", "[bold]loud[/bold]", "migrants", "plans"]


@pytest.mark.slow
def test_random_operations_then_every_read_answer_alike_with_and_without_the_index(tmp_path):
    """Adds, edits, removals, renames, imports and undos chosen at random; after each, reads of
    every kind (list with filters, search, show, summary, completion) run from the index and
    from the file, and must print the same, byte for byte."""
    import random

    rng = random.Random(18)
    db = tmp_path / "catalogue.json"
    Store(db).load()
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)

    def words(n):
        return " ".join(rng.choice(WORD_POOL) for _ in range(n))

    made = 0
    for step in range(200):
        ids = record_ids(db)
        operation = rng.choice(["add", "add", "edit", "edit", "remove", "rename", "import", "undo"])
        if operation == "add":
            made += 1
            run("add", "fact", "--id", f"fct-random-{made}", "--title", words(4), "--text", words(12), "--source", "S",
                "--country", rng.choice(["CR", "MX", "SN", "TH"]), "--tag", rng.choice(WORD_POOL), "--no-input", "-y")
        elif operation == "edit":
            run("edit", rng.choice(ids), "--set", f"title={words(3)}", "--set", f"tags={rng.choice(WORD_POOL)}")
        elif operation == "remove":
            run("remove", rng.choice(ids), "--yes", "--force")
        elif operation == "rename":
            made += 1
            target = rng.choice(ids)
            run("rename", target, f"{target.split('-')[0]}-renamed-{made}")
        elif operation == "import":
            made += 1
            path = tmp_path / f"import-{step}.json"
            path.write_text(json.dumps([{"id": f"fct-imported-{made}-{i}", "kind": "fact", "title": words(5),
                                         "text": words(20), "sources": ["S"], "region": "LAC"} for i in range(3)]))
            run("import", str(path))
        else:
            run("undo", "--yes")
        ids = record_ids(db)
        query = words(rng.randint(1, 2))
        same_both_ways(db, "search", *query.split(), "--json", "--limit", "50")
        same_both_ways(db, "list", *rng.choice(FILTERS), "--json")
        same_both_ways(db, "show", rng.choice(ids), "--json")
        same_both_ways(db, "summary", "--by", rng.choice(["country", "year", "region", "kind"]), "--json")
        prefix = rng.choice(ids)[:rng.randint(0, 8)]
        assert sorted(open_catalogue(Store(db)).completions(prefix)) == sorted(Store(db).load().completions(prefix))


def test_a_field_longer_than_the_index_holds_is_searched_alike_without_swelling_the_index(db):
    """One 16 MB field made the index 4-5 times the file (it filled a small disk) and search 3-5
    times slower than without the index. The index now leaves out a field longer than
    INDEXED_CHARS, and search weighs that record from its body."""
    import random

    rng = random.Random(16)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(5000)]
    words = " ".join(rng.choice([*vocabulary, "migration", "policy", "protocol", "integration"]) for _ in range(150_000))
    add_records(db, {"id": "fct-huge-field", "kind": "fact", "title": "A record with a huge text", "text": words + " zebrafish",
                     "tags": ["protocol"]},
                {"id": "fct-small", "kind": "fact", "title": "Small protocol record", "text": "migration policy"})
    assert isinstance(open_catalogue(Store(db)), IndexedCatalogue)
    # the record's body, once, and no more than the index of the other records (400 KB more with its words)
    assert Store(db).index_path.stat().st_size < db.stat().st_size + 250 * 1024
    for query in ("zebrafish", "protocol", "migration policy", "integr", "zebrafsh", "huge"):
        same_both_ways(db, "search", *query.split(), "--json", "--limit", "50")
    assert json.loads(same_both_ways(db, "search", "zebrafish", "--json").stdout)[0]["id"] == "fct-huge-field"


def test_check_on_a_read_only_catalogue_checks_it_and_says_the_index_could_not_be_made_again(indexed, monkeypatch):
    """It said "Could not save the catalogue": check writes nothing but a remade index. (CI runs as
    root, which ignores permissions: the read-only file system is injected.)"""
    import errno
    import os
    import sqlite3

    opened = os.open
    lock = str(Store(indexed).lock_path)

    def read_only(path, flags, *args):
        if str(path) == lock:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return opened(path, flags, *args)

    with sqlite3.connect(Store(indexed).index_path) as db:  # a row lost, the state as it was
        db.execute("DELETE FROM records WHERE id = 'fct-added'")
    monkeypatch.setattr("mieux_cli.storage.catalogue_file.os.open", read_only)
    checked = CliRunner().invoke(app, ["--db", str(indexed), "check"])
    assert (checked.exit_code, checked.stderr) == (0, "0 errors, 0 warnings.\n")
    assert checked.stdout.endswith("\nIndex: its records differ from the file's; it could not be made again here.\n")


@pytest.fixture
def long_catalogue(tmp_path):
    """2,500 facts: longer than a table is laid out by, and than a list reads before it writes."""
    db = tmp_path / "catalogue.json"
    source = tmp_path / "records.json"
    source.write_text(json.dumps([{**normalize_fact(i), "id": f"fct-long-{i:04d}{'-wider' * (i == 1400)}"}
                                  for i in range(2500)]))
    assert CliRunner().invoke(app, ["--db", str(db), "import", str(source)]).exit_code == 0
    return db


def test_a_list_longer_than_a_table_is_laid_out_by_is_written_as_read_alike_both_ways(long_catalogue):
    from mieux_cli.cli.output import LAID_OUT_BY

    listed = same_both_ways(long_catalogue, "list", "facts").stdout.splitlines()
    assert len(listed) == 1 + 2500 and LAID_OUT_BY < 1400
    widths = {line.index("Fact") for line in listed[1:]}
    assert widths == {listed[0].index("TITLE"), listed[0].index("TITLE") + len("-wider")}  # the one wider ID, past the first rows
    records = sorted(Store(long_catalogue).load().records, key=lambda r: (KIND_ORDER[r["kind"]], r["id"]))
    assert same_both_ways(long_catalogue, "list", "--json").stdout == orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"
    assert same_both_ways(long_catalogue, "list", "events", "--country", "France", "--json").stdout == "[]\n"


def test_a_stopped_reader_stops_the_read_of_a_long_list(long_catalogue):
    catalogue = open_catalogue(Store(long_catalogue))
    statements = []
    catalogue.db.set_trace_callback(statements.append)
    first = list(itertools.islice(catalogue.stream(Filters()), 10))
    assert len(first) == 10
    assert sum("FROM bodies" in s for s in statements) == 1  # of a page of records, not of 2,500


@pytest.mark.parametrize("broken_at", [100, 2300])
def test_an_index_changed_during_a_list_runs_it_again_from_the_file_until_it_has_begun_writing_a_long_one(
        long_catalogue, monkeypatch, broken_at):
    """A list reads its first STREAMED_BEYOND records before writing any: the index changing then
    runs the command again from the file, a reader never fails; a longer list is written as it is
    read, and then the index changing says the list is incomplete, never writing any row twice."""
    from mieux_cli.cli.commands.query import STREAMED_BEYOND
    from mieux_cli.errors import IndexBroken

    streamed = IndexedCatalogue.stream

    def breaking(self, *args):
        for n, record in enumerate(streamed(self, *args)):
            if n == broken_at:
                raise IndexBroken("the index was updated during the read", damaged=False)
            yield record

    monkeypatch.setattr(IndexedCatalogue, "stream", breaking)
    result = CliRunner().invoke(app, ["--db", str(long_catalogue), "list"])
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    if broken_at < STREAMED_BEYOND:
        assert (result.exit_code, result.stderr) == (0, "")
        assert listed == [f"fct-long-{i:04d}{'-wider' * (i == 1400)}" for i in range(2500)]
        return
    assert result.exit_code == 3
    assert "Error: The catalogue changed while it was being read: what was written above is incomplete." in result.stderr
    assert len(listed) == len(set(listed)) and listed == [f"fct-long-{i:04d}{'-wider' * (i == 1400)}"
                                                          for i in range(len(listed))]  # the rows written before, once
    assert STREAMED_BEYOND <= len(listed) <= broken_at


@pytest.mark.parametrize(("mtime_ns", "age_ns", "expected"), [
    (1_700_000_000 * 10**9, 2 * 10**9, True),  # whole seconds: a coarse file system, racy for 3 s
    (1_700_000_000 * 10**9, 4 * 10**9, False),
    (1_700_000_000 * 10**9 + 123_456_789, 50 * 10**6, True),  # a finer time: racy for a tenth of a second
    (1_700_000_000 * 10**9 + 123_456_789, 200 * 10**6, False)])
def test_a_version_is_racy_as_long_as_its_file_system_s_tick_can_hide_a_change(monkeypatch, mtime_ns, age_ns, expected):
    import os
    import time

    from mieux_cli.storage import index

    monkeypatch.setattr(time, "time_ns", lambda: mtime_ns + age_ns)
    assert index.racy(os.stat_result((0o100644, 1, 1, 1, 0, 0, 10, 0, 0, 0, 0.0, 0.0, 0.0, 0, mtime_ns, 0))) is expected
