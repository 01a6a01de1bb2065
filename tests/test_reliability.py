"""Nothing lost, whatever happens: processes killed mid-write, many writers at once.

These tests are slow (minutes); `pytest -m "not slow"` skips them, `.ci/run` runs them."""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from mieux_cli.checks import check
from mieux_cli.store import Store

pytestmark = pytest.mark.slow

KILLS = 300


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
    return mieux(db, "undo")


def test_killing_writers_at_random_moments_leaves_the_state_before_or_after(tmp_path):
    rng = random.Random(2026)
    db = tmp_path / "catalogue.json"
    Store(db).load()
    env = {**os.environ, "NO_COLOR": "1"}
    outcomes = {"before": 0, "after": 0}
    for step in range(KILLS):
        before = records_of(db)
        command = writing_command(rng, db, tmp_path, step)
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.45))
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
        shutil.copy(Store(db).backups()[-1], replay / "catalogue.json")
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
