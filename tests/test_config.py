"""`mieux config`: the user's settings, in a TOML file of their config directory."""

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mieux_cli.cli.app import app


def config(*args):
    return CliRunner().invoke(app, ["config", *args], catch_exceptions=False)


def settings_file(tmp_path):
    return tmp_path / "xdg-config" / "mieux" / "config.toml"  # XDG_CONFIG_HOME is tmp_path/xdg-config (conftest)


def test_set_get_list_and_unset_keep_a_toml_file_in_the_config_directory(tmp_path):
    path = settings_file(tmp_path)
    result = config("set", "iati.publisher-ref", "XM-EXAMPLE-1")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"Set iati.publisher-ref to XM-EXAMPLE-1 in {path}.\n")
    config("set", "iati.publisher-name", 'MIEUX "ICMPD" \\ Vienna Office')
    assert config("set", "iati.publisher-type", "multilateral").exit_code == 0  # a name gives its code
    assert config("get", "iati.publisher-type").stdout == "40\n"
    assert config("get", "iati.publisher-name").stdout == 'MIEUX "ICMPD" \\ Vienna Office\n'
    assert tomllib.loads(path.read_text()) == {"iati": {"publisher-ref": "XM-EXAMPLE-1", "publisher-type": "40",
                                                        "publisher-name": 'MIEUX "ICMPD" \\ Vienna Office'}}
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # written atomically: no temporary file left
    listed = config("list")
    assert listed.stdout.splitlines()[:4] == [
        ("iati.publisher-ref = XM-EXAMPLE-1    # the IATI organisation identifier of the publisher (reporting "
        "organisation); prefixes every activity's identifier"),
        'iati.publisher-name = MIEUX "ICMPD" \\ Vienna Office    # the publisher\'s name, as IATI files give it',
        "iati.publisher-type = 40    # the publisher's IATI organisation type: a code or its name (40 Multilateral ...)",
        ("iati.publisher-role = (not set)    # optional: the publisher's own role in every activity (1 Funding, "
        "2 Accountable, 3 Extending, 4 Implementing), written as a participating organisation"),
    ]
    assert listed.stderr == f"Settings file: {path}\n"
    result = config("unset", "iati.publisher-ref")
    assert (result.exit_code, result.stderr) == (0, f"Unset iati.publisher-ref in {path}.\n")
    assert config("unset", "iati.publisher-ref").stderr == "iati.publisher-ref was not set.\n"
    result = config("get", "iati.publisher-ref")
    assert (result.exit_code, result.stderr) == (
        2, "Error: iati.publisher-ref is not set. Set it: mieux config set iati.publisher-ref VALUE\n")


def test_mieux_config_names_another_settings_file(tmp_path, monkeypatch):
    other = tmp_path / "team" / "mieux.toml"
    monkeypatch.setenv("MIEUX_CONFIG", str(other))
    assert config("set", "iati.language", "Español").exit_code == 0
    assert other.read_text() == ("# mieux settings, written by `mieux config` (`mieux config list` shows them).\n\n"
                                 '[iati]\nlanguage = "es"\n')
    assert not settings_file(tmp_path).exists()


def test_wrong_keys_values_and_actions_are_refused_with_the_fix_and_change_nothing(tmp_path):
    config("set", "iati.publisher-ref", "XM-EXAMPLE-1")
    before = settings_file(tmp_path).read_bytes()
    cases = {
        ("set", "iati.publisher-rf", "X"): "Error: There is no setting 'iati.publisher-rf'. Did you mean "
        "'iati.publisher-ref'? `mieux config list` lists them.\n",
        ("set", "iati.publisher-ref", "MIEUX ICMPD"): "Error: iati.publisher-ref: 'MIEUX ICMPD' is not an IATI "
        "organisation identifier: it is an agency prefix and a number joined by hyphens, such as XM-DAC-41114 or "
        "GB-CHC-1234567 (find yours at https://org-id.guide). Set it again: mieux config set iati.publisher-ref VALUE\n",
        ("set", "iati.publisher-name", "MIEUX\x1b[31m"): "Error: iati.publisher-name: give a name on one line, without "
        "control characters. Set it again: mieux config set iati.publisher-name VALUE\n",
        ("set", "iati.publisher-role", "donor"): "Error: iati.publisher-role: 'donor' is not an IATI organisation "
        "role; use one of 1 Funding, 2 Accountable, 3 Extending, 4 Implementing. Set it again: mieux config set "
        "iati.publisher-role VALUE\n",
        ("set", "iati.language", "klingon"): "Error: iati.language: Unknown language 'klingon'; give an ISO 639-1 "
        "code such as en, es or fr. Set it again: mieux config set iati.language VALUE\n",
        ("set", "iati.publisher-name"): "Error: `config set` takes 2 arguments after it. Type: mieux config set KEY VALUE\n",
        ("list", "iati.language"): "Error: `config list` takes no arguments after it. Type: mieux config list\n",
        ("remove", "iati.language"): "Error: Unknown action 'remove'. Use set, get, unset or list: mieux config set "
        "KEY VALUE.\n",
    }
    for args, message in cases.items():
        result = config(*args)
        assert (result.exit_code, result.stderr) == (2, message), args
    assert settings_file(tmp_path).read_bytes() == before


def test_a_damaged_settings_file_is_named_with_the_way_out(tmp_path):
    path = settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("[iati\npublisher-ref = 1\n")
    result = config("get", "iati.publisher-ref")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: The settings file {path} is not valid TOML: ")
    assert result.stderr.endswith("Fix it, or remove it and set the values again with `mieux config set`.\n")
    assert "Traceback" not in result.output


HAND_WRITTEN = """# My settings, by hand.
top = 1979-05-27T07:32:00Z  # a date, kept a date
"key with spaces" = "kept quoted"
numbers = [1, 2.5, inf]
flags = {on = true, off = false}

[iati]
publisher-name = "MIEUX (ICMPD)"   # a comment after a value
publisher-type = 40

[[team]]
name = "Ana"
since = 2019-03-01

[[team]]
name = "Bo"
"""


def test_config_set_changes_one_key_and_keeps_the_rest_of_a_hand_written_file(tmp_path):
    """`config set` wrote every key unquoted and every value as a string: a key with a space, a
    date, a list or a table came back as invalid TOML or as text."""
    path = settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(HAND_WRITTEN)
    before = tomllib.loads(HAND_WRITTEN)
    assert config("set", "iati.publisher-ref", "XM-EXAMPLE-1").exit_code == 0
    assert tomllib.loads(path.read_text()) == {**before, "iati": {**before["iati"], "publisher-ref": "XM-EXAMPLE-1"}}
    assert path.read_text() == HAND_WRITTEN.replace('publisher-type = 40\n',
                                                    'publisher-type = 40\npublisher-ref = "XM-EXAMPLE-1"\n')
    assert config("unset", "iati.publisher-name").exit_code == 0
    assert config("unset", "iati.publisher-ref").exit_code == 0
    text = path.read_text()
    assert tomllib.loads(text) == {**before, "iati": {"publisher-type": 40}}
    assert text.startswith("# My settings, by hand.\ntop = 1979-05-27T07:32:00Z  # a date, kept a date\n")
    # any text goes in as a TOML string that reads back the same
    assert config("set", "iati.publisher-name", 'quote " backslash \\ ünï \u00a0 end').exit_code == 0
    assert tomllib.loads(path.read_text())["iati"]["publisher-name"] == 'quote " backslash \\ ünï \u00a0 end'


@pytest.mark.parametrize(("line", "message"), [
    ('publisher-ref = "XM EXAMPLE 1"', ("iati.publisher-ref = 'XM EXAMPLE 1': 'XM EXAMPLE 1' is not an IATI organisation "
     "identifier: it is an agency prefix and a number joined by hyphens, such as XM-DAC-41114 or GB-CHC-1234567 (find "
     "yours at https://org-id.guide)")),
    ("publisher-type = 999", ("iati.publisher-type = 999: '999' is not an IATI organisation type; use one of 10 "
     "Government, 11 Local Government, 15 Other Public Sector, 21 International NGO, 22 National NGO, 23 Regional NGO, "
     "24 Partner Country based NGO, 30 Public Private Partnership, 40 Multilateral, 60 Foundation, 70 Private Sector, "
     "71 Private Sector in Provider Country, 72 Private Sector in Aid Recipient Country, 73 Private Sector in Third "
     "Country, 80 Academic, Training and Research, 90 Other")),
    ('publisher-role = "Funding "', None),  # a name, as `config set` takes it, is fine
    ('publisher-role = ["1", "4"]', "iati.publisher-role = ['1', '4']: it is a list, and it should be one value in quotes"),
    ('language = "zz"', "iati.language = 'zz': Unknown language 'zz'; give an ISO 639-1 code such as en, es or fr"),
    ("publisher-name = true", "iati.publisher-name = True: it is true or false, and it should be one value in quotes"),
], ids=["ref with spaces", "type 999", "role by name", "a list", "language zz", "a boolean"])
def test_settings_edited_by_hand_are_checked_when_read_with_the_rules_of_config_set(cli, tmp_path, line, message):
    """A hand-edited identifier with spaces, organisation type 999 or language "zz" was written
    into IATI files as it was."""
    path = settings_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('[iati]\npublisher-ref = "XM-EXAMPLE-1"\npublisher-name = "MIEUX"\npublisher-type = "40"\n'
                    .replace(f"{line.split(' =')[0]} =", "ignored-" + line.split(" =")[0] + " =") + line + "\n")
    exported = cli("export", "actions", "--format", "iati")
    name = line.split(" =")[0]
    listed = config("list")
    if message is None:
        assert config("get", f"iati.{name}").stdout == "1\n"
        assert listed.exit_code == 0 and "INVALID" not in listed.stdout
        return
    fix = (f"Set it again: mieux config set iati.{name} VALUE (or unset it: mieux config unset iati.{name}).")
    assert (exported.exit_code, exported.stdout) == (2, "")
    assert exported.stderr == f"Error: The settings file {path} has {message}. {fix}\n"
    assert config("get", f"iati.{name}").stderr == f"Error: The settings file {path} has {message}. {fix}\n"
    # list shows it as it is, says what is wrong, and exits 0; set fixes it
    assert listed.exit_code == 0
    assert f"iati.{name} = " in listed.stdout and "    # INVALID: " in listed.stdout
    assert listed.stderr.endswith(f"Error: iati.{name} in the settings file breaks its rules, and mieux will not use "
                                  f"it. {fix}\n")
    assert config("unset", f"iati.{name}").exit_code == 0
    assert "INVALID" not in config("list").stdout


@pytest.mark.parametrize("kind", ["named pipe", "device", "folder"])
def test_a_settings_file_that_is_not_a_file_is_refused_at_once(tmp_path, monkeypatch, kind):
    """MIEUX_CONFIG=/dev/zero read without end; a named pipe hung config, info and export."""
    import os

    if kind == "named pipe":
        target = tmp_path / "pipe.toml"
        os.mkfifo(target)
    else:
        target = Path("/dev/zero") if kind == "device" else tmp_path
    monkeypatch.setenv("MIEUX_CONFIG", str(target))
    what = {"named pipe": "a named pipe", "device": "a device", "folder": "a folder"}[kind]
    for args in (["list"], ["get", "iati.language"], ["set", "iati.language", "es"]):
        result = config(*args)
        assert (result.exit_code, result.stderr) == (2, (
            f"Error: The settings file {target} is {what}, not a file. Give $MIEUX_CONFIG the path of a settings file "
            "(a TOML file), or unset it.\n")), args
    info = CliRunner().invoke(app, ["info"], catch_exceptions=False)
    assert info.exit_code == 0 and "cannot be read" in info.stdout


def _flat(data, prefix=""):
    for name, value in data.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value
