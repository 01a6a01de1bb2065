"""`mieux check`: what is wrong or missing in a catalogue, record by record.

Errors break a rule that every way in enforces (so they appear only when the file was changed by
other means, or by an older mieux): a record that no longer validates, a duplicate ID, a link
to nothing. Warnings are what a careful editor would want to look at: near-duplicate titles,
practices with no action. Completeness is the share of a record's recommended fields that are
filled in.
"""

import difflib
from dataclasses import dataclass, field

from mieux_cli.errors import InvalidRecord
from mieux_cli.records import KINDS, link_problems, normalize
from mieux_cli.text import tokens

# What a complete record of each kind has, beyond its required fields.
RECOMMENDED = {
    "action": ("title", "summary", "countries", "themes", "areas", "gcm", "start", "status", "partners",
               "experts", "activities", "outputs", "results", "sources"),
    "practice": ("title", "summary", "why", "results", "actions", "event", "countries", "themes", "gcm", "sources"),
    "event": ("title", "summary", "place", "start", "hosts", "countries", "themes", "sources"),
    "fact": ("title", "text", "figure", "start", "sources"),
}
NEAR_DUPLICATE = 0.9  # titles this similar (difflib ratio, folded) are flagged


@dataclass
class Problem:
    severity: str  # "error" or "warning"
    record_id: str
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"severity": self.severity, "id": self.record_id, "field": self.field, "message": self.message}


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    completeness: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def overall(self) -> float:
        return round(sum(self.completeness.values()) / len(self.completeness), 2) if self.completeness else 1.0


def completeness(record: dict) -> float:
    wanted = RECOMMENDED[record["kind"]]
    return round(sum(1 for f in wanted if record.get(f) not in (None, [], "")) / len(wanted), 2)


def check(records: list[dict]) -> Report:
    report = Report()
    seen: dict[str, int] = {}
    valid: list[dict] = []
    for record in records:
        record_id = str(record.get("id") or "?") if isinstance(record, dict) else "?"
        seen[record_id] = seen.get(record_id, 0) + 1
        if seen[record_id] == 2:
            report.problems.append(Problem("error", record_id, "id", "is used by more than one record"))
        try:
            normalized = normalize(record)
        except InvalidRecord as e:
            report.problems += [Problem("error", record_id, f, m) for f, m in e.problems]
            continue
        if normalized != record:
            report.problems.append(Problem("error", record_id, "record", "is not in canonical form; `mieux edit` it to fix"))
        valid.append(normalized)
    # Links count as long as the record exists, valid or not: its own problems are listed already.
    kinds_by_id = {r.get("id"): r.get("kind") for r in records if isinstance(r, dict)}
    for record in valid:
        report.problems += [Problem("error", record["id"], f, m) for f, m in link_problems(record, kinds_by_id)]
        if record["kind"] == "practice" and not record["actions"]:
            report.problems.append(Problem("warning", record["id"], "actions", "this practice comes from no action"))
        report.completeness[record["id"]] = completeness(record)
    report.problems += _near_duplicates(valid)
    order = {"error": 0, "warning": 1}
    report.problems.sort(key=lambda p: (order[p.severity], p.record_id, p.field))
    return report


def _near_duplicates(records: list[dict]) -> list[Problem]:
    """Titles of the same kind that are nearly the same. Only titles that share their first word
    are compared, which keeps this quick for large catalogues."""
    buckets: dict[tuple, list[tuple[str, str]]] = {}
    for record in records:
        words = tokens(record["title"])
        buckets.setdefault((record["kind"], words[0] if words else ""), []).append((" ".join(words), record["id"]))
    problems = []
    for (kind, _), titles in sorted(buckets.items()):
        titles.sort()
        for i, (title, record_id) in enumerate(titles):
            for other_title, other_id in titles[i + 1:i + 50]:
                if other_id == record_id:  # a duplicate ID, reported as such
                    continue
                matcher = difflib.SequenceMatcher(None, title, other_title)
                if matcher.quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE:
                    problems.append(Problem("warning", record_id, "title", f"is nearly the same as the title of {other_id}"))
    return problems


assert set(RECOMMENDED) == set(KINDS)
