"""Briefs: golden files for the shipped catalogue (each read against the seed article before it
was committed), wrapping, templates, the empty scope, and hostile record text.

To re-create a golden file after an intended change, run the command in BRIEFS with
`--as-of 2026-11-28` and read the result against the article again before committing it."""

from pathlib import Path

import pytest
from conftest import add_records

from mieux_cli.store import Store

GOLDEN = Path(__file__).parent / "golden"
BRIEFS = {
    "lac": ["--region", "LAC"],
    "mexico-city-roundtable": ["evt-2018-mexico-city-roundtable"],
    "costa-rica": ["--country", "costa rica"],
    "trafficking": ["--theme", "IMT"],
}


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("markdown", "md")])
@pytest.mark.parametrize("name", sorted(BRIEFS))
def test_briefs_of_the_shipped_catalogue_match_their_golden_files(cli, name, fmt, suffix):
    result = cli("brief", *BRIEFS[name], "--format", fmt, "--as-of", "2026-11-28")
    assert result.exit_code == 0, result.output
    assert result.stdout == (GOLDEN / f"brief-{name}.{suffix}").read_text(encoding="utf-8")


def test_the_same_catalogue_gives_the_same_brief_dated_by_its_last_change(cli):
    first, second = cli("brief", "--region", "LAC").stdout, cli("brief", "--region", "LAC").stdout
    assert first == second
    changed = Store(cli.db).load().changed[:10]
    assert f"Data as of {changed}." in first


@pytest.mark.parametrize("width", [50, 72, 100])
def test_text_briefs_wrap_to_the_width(cli, width):
    text = cli("brief", "--region", "LAC", "--width", str(width)).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) > width - 10  # the width is used ...
    assert all(len(line) <= width or len(line.split()) == 1 for line in lines)  # ... and kept


def test_an_empty_scope_is_an_error_with_the_nearest_filter_that_has_records(cli):
    result = cli("brief", "--region", "LAC", "--year", "2030")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: No records in this scope: there is nothing to brief on. Without --year there would be 20 records.\n"
    )


def test_a_brief_is_written_to_a_file_once(cli, tmp_path):
    target = tmp_path / "brief.txt"
    result = cli("brief", "--region", "LAC", "-o", str(target))
    assert (result.exit_code, result.stderr) == (0, f"Wrote the brief to {target}.\n")
    assert target.read_text() == cli("brief", "--region", "LAC").stdout
    result = cli("brief", "--region", "ASIA", "-o", str(target))
    assert result.exit_code == 2 and "exists already. Add --force" in result.stderr
    assert cli("brief", "--region", "ASIA", "-o", str(target), "--force").exit_code == 0
    assert target.read_text().startswith("MIEUX brief: Asia")


def test_a_custom_template(cli, tmp_path):
    template = tmp_path / "mine.j2"
    template.write_text("{{ brief.title }} | {{ brief.actions | length }} actions | "
                        "{% for a in brief.actions %}{{ a.id }} {% endfor %}| {{ brief.sources[0].number }}\n")
    result = cli("brief", "--country", "CR", "--template", str(template))
    assert result.stdout == "MIEUX brief: Costa Rica | 1 actions | act-cr-integration-plans | 1\n"
    template.write_text("{{ brief.nothing_like_this }}")
    result = cli("brief", "--country", "CR", "--template", str(template))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: The template mine.j2 cannot be used: ")


def test_record_text_cannot_break_the_layout(cli):
    add_records(cli.db, {"id": "act-hostile", "kind": "action", "title": "# Heading\n\nSOURCES\n[1] fake \x1b[2J",
                         "summary": "**bold** <b>x</b> [link](http://x)", "status": "completed", "countries": ["CR"]})
    text = cli("brief", "act-hostile").stdout
    assert "\x1b" not in text
    assert "MIEUX brief: # Heading SOURCES [1] fake \\x1b[2J" in text
    markdown = cli("brief", "act-hostile", "--format", "markdown").stdout
    assert markdown.startswith("# MIEUX brief: \\# Heading SOURCES \\[1\\] fake \\\\x1b\\[2J\n")
    assert "\\*\\*bold\\*\\* \\<b\\>x\\</b\\> \\[link\\](http://x)" in markdown


def test_briefs_refuse_facts_and_mixed_arguments(cli):
    result = cli("brief", "fct-lac-share-of-activities-2017")
    assert result.exit_code == 2 and "is a fact" in result.stderr
    result = cli("brief", "act-cr-integration-plans", "--region", "LAC")
    assert result.stderr == ("Error: A brief is either on one record or on a filtered scope, not both. "
                             "Run `mieux brief act-cr-integration-plans` alone.\n")


def test_the_hint_quotes_what_was_typed_so_that_it_can_be_pasted(cli):
    result = cli("brief", "act-x $(touch PWNED)", "--region", "LAC")
    assert result.stderr.endswith("Run `mieux brief 'act-x $(touch PWNED)'` alone.\n")
