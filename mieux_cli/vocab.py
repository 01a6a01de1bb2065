"""Controlled vocabularies: thematic areas, specific areas, regions, GCM objectives and guiding
principles, statuses, expert and activity kinds, and countries (ISO 3166-1 from pycountry's
database, plus the variants people write). Every look-up accepts codes or labels in any case and
accent, and a miss raises UnknownValue with the closest known values."""

import difflib
import functools
import importlib.util
import os

import orjson

from mieux_cli.errors import UnknownValue
from mieux_cli.text import fold

THEMES = {
    "IMT": "Irregular Migration / Trafficking in Human Beings",
    "LM": "Legal Migration and Mobility",
    "IP": "International Protection and Asylum Policy",
    "MD": "Migration and Development",
    "HO": "Horizontal Interventions",
}

# Specific areas: code -> (pillar, label). An Action's areas may sit in another pillar than its theme.
AREAS = {
    "THB": ("IMT", "Trafficking in Human Beings"),
    "IRR": ("IMT", "Irregular Migration"),
    "SOM": ("IMT", "Migrant Smuggling"),
    "RET": ("IMT", "Return and Re-admission"),
    "LAB": ("LM", "Labour Migration"),
    "INT": ("LM", "Integration issues"),
    "ASY": ("IP", "International Protection and Asylum Policy"),
    "DIA": ("MD", "Diaspora affairs"),
    "MAD": ("MD", "Migration & Development"),
    "LEG": ("HO", "Migration Legislation"),
    "HEA": ("HO", "Migration and Health"),
    "TRN": ("HO", "Training Capacities Development"),
    "CHI": ("HO", "Children in Migration"),
    "CLI": ("HO", "Climate Change, Environmental Degradation"),
    "HR": ("HO", "Human Rights"),
    "DAT": ("HO", "Data Management"),
    "POL": ("HO", "Migration Policy / Strategy Development"),
}

REGIONS = {
    "WCA": "Western and Central Africa",
    "ESA": "Eastern and Southern Africa",
    "ASIA": "Asia (Central, South and South-East)",
    "EN": "European Neighbourhood (East and South)",
    "LAC": "Latin America and the Caribbean",
}

# Which MIEUX region a country belongs to, for deriving a record's region from its countries.
# Built from the UN M49 sub-regions that make up each MIEUX region; countries outside all five
# (the EU, North America, the Gulf, Oceania) have none.
_REGION_MEMBERS = {
    "LAC": "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GT GY HN HT JM KN "
    "KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI",
    "WCA": "AO BF BJ CD CF CG CI CM CV GA GH GM GN GQ GW LR ML MR NE NG SH SL SN ST TD TG",
    "ESA": "BI BW DJ ER ET KE KM LS MG MU MW MZ NA RE RW SC SD SO SS SZ TZ UG YT ZA ZM ZW",
    "ASIA": "AF BD BN BT CN HK ID IN IR JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK SG TH TJ TL "
    "TM TW UZ VN",
    "EN": "AM AZ BY DZ EG GE IL JO LB LY MA MD PS SY TN UA",
}
COUNTRY_REGION = {code: region for region, codes in _REGION_MEMBERS.items() for code in codes.split()}

GCM_OBJECTIVES = {
    1: "Data",
    2: "Minimize adverse drivers",
    3: "Information provision",
    4: "Legal identity and documentation",
    5: "Regular pathways",
    6: "Recruitment and decent work",
    7: "Reduce vulnerabilities",
    8: "Save lives",
    9: "Counter smuggling",
    10: "Eradicate trafficking",
    11: "Manage borders",
    12: "Screening and referral",
    13: "Alternatives to detention",
    14: "Consular protection",
    15: "Access to basic services",
    16: "Inclusion and social cohesion",
    17: "Eliminate discrimination",
    18: "Skills development and recognition",
    19: "Migrant and diaspora contributions",
    20: "Remittances",
    21: "Dignified return and reintegration",
    22: "Social protection",
    23: "International cooperation",
}

PRINCIPLES = {
    "people-centred": "People-centred",
    "international-cooperation": "International cooperation",
    "national-sovereignty": "National sovereignty",
    "rule-of-law": "Rule of law and due process",
    "sustainable-development": "Sustainable development",
    "human-rights": "Human rights",
    "gender-responsive": "Gender-responsive",
    "child-sensitive": "Child-sensitive",
    "whole-of-government": "Whole-of-government approach",
    "whole-of-society": "Whole-of-society approach",
}

STATUSES = {"planned": "Planned", "ongoing": "Ongoing", "completed": "Completed"}

EXPERT_KINDS = {
    k: k.capitalize()
    for k in ("public official", "ngo", "academia", "private sector", "eu agency", "international organisation")
}

ACTIVITY_KINDS = {
    k: k.capitalize()
    for k in (
        "identification mission", "on-site mission", "seminar", "workshop", "training of trainers",
        "study visit", "knowledge exchange", "high-level dialogue", "online survey", "consultations",
        "restitution workshop", "webinar", "simulation exercise", "drafting sessions",
        "tailor-made course", "other",
    )
}

# Names people write that ISO 3166-1's English names do not cover (folded form -> alpha-2).
COUNTRY_ALIASES = {
    "lao pdr": "LA", "cape verde": "CV", "drc": "CD", "dr congo": "CD",
    "democratic republic of congo": "CD", "democratic republic of the congo": "CD",
    "congo kinshasa": "CD", "congo brazzaville": "CG", "republic of the congo": "CG",
    "kyrgyz republic": "KG", "ivory coast": "CI", "swaziland": "SZ", "palestine": "PS",
    "usa": "US", "united states of america": "US", "uk": "GB", "great britain": "GB",
    "turkey": "TR", "czech republic": "CZ", "the gambia": "GM", "burma": "MM",
    "east timor": "TL", "macedonia": "MK", "kosovo": "XK",
    # Spanish and French spellings seen in sources
    "republica dominicana": "DO", "brasil": "BR", "espana": "ES", "haiti": "HT", "peru": "PE",
    "panama": "PA", "mexique": "MX", "espagne": "ES", "maroc": "MA", "tunisie": "TN",
    "algerie": "DZ", "egypte": "EG", "cameroun": "CM", "tchad": "TD", "guinee": "GN",
    "cote divoire": "CI", "republique democratique du congo": "CD", "etats unis": "US",
    "estados unidos": "US", "allemagne": "DE", "alemania": "DE", "italie": "IT", "belgique": "BE",
    "pays bas": "NL", "paises bajos": "NL", "suede": "SE", "suecia": "SE", "grece": "GR",
    "grecia": "GR", "francia": "FR", "mauritanie": "MR", "senegal": "SN", "benin": "BJ",
}

# Kosovo is not in ISO 3166-1; XK is the user-assigned code everyone uses.
_EXTRA_COUNTRIES = [{"alpha_2": "XK", "alpha_3": "XKX", "name": "Kosovo"}]


@functools.cache
def countries() -> dict[str, dict]:
    """alpha-2 -> {alpha_2, alpha_3, name}. Reads pycountry's ISO 3166-1 database file directly:
    importing the pycountry package costs ~80 ms of importlib.metadata, the file ~2 ms."""
    spec = importlib.util.find_spec("pycountry")
    path = os.path.join(spec.submodule_search_locations[0], "databases", "iso3166-1.json")
    with open(path, "rb") as f:
        entries = orjson.loads(f.read())["3166-1"] + _EXTRA_COUNTRIES
    return {
        e["alpha_2"]: {
            "alpha_2": e["alpha_2"],
            "alpha_3": e["alpha_3"],
            "name": e.get("common_name", e["name"]),
            "names": [e[k] for k in ("name", "common_name", "official_name") if k in e],
        }
        for e in entries
    }


@functools.cache
def _country_index() -> dict[str, str]:
    index = {}
    for code, entry in countries().items():
        for name in entry["names"]:
            index[fold(name)] = code
            # "Bolivia, Plurinational State of" is also written "Bolivia"
            index.setdefault(fold(name.split(",")[0]), code)
        index[code.lower()] = code
        index[entry["alpha_3"].lower()] = code
    index.update(COUNTRY_ALIASES)
    return index


def country_name(code: str) -> str:
    entry = countries().get(code)
    return entry["name"] if entry else code


def region_name(code: str | None) -> str:
    return REGIONS.get(code, code or "")


def unknown_value(value: str, choices: dict[str, str], what: str, listing: str) -> UnknownValue:
    """An UnknownValue for `value`, suggesting the closest keys of `choices` (folded -> display)."""
    folded = fold(value)
    # Short codes differ by one letter in a third of their length ('IMX' for 'IMT').
    close = difflib.get_close_matches(folded, list(choices), n=3, cutoff=0.6 if len(folded) <= 4 else 0.75)
    names = list(dict.fromkeys(choices[c] for c in close))
    hint = ("Did you mean " + " or ".join(f"'{n}'" for n in names) + "? ") if names else ""
    return UnknownValue(f"Unknown {what} '{value}'.", f"{hint}See `mieux vocab {listing}` for the list.")


def resolve_country(value: str) -> str:
    """A country name, alpha-2 or alpha-3 code, any case or accent -> alpha-2."""
    if value in countries():  # already a code, as stored records and exports have it
        return value
    index = _country_index()
    code = index.get(fold(value))
    if code is None:
        raise unknown_value(value, {k: country_name(v) for k, v in index.items() if len(k) > 3}, "country", "countries")
    return code


_LOOKUPS: dict[str, dict] = {}  # vocabulary -> {folded code or label: code}, built once


def _resolve_coded(value: str, table: dict, what: str, listing: str, label_of=lambda v: v) -> str:
    """A code or label of `table` (code -> label) -> the code."""
    if value in table:  # already a code, as stored records and exports have it
        return value
    lookup = _LOOKUPS.get(what)
    if lookup is None:
        lookup = _LOOKUPS[what] = {}
        for code, label in table.items():
            lookup[fold(str(code))] = code
            lookup[fold(label_of(label))] = code
    code = lookup.get(fold(str(value)))
    if code is None:
        raise unknown_value(str(value), {k: str(v) for k, v in lookup.items()}, what, listing)
    return code


def resolve_theme(value: str) -> str:
    if fold(value) == "m d":  # "M&D", as the MIEUX pages write it
        return "MD"
    return _resolve_coded(value, THEMES, "thematic area", "themes")


def resolve_area(value: str) -> str:
    return _resolve_coded(value, AREAS, "specific area", "areas", label_of=lambda v: v[1])


def resolve_region(value: str) -> str:
    return _resolve_coded(value, REGIONS, "region", "regions")


def resolve_status(value: str) -> str:
    return _resolve_coded(value, STATUSES, "status", "statuses")


def resolve_principle(value: str) -> str:
    return _resolve_coded(value, PRINCIPLES, "guiding principle", "principles")


def resolve_expert_kind(value: str) -> str:
    return _resolve_coded(value, EXPERT_KINDS, "expert kind", "experts")


def resolve_activity_kind(value: str) -> str:
    return _resolve_coded(value, ACTIVITY_KINDS, "activity kind", "activities")


def resolve_gcm(value) -> int:
    """A GCM objective number (10, "10", "GCM10", "objective 10") or label ("Eradicate trafficking")."""
    text = fold(str(value)).replace("gcm", "").replace("objective", "").strip()
    if text.isdigit() and 1 <= int(text) <= 23:
        return int(text)
    return _resolve_coded(str(value), GCM_OBJECTIVES, "GCM objective", "gcm")


def derive_region(country_codes: list[str]) -> str | None:
    """The MIEUX region most of the countries belong to; None when none or a tie."""
    counts: dict[str, int] = {}
    for code in country_codes:
        region = COUNTRY_REGION.get(code)
        if region:
            counts[region] = counts.get(region, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


# Regional bodies and other partners that are not countries: named as partners, never as countries.
REGIONAL_BODIES = {
    fold(name): name
    for name in (
        "ECOWAS", "COMESA", "SICA", "MIRPS", "AIAMP", "Ibero-American Network of Public Prosecutors",
        "Ibero-American Network of Public Prosecutors on Trafficking in Persons", "REDTRAM",
        "Global", "European Union", "EU", "African Union", "AU", "ASEAN", "MERCOSUR", "IGAD",
        "EAC", "SADC", "CARICOM", "ECCAS", "Puebla Process", "Rabat Process", "Khartoum Process",
    )
}


def regional_body(value: str) -> str | None:
    return REGIONAL_BODIES.get(fold(value))
