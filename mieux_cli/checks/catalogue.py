"""`mieux check`: what is wrong or missing in a catalogue, record by record.

Errors break a rule that every way in enforces (so they appear only when the file was changed by
other means, or by an older mieux): a record that no longer validates, a duplicate ID, a link
to nothing. Warnings are what a careful editor would want to look at: records that look like one
piece of work recorded twice (model/alike.py), practices with no action. Completeness is the
share of a record's recommended fields that are filled in.
"""

from dataclasses import dataclass, field

from mieux_cli.errors import InvalidRecord
from mieux_cli.model import schema
from mieux_cli.model.records import damage, link_problems, normalize

GROUP_SHOWN = 5  # IDs named in one line about a group of similar records (--all names them all)


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
    without_copies: list[str] = field(default_factory=list)  # records none of whose sources has a local copy

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def overall(self) -> float:
        return round(sum(self.completeness.values()) / len(self.completeness), 2) if self.completeness else 1.0


def completeness(record: dict) -> float:
    """The share of its kind's recommended fields (schema.py) that a record fills in."""
    wanted = schema.recommended(record["kind"])
    return round(sum(1 for f in wanted if record.get(f) not in (None, [], "")) / len(wanted), 2)


def steps(records: list[dict], sources=None) -> int:
    """How many times `check` advances its progress: twice a record, three times with sources."""
    return len(records) * (3 if sources is not None else 2)


def check(records: list[dict], show_all: bool = False, sources=None, advance=lambda n=1: None) -> Report:
    """Every problem of the catalogue; with `sources` (a fidelity.SourceFolder), also the values
    records state that the local copies of their sources do not hold. `advance(n)` follows the
    work (`steps` in all), for a progress bar."""
    report = Report()
    seen: dict[str, int] = {}
    valid: list[dict] = []
    for record in records:
        advance()
        record_id = str(record.get("id") or "?") if isinstance(record, dict) else "?"
        seen[record_id] = seen.get(record_id, 0) + 1
        if seen[record_id] == 2:
            report.problems.append(Problem("error", record_id, "id", "is used by more than one record"))
        why = damage(record)
        if why:
            report.problems.append(Problem("error", record_id, "record", (
                f"is damaged: it {why}; every command skips it until it is fixed in the file or a backup is restored")))
            continue
        try:
            normalized = normalize(record)
        except InvalidRecord as e:
            report.problems += [Problem("error", record_id, f, m) for f, m in e.problems]
            continue
        if normalized != record:
            report.problems.append(Problem("error", record_id, "record", "is not in canonical form; `mieux edit` it to fix"))
            valid.append(normalized)
        else:  # the record itself: a copy of each would hold the catalogue twice (a gigabyte at 100,000)
            valid.append(record)
    # Links count as long as the record exists, valid or not: its own problems are listed already.
    kinds_by_id = {r.get("id"): r.get("kind") for r in records if isinstance(r, dict)}
    for record in valid:
        report.problems += [Problem("error", record["id"], f, m) for f, m in link_problems(record, kinds_by_id)]
        if record["kind"] == "practice" and not record["actions"] and not record["unlisted_actions"]:
            report.problems.append(Problem("warning", record["id"], "actions", "this practice comes from no action"))
        for name in record.get("unlisted_actions", []):
            report.problems.append(Problem("warning", record["id"], "unlisted_actions", (
                f"'{name}' is not in the catalogue yet: add it with `mieux add action`, then link it in actions")))
        report.completeness[record["id"]] = completeness(record)
    advance(len(records) - len(valid))  # the records not valid enough to compare
    report.problems += _alike(valid, show_all, advance)
    if sources is not None:
        advance(len(records) - len(valid))
        report.problems += _unsupported(valid, sources, report, advance)
    order = {"error": 0, "warning": 1}
    report.problems.sort(key=lambda p: (order[p.severity], p.record_id, p.field))
    return report


def _unsupported(records: list[dict], sources, report: Report, advance) -> list[Problem]:
    from mieux_cli.checks.fidelity import unsupported

    problems = []
    for record in records:
        advance()
        text = sources.sources_of(record)
        if text is None:
            report.without_copies.append(record["id"])
            continue
        problems += [Problem("warning", u.record_id, u.field, f"not in its source: {u.why}: {u.value}")
                     for u in unsupported(record, text)]
    return problems


def _alike(records: list[dict], show_all: bool, advance) -> list[Problem]:
    """A warning for each set of records that look like one (model/alike.py), naming them."""
    from mieux_cli.model import alike

    found = alike.near_titles(records, advance) + alike.same_city_and_month(records) + alike.same_work(records)
    problems = []
    for group in found:
        named = group.ids if show_all else group.ids[:GROUP_SHOWN]
        more = f" and {len(group.ids) - len(named)} more" if len(group.ids) > len(named) else ""
        if group.centre:
            message = f"may record the same work as {', '.join(named)}{more}: {group.why}"
        else:
            message = f"{len(group.ids)} records {group.why}: {', '.join(named)}{more}"
        problems.append(Problem("warning", group.centre or group.ids[0], group.field, message))
    return problems
