"""Backups: each catalogue's own, never pushed out by a failed write, and real copies when made
by hand."""

import errno
import json
import os

import pytest
from conftest import read_bytes
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.storage.backups import KEPT as BACKUPS_KEPT
from mieux_cli.storage.catalogue_file import Store

FACT = "fct-lac-regional-integration"


def run(db, *args, input=None):
    return CliRunner().invoke(app, ["--db", str(db), *args], input=input, catch_exceptions=False)


def set_title(db, title):
    result = run(db, "edit", FACT, "--set", f"title={title}")
    assert result.exit_code == 0, result.output


def listed(db) -> list[dict]:
    result = run(db, "backup", "--list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def title_in(path) -> str:
    data = json.loads(read_bytes(path))
    return next(r["title"] for r in data["records"].values() if r["id"] == FACT)


@pytest.mark.parametrize("mine, other", [("a.json", "a-b.json"), ("cat.json", "cat.db"),
                                         ("team[1].json", "team1.json"), ("x.json", "x-20261128T000000000000Z.json")])
def test_each_catalogue_has_only_its_own_backups_whatever_its_name(tmp_path, mine, other):
    mine, other = tmp_path / mine, tmp_path / other
    set_title(mine, "Mine")
    assert run(mine, "backup").exit_code == 0
    for i in range(BACKUPS_KEPT + 2):  # the other catalogue's rotation must not touch mine
        set_title(other, f"Other {i}")
    assert run(other, "backup").exit_code == 0
    assert len(listed(other)) == BACKUPS_KEPT + 1
    backups = listed(mine)
    assert [b["kind"] for b in backups] == ["manual", "automatic"]
    assert [title_in(b["file"]) for b in backups] == ["Mine", "Comparatively high regional integration in LAC"]
    result = run(mine, "restore", "2", "--yes")
    assert result.exit_code == 0, result.output
    assert title_in(mine) == "Comparatively high regional integration in LAC"
    assert len(Store(mine).load().records) == 24


def test_backups_made_before_the_per_catalogue_folders_are_still_listed_and_never_deleted(tmp_path):
    """Old layout: backups/<stem>-<time>[-manual].json. Those named exactly after this catalogue
    are listed (oldest layout last when older); another catalogue's, even with a shared prefix,
    are not; rotation leaves them all alone."""
    db = tmp_path / "a.json"
    set_title(db, "Current")
    old = tmp_path / "backups"
    for name in ("a-20250101T000000000000Z.json", "a-20250102T000000000000Z-manual.json",
                 "a-b-20250103T000000000000Z.json", "a-notes.json"):
        (old / name).write_bytes(read_bytes(db))
    for i in range(BACKUPS_KEPT + 2):
        set_title(db, f"Title {i}")
    backups = listed(db)
    assert len(backups) == BACKUPS_KEPT + 2
    assert [(os.path.basename(b["file"]), b["kind"]) for b in backups[-2:]] == [
        ("a-20250102T000000000000Z-manual.json", "manual (old layout)"),
        ("a-20250101T000000000000Z.json", "automatic (old layout)"),
    ]
    assert sorted(p.name for p in old.iterdir() if p.is_file()) == [
        "a-20250101T000000000000Z.json", "a-20250102T000000000000Z-manual.json",
        "a-b-20250103T000000000000Z.json", "a-notes.json",
    ]


def backups_of(db) -> dict[str, bytes]:
    return {b["file"]: read_bytes(b["file"]) for b in listed(db)}


@pytest.mark.parametrize("code", [errno.EPERM, errno.EACCES, errno.EROFS])
def test_a_failed_save_keeps_every_backup_and_adds_none(db, monkeypatch, code):
    for title in ("One", "Two", "Three"):
        set_title(db, title)
    before, catalogue = backups_of(db), read_bytes(db)
    real_replace = os.replace

    def failing_replace(source, target):  # an immutable file, a read-only folder
        if os.path.basename(target) == db.name:
            raise OSError(code, os.strerror(code))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    for i in range(BACKUPS_KEPT + 2):
        result = run(db, "edit", FACT, "--set", f"title=Failed {i}")
        assert result.exit_code == 3
        assert result.stderr.startswith(f"Error: Could not save the catalogue {db}: ")
    monkeypatch.setattr(os, "replace", real_replace)
    assert backups_of(db) == before
    assert read_bytes(db) == catalogue


def test_a_manual_backup_is_a_copy_that_writes_to_the_catalogue_cannot_change(db):
    result = run(db, "backup")
    assert result.exit_code == 0, result.output
    backup = listed(db)[0]["file"]
    before = read_bytes(db)
    assert os.stat(backup).st_ino != os.stat(db).st_ino
    with open(db, "r+b") as f:  # another program rewriting the catalogue in place
        f.write(b"XXXXXXXX")
    assert read_bytes(backup) == before


def test_an_automatic_backup_is_the_previous_file(db):
    """Automatic backups stay hard links of the file as it was: mieux replaces the catalogue
    right after making one, so the backup is no longer the live file."""
    before = read_bytes(db)
    set_title(db, "Changed")
    backup = listed(db)[0]["file"]
    assert read_bytes(backup) == before
    with open(db, "r+b") as f:
        f.write(b"XXXXXXXX")
    assert read_bytes(backup) == before

