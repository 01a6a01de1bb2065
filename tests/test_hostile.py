"""Hostile files and hostile text: refused with one clear line, quickly, in bounded memory, and
the catalogue left exactly as it was."""

import json
import subprocess
import sys

import pytest
from conftest import add_records, read_bytes

LAUGHS = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)
)


def hostile_files(folder):
    """name -> the exact one-line error it must give."""
    files = {
        "laughs.yaml": (LAUGHS + "id: fct-laughs\nkind: fact\ntitle: Laughs\ntext: T\nsources: [x]\ntags: *a9\n",
                        None),
        "deep.yaml": ("id: fct-deep\ntags: " + "[" * 5000 + "]" * 5000 + "\n",
                      "Error: {f}:2: not valid YAML: exceeded maximum nesting depth. Fix it and run the import again.\n"),
        "deep-block.yaml": ("".join("  " * i + f"k{i}:\n" for i in range(3000)),
                            "Error: {f}:1000: not valid YAML: exceeded maximum nesting depth. Fix it and run the import again.\n"),
        "twice.yaml": ("id: fct-x\nkind: fact\ntitle: A\ntitle: B\ntext: T\nsources: [x]\n",
                       "Error: {f}:4: not valid YAML: duplicate key 'title'. Fix it and run the import again.\n"),
        "python.yaml": ("!!python/object/apply:os.system ['echo owned']\n",
                        "Error: {f}:1: not valid YAML: could not determine a constructor for the tag "
                        "'tag:yaml.org,2002:python/object/apply:os.system'. Fix it and run the import again.\n"),
        "utf16.yaml": ("id: fct-x\nkind: fact\n".encode("utf-16"),
                       "Error: {f}:1: not a text file (it holds NUL bytes: a binary file, or UTF-16). "
                       "Give a YAML, JSON or CSV file saved as UTF-8.\n"),
        "latin1.yaml": ("id: fct-x\nkind: fact\ntitle: Año\n".encode("latin-1"),
                        "Error: {f}:3: not UTF-8 text (byte 0xf1). Save it as UTF-8 and run the import again.\n"),
        "nul.json": (b'[{"id": "x\x00"}]',
                     "Error: {f}:1: not a text file (it holds NUL bytes: a binary file, or UTF-16). "
                     "Give a YAML, JSON or CSV file saved as UTF-8.\n"),
        "garbage.csv": (bytes(range(256)) * 64,
                        "Error: {f}:1: not a text file (it holds NUL bytes: a binary file, or UTF-16). "
                        "Give a YAML, JSON or CSV file saved as UTF-8.\n"),
    }
    for name, (content, _) in files.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return {name: message for name, (_, message) in files.items()}


@pytest.mark.parametrize("name", ["laughs.yaml", "deep.yaml", "deep-block.yaml", "twice.yaml", "python.yaml",
                                  "utf16.yaml", "latin1.yaml", "nul.json", "garbage.csv"])
def test_hostile_files_are_refused_and_change_nothing(cli, tmp_path, name):
    messages = hostile_files(tmp_path)
    before = read_bytes(cli.db)
    path = tmp_path / name
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    if messages[name]:
        assert result.stderr == messages[name].format(f=path)
    else:  # the aliases expand to nothing larger than the file: the record is checked like any other
        assert result.stderr.endswith("Nothing was imported: 11 problems in 1 record. Fix them and run the import again.\n")
        assert "tags: expected text, not a list or mapping" in result.stderr
    assert read_bytes(cli.db) == before


# Peak memory of a child counts the pages it shares with its parent before exec, and pytest's own
# process grows over a run: a small Python process starts mieux, so that only mieux is measured.
def test_a_huge_file_is_refused_before_it_is_read(db, tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse: 300 MB that take no disk
    before = read_bytes(db)
    measure = (
        "import json, os, subprocess, sys\n"
        "process = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "out = process.stdout.read(); err = process.stderr.read()\n"
        "_, status, usage = os.wait4(process.pid, 0)\n"
        "print(json.dumps([os.waitstatus_to_exitcode(status), out.decode(), err.decode(), usage.ru_maxrss]))\n"
    )
    result = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "mieux_cli", "--db", str(db),
                             "import", str(huge)], cwd=tmp_path, capture_output=True, text=True, check=True)
    code, out, err, peak_kib = json.loads(result.stdout)
    assert code == 2
    assert (out, err) == ("", f"Error: {huge}: too large to import (300 MB; the limit is 256 MB). "
                              "Split it into smaller files and import them one by one.\n")
    assert peak_kib < 100 * 1024  # the file was never read into memory
    assert read_bytes(db) == before


def test_export_file_names_cannot_leave_the_folder(cli, tmp_path):
    data = json.loads(cli.db.read_text())
    record = next(r for r in data["records"].values() if r["id"] == "fct-lac-regional-integration")
    record["id"] = "../../escaped"
    cli.db.write_text(json.dumps(data))
    out = tmp_path / "export"
    result = cli("export", "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: The record ID '../../escaped' cannot be used as a file name.")
    assert not (tmp_path / "escaped.yaml").exists() and not any(out.rglob("*.yaml"))


def test_prompts_show_hostile_answers_literally(cli):
    hostile = "\x1b[31mred [bold]x[/bold]"
    # title, the text, Enter past the 14 optional fields, a source's title and Enter past its other
    # parts and a second source, Enter past the other values, the suggested ID, and no
    answers = [hostile, "T", *[""] * 14, "S", *[""] * 7, "n"]
    result = cli("add", "fact", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    shown = result.stdout.replace(hostile + "\n", "")  # what the test runner echoes as typed input
    assert "\x1b" not in shown
    assert "\\x1b[31mred [bold]x[/bold]  (fact fct-31mred-bold-x-bold)" in shown


def test_a_confirmation_quotes_a_hostile_title_literally(cli):
    add_records(cli.db, {"id": "fct-hostile", "kind": "fact", "title": "Bye\x1b]0;owned\x07", "text": "T"})
    result = cli("remove", "fct-hostile", input="n\n")
    assert 'Remove fct-hostile "Bye\\x1b]0;owned\\x07"? [y/N]: n' in result.stdout
    assert "\x1b" not in result.stdout
