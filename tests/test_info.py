"""`mieux info`: where the catalogue, its index, lock, backups, drafts and settings are, and the pager."""

import json

from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.storage import drafts


def row(label: str, value: str) -> str:
    return f"{label + ':':<13}{value}"  # as `show` lays out labels, the longest being "Environment"


def test_info_says_where_everything_is(cli, tmp_path):
    cli("backup")
    drafts.save(cli.db, "fact", {"title": "Half a fact"})
    result = cli("info", env={"MIEUX_PAGER": "less -S"})
    assert result.exit_code == 0, result.stderr
    size = cli.db.stat().st_size
    index = cli.db.with_name("catalogue.json.index.sqlite")
    settings = tmp_path / "xdg-config" / "mieux" / "config.toml"
    assert result.stdout.splitlines() == [
        "Where mieux keeps things",
        row("Catalogue", f"{cli.db} ({size / 1024:.0f} KB), chosen by --db"),
        row("Index", f"{index} ({index.stat().st_size / 1024:.0f} KB)"),
        row("Lock file", f"{cli.db}.lock"),
        row("Backups", f"{tmp_path / 'backups' / 'catalogue.json'} (1 backup)"),
        row("Drafts", f"{tmp_path / 'xdg-state' / 'mieux' / 'drafts'} (for this catalogue: a fact, kept "
                      f"{drafts.load(cli.db, 'fact').saved}; `mieux add fact --resume` takes it up)"),
        row("Pager", "less -S (from MIEUX_PAGER)"),
        row("Settings", f"{settings} (not created yet; `mieux config list` shows them)"),
        row("Environment", "MIEUX_PAGER=less -S"),
    ]
    shown = json.loads(cli("info", "--json").stdout)
    assert shown["catalogue"] == {"path": str(cli.db), "file": str(cli.db), "exists": True, "bytes": size,
                                  "given_by": "--db"}
    assert shown["index"] == {"file": str(index), "exists": True, "bytes": index.stat().st_size, "used": True}
    assert shown["lock"] == f"{cli.db}.lock"
    assert shown["backups"] == {"folder": str(tmp_path / "backups" / "catalogue.json"), "count": 1}
    assert shown["drafts"]["folder"] == str(tmp_path / "xdg-state" / "mieux" / "drafts")
    assert [d["kind"] for d in shown["drafts"]["drafts"]] == ["fact"]
    assert shown["pager"] is None  # MIEUX_PAGER is set empty in tests
    assert shown["settings"] == {"file": str(settings), "exists": False, "count": 0}
    assert shown["environment"] == {"MIEUX_PAGER": ""}


def test_info_on_first_use_creates_nothing(tmp_path):
    result = CliRunner().invoke(app, ["info"])
    path = tmp_path / "xdg-data" / "mieux" / "catalogue.json"
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == row(
        "Catalogue", f"{path} (not created yet: the first command creates it from the shipped catalogue), the default")
    assert not path.exists()


def test_info_says_when_the_index_is_not_made_yet_or_not_used(cli):
    cli.db.with_name("catalogue.json.index.sqlite").unlink()
    lines = cli("info", env={"MIEUX_NO_INDEX": "1"}).stdout.splitlines()
    assert lines[2] == row("Index", f"{cli.db}.index.sqlite (not made yet: the next read makes it; "
                                    "not used: MIEUX_NO_INDEX is set)")
    assert lines[-1] == row("Environment", "MIEUX_NO_INDEX=1, MIEUX_PAGER=")
