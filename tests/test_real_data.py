"""Real data in and out: IATI files as publishers write them (the seven real files in
../shared/reference/iati/real/, read as they are), imports that keep curated work, IATI exports
that publish only our own activities and pass IATI's rules, and spreadsheets from Excel."""

import json
from pathlib import Path

import pytest
from conftest import add_records

from mieux_cli.model import vocab

REAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "iati" / "real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"the real IATI files are not here ({REAL})")


def real(name: str) -> str:
    return str(REAL / name)


# -- 1. a country code is a country ------------------------------------------------------------------

def test_no_regional_body_is_named_by_a_code_or_a_name_iso_gives_a_country():
    """'AU' was read as the African Union before ISO 3166 was consulted."""
    index = vocab._country_index()
    clashes = [name for name in vocab.REGIONAL_BODIES if name in index]
    assert clashes == []


def test_au_is_australia_everywhere(cli):
    assert vocab.COUNTRIES.resolve("AU") == "AU" and vocab.COUNTRIES.resolve("aus") == "AU"
    add_records(cli.db, {"id": "act-au", "kind": "action", "title": "Down under", "summary": "S", "countries": ["GH"]})
    assert cli("edit", "act-au", "--set", "countries=Australia").exit_code == 0
    assert [line.split()[0] for line in cli("list", "--country", "AU").stdout.splitlines()[1:]] == ["act-au"]
    result = cli("add", "fact", "--title", "T", "--text", "T", "--country", "African Union", "--no-input",
                 "--source", "N")
    assert result.exit_code == 2 and "'African Union' is a regional body, not a country" in result.stderr


@needs_real
def test_the_iom_file_imports_whole_with_its_activities_in_australia(cli):
    result = cli("import", real("iom-577-2.03.xml"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Added 577, changed 0, unchanged 0.")
    assert len(json.loads(cli("list", "--country", "AU", "--json").stdout)) == 5
