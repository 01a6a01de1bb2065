import pytest

from mieux_cli.errors import UnknownValue
from mieux_cli.model import vocab


@pytest.mark.parametrize(
    "written, code",
    [
        ("Costa Rica", "CR"), ("costa rica", "CR"), ("COSTA RICA", "CR"), ("cr", "CR"), ("CRI", "CR"),
        ("México", "MX"), ("Mexico", "MX"), ("República Dominicana", "DO"), ("Lao PDR", "LA"),
        ("Cape Verde", "CV"), ("Cabo Verde", "CV"), ("Moldova", "MD"), ("DRC", "CD"),
        ("Democratic Republic of Congo", "CD"), ("Kyrgyz Republic", "KG"), ("Côte d'Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"), ("Eswatini", "SZ"), ("Swaziland", "SZ"), ("Bolivia", "BO"),
        ("Palestine", "PS"), ("Bénin", "BJ"), ("Sénégal", "SN"), ("Kosovo", "XK"), ("Viet Nam", "VN"),
    ],
)
def test_countries_resolve_from_the_names_people_write(written, code):
    assert vocab.resolve_country(written) == code


def test_a_misspelt_country_suggests_the_right_one():
    with pytest.raises(UnknownValue) as error:
        vocab.resolve_country("Costa Rika")
    assert str(error.value) == (
        "Unknown country 'Costa Rika'. Did you mean 'Costa Rica'? See `mieux vocab countries` for the list."
    )


def test_an_invented_country_is_refused_without_a_misleading_suggestion():
    with pytest.raises(UnknownValue) as error:
        vocab.resolve_country("Atlantis")
    assert str(error.value) == "Unknown country 'Atlantis'. See `mieux vocab countries` for the list."


def test_codes_and_labels_of_every_vocabulary_resolve():
    assert vocab.resolve_theme("imt") == "IMT"
    assert vocab.resolve_theme("Legal Migration and Mobility") == "LM"
    assert vocab.resolve_theme("M&D") == "MD"
    assert vocab.resolve_area("thb") == "THB"
    assert vocab.resolve_area("Trafficking in Human Beings") == "THB"
    assert vocab.resolve_region("Latin America and the Caribbean") == "LAC"
    assert vocab.resolve_gcm("10") == 10
    assert vocab.resolve_gcm("GCM 9") == 9
    assert vocab.resolve_gcm("Eradicate trafficking") == 10
    assert vocab.ACTION_STATUSES.resolve("Completed") == "completed"
    assert vocab.EVENT_STATUSES.resolve("took place") == "held"
    assert vocab.PRINCIPLES.resolve("child sensitive") == "child-sensitive"


@pytest.mark.parametrize("value", ["0", "24", "GCM 30", "-16", "+3x"])
def test_gcm_objectives_outside_1_to_23_are_refused(value):
    with pytest.raises(UnknownValue):
        vocab.resolve_gcm(value)


def test_a_negative_gcm_objective_is_refused_as_one_not_read_as_another(cli):
    """`--gcm -16` was read as objective 16."""
    result = cli("list", "--gcm", "-16")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", (
        "Error: There is no GCM objective '-16': they are numbered 1 to 23. See `mieux vocab gcm` for the list.\n"))


def test_the_vocabularies_are_complete():
    assert list(vocab.THEMES) == ["IMT", "LM", "IP", "MD", "HO"]
    assert list(vocab.REGIONS) == ["WCA", "ESA", "ASIA", "EN", "LAC"]
    assert sorted(vocab.GCM) == list(range(1, 24))
    assert len(vocab.PRINCIPLES.entries) == 10
    assert len(vocab.AREAS.entries) == 20
    assert all(vocab.AREA_PILLARS[area] in vocab.THEMES for area in vocab.AREAS)
    assert list(vocab.ACTION_STATUSES) == ["planned", "ongoing", "suspended", "completed", "cancelled", "unknown"]
    assert list(vocab.EVENT_STATUSES) == ["planned", "held", "cancelled", "unknown"]


@pytest.mark.parametrize("written, code", [
    ("IMT - Return and Re-admission", "RET"), ("M&D - Diaspora affairs", "DIA"), ("HO - Data Management", "DAT"),
    ("Gestion des données", "DAT"), ("Trata de personas", "THB"), ("Traite des êtres humains", "THB"),
    ("Gestión integrada de fronteras", "IBM"), ("Consular affairs and crisis management", "CON"),
    ("communication and awareness raising", "COM"), ("Integrated Border Management", "IBM"),
])
def test_areas_take_mieux_notation_and_french_and_spanish_labels(written, code):
    assert vocab.resolve_area(written) == code


@pytest.mark.parametrize("written, code", [
    ("Vecindad Europea", "EN"), ("Voisinage européen", "EN"), ("América Latina y el Caribe", "LAC"),
    ("Afrique de l'Ouest et centrale", "WCA"), ("Asie", "ASIA"),
])
def test_regions_take_french_and_spanish_names(written, code):
    assert vocab.resolve_region(written) == code


@pytest.mark.parametrize("written, code", [
    ("Migración irregular / Trata de personas", "IMT"), ("Migration légale et mobilité", "LM"), ("M&D", "MD"),
    ("Interventions horizontales", "HO"),
])
def test_themes_take_french_and_spanish_names(written, code):
    assert vocab.resolve_theme(written) == code


def test_a_misspelt_notation_still_gets_a_did_you_mean():
    with pytest.raises(UnknownValue, match="Did you mean 'THB'"):
        vocab.resolve_area("Trata de persona")


@pytest.mark.parametrize("code, name", [
    ("CD", "Democratic Republic of the Congo"), ("VE", "Venezuela"), ("BO", "Bolivia"), ("PS", "Palestine"),
    ("FM", "Micronesia"), ("VG", "British Virgin Islands"), ("IR", "Iran"), ("TZ", "Tanzania"),
])
def test_countries_have_the_short_names_people_write(code, name):
    assert vocab.country_name(code) == name
    assert vocab.resolve_country(name) == code


def test_no_country_name_is_in_iso_s_inverted_form():
    assert [c["name"] for c in vocab.countries().values() if ", " in c["name"]] == []


def test_regions_are_derived_from_countries():
    assert vocab.derive_region(["CR"]) == "LAC"
    assert vocab.derive_region(["SV", "GT", "HN", "MX", "US"]) == "LAC"  # the US has no MIEUX region
    assert vocab.derive_region(["JO", "BY"]) == "EN"  # Western Asia and Eastern Europe alike
    assert vocab.derive_region(["BJ", "KE"]) is None  # a tie is left for the record to set
    assert vocab.derive_region(["FR"]) is None


def test_regional_bodies_are_recognised_as_not_countries():
    assert vocab.regional_body("ecowas") == "ECOWAS"
    assert vocab.regional_body("Ibero-American Network of Public Prosecutors") is not None
    assert vocab.regional_body("Costa Rica") is None
