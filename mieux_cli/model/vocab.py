"""Controlled vocabularies: thematic areas, specific areas, regions, GCM objectives and guiding
principles, statuses, kinds of experts, activities and partners, partners' roles, languages and
countries (ISO 3166-1 from pycountry's database, plus the variants people write).

Every vocabulary is a `Vocabulary`: codes with English labels, plus the other ways people write
them (French and Spanish labels, MIEUX's own notation "IMT - Return and Re-admission", old
spellings). A look-up accepts any of them in any case and accent; a miss raises UnknownValue
naming the closest known values.
"""

import difflib
import functools
import importlib.util
import os
import re

import orjson

from mieux_cli.errors import UnknownValue
from mieux_cli.text import fold


class Vocabulary:
    """Codes and their labels. `also` maps a code to other names it is written as."""

    def __init__(self, name: str, what: str, entries, also: dict | None = None, describe: str = ""):
        self.name = name  # as `mieux vocab NAME` lists it
        self.what = what  # "thematic area", for messages
        self._entries = entries  # code -> English label in display order, or a function loading it
        self.also = also or {}
        self.describe = describe  # one line for `mieux vocab`
        self._lookup: dict[str, object] | None = None

    @property
    def entries(self) -> dict:
        if callable(self._entries):  # large tables (countries, languages) load on first use
            self._entries = self._entries()
        return self._entries

    def __contains__(self, code) -> bool:
        return code in self.entries

    def __iter__(self):
        return iter(self.entries)

    def label(self, code) -> str:
        return self.entries.get(code, str(code))

    def lookup(self) -> dict[str, object]:
        """folded code, label or other name -> code; built on first use."""
        if self._lookup is None:
            lookup: dict[str, object] = {}
            for code, label in self.entries.items():
                lookup[fold(str(code))] = code
                lookup.setdefault(fold(label), code)
            for code, names in self.also.items():
                for name in names:
                    lookup.setdefault(fold(name), code)
            self._lookup = lookup
        return self._lookup

    def resolve(self, value):
        """A code, label or other name -> the code; UnknownValue with suggestions otherwise."""
        if value in self.entries:  # already a code, as stored records have it
            return value
        code = self.lookup().get(fold(str(value)))
        if code is None:
            raise self.unknown(str(value))
        return code

    def unknown(self, value: str) -> UnknownValue:
        """Suggests codes, which are what to type (countries suggest names, their codes are cryptic)."""
        choices = {key: self.label(code) if self.name == "countries" else str(code) for key, code in self.lookup().items()}
        return unknown_value(value, choices, self.what, self.name)


def unknown_value(value: str, choices: dict[str, str], what: str, listing: str) -> UnknownValue:
    """An UnknownValue for `value`, suggesting the closest keys of `choices` (folded -> display)."""
    folded = fold(value)
    # Short codes differ by one letter in a third of their length ('IMX' for 'IMT').
    close = difflib.get_close_matches(folded, list(choices), n=3, cutoff=0.6 if len(folded) <= 4 else 0.75)
    names = list(dict.fromkeys(choices[c] for c in close))
    hint = ("Did you mean " + " or ".join(f"'{n}'" for n in names) + "? ") if names else ""
    return UnknownValue(f"Unknown {what} '{value}'.", f"{hint}See `mieux vocab {listing}` for the list.")


# -- the five pillars and their specific areas -------------------------------------------------

THEMES = Vocabulary("themes", "thematic area", {
    "IMT": "Irregular Migration / Trafficking in Human Beings",
    "LM": "Legal Migration and Mobility",
    "IP": "International Protection and Asylum Policy",
    "MD": "Migration and Development",
    "HO": "Horizontal Interventions",
}, also={
    "IMT": ["Migration irrégulière / Traite des êtres humains", "Migración irregular / Trata de personas"],
    "LM": ["Migration légale et mobilité", "Migración legal y movilidad", "Legal Migration"],
    "IP": ["Protection internationale et politique d'asile", "Protección internacional y política de asilo"],
    "MD": ["M&D", "Migration et développement", "Migración y desarrollo"],
    "HO": ["Interventions horizontales", "Intervenciones horizontales"],
}, describe="the five pillars of MIEUX")

# code -> (pillar, English label, French label, Spanish label). An Action's areas may sit in
# another pillar than its theme.
_AREAS = {
    "THB": ("IMT", "Trafficking in Human Beings", "Traite des êtres humains", "Trata de personas"),
    "IRR": ("IMT", "Irregular Migration", "Migration irrégulière", "Migración irregular"),
    "SOM": ("IMT", "Migrant Smuggling", "Trafic illicite de migrants", "Tráfico ilícito de migrantes"),
    "RET": ("IMT", "Return and Re-admission", "Retour et réadmission", "Retorno y readmisión"),
    "IBM": ("IMT", "Integrated Border Management", "Gestion intégrée des frontières", "Gestión integrada de fronteras"),
    "LAB": ("LM", "Labour Migration", "Migration de travail", "Migración laboral"),
    "INT": ("LM", "Integration issues", "Intégration", "Integración"),
    "ASY": ("IP", "International Protection and Asylum Policy", "Protection internationale et politique d'asile",
            "Protección internacional y política de asilo"),
    "DIA": ("MD", "Diaspora affairs", "Diaspora", "Diáspora"),
    "MAD": ("MD", "Migration & Development", "Migration et développement", "Migración y desarrollo"),
    "LEG": ("HO", "Migration Legislation", "Législation migratoire", "Legislación migratoria"),
    "HEA": ("HO", "Migration and Health", "Migration et santé", "Migración y salud"),
    "TRN": ("HO", "Training Capacities Development", "Développement des capacités de formation",
            "Desarrollo de capacidades de formación"),
    "CHI": ("HO", "Children in Migration", "Enfants en migration", "Niñez en la migración"),
    "CLI": ("HO", "Climate Change, Environmental Degradation", "Changement climatique, dégradation de l'environnement",
            "Cambio climático, degradación ambiental"),
    "HR": ("HO", "Human Rights", "Droits de l'homme", "Derechos humanos"),
    "DAT": ("HO", "Data Management", "Gestion des données", "Gestión de datos"),
    "POL": ("HO", "Migration Policy / Strategy Development", "Politique migratoire / Élaboration de stratégies",
            "Política migratoria / Desarrollo de estrategias"),
    "CON": ("HO", "Consular Affairs and Crisis Management", "Affaires consulaires et gestion de crise",
            "Asuntos consulares y gestión de crisis"),
    "COM": ("HO", "Communication and Awareness Raising", "Communication et sensibilisation",
            "Comunicación y sensibilización"),
}
AREA_PILLARS = {code: pillar for code, (pillar, *_) in _AREAS.items()}
_AREA_VARIANTS = {
    "THB": ["Trafficking", "Traite", "Trata de seres humanos", "Trata"],
    "SOM": ["Smuggling of Migrants", "Smuggling", "Trafic de migrants", "Tráfico de migrantes"],
    "LAB": ["Migration de main-d'œuvre"],
    "CHI": ["Niños en la migración", "Niñez migrante"],
}
AREAS = Vocabulary("areas", "specific area", {code: english for code, (_, english, _, _) in _AREAS.items()}, also={
    code: [french, spanish, *_AREA_VARIANTS.get(code, [])] for code, (_, _, french, spanish) in _AREAS.items()
}, describe="specific areas, each under one pillar")
# MIEUX's own notation puts the pillar before the area: "IMT - Return and Re-admission".
_PILLAR_PREFIX = re.compile(r"^\s*(IMT|LM|IP|MD|M&D|HO)\s*[-–—:]\s*(.+)$", re.IGNORECASE)

REGIONS = Vocabulary("regions", "region", {
    "WCA": "Western and Central Africa",
    "ESA": "Eastern and Southern Africa",
    "ASIA": "Asia (Central, South and South-East)",
    "EN": "European Neighbourhood (East and South)",
    "LAC": "Latin America and the Caribbean",
}, also={
    "WCA": ["Afrique de l'Ouest et centrale", "África occidental y central", "West and Central Africa"],
    "ESA": ["Afrique de l'Est et australe", "África oriental y meridional", "East and Southern Africa",
            "Central, Eastern and Southern Africa"],
    "ASIA": ["Asia", "Asie", "Asie (centrale, du Sud et du Sud-Est)", "Asia (central, meridional y sudoriental)"],
    "EN": ["European Neighbourhood", "Voisinage européen", "Voisinage européen (Est et Sud)", "Vecindad Europea",
           "Vecindad Europea (Este y Sur)"],
    "LAC": ["Amérique latine et Caraïbes", "América Latina y el Caribe", "Latin America"],
}, describe="MIEUX's five regions")

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
EU_MEMBER_STATES = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT",
    "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}

GCM = Vocabulary("gcm", "GCM objective", {
    1: "Data", 2: "Minimize adverse drivers", 3: "Information provision", 4: "Legal identity and documentation",
    5: "Regular pathways", 6: "Recruitment and decent work", 7: "Reduce vulnerabilities", 8: "Save lives",
    9: "Counter smuggling", 10: "Eradicate trafficking", 11: "Manage borders", 12: "Screening and referral",
    13: "Alternatives to detention", 14: "Consular protection", 15: "Access to basic services",
    16: "Inclusion and social cohesion", 17: "Eliminate discrimination", 18: "Skills development and recognition",
    19: "Migrant and diaspora contributions", 20: "Remittances", 21: "Dignified return and reintegration",
    22: "Social protection", 23: "International cooperation",
}, describe="the 23 objectives of the Global Compact for Migration")

PRINCIPLES = Vocabulary("principles", "guiding principle", {
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
}, describe="the GCM's ten guiding principles")

# An old "ongoing" must never read as current: a status comes with the date it was known.
ACTION_STATUSES = Vocabulary("action-statuses", "action status", {
    "planned": "Planned", "ongoing": "Ongoing", "suspended": "Suspended", "completed": "Completed",
    "cancelled": "Cancelled", "unknown": "Unknown",
}, also={"completed": ["finished", "closed", "terminé", "finalizado"], "ongoing": ["en cours", "en curso"],
         "cancelled": ["canceled"]}, describe="an action's status")
EVENT_STATUSES = Vocabulary("event-statuses", "event status", {
    "planned": "Planned", "held": "Held", "cancelled": "Cancelled", "unknown": "Unknown",
}, also={"held": ["took place", "completed"], "planned": ["announced", "scheduled"], "cancelled": ["canceled"]},
    describe="an event's status")

PRACTICE_BASES = Vocabulary("practice-bases", "way a source presents a practice", {
    "good practice": "Named a good practice by the source",
    "highlight": "Presented among the highlights of results",
    "lesson learnt": "Presented as a lesson learnt",
    "promising practice": "Presented as a promising practice",
}, also={"highlight": ["highlight of results", "result"], "lesson learnt": ["lesson", "lessons learnt"]},
    describe="how a source presents a practice")

EXPERT_KINDS = Vocabulary("expert-kinds", "kind of expert", {
    "member-state administration": "Member-state administration",
    "partner-country administration": "Partner-country administration",
    "ngo": "NGO",
    "academia": "Academia",
    "eu agency": "EU agency",
    "international organisation": "International organisation",
    "private sector": "Private sector",
}, also={
    "ngo": ["civil society", "non-governmental organisation"],
    "academia": ["university", "research"],
    "member-state administration": ["EU member state", "EU MS", "member state"],
    "partner-country administration": ["partner country", "south-south"],
    "international organisation": ["international organization", "UN agency"],
}, describe="where experts come from")
# Format 1's "public official" says which administration only through the expert's country.
PUBLIC_OFFICIAL = "public official"

ACTIVITY_KINDS = Vocabulary("activity-kinds", "kind of activity", {k: k[0].upper() + k[1:] for k in (
    "training", "assessment or fact-finding mission", "identification mission", "on-site mission", "study visit",
    "workshop", "seminar", "conference", "drafting support", "drafting sessions", "training of trainers",
    "tailor-made course", "knowledge exchange", "high-level dialogue", "consultations", "online survey",
    "restitution workshop", "webinar", "simulation exercise", "other",
)}, also={
    "assessment or fact-finding mission": ["assessment mission", "fact-finding mission", "needs assessment"],
    "training of trainers": ["ToT"], "study visit": ["study tour"], "conference": ["round-table", "roundtable"],
    "drafting support": ["drafting"],
}, describe="what an activity was")

PARTNER_ROLES = Vocabulary("partner-roles", "partner role", {
    "requesting institution": "Requesting institution",
    "counterpart": "Counterpart",
    "implementing partner": "Implementing partner",
    "host": "Host",
    "co-host": "Co-host",
    "donor": "Donor",
    "regional body": "Regional body",
    "accountable": "Accountable",
    "extending": "Extending",
    "reporting organisation": "Reporting organisation",
    "other": "Other",
}, also={"requesting institution": ["requesting authority", "requester", "beneficiary institution"],
         "co-host": ["cohost", "co-organiser"], "donor": ["funder", "funding"], "implementing partner": ["implementing"],
         "reporting organisation": ["reporting org", "publisher"]},
    describe="what a partner did (IATI's roles: Funding is donor, Accountable, Extending, Implementing)")

FUNDING_TYPES = Vocabulary("funding-types", "kind of funding", {
    "budget": "Budget",
    "commitment": "Commitment",
    "disbursement": "Disbursement",
    "expenditure": "Expenditure",
    "incoming funds": "Incoming funds",
}, also={"disbursement": ["disbursements"], "commitment": ["commitments", "outgoing commitment"]},
    describe="what an amount of money is: planned (budget), promised (commitment) or paid")

PARTNER_KINDS = Vocabulary("partner-kinds", "kind of partner", {k: k[0].upper() + k[1:] for k in (
    "ministry", "agency", "prosecution service", "judiciary", "parliament", "ombudsperson", "local authority",
    "regional organisation", "international organisation", "eu institution", "ngo", "university", "private sector",
    "other",
)} | {"ngo": "NGO", "eu institution": "EU institution"}, also={
    "ministry": ["government", "ministère", "ministerio"], "agency": ["institute", "national institute", "service"],
    "prosecution service": ["prosecutors", "public prosecutor"], "university": ["academia"],
    "regional organisation": ["regional organization", "regional body"],
    "international organisation": ["international organization", "UN agency"], "ngo": ["civil society"],
}, describe="what kind of body a partner is")


def _kinds_vocabulary() -> Vocabulary:
    from mieux_cli.model.schema import KINDS

    return Vocabulary("kinds", "record kind", {k: f"{k}s" for k in KINDS}, describe="the four kinds of record")


# -- countries -------------------------------------------------------------------------------

# Names people write that ISO 3166-1's English names do not cover (folded form -> alpha-2).
COUNTRY_ALIASES = {
    "lao pdr": "LA", "cape verde": "CV", "drc": "CD", "dr congo": "CD",
    "democratic republic of congo": "CD", "democratic republic of the congo": "CD",
    "congo kinshasa": "CD", "congo brazzaville": "CG", "republic of the congo": "CG",
    "kyrgyz republic": "KG", "ivory coast": "CI", "swaziland": "SZ", "palestine": "PS",
    "usa": "US", "united states of america": "US", "uk": "GB", "great britain": "GB",
    "turkey": "TR", "czech republic": "CZ", "the gambia": "GM", "burma": "MM",
    "east timor": "TL", "macedonia": "MK", "kosovo": "XK", "russia": "RU",
    # Spanish and French spellings seen in sources
    "republica dominicana": "DO", "brasil": "BR", "espana": "ES", "haiti": "HT", "peru": "PE",
    "panama": "PA", "mexique": "MX", "espagne": "ES", "maroc": "MA", "tunisie": "TN",
    "algerie": "DZ", "egypte": "EG", "cameroun": "CM", "tchad": "TD", "guinee": "GN",
    "cote divoire": "CI", "republique democratique du congo": "CD", "etats unis": "US",
    "estados unidos": "US", "allemagne": "DE", "alemania": "DE", "italie": "IT", "belgique": "BE",
    "pays bas": "NL", "paises bajos": "NL", "suede": "SE", "suecia": "SE", "grece": "GR",
    "grecia": "GR", "francia": "FR", "mauritanie": "MR", "senegal": "SN", "benin": "BJ",
}
# The names people write for countries whose ISO name is inverted or official in form
# ("Congo, The Democratic Republic of the"); pycountry's common names cover the others.
SHORT_NAMES = {
    "CD": "Democratic Republic of the Congo", "FM": "Micronesia", "PS": "Palestine", "RU": "Russia",
    "VA": "Holy See", "VG": "British Virgin Islands", "VI": "US Virgin Islands", "BQ": "Caribbean Netherlands",
    "SH": "Saint Helena", "FK": "Falkland Islands", "MF": "Saint Martin", "SX": "Sint Maarten",
    "CC": "Cocos (Keeling) Islands",
}
# Kosovo is not in ISO 3166-1; XK is the user-assigned code everyone uses.
_EXTRA_COUNTRIES = [{"alpha_2": "XK", "alpha_3": "XKX", "name": "Kosovo"}]


def _pycountry_database(name: str):
    """Reads pycountry's database file directly: importing the package costs ~80 ms of
    importlib.metadata, the file ~2 ms."""
    spec = importlib.util.find_spec("pycountry")
    with open(os.path.join(spec.submodule_search_locations[0], "databases", name), "rb") as f:
        return orjson.loads(f.read())


@functools.cache
def countries() -> dict[str, dict]:
    """alpha-2 -> {alpha_2, alpha_3, name, names}; `name` is the short name people write."""
    entries = _pycountry_database("iso3166-1.json")["3166-1"] + _EXTRA_COUNTRIES
    return {
        e["alpha_2"]: {
            "alpha_2": e["alpha_2"],
            "alpha_3": e["alpha_3"],
            "name": SHORT_NAMES.get(e["alpha_2"]) or e.get("common_name", e["name"]),
            "names": [e[k] for k in ("name", "common_name", "official_name") if k in e],
        }
        for e in entries
    }


@functools.cache
def _country_index() -> dict[str, str]:
    index = {}
    for code, entry in countries().items():
        for name in entry["names"] + [entry["name"]]:
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


def resolve_country(value: str) -> str:
    """A country name, alpha-2 or alpha-3 code, any case or accent -> alpha-2."""
    if value in countries():  # already a code, as stored records and exports have it
        return value
    index = _country_index()
    code = index.get(fold(value))
    if code is None:
        raise unknown_value(value, {k: country_name(v) for k, v in index.items() if len(k) > 3}, "country", "countries")
    return code


def country_named(name: str) -> str | None:
    """The country a name (not a code: 'MA' ending an address is a state, not Morocco) stands
    for, in any case or accent, or None."""
    folded = fold(name)
    return _country_index().get(folded) if len(folded) > 3 else None


class _Countries(Vocabulary):
    """ISO 3166-1, loaded on first use, with the variants people write; regional bodies are
    refused with a pointer to where they belong."""

    def __contains__(self, code) -> bool:
        return code in countries()

    def resolve(self, value):
        # A country code or name is a country first: 'AU' is Australia, never the African Union.
        code = countries().get(str(value)) and str(value) or _country_index().get(fold(str(value)))
        if code:
            return code
        body = regional_body(str(value))
        if body:
            raise UnknownValue(f"'{body}' is a regional body, not a country.", "Name it as a partner instead.")
        return resolve_country(str(value))


def _languages() -> dict[str, str]:
    entries = _pycountry_database("iso639-3.json")["639-3"]
    return dict(sorted((e["alpha_2"], e["name"]) for e in entries if "alpha_2" in e))


COUNTRIES = _Countries("countries", "country", lambda: {c: e["name"] for c, e in countries().items()},
                       describe="ISO 3166-1 countries, plus Kosovo (XK)")
LANGUAGES = Vocabulary("languages", "language", _languages, also={
    "es": ["español", "castellano"], "fr": ["français"], "pt": ["português"], "de": ["Deutsch"], "it": ["italiano"],
}, describe="ISO 639-1 languages, for sources")

_VOCABULARIES = {v.name: v for v in (
    THEMES, AREAS, REGIONS, GCM, PRINCIPLES, COUNTRIES, LANGUAGES, ACTION_STATUSES, EVENT_STATUSES, PRACTICE_BASES,
    EXPERT_KINDS, ACTIVITY_KINDS, PARTNER_ROLES, PARTNER_KINDS, FUNDING_TYPES,
)}


def get(name: str) -> Vocabulary:
    if name == "kinds":
        return _kinds_vocabulary()
    return _VOCABULARIES[name]


def names() -> list[str]:
    """Every vocabulary `mieux vocab` lists."""
    return [*_VOCABULARIES, "kinds"]


# -- look-ups with rules of their own ---------------------------------------------------------


def resolve_theme(value) -> str:
    return THEMES.resolve(value)


def resolve_area(value) -> str:
    """An area code or label in English, French or Spanish, or MIEUX's "IMT - Return and
    Re-admission" notation."""
    if value in AREAS:
        return value
    match = _PILLAR_PREFIX.match(str(value))
    if match and fold(match.group(2)) in AREAS.lookup():
        return AREAS.lookup()[fold(match.group(2))]
    return AREAS.resolve(value)


def resolve_region(value) -> str:
    return REGIONS.resolve(value)


def resolve_gcm(value) -> int:
    """A GCM objective number (10, "10", "GCM10", "objective 10") or label ("Eradicate trafficking")."""
    if value in GCM:
        return value
    numbered = _GCM_NUMBER.match(str(value).strip().casefold())
    if numbered:  # "-16" or "24" is no objective (folding once read "-16" as 16)
        if 1 <= int(numbered.group(1)) <= 23:
            return int(numbered.group(1))
        raise UnknownValue(f"There is no GCM objective '{value}': they are numbered 1 to 23.",
                           "See `mieux vocab gcm` for the list.")
    return GCM.resolve(value)


_GCM_NUMBER = re.compile(r"^(?:gcm|objective)?\s*([-+]?[0-9]+)$")


def resolve_expert_kind(value, country: str | None) -> str:
    """A kind of expert. Format 1's "public official" becomes the administration of the expert's
    country: a member state's for an EU country, a partner country's otherwise."""
    if fold(str(value)) == PUBLIC_OFFICIAL:
        if country is None:
            raise UnknownValue("'public official' needs the expert's country to tell which administration.",
                               "Write member-state administration or partner-country administration.")
        return "member-state administration" if country in EU_MEMBER_STATES else "partner-country administration"
    return EXPERT_KINDS.resolve(value)


def region_name(code: str | None) -> str:
    return REGIONS.label(code) if code else ""


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
# None is a code or a name ISO 3166 gives a country (the African Union is not "AU", Australia);
# tests/test_real_data.py holds every one against ISO.
REGIONAL_BODIES = {
    fold(name): name
    for name in (
        "ECOWAS", "COMESA", "SICA", "MIRPS", "AIAMP", "Ibero-American Network of Public Prosecutors",
        "Ibero-American Network of Public Prosecutors on Trafficking in Persons", "REDTRAM",
        "Global", "European Union", "EU", "African Union", "ASEAN", "MERCOSUR", "IGAD",
        "EAC", "SADC", "CARICOM", "ECCAS", "Puebla Process", "Rabat Process", "Khartoum Process",
    )
}


def regional_body(value: str) -> str | None:
    return REGIONAL_BODIES.get(fold(value))
