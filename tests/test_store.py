import errno
import json
import os
import subprocess
import sys
import time

import pytest
from conftest import add_records, read_bytes

from mieux_cli.errors import StorageError
from mieux_cli.storage.backups import KEPT as BACKUPS_KEPT
from mieux_cli.storage.catalogue_file import FORMAT, Store
from mieux_cli.storage.file_format import RECORDS_TABLE

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
    assert read_bytes(backups[-1].path) == before
    assert "fct-new" in Store(db).load().by_id
    assert [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_backups_rotate(db):
    for i in range(BACKUPS_KEPT + 3):
        add_records(db, {"id": f"fct-n{i}", "kind": "fact", "title": "N", "text": "T"})
    assert len(Store(db).backups()) == BACKUPS_KEPT


def test_an_exception_inside_a_transaction_writes_nothing(db):
    before = read_bytes(db)
    def interrupted(tx):
        for record in tx.catalogue.records:
            tx.remove(tx.key_of(tx.catalogue.by_id[record["id"]]), record)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        Store(db).change(interrupted)
    assert read_bytes(db) == before


def test_a_damaged_file_is_reported_with_the_way_back_and_left_alone(db):
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "A new fact."})
    db.write_bytes(b'{"records": {"1": {"id": "act-')
    with pytest.raises(StorageError) as error:
        Store(db).load()
    latest = Store(db).backups()[-1].path
    assert str(error.value) == (
        f"The catalogue {db} is damaged (not valid JSON). Restore the latest backup with: cp {latest} {db}"
    )
    assert read_bytes(db) == b'{"records": {"1": {"id": "act-'


@pytest.mark.parametrize(("written", "shown"), [(True, "true"), (-5, "-5"), (0, "0"), ("2", '"2"'), (None, "null")])
def test_a_format_no_mieux_writes_is_a_damaged_file_never_migrated(db, written, shown):
    """A format of true or -5 was "migrated from format True" (or -5), a string "written by a
    newer mieux"."""
    data = json.loads(db.read_text())
    data["meta"]["1"]["format"] = written
    db.write_text(json.dumps(data))
    before = read_bytes(db)
    with pytest.raises(StorageError) as error:
        Store(db).load()
    assert str(error.value).startswith(f"The catalogue {db} says it is in format {shown}, which no mieux writes. ")
    assert read_bytes(db) == before


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
    with pytest.raises(StorageError):
        Store(path).change(lambda tx: tx.add([{"id": "fct-x", "kind": "fact", "title": "X"}]))
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

    monkeypatch.setattr("mieux_cli.storage.catalogue_file.os.fsync", failing_fsync)
    with pytest.raises(StorageError) as error:
        add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
    assert str(error.value) == f"Could not save the catalogue {db}: {reason}. Nothing was changed; fix that and run the command again."
    assert read_bytes(db) == before
    assert [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_symlinked_catalogue_is_written_through_the_link_with_its_lock_and_backups_beside_the_target(tmp_path):
    synced, home = tmp_path / "synced", tmp_path / "home"
    synced.mkdir()
    home.mkdir()
    target = synced / "catalogue.json"
    Store(target).load()
    link = home / "catalogue.json"
    link.symlink_to(os.path.relpath(target, home))
    before = read_bytes(target)
    add_records(link, {"id": "fct-new", "kind": "fact", "title": "New", "text": "A new fact."})
    assert link.is_symlink() and "fct-new" in Store(target).load().by_id
    assert [b.path.parent for b in Store(link).backups()] == [synced / "backups" / "catalogue.json"]
    assert read_bytes(Store(link).backups()[0].path) == before
    assert (synced / "catalogue.json.lock").exists()
    assert sorted(p.name for p in home.iterdir()) == ["catalogue.json"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_a_write_keeps_the_catalogue_s_mode_and_group(db, mode):
    os.chmod(db, mode)
    group = 4321 if os.geteuid() == 0 else os.getegid()  # only root may give a file any group
    os.chown(db, -1, group)
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
    assert oct(os.stat(db).st_mode & 0o7777) == oct(mode)
    assert os.stat(db).st_gid == group
    Store(db).backup()
    assert all(oct(os.stat(b.path).st_mode & 0o7777) == oct(mode) for b in Store(db).backups())


def test_a_catalogue_starting_with_a_byte_order_mark_is_read(db):
    db.write_bytes(b"\xef\xbb\xbf" + read_bytes(db))
    assert len(Store(db).load().records) == 24
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
    assert "fct-new" in Store(db).load().by_id


def test_recovery_hints_are_shell_quoted_and_work_when_pasted(tmp_path):
    folder = tmp_path / "x'$(touch PWNED)'y"
    folder.mkdir()
    db = folder / "c.json"
    Store(db).load()
    add_records(db, {"id": "fct-new", "kind": "fact", "title": "New", "text": "T"})
    for damaged in (b"{broken", b"[]"):
        db.write_bytes(damaged)
        with pytest.raises(StorageError) as error:
            Store(db).load()
        command = str(error.value).split("Restore the latest backup with: ", 1)[1]
        subprocess.run(["sh", "-c", command], cwd=tmp_path, check=True)
        assert not (tmp_path / "PWNED").exists() and not (folder / "PWNED").exists()
        assert "fct-lac-regional-integration" in Store(db).load().by_id
    other = folder / "d.json"
    other.write_bytes(b"{broken")
    with pytest.raises(StorageError) as error:
        Store(other).load()
    command = str(error.value).split("Move it aside (", 1)[1].split(") and mieux", 1)[0]
    subprocess.run(["sh", "-c", command], cwd=tmp_path, check=True)
    assert not (tmp_path / "PWNED").exists()
    assert not other.exists() and (folder / "d.json.broken").exists()


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-1", "1e999"])
def test_a_lock_timeout_that_is_not_a_number_of_seconds_is_refused_in_one_line(cli, monkeypatch, value):
    monkeypatch.setenv("MIEUX_LOCK_TIMEOUT", value)
    before = read_bytes(cli.db)
    result = cli("edit", "fct-lac-regional-integration", "--set", "title=New")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: MIEUX_LOCK_TIMEOUT is '{value}', not a number of seconds. "
                             "Set it to a number such as 10 (0 to never wait), or unset it.\n")
    assert read_bytes(cli.db) == before


@pytest.mark.parametrize("value", ["0", "2.5", ""])  # empty: as if unset
def test_a_lock_timeout_of_zero_or_more_seconds_is_accepted(cli, monkeypatch, value):
    monkeypatch.setenv("MIEUX_LOCK_TIMEOUT", value)
    assert cli("edit", "fct-lac-regional-integration", "--set", "title=New").exit_code == 0
