"""Fixtures: a temporary catalogue per test, and a runner for the CLI against it."""

import os

import pytest
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.model.records import normalize
from mieux_cli.storage.catalogue_file import Store

SOURCE = {"title": "Test notes", "publisher": "Test", "date": "2024", "url": None}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's catalogue, colours or terminal settings."""
    for name in ("MIEUX_DB", "MIEUX_CONFIG", "NO_COLOR", "MIEUX_LOCK_TIMEOUT", "COLUMNS", "LINES", "PAGER", "LESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MIEUX_PAGER", "")  # no pager in tests on a terminal, but where a test sets one
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # drafts of `mieux add`
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # compiled brief templates
    # git's settings are the machine's (its user.name names the author of every change): none here
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def db(tmp_path):
    """A catalogue file created from the shipped catalogue."""
    path = tmp_path / "catalogue.json"
    Store(path).load()
    return path


def add_records(path, *raw_records):
    """Insert records (raw mappings; kind, id and a source are filled in if missing)."""
    records = [normalize({"sources": [SOURCE], **raw}) for raw in raw_records]
    Store(path).change(lambda tx: tx.add(records))
    return records


@pytest.fixture
def cli(db):
    """cli('list', '--json') runs mieux against the temporary catalogue."""
    runner = CliRunner()

    def run(*args, env=None, input=None):
        return runner.invoke(app, ["--db", str(db), *args], env=env, input=input, catch_exceptions=False)

    run.db = db
    return run


def at_question(child, label: str) -> None:
    """Wait (pexpect) until the question `label` of `add` waits for its answer: its explanation
    line first, then the question itself. Ctrl-C sent before readline reads would be lost."""
    child.expect(f"{label}: [^\r\n]+\r\n")
    child.expect_exact(f"{label}: ")


def interrupt(child, then) -> None:
    """Press Ctrl-C at a question and wait for `then`. CPython's readline prints the question,
    then waits for a key; a Ctrl-C that lands between the two is seen only at the next key, so
    if nothing happens within a few seconds (a loaded machine) it is pressed again, as a person
    would."""
    import pexpect

    for _ in range(3):
        child.sendintr()
        if child.expect([then, pexpect.TIMEOUT], timeout=5) == 0:
            return
    raise AssertionError(f"Ctrl-C did not lead to {then!r}: {child.before!r}")


def read_bytes(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def all_files(folder) -> dict[str, bytes]:
    return {
        os.path.relpath(os.path.join(root, name), folder): read_bytes(os.path.join(root, name))
        for root, _, names in os.walk(folder)
        for name in names
    }
