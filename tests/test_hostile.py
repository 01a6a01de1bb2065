"""Hostile files and hostile text: refused with one clear line, quickly, in bounded memory, and
the catalogue left exactly as it was."""

import json
import os
import subprocess
import sys

import pytest
from conftest import add_records, read_bytes
from typer.testing import CliRunner

from mieux_cli.cli.app import app
from mieux_cli.storage.catalogue_file import Store

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
                        ("Error: {f}:1: not valid YAML: could not determine a constructor for the tag "
                        "'tag:yaml.org,2002:python/object/apply:os.system'. Fix it and run the import again.\n")),
        "utf16.yaml": ("id: fct-x\nkind: fact\n".encode("utf-16"),
                       ("Error: {f}:1: not a text file (it holds NUL bytes: a binary file, or UTF-16). "
                       "Give a YAML, JSON or CSV file saved as UTF-8.\n")),
        "latin1.yaml": ("id: fct-x\nkind: fact\ntitle: Año\n".encode("latin-1"),
                        "Error: {f}:3: not UTF-8 text (byte 0xf1). Save it as UTF-8 and run the import again.\n"),
        "nul.json": (b'[{"id": "x\x00"}]',
                     ("Error: {f}:1: not a text file (it holds NUL bytes: a binary file, or UTF-16). "
                     "Give a YAML, JSON or CSV file saved as UTF-8.\n")),
        "garbage.csv": (bytes(range(256)) * 64,
                        ("Error: {f}:1: not a text file (it holds NUL bytes: a binary file, or UTF-16). "
                        "Give a YAML, JSON or CSV file saved as UTF-8.\n")),
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
    assert (out, err) == ("", (f"Error: {huge}: too large to import (300 MB; the limit is 256 MB). "
                              "Split it into smaller files and import them one by one.\n"))
    assert peak_kib < 100 * 1024  # the file was never read into memory
    assert read_bytes(db) == before


def test_export_file_names_cannot_leave_the_folder(cli, tmp_path):
    data = json.loads(cli.db.read_text())
    record = next(r for r in data["records"].values() if r["id"] == "fct-lac-regional-integration")
    record["id"] = "../../escaped"
    cli.db.write_text(json.dumps(data))
    out = tmp_path / "export"
    result = cli("export", "--output", str(out))
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


def _mieux(tmp_path, *args):
    """mieux in a process of its own, with bounds that only a broken mieux reaches: memory (so that
    reading /dev/zero cannot take the machine down) and time (so that a named pipe cannot hang
    the suite)."""
    import resource

    def bounded():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    try:
        return subprocess.run([sys.executable, "-m", "mieux_cli", *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, preexec_fn=bounded, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"mieux {' '.join(args)} hung")


NOT_FILES = {
    "a named pipe as the catalogue": (
        ("--db", "pipe.json", "list"), 3,
        "Error: pipe.json is a named pipe, not a catalogue file. Give the path of a .json file with --db.\n"),
    "/dev/zero as the catalogue, through a link": (
        ("--db", "zero.json", "list"), 3,
        "Error: zero.json is a device, not a catalogue file. Give the path of a .json file with --db.\n"),
    "a named pipe to import": (
        ("--db", "c.json", "import", "pipe.json"), 2,
        ("Error: pipe.json: a named pipe, not a file that can be imported. "
        "Give a YAML, JSON or CSV file, or a folder of YAML files.\n")),
    "/dev/zero to import, through a link": (
        ("--db", "c.json", "import", "zero.json"), 2,
        ("Error: zero.json: a device, not a file that can be imported. "
        "Give a YAML, JSON or CSV file, or a folder of YAML files.\n")),
    "a named pipe in a folder to import": (
        ("--db", "c.json", "import", "folder"), 2,
        ("Error: folder/pipe.yaml: a named pipe, not a file that can be imported. "
        "Give a YAML, JSON or CSV file, or a folder of YAML files.\n")),
    "a named pipe to add from": (
        ("--db", "c.json", "add", "--from", "pipe.json"), 2,
        ("Error: pipe.json: a named pipe, not a file that can be imported. "
        "Give a YAML, JSON or CSV file, or a folder of YAML files.\n")),
    "a named pipe to restore": (
        ("--db", "c.json", "restore", "pipe.json", "--yes"), 2,
        "Error: pipe.json is a named pipe, not a backup file. Choose another backup: see `mieux backup --list`.\n"),
    "/dev/zero to restore, through a link": (
        ("--db", "c.json", "restore", "zero.json", "--yes"), 2,
        "Error: zero.json is a device, not a backup file. Choose another backup: see `mieux backup --list`.\n"),
    "a named pipe included by a brief template": (
        ("--db", "c.json", "brief", "--region", "LAC", "--template", "folder/includes.j2"), 2,
        ("Error: The template folder/pipe.j2 is a named pipe, not a template file. "
        "Give the path of a Jinja2 template file.\n")),
}


@pytest.mark.parametrize("case", list(NOT_FILES))
def test_what_is_not_a_regular_file_is_refused_before_it_is_read(tmp_path, case):
    for pipe in ("pipe.json", "folder/pipe.yaml", "folder/pipe.j2"):
        (tmp_path / pipe).parent.mkdir(exist_ok=True)
        os.mkfifo(tmp_path / pipe)
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "folder" / "includes.j2").write_text('{% include "pipe.j2" %}\n')
    assert _mieux(tmp_path, "--db", "c.json", "list").returncode == 0
    before = read_bytes(tmp_path / "c.json")
    args, code, message = NOT_FILES[case]
    result = _mieux(tmp_path, *args)
    assert (result.returncode, result.stderr, result.stdout) == (code, message, "")
    assert read_bytes(tmp_path / "c.json") == before


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux's /proc")
def test_every_read_is_bounded_even_when_a_file_says_it_is_empty(cli, tmp_path, monkeypatch):
    """Files of /proc say they hold 0 bytes: a check of the size alone would read them whole."""
    limit = 64
    monkeypatch.setattr("mieux_cli.formats.files.MAX_IMPORT_BYTES", limit)
    monkeypatch.setattr("mieux_cli.briefs.render.MAX_TEMPLATE_BYTES", limit)
    status = tmp_path / "status.json"
    status.symlink_to("/proc/self/status")
    template = tmp_path / "status.j2"
    template.symlink_to("/proc/self/status")
    before = read_bytes(cli.db)
    result = cli("import", str(status))
    assert (result.exit_code, result.stderr) == (2, (f"Error: {status}: too large to import (the limit is {limit} bytes). "
                                                    "Split it into smaller files and import them one by one.\n"))
    result = cli("brief", "--region", "LAC", "--template", str(template))
    assert (result.exit_code, result.stderr) == (2, (f"Error: The template {template} is too large (the limit is {limit} bytes). "
                                                    "Give the path of a Jinja2 template file.\n"))
    monkeypatch.setattr("mieux_cli.storage.catalogue_file.MAX_FILE_BYTES", limit)  # the catalogue
    monkeypatch.setattr("mieux_cli.storage.file_format.MAX_FILE_BYTES", limit)  # backups to restore
    result = cli("restore", str(status), "--yes")
    assert (result.exit_code, result.stderr) == (2, (f"Error: {status} is far too large to be a mieux backup. "
                                                    "Choose another backup: see `mieux backup --list`.\n"))
    result = CliRunner().invoke(app, ["--db", str(status), "list"])
    assert (result.exit_code, result.stderr.split(". ")[0]) == (3, f"Error: The catalogue {status} is far too large to be a mieux catalogue")
    assert read_bytes(cli.db) == before


def _protected_paths(db):
    """name -> a path that is the catalogue, its lock or in its backups, spelled in a roundabout way."""
    folder = db.parent
    (folder / "sub").mkdir()
    (folder / "link.json").symlink_to(db.name)
    os.link(db, folder / "hard-link.json")
    (folder / "export" / "facts").parent.mkdir()
    (folder / "export" / "facts").symlink_to(folder / "backups")
    return {
        "the catalogue": db,
        "the catalogue, through a symlink": folder / "link.json",
        "the catalogue, through ..": folder / "sub" / ".." / db.name,
        "a hard link to the catalogue": folder / "hard-link.json",
        "the lock": folder / (db.name + ".lock"),
        "the index": folder / (db.name + ".index.sqlite"),
        "the index's journal": folder / (db.name + ".index.sqlite-journal"),
        "a backup": Store(db).backups()[-1].path,
        "the backups folder": folder / "backups",
        "the catalogue's own backups folder": folder / "backups" / db.name,
        "a folder whose facts/ is the backups folder": folder / "export",
    }


def _state(folder) -> dict:
    return {path: read_bytes(path) for path in sorted(folder.rglob("*")) if path.is_file()}


FILES = ["the catalogue", "the catalogue, through a symlink", "the catalogue, through ..", "a hard link to the catalogue",
         "the lock", "the index", "the index's journal", "a backup"]
FOLDERS = ["the backups folder", "the catalogue's own backups folder", "a folder whose facts/ is the backups folder"]


@pytest.mark.parametrize("command, target", [(c, t) for c in ("export json", "export csv", "brief") for t in FILES]
                         + [("export yaml", t) for t in FOLDERS])
def test_no_export_or_brief_can_overwrite_the_catalogue_its_lock_or_its_backups(cli, command, target):
    cli("edit", "fct-lac-regional-integration", "--set", "title=Changed")  # a backup, and the lock file
    path = _protected_paths(cli.db)[target]
    before = _state(cli.db.parent)
    if command == "brief":
        args, option = ("brief", "--region", "LAC", "--force", "-o", str(path)), "--output"
    else:
        args, option = ("export", "--format", command.split()[1], "--output", str(path)), "--output"
    result = cli(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"Error: {option} {path}")
    assert result.stderr.endswith(f"{cli.db}: mieux never writes an export or a brief there. Choose another path.\n")
    assert _state(cli.db.parent) == before


def _mieux_bytes(tmp_path, *args, env=None):
    """mieux as the operating system starts it: arguments and environment are bytes, which need
    not be UTF-8 (a file name from an old archive, a user name from a misconfigured system)."""
    env = {**os.environ, "LC_ALL": "C.UTF-8", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "mieux_cli", *args], cwd=tmp_path, env=env, capture_output=True,
                          timeout=120, check=False)


def test_bytes_that_are_not_utf8_in_file_names_and_the_user_name_do_not_break_writes(tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    db = os.fsencode(folder / "c.json")
    new = tmp_path / os.fsdecode(b"r\xe9cords.yaml")
    new.write_text("id: fct-new\nkind: fact\ntitle: New\ntext: T\nsources: [S]\n")
    env = {b"LOGNAME": b"b\xffob", b"USER": b"b\xffob"}
    for args in ([b"edit", b"fct-lac-regional-integration", b"--set", b"title=Changed"], [b"import", os.fsencode(new)],
                 [b"backup"], [b"history"], [b"backup", b"--list"], [b"backup", b"--list", b"--json"], [b"undo", b"--yes"]):
        result = _mieux_bytes(tmp_path, b"--db", db, *args, env=env)
        assert (result.returncode, b"Traceback" in result.stderr) == (0, False), (args, result.stderr)
    history = json.loads(_mieux_bytes(tmp_path, b"--db", db, b"history", b"--json").stdout)
    assert [entry["user"] for entry in history] == ["b\\xffob"] * 3
    assert history[1]["command"] == f"mieux --db '{tmp_path}/caf\\xe9/c.json' import '{tmp_path}/r\\xe9cords.yaml'"
    listing = _mieux_bytes(tmp_path, b"--db", db, b"backup", b"--list", b"--json").stdout.decode()
    assert f"{tmp_path}/caf\\\\xe9/backups/c.json/" in listing  # the file names, with the \\xNN escapes JSON holds
    notice = _mieux_bytes(tmp_path, b"--db", db, b"backup", b"--list").stderr.decode()
    assert notice == f"In {tmp_path}/caf\\xe9/backups/c.json. Restore one with `mieux restore N`.\n"
    records = Store(folder / "c.json").load().by_id
    assert records["fct-lac-regional-integration"]["title"] == "Changed" and "fct-new" not in records  # import undone


@pytest.mark.parametrize("args", [
    [b"edit", b"fct-lac-regional-integration", b"--set", b"title=Caf\xe9"],
    [b"add", b"fact", b"--title", b"Caf\xe9", b"--text", b"T", b"--source", b"S", b"--no-input"],
    [b"list", b"--tag", b"caf\xe9"],
])
def test_a_value_that_is_not_utf8_text_is_refused_in_one_line(tmp_path, args):
    assert _mieux_bytes(tmp_path, b"--db", b"c.json", b"list").returncode == 0
    before = read_bytes(tmp_path / "c.json")
    result = _mieux_bytes(tmp_path, b"--db", b"c.json", *args)
    option = args[args.index(next(a for a in args if b"\xe9" in a)) - 1].decode()
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == (f"Error: The value of {option} is not UTF-8 text (it holds the byte 0xe9). "
                                      "Give it as UTF-8: only file names may hold other bytes.\n")
    assert read_bytes(tmp_path / "c.json") == before


def test_an_export_replaces_a_named_pipe_or_a_device_in_its_folder_without_reading_it(tmp_path):
    facts = tmp_path / "out" / "facts"
    facts.mkdir(parents=True)
    os.mkfifo(facts / "fct-lac-regional-integration.yaml")
    (facts / "fct-mx-leading-gcm-negotiations.yaml").symlink_to("/dev/zero")
    result = _mieux(tmp_path, "--db", "c.json", "export", "--output", "out")
    assert (result.returncode, result.stderr.splitlines()[-1]) == (0, "Exported 24 records to out/: 24 files written, 0 unchanged.")
    for name in ("fct-lac-regional-integration.yaml", "fct-mx-leading-gcm-negotiations.yaml"):
        path = facts / name
        assert path.is_file() and not path.is_symlink()
        assert path.read_text().startswith(f"id: {name.removesuffix('.yaml')}\n")
