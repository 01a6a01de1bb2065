"""Nothing lost, whatever happens: processes killed mid-write, many writers at once.

These tests are slow (minutes); `pytest -m "not slow"` skips them, `.ci/run` runs them."""

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from mieux_cli.checks.catalogue import check
from mieux_cli.queries.reading import open_catalogue
from mieux_cli.storage.catalogue_file import Store

pytestmark = pytest.mark.slow

KILLS = 200


def mieux(db, *args, env=None):
    return [sys.executable, "-m", "mieux_cli", "--db", str(db), *args]


def records_of(db) -> dict:
    return {r["id"]: r for r in Store(db).load().records}


def writing_command(rng, db, work, step):
    """One of the commands that write: add, import, edit, undo."""
    choice = rng.choice(["add", "import", "edit", "undo"])
    if choice == "add":
        return mieux(db, "add", "fact", "--id", f"fct-crash-{step}", "--title", f"Crash {step}", "--text", "T",
                     "--source", "S", "--no-input")
    if choice == "import":
        path = work / f"import-{step}.json"
        path.write_text(json.dumps([
            {"id": f"fct-imported-{step}-{i}", "kind": "fact", "title": f"Imported {i}", "text": "T", "sources": ["S"]}
            for i in range(20)
        ] + [{**records_of(db)["fct-lac-regional-integration"], "title": f"Retitled {step}"}]))
        return mieux(db, "import", str(path))
    if choice == "edit":
        return mieux(db, "edit", "act-cr-integration-plans", "--set", f"title=Title {step}", "--set", f"tags=t{step}")
    return mieux(db, "undo", "--yes")


def _write_duration(db, env) -> float:
    """How long a whole write takes on this machine (the slowest of three, on a copy): the kills
    are spread over that time, so that they land before, during and after writes however fast
    the machine is (fixed delays left too few landing before on a fast one)."""
    scratch = db.parent / "scratch"
    scratch.mkdir()
    shutil.copy(db, scratch / "catalogue.json")
    durations = []
    for i in range(3):
        started = time.monotonic()
        subprocess.run(mieux(scratch / "catalogue.json", "edit", "act-cr-integration-plans", "--set", f"title=T {i}"),
                       env=env, cwd=db.parent, capture_output=True, check=True)
        durations.append(time.monotonic() - started)
    shutil.rmtree(scratch)
    return max(durations)


def test_killing_writers_at_random_moments_leaves_the_state_before_or_after(tmp_path):
    rng = random.Random(2026)
    db = tmp_path / "catalogue.json"
    Store(db).load()
    env = {**os.environ, "NO_COLOR": "1"}
    duration = _write_duration(db, env)
    outcomes = {"before": 0, "after": 0}
    for step in range(KILLS):
        before = records_of(db)
        command = writing_command(rng, db, tmp_path, step)
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 1.5) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = records_of(db)  # loads: never a damaged file
        assert not check(list(now.values())).errors, step
        if now == before:
            outcomes["before"] += 1
            continue
        # The command got through: the state must be exactly what it makes when it finishes.
        replay = tmp_path / "replay"
        shutil.rmtree(replay, ignore_errors=True)
        replay.mkdir()
        shutil.copy(db, replay / "catalogue.json")
        # Only the file as it was before counts: take it from the newest backup.
        shutil.copy(Store(db).backups()[-1].path, replay / "catalogue.json")
        assert records_of(replay / "catalogue.json") == before, step
        replayed = [arg.replace(str(db), str(replay / "catalogue.json")) for arg in command]
        subprocess.run(replayed, env=env, cwd=tmp_path, capture_output=True, check=False)
        assert now == records_of(replay / "catalogue.json"), step
        outcomes["after"] += 1
    # Both outcomes happened, so the kills did land before, during and after writes.
    assert outcomes["before"] > 20 and outcomes["after"] > 20, outcomes
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 1, leftovers  # a killed writer's temporary file is cleaned by the next


def test_eight_writers_and_readers_at_once_lose_nothing(db):
    shipped = len(Store(db).load().records)
    env = {**os.environ, "NO_COLOR": "1", "MIEUX_LOCK_TIMEOUT": "60"}
    writer = (
        "import subprocess, sys\n"
        "for i in range(25):\n"
        "    subprocess.run([sys.executable, '-m', 'mieux_cli', '--db', sys.argv[1], 'add', 'fact', '--id',"
        " f'fct-w{sys.argv[2]}-{i}', '--title', f'Writer {sys.argv[2]} record {i}', '--text', 'T', '--source', 'S',"
        " '--no-input'], check=True, capture_output=True)\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", writer, str(db), str(w)], env=env, cwd=db.parent) for w in range(8)]
    reads = 0
    while any(w.poll() is None for w in writers):
        result = subprocess.run(mieux(db, "list", "--json"), env=env, capture_output=True, text=True, cwd=db.parent, check=False)
        assert result.returncode == 0, result.stderr  # a reader never fails ...
        json.loads(result.stdout)  # ... and never sees half a file
        reads += 1
    assert [w.wait() for w in writers] == [0] * 8
    records = Store(db).load().records
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == shipped + 200
    assert not check(records).errors
    assert len(Store(db).history()) == 200
    assert reads > 3


# -- failures injected at every step of every write ------------------------------------------------
# CI runs as root, which ignores permissions and read-only files: the failures are injected into
# the system calls themselves, each only when it touches the file it is meant for.

WRITES = {
    "add": ["add", "fact", "--title", "Injected", "--text", "T", "--source", "S", "--no-input"],
    "edit": ["edit", "fct-lac-regional-integration", "--set", "title=Injected"],
    "remove": ["remove", "fct-lac-regional-integration", "--yes"],
    "import": ["import", "{folder}/new.json"],
    "undo": ["undo", "--yes"],
    "restore": ["restore", "1", "--yes"],
    "backup": ["backup"],
    "export": ["export", "--format", "json", "--output", "{folder}/out.json"],
    "brief": ["brief", "--region", "LAC", "-o", "{folder}/brief.txt"],
}
# name -> (function of os or shutil, errno, which calls fail (a test of their arguments), what the
# command then does: "fails" (one line, exit 2 or 3, every file as it was), "works around" (a
# file system without hard links: the backup is copied), "saves anyway" (an old backup that
# cannot be deleted is no reason to lose the change)).
FAILURES = {
    "reading the catalogue": ("os.open", errno.EIO, lambda path, *_: str(path).endswith("/catalogue.json"), "fails"),
    "opening the lock": ("os.open", errno.EACCES, lambda path, *_: str(path).endswith(".lock"), "fails"),
    "creating a temporary file": ("os.open", errno.EDQUOT, lambda path, *_: str(path).endswith(".tmp"), "fails"),
    "making it durable (fsync)": ("os.fsync", errno.ENOSPC, lambda *_: True, "fails"),
    "creating the backups folder": ("os.mkdir", errno.EROFS, lambda path, *_: "/backups" in str(path), "fails"),
    "copying a backup": ("shutil.copyfileobj", errno.ENOSPC, lambda *_: True, "fails"),
    "renaming over the catalogue": ("os.replace", errno.EPERM, lambda _, target: str(target).endswith("/catalogue.json"),
                                    "fails"),
    "linking a backup": ("os.link", errno.EMLINK, lambda *_: True, "works around"),
    "deleting an old backup": ("os.unlink", errno.EACCES, lambda path, *_: "/backups/" in str(path), "saves anyway"),
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A catalogue with a full set of automatic backups, a manual one, and a history."""
    from typer.testing import CliRunner

    from mieux_cli.cli.app import app

    folder = tmp_path_factory.mktemp("prepared")
    db = folder / "catalogue.json"
    Store(db).load()
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "backup"]).exit_code == 0
    for i in range(12):
        assert runner.invoke(app, ["--db", str(db), "edit", "act-cr-integration-plans", "--set", f"title=Title {i}"]).exit_code == 0
    (folder / "new.json").write_text(json.dumps([{"id": "fct-injected", "kind": "fact", "title": "I", "text": "T",
                                                  "sources": ["S"]}]))
    # A copy keeps this time: made older than the index's racy window (storage/index.py), a copy's
    # index is settled when made, and no read of the test updates it (one did, when the first test
    # ran within 0.1 s of the last edit, and `after == before` failed on the index alone).
    old = time.time_ns() - 60 * 10**9 + 123
    os.utime(db, ns=(old, old))
    return folder


def _files(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(prepared, folder, command, failure=None, monkeypatch=None, without_backups=False):
    """The command on a fresh copy of the prepared catalogue in `folder` (without its backups if
    asked), with the failure injected: (result, files before, which calls failed)."""
    import shutil as shutil_module

    from typer.testing import CliRunner

    from mieux_cli.cli.app import app

    shutil.copytree(prepared, folder)
    if without_backups:
        shutil.rmtree(folder / "backups")
    open_catalogue(Store(folder / "catalogue.json"))  # a copy is a new file: its index is made again first, as by any read
    args = ["--db", str(folder / "catalogue.json"), *(a.format(folder=folder) for a in WRITES[command])]
    before, fired = _files(folder), []
    if failure is None:
        return CliRunner().invoke(app, args), before, fired
    name, code, applies, _ = FAILURES[failure]
    module = shutil_module if name.startswith("shutil.") else os
    real = getattr(module, name.split(".")[1])

    def failing(*call_args, **kwargs):
        if applies(*call_args):
            fired.append(call_args)
            raise OSError(code, os.strerror(code))
        return real(*call_args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(module, name.split(".")[1], failing)
        return CliRunner().invoke(app, args), before, fired


def _records(folder) -> list:
    return sorted(Store(folder / "catalogue.json").load().records, key=lambda r: r["id"])


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("command", list(WRITES))
def test_every_write_fails_cleanly_at_every_step_and_works_once_the_failure_is_gone(prepared, tmp_path, monkeypatch,
                                                                                    command, failure):
    fresh = failure == "creating the backups folder"  # a catalogue whose backups folder is yet to be made
    control = _run(prepared, tmp_path / "control", command, without_backups=fresh)[0]
    folder = tmp_path / "work"
    result, before, fired = _run(prepared, folder, command, failure, monkeypatch, without_backups=fresh)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    outcome = FAILURES[failure][3] if fired else "not reached"
    after = _files(folder)
    assert not [name for name in after if name.endswith(".tmp")]
    if outcome == "fails":
        writes_the_catalogue = command not in ("export", "brief") or failure == "reading the catalogue"
        assert (result.exit_code, result.stdout) == (3 if writes_the_catalogue else 2, ""), result.output
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
        assert after == before  # the catalogue, every backup; no temporary file, no half output
        # Nothing was left locked or half done: without the failure, the command does what it does.
        again = _run(prepared, tmp_path / "again", command, without_backups=fresh)[0]
        assert again.exit_code == control.exit_code == 0, again.output
        assert _records(tmp_path / "again") == _records(tmp_path / "control")
        return
    # Not reached, worked around, or saved anyway: the same outcome as without the failure ...
    assert (result.exit_code, result.stdout) == (control.exit_code, control.stdout), result.output
    assert _records(folder) == _records(tmp_path / "control")
    assert not check(_records(folder)).errors
    if outcome == "saves anyway":  # ... and an old backup left over, never one lost
        assert {name: after.get(name) for name in before if name.startswith("backups/")} == \
            {name: data for name, data in before.items() if name.startswith("backups/")}
