"""The shape of the code, kept by tests: the import contracts of pyproject.toml hold (and an upward
import breaks them), only the cli's output module prints, every module says what it is for, no
module grows past 500 lines without a reason, and ruff finds nothing."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mieux_cli"
# Modules allowed past 500 lines, and why.
LONG_MODULES: dict[str, str] = {
    "model/vocab.py": "the vocabularies are tables, one after another, with the one class that reads them all; "
                      "split, a look-up would cross modules for no gain",
}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


# lint-imports, finding the package on PYTHONPATH first: an editable install's finder would
# otherwise give it the working tree's copy whatever the path says.
LINT = """
import sys
sys.meta_path = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
from importlinter.cli import lint_imports_command
lint_imports_command()
"""


def lint_imports(source_root: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts (pyproject.toml), over the package found at `source_root`."""
    return subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=source_root, env={"PYTHONPATH": str(source_root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("model/records.py", "from mieux_cli.cli import output", "mieux_cli.model is not allowed to import mieux_cli.cli"),
    ("storage/history.py", "    from mieux_cli.queries import memory  # inside a function, as start-up speed asks",
     "mieux_cli.storage is not allowed to import mieux_cli.queries"),
    ("queries/summary.py", "from rich import print", "mieux_cli.queries is not allowed to import rich"),
    ("model/vocab.py", "import sqlite3", "mieux_cli.model is not allowed to import sqlite3"),
    ("storage/files.py", "from mieux_cli.storage import history", "No import cycles"),
], ids=["upward", "upward inside a function", "rich outside the cli", "a database in the model", "a cycle"])
def test_an_import_against_the_contracts_breaks_them(tmp_path, module, line, broken):
    copy = tmp_path / "mieux_cli"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    text = target.read_text()
    if line.startswith("    "):  # inside a function
        text += f"\n\ndef _added():\n{line}\n"
    else:
        lines = text.split("\n")
        first_import = next(node for node in ast.parse(text).body if isinstance(node, ast.Import | ast.ImportFrom))
        lines.insert(first_import.lineno - 1, line)
        text = "\n".join(lines)
    target.write_text(text)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert broken in result.stdout, result.stdout


def _prints(tree: ast.AST) -> list[str]:
    """The calls in a module that write to the terminal themselves."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "print":
            found.append(f"print() at line {node.lineno}")
        elif isinstance(func, ast.Attribute):
            owner = ast.unparse(func.value)
            if (owner, func.attr) in (("typer", "echo"), ("typer", "secho"), ("sys.stdout", "write"), ("sys.stderr", "write")):
                found.append(f"{owner}.{func.attr}() at line {node.lineno}")
    return found


def test_only_the_cli_s_output_module_prints():
    """Everything else returns text, or writes files; cli/output.py (and the pager it hands long
    output to) writes to the terminal."""
    allowed = {PACKAGE / "cli" / "output.py", PACKAGE / "cli" / "pager.py"}
    printing = {str(p.relative_to(ROOT)): calls for p in modules() if p not in allowed
                if (calls := _prints(ast.parse(p.read_text())))}
    assert printing == {}


def test_every_module_says_what_it_is_for():
    missing = [str(p.relative_to(ROOT)) for p in modules() if p.stat().st_size and not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


def test_no_module_passes_500_lines_without_a_reason():
    long = {str(p.relative_to(PACKAGE)): n for p in modules() if (n := len(p.read_text().splitlines())) > 500}
    assert set(long) <= set(LONG_MODULES), long


def test_every_package_of_the_tree_is_installed():
    """pyproject.toml lists the packages setuptools installs: one left out is missing from every
    install but an editable one (the IATI package was)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parent.parts) for p in PACKAGE.rglob("__init__.py") if "__pycache__" not in p.parts}
    assert found - listed == set()


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install '.[test]' installs it)")
    result = subprocess.run([ruff, "check", "mieux_cli", "tests"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
