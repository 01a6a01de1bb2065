"""The README's examples, run as a user would run them.

Every ```console block of README.md is a session: each line starting with `$ ` is a command run
by bash, and the lines after it, up to the next command, are what it prints (standard output and
standard error, as a terminal shows them when piped). A line `...` stands for any number of lines;
blank lines before the next command only separate the two.

Each session starts from a fresh catalogue (the shipped one, already created) in a fresh home
folder, as the user alice, in UTC. What a session needs first is said in an HTML comment just
before its block, which readers of the rendered README do not see:

    <!-- example
    set-up: |
      mieux export --output catalogue/
    input: |
      the lines typed at the prompts
    -->

`set-up` runs in bash before the session ($REPO is the repository); `input` is standard input.

Dates and times that come from the clock (history times, "Data as of", backup names) are compared
as placeholders, and the temporary home folder is shown as /home/alice.

`python tests/readme_examples.py` rewrites the README's outputs from real runs (keeping any
output with `...` that still matches); tests/test_readme.py fails when one no longer matches.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
HOME = "/home/alice"
ELLIPSIS = "..."
CLOCK = [  # output that depends on when it runs
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"), "<time>"),
    (re.compile(r"compiled \d{1,2} [A-Z][a-z]+ \d{4}"), "compiled <date>"),
    (re.compile(r"\d{8}T\d{12}Z"), "<backup time>"),
]


@dataclass
class Command:
    line: int  # in README.md, from 1
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Example:
    line: int  # of the block's opening fence
    set_up: str = ""
    input: str | None = None
    commands: list[Command] = field(default_factory=list)


def examples(text: str) -> list[Example]:
    lines = text.splitlines()
    found: list[Example] = []
    comment: dict = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("<!-- example"):
            end = next(i for i in range(index, len(lines)) if lines[i].rstrip().endswith("-->"))
            comment = yaml.safe_load("\n".join(lines[index + 1:end])) or {}
            index = end + 1
            continue
        if line.strip() == "```console":
            example = Example(index + 1, comment.get("set-up", ""), comment.get("input"))
            index += 1
            while lines[index].strip() != "```":
                if lines[index].startswith("$ "):
                    example.commands.append(Command(index + 1, lines[index][2:]))
                elif not example.commands:
                    raise ValueError(f"README.md:{index + 1}: output before the first command of its block")
                else:
                    example.commands[-1].expected.append(lines[index])
                index += 1
            for command in example.commands:  # blank lines between commands only separate them
                while command.expected and not command.expected[-1].strip():
                    command.expected.pop()
            found.append(example)
        if line.strip():
            comment = {}
        index += 1
    return found


def _template_home() -> Path:
    """A home folder whose catalogue was created from the shipped one, made once and copied."""
    if _template_home.path is None:
        home = Path(tempfile.mkdtemp(prefix="mieux-readme-")) / "home"
        home.mkdir()
        made = subprocess.run(["bash", "-c", "mieux list"], env=_environment(home), cwd=home,
                              capture_output=True, text=True, check=False)
        if made.returncode != 0:
            raise RuntimeError(f"`mieux list` in a new home folder failed:\n{made.stderr}")
        _template_home.path = home
    return _template_home.path


_template_home.path = None


def _environment(home: Path) -> dict[str, str]:
    bin_folder = home.parent / "bin"
    # `mieux` is mieux as installed in the Python running the tests (editable or not): the source
    # tree alone lacks the shipped catalogue, which is package data mapped from catalogue/.
    if not bin_folder.exists():
        bin_folder.mkdir()
        shim = bin_folder / "mieux"
        shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m mieux_cli "$@"\n')
        shim.chmod(0o755)
    return {
        "PATH": f"{bin_folder}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LOGNAME": "alice",
        "USER": "alice",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONUNBUFFERED": "1",  # standard output and error interleave as they were written
        "REPO": str(REPO),
    }


def run(example: Example, scratch: Path) -> list[list[str]]:
    """What each command of the example prints, with the home folder shown as /home/alice."""
    home = scratch / "home"
    shutil.copytree(_template_home(), home, symlinks=True)
    env = _environment(home)
    # A copied catalogue is another file to its index (index.file_identity): one read makes the
    # index again, as it stood after the read that made the template.
    subprocess.run(["bash", "-c", "mieux list"], env=env, cwd=home, capture_output=True, check=True)
    if example.set_up:
        subprocess.run(["bash", "-e", "-c", example.set_up], env=env, cwd=home, capture_output=True, check=True)
    outputs = []
    status = 0
    for command in example.commands:
        result = subprocess.run(["bash", "-c", f"(exit {status}); {command.text}"], env=env, cwd=home,
                                input=(example.input or "").encode(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, check=False)
        status = result.returncode
        text = result.stdout.decode("utf-8", "backslashreplace").replace(str(home), HOME)
        outputs.append([line.rstrip() for line in text.splitlines()])
    return outputs


def _unclocked(line: str) -> str:
    for pattern, placeholder in CLOCK:
        line = pattern.sub(placeholder, line)
    return line.rstrip()


def matches(expected: list[str], actual: list[str]) -> bool:
    pattern = "".join(r"(?:.*\n)*?" if line.strip() == ELLIPSIS else re.escape(_unclocked(line)) + r"\n"
                      for line in expected)
    return re.fullmatch(pattern, "".join(_unclocked(line) + "\n" for line in actual)) is not None


def update(text: str) -> tuple[str, list[str]]:
    """The README with every output that no longer matches replaced by the real one; and the
    commands whose output has `...` and no longer matches, to fix by hand."""
    lines = text.splitlines()
    replacements = []
    by_hand = []
    with tempfile.TemporaryDirectory() as scratch:
        for number, example in enumerate(examples(text)):
            outputs = run(example, Path(scratch) / str(number))
            for command, actual in zip(example.commands, outputs, strict=True):
                if matches(command.expected, actual):
                    continue
                if ELLIPSIS in (line.strip() for line in command.expected):
                    by_hand.append(f"README.md:{command.line}: $ {command.text}")
                else:
                    replacements.append((command, actual))
    for command, actual in reversed(replacements):  # from the end, so that line numbers hold
        lines[command.line:command.line + len(command.expected)] = actual  # the output follows its command
    return "\n".join(lines) + "\n", by_hand


if __name__ == "__main__":
    os.chdir(REPO)
    new_text, to_fix = update(README.read_text(encoding="utf-8"))
    README.write_text(new_text, encoding="utf-8")
    for place in to_fix:
        print(f"{place}: the output no longer matches and has '...': fix it by hand", file=sys.stderr)
