"""`mieux config`: the user's settings, in a TOML file of their config directory."""

import tomllib

from typer.testing import CliRunner

from mieux_cli.app import app


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


def test_any_text_is_written_as_a_toml_string_that_reads_back_the_same():
    from mieux_cli.settings import toml_text

    values = {"a.b": 'quote " backslash \\ tab \t newline \n bell \x07 delete \x7f ünï', "a.c": "", "top": "x"}
    assert {name: value for name, value in _flat(tomllib.loads(toml_text(values)))} == values


def _flat(data, prefix=""):
    for name, value in data.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value
