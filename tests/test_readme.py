"""Every example in README.md runs and prints what the README shows (see readme_examples.py;
`python tests/readme_examples.py` brings the README up to date)."""

import difflib

import pytest
import readme_examples

TEXT = readme_examples.README.read_text(encoding="utf-8")
EXAMPLES = readme_examples.examples(TEXT)


def test_every_command_shown_in_the_readme_is_in_an_example_that_runs():
    shown = [number for number, line in enumerate(TEXT.splitlines(), 1) if line.startswith("$ ")]
    assert shown == [command.line for example in EXAMPLES for command in example.commands]
    assert len(shown) >= 30


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"README.md:{e.line}" for e in EXAMPLES])
def test_the_readme_example_prints_what_the_readme_shows(example, tmp_path):
    outputs = readme_examples.run(example, tmp_path)
    for command, actual in zip(example.commands, outputs, strict=True):
        assert readme_examples.matches(command.expected, actual), (
            f"README.md:{command.line}: $ {command.text}\n"
            + "\n".join(difflib.unified_diff(command.expected, actual, "README", "actual", lineterm=""))
            + "\nRun `python tests/readme_examples.py` to update the README, then read the diff.")
