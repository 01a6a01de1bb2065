"""Standard output and error that are closed, full, broken or cannot encode the text: a clear
line or a quiet exit, never a traceback; and a change once saved stays a success."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import add_records

from mieux_cli.storage.catalogue_file import Store

MIEUX = [sys.executable, "-m", "mieux_cli"]
EXIT_OUTPUT, EXIT_BROKEN_PIPE = 74, 141


def run(db, *args, shell_redirect="", env=None, **kwargs):
    """mieux as a shell runs it, with `shell_redirect` (e.g. '>&-') applied to its streams."""
    environment = {**os.environ, "MIEUX_DB": str(db), **(env or {})}
    command = ["sh", "-c", f'exec "$@" {shell_redirect}', "sh", *MIEUX, *args]
    return subprocess.run(command, env=environment, cwd=db.parent, capture_output=True, timeout=60, check=False, **kwargs)


def one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text and text.count("\n") == 1, text
    return text


def test_a_closed_standard_output_gives_one_line_and_exit_74(db):
    for args in (("list",), ("list", "--json"), ("show", "act-cr-integration-plans"), ("export", "--format", "csv")):
        result = run(db, *args, shell_redirect=">&-")
        assert result.returncode == EXIT_OUTPUT, (args, result.stderr)
        assert one_line(result.stderr) == "Error: Cannot write to standard output: it is closed.\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_standard_output_gives_one_line_and_exit_74(db):
    for args in (("export", "--format", "csv"), ("list",), ("summary",)):
        result = run(db, *args, shell_redirect="> /dev/full")
        assert result.returncode == EXIT_OUTPUT, (args, result.stderr)
        assert one_line(result.stderr) == "Error: Cannot write to standard output: No space left on device.\n"


def test_a_broken_pipe_exits_quietly_with_141(db):
    add_records(db, *({"id": f"fct-filler-{i}", "kind": "fact", "title": f"Filler {i}", "text": "T" * 200}
                      for i in range(300)))  # more than a pipe holds
    run(db, "edit", "fct-filler-1", "--set", "title=Changed")  # something for `history` to show
    for args in (("list",), ("list", "--json"), ("export", "--format", "csv"), ("history",)):
        process = subprocess.Popen([*MIEUX, *args], env={**os.environ, "MIEUX_DB": str(db)}, cwd=db.parent,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.close()  # the reader is gone before mieux writes, as `mieux list | head -1` can leave it
        stderr = process.stderr.read()
        assert (process.wait(timeout=60), stderr) == (EXIT_BROKEN_PIPE, b""), args


def test_the_shell_pipeline_to_head_is_quiet(db):
    add_records(db, *({"id": f"fct-filler-{i}", "kind": "fact", "title": f"Filler {i}", "text": "T"} for i in range(3000)))
    result = subprocess.run(["bash", "-c", '"$@" | head -1; exit "${PIPESTATUS[0]}"', "bash", *MIEUX, "list"],
                            env={**os.environ, "MIEUX_DB": str(db)}, cwd=db.parent, capture_output=True, timeout=60, check=False)
    assert result.stdout.startswith(b"ID ") and result.stdout.count(b"\n") == 1
    assert (result.returncode, result.stderr) == (EXIT_BROKEN_PIPE, b"")


def test_an_ascii_terminal_encoding_escapes_what_it_cannot_encode(db):
    env = {"PYTHONIOENCODING": "ascii"}
    listed = run(db, "list", env=env)
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert ' such as the "Aqu\\xed todos somos migrantes" campaign\n' in listed.stdout.decode("ascii")
    shown = run(db, "show", "prc-cr-aqui-todos-somos-migrantes", env=env)
    assert shown.returncode == 0 and "Aqu\\xed todos somos migrantes" in shown.stdout.decode("ascii")
    found = run(db, "search", "aquí", "--limit", "1", env=env)
    assert found.returncode == 0 and "*Aqu\\xed*" in found.stdout.decode("ascii")
    refused = run(db, "list", "--country", "Atlántida", env=env)
    assert refused.returncode == 2 and one_line(refused.stderr).startswith("Error: Unknown country 'Atl\\xe1ntida'.")
    unknown = run(db, "show", "prc-aquí", env=env)
    assert unknown.returncode == 2 and one_line(unknown.stderr).startswith("Error: No record with ID 'prc-aqu\\xed'.")


def test_json_and_exports_stay_exact_whatever_the_encoding(db, tmp_path):
    env = {"PYTHONIOENCODING": "ascii"}
    as_ascii = run(db, "list", "--json", env=env)
    assert as_ascii.returncode == 0 and as_ascii.stdout.isascii()
    assert json.loads(as_ascii.stdout) == json.loads(run(db, "list", "--json").stdout)
    exported = run(db, "export", "--format", "csv", env=env)
    assert exported.returncode == 0
    run(db, "export", "--format", "csv", "--output", str(tmp_path / "file.csv"))
    assert exported.stdout == (tmp_path / "file.csv").read_bytes()


def test_a_saved_change_is_a_success_even_when_its_report_cannot_be_printed(db, tmp_path):
    result = run(db, "edit", "fct-lac-regional-integration", "--set", "title=Saved", shell_redirect="2>&-")
    assert result.returncode == 0
    assert Store(db).load().by_id["fct-lac-regional-integration"]["title"] == "Saved"
    path = tmp_path / "new.json"
    for i, redirect in enumerate((">&- 2>&-", "> /dev/full 2>&-", ">&-")):
        path.write_text(json.dumps({"id": f"fct-new-{i}", "kind": "fact", "title": "New", "text": "T", "sources": ["S"]}))
        result = run(db, "import", str(path), shell_redirect=redirect)
        assert result.returncode == 0, (redirect, result.stderr)
        assert f"fct-new-{i}" in Store(db).load().by_id
