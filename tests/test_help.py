"""Every command documents itself with a description and at least one example."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from mieux_cli import __version__
from mieux_cli.cli.app import app

GROUP = get_command(app)
COMMANDS = GROUP.list_commands(None)


def test_every_command_is_listed_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in COMMANDS:
        assert f"mieux {name}" in readme, name


def test_the_commands_are_the_ones_documented():
    assert COMMANDS == ["add", "backup", "brief", "check", "config", "edit", "export", "history", "import", "info",
                        "list", "remove", "rename", "restore", "schema", "search", "show", "summary", "sync", "undo", "vocab"]


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
    assert "mieux_cli.queries.filters" in imported  # the measurement saw `list` run ...
    assert not {m for m in imported if m.split(".")[0] == "lxml" or m.startswith("mieux_cli.formats")}  # ... not IATI


def test_an_unknown_command_suggests_the_nearest_one():
    for typed, suggestion in (("lst", " Did you mean 'list'?"), ("serch", " Did you mean 'search'?"),
                              ("histroy", " Did you mean 'history'?"), ("xyzzy", "")):
        result = CliRunner().invoke(app, [typed])
        assert result.exit_code == 2
        assert result.stderr == f"Error: No such command '{typed}'.{suggestion} See `mieux -h`.\n"


def test_a_usage_mistake_is_one_line_with_an_example():
    result = CliRunner().invoke(app, ["show"])
    assert (result.exit_code, result.stderr) == (2, (
        "Error: Missing argument 'ID'. For example: mieux show act-cr-integration-plans. See `mieux show -h`.\n"))
    result = CliRunner().invoke(app, ["search"])
    assert result.stderr == ("Error: Missing argument 'WORDS...'. For example: mieux search unaccompanied children. "
                             "See `mieux search -h`.\n")


@pytest.mark.parametrize("args, pointer", [
    (["list", "-y", "2017"], "Error: -y is short for --yes everywhere; for years, write --year (for example --year 2015-2018)."),
    (["add", "action", "--output", "x"], ("Error: --output is the file or folder a command writes; an action's outputs "
                                         "are set with --result-output.")),
    (["export", "--format", "json", "--out", "x.json"], ("Error: --out is now --output (-o), as in every command that "
                                                         "writes a file.")),
    (["brief", "--as-of", "2018"], None),
])
def test_options_that_changed_meaning_point_to_their_new_spelling(args, pointer):
    result = CliRunner().invoke(app, args)
    if pointer is None:  # --as-of is a filter of every read command now, brief included
        assert "No such option" not in result.stderr
        return
    assert result.exit_code == 2 and result.stderr.startswith(pointer)


def _every_option():
    """(command, option string, parameter name, help) for every option of every command."""
    from mieux_cli.cli.app import _MieuxGroup

    group = _MieuxGroup(name="mieux")
    for name in sorted(group.list_commands(None)):
        for param in group.get_command(None, name).params:
            for flag in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
                if flag.startswith("-"):
                    yield name, flag, param.name, param.help or ""


def _meaning(name: str) -> str:
    """A parameter's name, singular: `--country` sets `countries` in add and filters by `country`."""
    name = name.rstrip("_")
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and name not in ("yes", "status") else name


def test_each_option_and_short_flag_has_one_meaning_in_every_command():
    meanings: dict[str, set] = {}
    for command, flag, name, _ in _every_option():
        meanings.setdefault(flag, set()).add(_meaning(name))
    assert {flag: names for flag, names in meanings.items() if len(names) > 1} == {}
    flags: dict[str, set] = {}
    for command, flag, name, _ in _every_option():
        if flag.startswith("-") and not flag.startswith("--"):
            flags.setdefault(name, set()).add(flag)
    assert {name: f for name, f in flags.items() if len(f) > 1} == {}  # one short flag for one meaning
    assert meanings["-y"] == {"yes"}


def test_json_help_says_what_each_command_prints():
    helps = {command: text for command, flag, _, text in _every_option() if flag == "--json"}
    assert "Print JSON (the full records) for scripts." not in helps.values()
    assert len(set(helps.values())) >= len(helps) - 3, helps  # read commands print different things


def test_list_on_a_terminal_draws_its_table_without_importing_rich_s_console(tmp_path):
    """mieux draws tables from layout's widths itself: `mieux list` on a terminal, the command
    people run most, does not pay for rich's console and table (a fifth of its time)."""
    import pexpect

    log = tmp_path / "imports.txt"
    command = f"{shlex.quote(sys.executable)} -X importtime -m mieux_cli --db {tmp_path / 'catalogue.json'} list 2>{log}"
    child = pexpect.spawn("bash", ["-c", command], cwd=str(tmp_path), env={**os.environ, "TERM": "xterm-256color"},
                          dimensions=(60, 120), timeout=60)
    child.expect(pexpect.EOF)
    assert "\x1b[1mID" in child.before.decode()  # a table for a terminal: its header in bold
    imported = {line.split("|")[-1].strip() for line in log.read_text().splitlines() if "|" in line}
    assert "mieux_cli.cli.layout" in imported and not {"rich.console", "rich.table"} & imported
