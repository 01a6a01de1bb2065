"""One filter model shared by list, search, summary, export and brief.

The same option given twice is OR (--country CR --country MX); different options are AND.
--country matches the countries a record is about, those that only took part and the country
where an event took place, unless --role says which; --as-of keeps records whose status was known on or after a date.
"""

import re
from dataclasses import dataclass, field

from mieux_cli.errors import MieuxError
from mieux_cli.model import vocab
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.facets import active_years, record_countries, record_themes, status_of
from mieux_cli.model.records import first_day, last_day, parse_date, resolve_kind

# Which of a record's countries --country (and a summary by country) looks at: those it is about
# (beneficiary, the `countries` field: where the work was), those that only took part
# (participant), or any of them.
ROLES = ("beneficiary", "participant", "place", "any")

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:(-|\.\.|to)\s*(\d{4})?)?\s*$")


def parse_years(value: str) -> tuple[int, int]:
    """'2017' -> (2017, 2017); '2015-2018' -> (2015, 2018); '2015-' -> (2015, 9999)."""
    match = _YEARS.match(value)
    if not match:
        raise MieuxError(f"'{value}' is not a year or a range of years.", "Write --year 2017 or --year 2015-2018 (or 2015- for 'since 2015').")
    low, dash, high = match.groups()
    low_year = int(low)
    high_year = int(high) if high else (9999 if dash else low_year)
    if high_year < low_year:
        raise MieuxError(f"The range '{value}' ends before it starts.", f"Write --year {high}-{low}.")
    return low_year, high_year


@dataclass
class Filters:
    kinds: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    role: str | None = None  # which countries --country looks at: None for both
    themes: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)
    gcm: set[int] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    as_of: str | None = None
    years: list[tuple[int, int]] = field(default_factory=list)
    undated: bool = False  # with years: keep the records with no dates at all too
    no_years: bool = False  # only the records with no dates at all (to count those --year leaves out)
    tags: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, kinds=(), regions=(), countries=(), role=None, themes=(), areas=(), gcm=(), statuses=(),
              as_of=None, years=(), tags=(), undated=False):
        """Filters from what the user typed; an unknown value raises UnknownValue (exit 2)."""
        if role is not None:
            role = parse_role(role)
            if not countries:
                raise MieuxError("--role says which countries --country looks at.",
                                 "Give --country too, for example --country Mexico --role participant.")
        if as_of is not None:
            try:
                as_of = parse_date(as_of)
            except ValueError as e:
                raise MieuxError(f"--as-of: {e}.") from None
        return cls(
            kinds={resolve_kind(k) for k in kinds},
            regions={vocab.resolve_region(r) for r in regions},
            countries={vocab.resolve_country(c) for c in countries},
            role=role,
            themes={vocab.resolve_theme(t) for t in themes},
            areas={vocab.resolve_area(a) for a in areas},
            gcm={vocab.resolve_gcm(g) for g in gcm},
            statuses={resolve_status(s) for s in statuses},
            as_of=as_of,
            years=[parse_years(y) for y in years],
            undated=bool(undated),
            tags={t.strip().lower() for t in tags},
        )

    def matches(self, record: dict, catalogue: Catalogue) -> bool:
        if self.kinds and record["kind"] not in self.kinds:
            return False
        if self.regions and record["region"] not in self.regions:
            return False
        if self.countries and self.countries.isdisjoint(record_countries(record, self.role)):
            return False
        if self.themes and self.themes.isdisjoint(record_themes(record)):
            return False
        if self.areas and self.areas.isdisjoint(record["areas"]):
            return False
        if self.gcm and self.gcm.isdisjoint(record["gcm"]):
            return False
        if self.statuses and record.get("status") not in self.statuses:
            return False
        if self.as_of:
            known = (status_of(record) or (None, None))[1]
            if not known or last_day(known) < first_day(self.as_of):
                return False
        if self.tags and self.tags.isdisjoint(record["tags"]):
            return False
        if self.years or self.no_years:
            span = active_years(record, catalogue)
            if span is None:
                return self.undated or self.no_years
            if self.no_years or not any(low <= span[1] and span[0] <= high for low, high in self.years):
                return False
        return True

    def left_undated(self) -> "Filters | None":
        """The filters that keep the records these leave out for having no dates at all (--year
        without --undated); None when they leave none out for that."""
        if not self.years or self.undated:
            return None
        from dataclasses import replace

        return replace(self, years=[], no_years=True)


def parse_role(value: str) -> str | None:
    """A role as typed -> one of ROLES, None for any."""
    role = value.strip().lower()
    if role not in ROLES:
        raise MieuxError(f"There is no role '{value}'.", "Use --role beneficiary, --role participant, --role place or --role any.")
    return None if role == "any" else role


def resolve_status(value: str) -> str:
    """A status of an action or an event (the two vocabularies share most of their codes)."""
    try:
        return vocab.ACTION_STATUSES.resolve(value)
    except MieuxError:
        return vocab.EVENT_STATUSES.resolve(value)
