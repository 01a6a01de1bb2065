"""Property-based tests: random and mutated files and option values never end in a traceback.

Bad input exits 2 with errors one per line (an import lists each problem, then a summary), and
leaves the catalogue byte for byte as it was; input that happens to be valid is accepted and
leaves a catalogue that passes `mieux check`. About 2,500 cases in all, the same ones every run
(derandomized), in about a minute; MIEUX_FUZZ_SCALE=4 runs four times as many (new ones too).
"""

import json
import os
import string

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mieux_cli.checks.catalogue import check
from mieux_cli.cli.app import app
from mieux_cli.formats import csv_file, yaml_folder
from mieux_cli.model.schema import names_of as fields_of
from mieux_cli.storage.catalogue_file import Store

pytestmark = pytest.mark.slow
SCALE = int(os.environ.get("MIEUX_FUZZ_SCALE", "1"))


def fuzz(examples: int):
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])
SUMMARY_LINES = ("Nothing was imported: ", "... and ")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "catalogue.json"
    catalogue = Store(path).load()
    return path, path.read_bytes(), catalogue.records


def run(pristine, *args):
    """Run mieux on a fresh copy of the catalogue; returns (result, bytes before, bytes after)."""
    path, original, _ = pristine
    path.write_bytes(original)
    result = CliRunner().invoke(app, ["--db", str(path), *args])
    return result, original, path.read_bytes()


def assert_clean(result, before, after, allowed=(0, 2)):
    event(f"exit {result.exit_code}")  # --hypothesis-show-statistics shows how often each happened
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is the bug this test looks for
    assert result.exit_code in allowed, result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert after == before
        for line in filter(None, result.stderr.splitlines()):  # click's usage errors have a blank line
            assert line.startswith(("Error: ", "Usage:", "Try ")) or line.startswith(SUMMARY_LINES), line


def assert_valid_if_changed(pristine, before, after):
    if after != before:
        assert not check(Store(pristine[0]).load().records).errors


def import_text(pristine, tmp_path_factory, text: str, suffix: str) -> None:
    """Import `text` as a .suffix file: a clean refusal, or a catalogue that still checks."""
    path = tmp_path_factory.getbasetemp() / f"fuzz.{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result, before, after = run(pristine, "import", str(path))
    assert_clean(result, before, after)
    assert_valid_if_changed(pristine, before, after)


# Values drawn from what records hold, and from what breaks parsers.
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["CR", "costa rica", "LAC", "IMT", "THB", "10", "2017",
                                                           "2017-13", "completed", "act-cr-integration-plans", "", " "]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                      max_leaves=12)
FIELDS = sorted({f for kind in ("action", "practice", "event", "fact") for f in fields_of(kind)})
RECORDS = st.fixed_dictionaries(
    {"kind": st.sampled_from(["action", "practice", "event", "fact", "nonsense"]),
     "id": st.one_of(st.from_regex(r"\A[a-z]{3}-[a-z0-9-]{1,12}\Z"), st.text(max_size=12))},
    optional={field: VALUES for field in FIELDS if field not in ("id", "kind")}
    | {"title": st.text(max_size=40), "sources": st.just(["Fuzz"])},
)


def mutate(text: str, data) -> str:
    """A few random insertions, deletions and replacements."""
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(chars)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(list(":-[]{}&*!|>'\"#\n\t ") + ["\x00", "\ufeff", "é", "  ", "---\n"]))
        if action == "insert":
            chars.insert(at, piece)
        elif chars and at < len(chars):
            chars[at:at + 1] = [] if action == "delete" else [piece]
    return "".join(chars)


@fuzz(600)
@given(data=st.data())
def test_import_yaml(pristine, tmp_path_factory, data):
    source = data.draw(st.sampled_from(pristine[2]))
    kind = data.draw(st.sampled_from(["mutated", "generated", "text"]))
    if kind == "mutated":
        text = mutate(yaml_folder.record_text(source), data)
    elif kind == "generated":
        text = yaml.safe_dump(data.draw(st.lists(RECORDS, min_size=1, max_size=3)), allow_unicode=True)
    else:
        text = data.draw(st.text(max_size=200))
    import_text(pristine, tmp_path_factory, text, "yaml")


@fuzz(500)
@given(data=st.data())
def test_import_json(pristine, tmp_path_factory, data):
    if data.draw(st.booleans()):
        text = json.dumps(data.draw(st.lists(RECORDS, max_size=3) | RECORDS))
    else:
        text = mutate(json.dumps(data.draw(st.sampled_from(pristine[2]))), data)
    import_text(pristine, tmp_path_factory, text, "json")


@fuzz(400)
@given(data=st.data())
def test_import_csv(pristine, tmp_path_factory, data):
    if data.draw(st.booleans()):
        text = mutate(csv_file.text(data.draw(st.lists(st.sampled_from(pristine[2]), min_size=1, max_size=3))), data)
    else:
        header = data.draw(st.lists(st.sampled_from([f.name for f in csv_file.columns()] + ["x"]), min_size=1, max_size=12))
        rows = data.draw(st.lists(st.lists(st.text(alphabet=string.printable, max_size=20), max_size=14), max_size=4))
        text = "\n".join(",".join(row) for row in [header, *rows])
    import_text(pristine, tmp_path_factory, text, "csv")


@fuzz(250)
@given(records=st.lists(RECORDS, min_size=1, max_size=3))
def test_add_from(pristine, tmp_path_factory, records):
    path = tmp_path_factory.getbasetemp() / "fuzz-add.json"
    path.write_text(json.dumps(records))
    result, before, after = run(pristine, "add", "--from", str(path))
    assert_clean(result, before, after)
    assert_valid_if_changed(pristine, before, after)


OPTION_VALUES = st.one_of(st.text(max_size=20), st.sampled_from(["CR", "LAC", "IMT", "THB", "10", "2015-2018", "2015-",
                                                                   "ongoing", "0", "99", "-", "--json"]))


@fuzz(800)
@given(command=st.sampled_from(["list", "search", "brief", "summary"]),
       options=st.lists(st.tuples(st.sampled_from(["--region", "--country", "--theme", "--area", "--gcm", "--status",
                                                   "--year", "--tag"]), OPTION_VALUES), max_size=3),
       words=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=2))
def test_read_commands_with_random_options(pristine, command, options, words):
    args = [command, *(words if command == "search" else []), *(f"{flag}={value}" for flag, value in options)]
    result, before, after = run(pristine, *args)
    assert_clean(result, before, after)
    assert after == before
