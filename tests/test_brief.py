"""Briefs: golden files for the shipped catalogue (each read against the seed article before it
was committed), wrapping, templates, the empty scope, and hostile record text.

To re-create a golden file after an intended change, run the command in BRIEFS with
`--date 2026-11-28`, read the result against the article again, and update its review note
(brief-NAME.review.md): the claims and passages it lists, and the sha256 of each file it reviewed.
A golden whose hash is not in its note fails the test: no golden changes without a review."""

import json
from pathlib import Path

import pytest
from conftest import add_records

from mieux_cli.model.display import date_words
from mieux_cli.storage.catalogue_file import Store

GOLDEN = Path(__file__).parent / "golden"
BRIEFS = {
    "lac": ["--region", "LAC"],
    "mexico-city-roundtable": ["evt-2018-mexico-city-roundtable"],
    "cotonou-roundtable": ["evt-2018-cotonou-roundtable"],
    "costa-rica": ["--country", "costa rica"],
    "united-states": ["--country", "United States"],
    "trafficking": ["--theme", "IMT"],
    "dominican-republic": ["--country", "Dominican Republic"],
}


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("markdown", "md")])
@pytest.mark.parametrize("name", sorted(BRIEFS))
def test_briefs_of_the_shipped_catalogue_match_their_golden_files(cli, name, fmt, suffix):
    result = cli("brief", *BRIEFS[name], "--format", fmt, "--date", "2026-11-28")
    assert result.exit_code == 0, result.output
    assert result.stdout == (GOLDEN / f"brief-{name}.{suffix}").read_text(encoding="utf-8")


def test_the_same_catalogue_gives_the_same_brief_dated_by_its_last_change(cli):
    first, second = cli("brief", "--region", "LAC").stdout, cli("brief", "--region", "LAC").stdout
    assert first == second
    changed = Store(cli.db).load().changed[:10]
    assert f"Sources dated up to 2018; compiled {date_words(changed)}.\n" in first


@pytest.mark.parametrize("width", [50, 72, 100])
def test_text_briefs_wrap_to_the_width(cli, width):
    text = cli("brief", "--region", "LAC", "--width", str(width)).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) > width - 10  # the width is used ...
    assert all(len(line) <= width or len(line.split()) == 1 for line in lines)  # ... and kept


@pytest.mark.parametrize("name", sorted(BRIEFS))
def test_each_golden_brief_has_a_review_note_that_names_its_exact_content(name):
    import hashlib

    note = (GOLDEN / f"brief-{name}.review.md").read_text(encoding="utf-8")
    assert "| claim | article |" in note  # the claims, each with the passage it rests on
    for suffix in ("txt", "md"):
        path = GOLDEN / f"brief-{name}.{suffix}"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"`{path.name}` sha256 {digest}" in note, f"{path.name} changed without its review note"


def test_an_empty_scope_is_an_error_with_the_nearest_filter_that_has_records(cli):
    result = cli("brief", "--region", "LAC", "--year", "2030")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: No records in this scope: there is nothing to brief on. Without --year there would be 21 records.\n"
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


def test_a_country_brief_lists_what_the_country_only_took_part_in_apart(cli):
    text = cli("brief", "--country", "United States", "--width", "200").stdout
    assert "This brief covers what the MIEUX catalogue holds about the United States." in text
    assert "No action, good practice or event is about the United States" in text
    took_part = text.split("THE UNITED STATES TOOK PART IN", 1)[1]
    assert "act-mx-unaccompanied-children), an action in Mexico." in took_part
    assert "ACTIONS" not in text and "GOOD PRACTICES" not in text


def test_key_figures_count_the_records_about_the_scope_by_their_own_fields(cli):
    costa_rica = cli("brief", "--country", "costa rica", "--width", "200").stdout
    figures = costa_rica.split("KEY FIGURES", 1)[1].split("ACTIONS", 1)[0]
    assert "- Thematic areas: Legal Migration and Mobility and Horizontal Interventions.\n" in figures
    assert "- Years: none given (3 records).\n" in figures  # none of Costa Rica's records has a date of its own
    assert ("(evt-2018-mexico-city-roundtable), an event in Mexico City (Mexico), July 2018"
            in costa_rica.split("COSTA RICA TOOK PART IN")[1])
    lac = cli("brief", "--region", "LAC", "--width", "200").stdout.split("KEY FIGURES", 1)[1].split("ACTIONS", 1)[0]
    assert "- Countries where the work was: Costa Rica, the Dominican Republic and Mexico (3 give none).\n" in lac
    assert ("- Countries that took part: Argentina, Costa Rica, the Dominican Republic, El Salvador, Guatemala, "
            "Honduras, Mexico, Paraguay, Peru and the United States.\n") in lac


def test_statuses_read_with_their_date_and_a_planned_event_as_planned(cli):
    lac = cli("brief", "--region", "LAC", "--width", "200").stdout
    assert "(act-mx-unaccompanied-children), ongoing as of 2018." in lac
    cotonou = cli("brief", "evt-2018-cotonou-roundtable").stdout
    assert "It was to take place in October 2018 (planned as of 2018)." in cotonou  # compiled after October 2018
    assert "WHO WAS TO TAKE PART\n\n  The sources name no hosts or participants." in cotonou
    assert "WHAT WAS PLANNED" in cotonou and "WHAT HAPPENED" not in cotonou
    before = cli("brief", "evt-2018-cotonou-roundtable", "--date", "2018-09-01").stdout
    assert "It is to take place in October 2018 (planned as of 2018)." in before
    assert "WHO IS TO TAKE PART" in before and "WHAT IS PLANNED" in before


def test_markdown_briefs_keep_paragraphs_apart_and_link_sources(cli):
    add_records(cli.db, {"id": "act-linked", "kind": "action", "title": "Linked", "summary": "S", "countries": ["GH"],
                         "sources": [{"title": "A page", "publisher": "MIEUX", "url": "https://example.org/a_(b)"}]})
    text = cli("brief", "act-linked", "--format", "markdown").stdout
    assert "and the records linked to it.\n\n*Sources dated up to" not in text  # its source has no date
    assert "and the records linked to it.\n\n*The sources give no dates; compiled " in text
    assert "1. [A page](<https://example.org/a_%28b%29>). MIEUX.\n" in text


def _rendered(markdown: str):
    """(headings by level, paragraphs, list items, links) of a Markdown text, as CommonMark reads it."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    headings, paragraphs, items, links = [], [], [], []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            headings.append((token.tag, tokens[i + 1].content))
        elif token.type == "paragraph_open":
            inline = tokens[i + 1]
            (items if i and tokens[i - 1].type == "list_item_open" else paragraphs).append(inline.content)
            links += [child.attrs["href"] for child in inline.children or [] if child.type == "link_open"]
    return headings, paragraphs, items, links


@pytest.mark.parametrize("name", sorted(BRIEFS))
def test_golden_markdown_briefs_render_as_headings_paragraphs_and_lists(name):
    headings, paragraphs, items, _ = _rendered((GOLDEN / f"brief-{name}.md").read_text(encoding="utf-8"))
    assert [h for h in headings if h[0] == "h1"] == [headings[0]] and headings[0][1].startswith("MIEUX brief: ")
    assert ("h2", "Sources") == headings[-1]
    assert paragraphs[0].startswith("This brief ") and paragraphs[1].startswith("*Sources dated up to ")  # two paragraphs, not one
    assert all("\n" not in item or item.count("\n") < 3 for item in items)
    scope = BRIEFS[name][0].startswith("--")
    assert (("h2", "Key figures") in headings) == scope
    if scope:
        assert any(i.startswith(("In scope: ", "No action")) for i in items)


def test_markdown_sources_with_a_link_render_as_links(cli):
    add_records(cli.db, {"id": "act-linked", "kind": "action", "title": "Linked", "summary": "S", "countries": ["GH"],
                         "sources": [{"title": "A page [draft]", "url": "https://example.org/a b"}]})
    *_, links = _rendered(cli("brief", "--country", "Ghana", "--format", "markdown").stdout)
    assert links == ["https://example.org/a%20b"]


def test_the_hint_quotes_what_was_typed_so_that_it_can_be_pasted(cli):
    result = cli("brief", "act-x $(touch PWNED)", "--region", "LAC")
    assert result.stderr.endswith("Run `mieux brief 'act-x $(touch PWNED)'` alone.\n")


def test_a_brief_of_the_whole_catalogue_says_what_each_figure_counts(cli):
    whole = cli("brief", "--width", "200").stdout
    assert whole.startswith("MIEUX brief: the whole catalogue\n")
    figures = whole.split("KEY FIGURES\n\n", 1)[1].split("\n\nACTIONS", 1)[0].splitlines()
    assert figures == [
        "- In scope: 4 actions, 5 good practices and 3 events, with 12 context facts.",
        "- Countries where the work was: Costa Rica, the Dominican Republic and Mexico (5 give none).",
        ("- Countries that took part: Argentina, Costa Rica, the Dominican Republic, El Salvador, Guatemala, Honduras, "
         "Mexico, Paraguay, Peru and the United States."),
        "- Where the events took place: Bangkok (Thailand), Cotonou, Benin and Mexico City (Mexico).",
        ("- Thematic areas: Irregular Migration / Trafficking in Human Beings, Legal Migration and Mobility and "
         "Horizontal Interventions."),
        "- Years: 2017-2018 (6 give none).",
    ]


def test_a_brief_of_a_large_scope_names_the_latest_records_of_each_part_and_counts_the_rest(cli):
    from mieux_cli.briefs.scope import SECTION_MAX

    add_records(cli.db, *[{"id": f"fct-lac-many-{n:03d}", "kind": "fact", "title": f"Fact {n}", "text": f"Fact number {n}.",
                           "region": "LAC", "start": str(1990 + n % 30)} for n in range(40)])
    in_scope = json.loads(cli("list", "facts", "--region", "LAC", "--json").stdout)
    latest = sorted(in_scope, key=lambda r: (r.get("start") or "", r["id"]))[-SECTION_MAX:]
    brief = " ".join(cli("brief", "--region", "LAC", "--kind", "facts", "--date", "2026-11-28").stdout.split())
    assert brief.count("- ") == SECTION_MAX + 1  # and the one line of key figures
    added = [r for r in in_scope if r["id"].startswith("fct-lac-many-")]
    assert {r["id"] for r in added if f"- {r['text']} ({r['start']})" in brief} == {r["id"] for r in added if r in latest}
    assert len({r["id"] for r in added if r in latest}) > 10
    assert f"And {len(in_scope) - SECTION_MAX} more facts in this scope, not named here" in brief
    assert f"In scope: {len(in_scope)} facts." in brief
