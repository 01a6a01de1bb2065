"""IATI, the aid-transparency standard: Actions written as IATI 2.03 activities (writing.py), and
IATI activity files (2.01 to 2.03) read as Actions (reading.py). This module holds what both
directions share: the standard's codes, the publisher, and how an activity's identifier and a
record's ID map to each other.

The mapping is the tables below, one per direction; the README's "IATI" section describes it
field by field. Nothing is dropped silently and nothing is invented:
- the export reports, per record and field, what IATI has no place for (`Export.losses`), and
  leaves out, naming them, the Actions IATI cannot describe without a value the catalogue does not
  hold (IATI requires a status, a date and a participating organisation);
- the reader lists, per activity, what mieux has no field for (`Item.notes`), and leaves empty
  what an activity does not say.

A partial date survives the trip: "2017" is written as the first (start) or last (end) day of
2017, and the activity-date's narrative keeps "2017", which the reader takes back.

lxml is imported here only, inside the functions that use it. The reader streams (iterparse, each
activity cleared once read), refuses any DTD, expands no entity and fetches nothing
(resolve_entities=False, no_network=True, load_dtd=False).
"""

import hashlib
import re
from dataclasses import dataclass

from mieux_cli.errors import MieuxError
from mieux_cli.model.records import MAX_ID_LENGTH
from mieux_cli.text import fold, join_words

VERSION = "2.03"
READ_VERSIONS = ("2.01", "2.02", "2.03")
MIGRATION_SECTOR = "15190"  # OECD DAC 5-digit (sector vocabulary 1): migration and mobility
OWN_VOCABULARY = "99"  # a vocabulary of the reporting organisation's own
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# activity-status (ActivityStatus). mieux's "unknown" has no code: such an Action is not exported.
STATUS_CODES = {"planned": "1", "ongoing": "2", "completed": "4", "cancelled": "5", "suspended": "6"}
STATUSES = {"1": "planned", "2": "ongoing", "3": "completed", "4": "completed", "5": "cancelled", "6": "suspended"}
STATUS_NAMES = {"1": "Pipeline/identification", "2": "Implementation", "3": "Finalisation", "4": "Closed",
                "5": "Cancelled", "6": "Suspended"}
# activity-date (ActivityDateType): planned or actual, by the status.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
DATE_NAMES = {"1": "planned start", "2": "actual start", "3": "planned end", "4": "actual end"}
STARTED = ("ongoing", "suspended", "completed")

# participating-org/@role (OrganisationRole). IATI has four roles, which come back as they are
# (Funding as donor); a partner role that is none of them is written as the nearest.
ROLE_CODES = {"donor": "1", "accountable": "2", "requesting institution": "2", "extending": "3",
              "implementing partner": "4", "counterpart": "4", "host": "4", "co-host": "4", "regional body": "4"}
ROLES = {"1": "donor", "2": "accountable", "3": "extending", "4": "implementing partner"}
ROLE_NAMES = {"1": "Funding", "2": "Accountable", "3": "Extending", "4": "Implementing"}
IMPLEMENTING = "4"
# participating-org/@type (OrganisationType), from a partner's kind and back. An NGO is written
# without a type: IATI's types tell international from national NGOs, and mieux does not.
PARTNER_TYPES = {"ministry": "10", "agency": "15", "prosecution service": "10", "judiciary": "10", "parliament": "10",
                 "ombudsperson": "15", "local authority": "11", "regional organisation": "40",
                 "international organisation": "40", "eu institution": "40", "university": "80",
                 "private sector": "70", "other": "90"}
PARTNER_KINDS = {"10": "ministry", "11": "local authority", "15": "agency", "21": "ngo", "22": "ngo", "23": "ngo",
                 "24": "ngo", "40": "international organisation", "70": "private sector", "71": "private sector",
                 "72": "private sector", "73": "private sector", "80": "university", "90": "other"}
EXPERT_TYPES = {"member-state administration": "10", "partner-country administration": "10", "academia": "80",
                "eu agency": "40", "international organisation": "40", "private sector": "70"}
# description/@type (DescriptionType): 1 General, 2 Objectives, 3 Target Groups, 4 Other.
GENERAL, OBJECTIVES, OTHER = "1", "2", "4"
DESCRIPTION_NAMES = {"2": "objectives", "3": "target groups"}
# result/@type (ResultType): 1 Output, 2 Outcome, 3 Impact, 9 Other.
OUTPUT, OUTCOME = "1", "2"
QUALITATIVE = "5"  # indicator/@measure (IndicatorMeasure)
PREVIOUS_IDENTIFIER = "A3"  # other-identifier/@type: Previous Activity Identifier
# transaction-type (TransactionType) -> a funding type of the record; and back. The others
# (repayments, purchases of equity, pledges ...) are noted.
FUNDING_TRANSACTIONS = {"1": "incoming funds", "2": "commitment", "3": "disbursement", "4": "expenditure"}
TRANSACTION_CODES = {kind: code for code, kind in FUNDING_TRANSACTIONS.items()}
ORIGINAL_BUDGET, REVISED_BUDGET = "1", "2"  # budget/@type (BudgetType)
# recipient-region codes of the OECD DAC region vocabulary (1) that lie in one MIEUX region
DAC_REGIONS = {"380": "LAC", "389": "LAC", "489": "LAC", "498": "LAC", "619": "ASIA", "679": "ASIA", "689": "ASIA"}
SECTOR_VOCABULARIES = {"1": "OECD DAC 5-digit", "2": "OECD DAC 3-digit"}
# Bounds on what one activity may hold: real activities are a few KB (the largest of the files
# tried, 17 KB; their longest text, 2,400 characters), and one of 32 MB took 1 GB and half a
# minute to read. Beyond these, a file is refused in one line before the activity is built.
MAX_ACTIVITY_BYTES = 8 * 1024 * 1024
MAX_TEXT_CHARS = 200_000
WEB_PAGE, RESULTS_DOCUMENT = "A12", "A08"  # document-link category (DocumentCategory)
# tag/@code in the publisher's own vocabulary: "theme:IMT", "area:THB", "gcm:10", "tag:protocol".
TAG_PREFIXES = ("theme", "area", "gcm", "tag")
PROVENANCE = re.compile(r"^IATI activity (.+)$")  # the source an imported Action names ("FI-3-2019 x" has a space)
# Characters XML 1.0 cannot hold (ESC, BEL ...): left out, and reported.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?$")
_VALID_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Publisher:
    """The reporting organisation, from the user's settings (`mieux config`)."""

    ref: str
    name: str
    type: str
    role: str | None = None
    language: str = "en"
    vocabulary_uri: str | None = None  # where the publisher's own codes (vocabulary 99) are described


def publisher(settings: dict[str, str]) -> Publisher:
    """The publisher the settings name; MieuxError with the commands to type when any is missing."""
    needed = {"iati.publisher-ref": ("REF", "REF is your organisation's IATI identifier (https://org-id.guide)"),
              "iati.publisher-name": ("NAME", None),
              "iati.publisher-type": ("CODE", "CODE its organisation type, such as 40 Multilateral or 10 Government")}
    missing = [name for name in needed if not settings.get(name)]
    if missing:
        commands = "; ".join(f"mieux config set {name} {needed[name][0]}" for name in missing)
        explained = "; ".join(needed[name][1] for name in missing if needed[name][1])
        raise MieuxError(
            f"An IATI file names its publisher, and {join_words(missing)} {'is' if len(missing) == 1 else 'are'} not set.",
            f"Set {'it' if len(missing) == 1 else 'them'}: {commands}" + (f" ({explained})." if explained else "."),
        )
    return Publisher(settings["iati.publisher-ref"], settings["iati.publisher-name"], settings["iati.publisher-type"],
                     settings.get("iati.publisher-role"), settings.get("iati.language") or "en",
                     settings.get("iati.vocabulary-uri"))


def exported_by_mieux(identifier: str, reporting_ref: str | None) -> bool:
    """Whether an activity is one mieux exported: <publisher>-<the Action's ID>."""
    if not reporting_ref or not identifier.startswith(reporting_ref + "-"):
        return False
    rest = identifier[len(reporting_ref) + 1:]
    return rest.startswith("act-") and len(rest) <= MAX_ID_LENGTH and _VALID_ID.match(rest) is not None


def record_id(identifier: str, reporting_ref: str | None) -> str:
    """The mieux ID of an IATI activity. An activity mieux exported (<publisher>-<ID>) gets its ID
    back; any other is `act-` and its identifier as a slug, at most MAX_ID_LENGTH characters (a
    longer one ends with a digest of the whole identifier, so that it stays unique). The same
    identifier always gives the same ID, so importing a newer download updates the same records."""
    if exported_by_mieux(identifier, reporting_ref):
        return identifier[len(reporting_ref) + 1:]
    candidate = "-".join(["act", *fold(identifier).split()])
    if len(candidate) > MAX_ID_LENGTH or candidate == "act":
        candidate = candidate[:MAX_ID_LENGTH - 9].rstrip("-") + "-" + _digest(identifier)
    return candidate


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def reports(publisher_ref: str, identifier: str) -> bool:
    """Whether the publisher reports the activity of that identifier: it starts with its reference."""
    return identifier.startswith(publisher_ref + "-")


def imported_from(record: dict) -> str | None:
    """The identifier of the IATI activity a record was imported from, if it was."""
    for source in record["sources"]:
        match = PROVENANCE.match(source["title"] or "")
        if match and not source["url"]:
            return match.group(1)
    return None


def _source(title: str, **parts) -> dict:
    return {"title": title, "publisher": None, "date": None, "url": None, "language": None, "accessed": None,
            "page": None, "file": None, **parts}


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"
