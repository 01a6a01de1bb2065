import errno
import json
import os
import subprocess
import sys
import time

import pytest
from conftest import add_records, read_bytes

from mieux_cli.errors import StorageError
from mieux_cli.store import BACKUPS_KEPT, FORMAT, RECORDS_TABLE, Store

HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.pwrite(fd, str(os.getpid()).encode(), 0)
print("locked", flush=True)
time.sleep(60)
"""


def test_first_use_creates_the_catalogue_from_the_shipped_records(tmp_path):
    path = tmp_path / "new.json"
    catalogue = Store(path).load()
    assert catalogue.created
    assert len(catalogue.records) == 24
    assert "act-cr-integration-plans" in catalogue.by_id
    data = json.loads(path.read_text())
    assert data["meta"]["1"]["format"] == FORMAT
    assert len(data[RECORDS_TABLE]) == 24
    assert not Store(path).load().created  # only once


def test_the_default_location_is_in_the_user_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = Store()
    assert store.path == tmp_path / "data" / "mieux" / "catalogue.json"
    assert store.path.parent.is_dir()
    monkeypatch.setenv("MIEUX_DB", str(tmp_path / "elsewhere.json"))
    assert Store().path == tmp_path / "elsewhere.json"


def test_a_write_replaces_the_file_whole_and_keeps_a_backup(db):
    before = read_bytes(db)
    inode_before = os.stat(db).st_ino
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "A new fact."})
    assert os.stat(db).st_ino != inode_before  # replaced by rename, never rewritten in place
    backups = Store(db).backups()
    assert read_bytes(backups[-1]) == before
    assert "fct-new" in Store(db).load().by_id
    assert [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_backups_rotate(db):
    for i in range(BACKUPS_KEPT + 3):
        add_records(db, {"id": f"fct-n{i}", "kind": "fact", "title": "N", "text": "T"})
    assert len(Store(db).backups()) == BACKUPS_KEPT


def test_an_exception_inside_a_transaction_writes_nothing(db):
    before = read_bytes(db)
    with pytest.raises(RuntimeError), Store(db).transaction() as database:
        database.table(RECORDS_TABLE).truncate()
        raise RuntimeError("interrupted")
    assert read_bytes(db) == before


def test_a_damaged_file_is_reported_with_the_way_back_and_left_alone(db):
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "A new fact."})
    db.write_bytes(b'{"records": {"1": {"id": "act-')
    with pytest.raises(StorageError) as error:
        Store(db).load()
    latest = Store(db).backups()[-1]
    assert str(error.value) == (
        f"The catalogue {db} is damaged (not valid JSON). Restore the latest backup with: cp '{latest}' '{db}'"
    )
    assert read_bytes(db) == b'{"records": {"1": {"id": "act-'


def test_a_damaged_file_without_backups_says_how_to_start_again(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(StorageError) as error:
        Store(path).load()
    assert "Move it aside" in str(error.value)
    assert read_bytes(path) == b"\x00\x01garbage"


def test_a_json_file_that_is_not_a_catalogue_is_refused(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"something": "else"}')
    with pytest.raises(StorageError, match="is not a mieux catalogue"):
        Store(path).load()


def test_a_file_from_a_newer_mieux_is_refused_untouched(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"records": {}, "meta": {"1": {"format": FORMAT + 1}}}))
    before = read_bytes(path)
    with pytest.raises(StorageError, match=rf"written by a newer mieux \(format {FORMAT + 1}; this one reads {FORMAT}\)"):
        Store(path).load()
    with pytest.raises(StorageError), Store(path).transaction():
        pass
    assert read_bytes(path) == before


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        Store(tmp_path / "nowhere" / "c.json").load()


def test_a_writer_waits_a_bounded_time_and_names_the_lock_holder(db, monkeypatch):
    monkeypatch.setenv("MIEUX_LOCK_TIMEOUT", "0.3")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db) + ".lock"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = read_bytes(db)
        started = time.monotonic()
        with pytest.raises(StorageError) as error:
            add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
        assert time.monotonic() - started < 5
        assert f"(PID {holder.pid})" in str(error.value)
        assert read_bytes(db) == before
    finally:
        holder.kill()
        holder.wait()
    # the holder died: its lock went with it
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
    assert "fct-new" in Store(db).load().by_id


ADD_MANY = """
import sys
sys.path.insert(0, sys.argv[3])
from conftest import add_records
for i in range(int(sys.argv[2])):
    add_records(sys.argv[1], {"id": f"fct-{sys.argv[4]}-{i}", "kind": "fact", "title": "T", "text": "T"})
"""


def test_concurrent_writers_lose_nothing(db):
    tests_dir = os.path.dirname(__file__)
    writers = [
        subprocess.Popen([sys.executable, "-c", ADD_MANY, str(db), "15", tests_dir, name])
        for name in ("a", "b", "c")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    ids = [r["id"] for r in Store(db).load().records]
    assert len(ids) == len(set(ids)) == 24 + 45


@pytest.mark.parametrize("code, reason", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the file system is read-only"),
                                          (errno.EACCES, "permission denied")])
def test_a_failing_disk_gives_a_clear_error_and_changes_nothing(db, monkeypatch, code, reason):
    before = read_bytes(db)

    def failing_fsync(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("mieux_cli.store.os.fsync", failing_fsync)
    with pytest.raises(StorageError) as error:
        add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
    assert str(error.value) == f"Could not save the catalogue {db}: {reason}. Nothing was changed; fix that and run the command again."
    assert read_bytes(db) == before
    assert [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")] == []
