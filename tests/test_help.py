"""Every command documents itself with a description and at least one example."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from mieux_cli import __version__
from mieux_cli.app import app

GROUP = get_command(app)
COMMANDS = GROUP.list_commands(None)


def test_every_command_is_listed_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in COMMANDS:
        assert f"mieux {name}" in readme, name


def test_the_commands_are_the_ones_documented():
    assert COMMANDS == ["add", "backup", "brief", "check", "config", "edit", "export", "history", "import", "list",
                        "remove", "rename", "restore", "schema", "search", "show", "summary", "undo", "vocab"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    command = GROUP.get_command(None, name)
    assert command.help and len(command.help.split("\n")[0]) > 20, f"{name} has no description"
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"    mieux {name}" in result.stdout
    for param in command.params:
        if param.name != "help":
            assert getattr(param, "help", None), f"{name}: {param.name} has no help text"


def test_version_is_eager_and_works_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mieux_cli", "--version"], capture_output=True, text=True, cwd=tmp_path,
                            check=False)
    assert (result.returncode, result.stdout) == (0, f"mieux {__version__}\n")


def test_no_arguments_shows_the_help():
    result = CliRunner().invoke(app, [])
    assert "Usage: mieux" in result.output and "list" in result.output


def imported_by(tmp_path, *args) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "mieux_cli", *args],
                            capture_output=True, text=True, cwd=tmp_path, check=True)
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}


def test_version_imports_neither_rich_nor_tinydb(tmp_path):
    """Start-up pays only for what a command uses."""
    imported = imported_by(tmp_path, "--version")
    assert "typer" in imported  # the measurement works ...
    assert not {m for m in imported if m.split(".")[0] in ("rich", "tinydb", "yaml", "jinja2", "lxml")}  # ... and these stay out


def test_list_does_not_import_lxml(tmp_path):
    """lxml is for IATI files only: the commands people run most never pay for it."""
    imported = imported_by(tmp_path, "--db", str(tmp_path / "catalogue.json"), "list")
    assert "mieux_cli.filters" in imported  # the measurement saw `list` run ...
    assert not {m for m in imported if m.split(".")[0] == "lxml" or m.startswith("mieux_cli.formats")}  # ... not IATI
