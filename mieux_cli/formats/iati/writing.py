"""IATI export: the Actions the publisher reports written as IATI 2.03 activities (activity.py
writes one), with what IATI has no place for reported. An Action imported from another
publisher's activity is never published as ours."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from mieux_cli.formats.iati import VERSION, Publisher, _count, reports
from mieux_cli.formats.iati.activity import ActivityWriter, Loss

# -- export -------------------------------------------------------------------------------------


@dataclass
class Export:
    xml: bytes = b""
    exported: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    notes: list[Loss] = field(default_factory=list)  # values written by a convention the reader takes back
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # action ID -> what IATI needs that it lacks
    others: list[str] = field(default_factory=list)  # Actions imported from activities other publishers report
    other_kinds: Counter = field(default_factory=Counter)  # kind -> records in scope that are not Actions


def export(records: list[dict], publisher: Publisher, generated: datetime) -> Export:
    """One iati-activity per Action; `xml` is empty when no Action can be one."""
    import io

    from lxml import etree

    result = Export()
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="UTF-8") as xml:  # one activity in memory at a time
        xml.write_declaration()
        with xml.element("iati-activities", {"version": VERSION,
                                             "generated-datetime": generated.strftime("%Y-%m-%dT%H:%M:%SZ")}):
            xml.write("\n")
            for record in records:
                if record["kind"] != "action":
                    result.other_kinds[record["kind"]] += 1
                    continue
                writer = ActivityWriter(record, publisher, generated.date())
                if writer.imported and not reports(publisher.ref, writer.identifier()):
                    result.others.append(record["id"])
                    continue
                missing = writer.missing()
                if missing:
                    result.incomplete[record["id"]] = missing
                    continue
                xml.write(writer.activity(), pretty_print=True)
                result.exported.append(record["id"])
                result.losses += writer.losses
                result.notes += writer.notes
    if result.exported:
        result.xml = buffer.getvalue() + b"\n"
    return result


def report_lines(result: Export, publisher_ref: str, list_others: bool = False) -> list[str]:
    """What the export leaves out and why, grouped by reason, for standard error; with
    `list_others`, each Action another publisher reports."""
    lines = []
    if result.others:
        lines.append(f"Not exported: {_count(len(result.others), 'Action')} imported from activities other publishers "
                     f"report (their identifiers do not start with {publisher_ref}-): mieux publishes only yours."
                     + ("" if list_others else " Add --list-others to name them."))
        if list_others:
            lines += [f" {record_id}" for record_id in result.others]
    if result.other_kinds:
        counts = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in result.other_kinds.items())
        lines.append(f"Not exported: {counts} (an IATI file describes activities: only Actions are exported).")
    if result.incomplete:
        lines.append(f"Not exported: {_count(len(result.incomplete), 'Action')} that IATI cannot describe without a "
                     "value the catalogue does not hold:")
        lines += [f" {record_id}: needs {'; '.join(needs)}" for record_id, needs in result.incomplete.items()]
        lines.append(" Complete them with `mieux edit ID`, then export again; `mieux config set iati.publisher-role "
                     "CODE` names the publisher itself as a participating organisation of every activity.")
    if result.losses:
        lines.append("Not carried by IATI (importing the file gives these fields back empty or changed):")
        lines += _grouped(result.losses)
    if result.notes:
        lines.append("Notes:")
        lines += _grouped(result.notes)
    return lines


def _grouped(losses: list[Loss]) -> list[str]:
    groups: dict[tuple[str, str], list[str]] = {}
    for loss in losses:
        where = f"{loss.record_id} ({loss.what})" if loss.what else loss.record_id
        groups.setdefault((loss.field, loss.reason), [])
        if where not in groups[(loss.field, loss.reason)]:
            groups[(loss.field, loss.reason)].append(where)
    return [f" {name}: {reason}: {', '.join(where)}" for (name, reason), where in groups.items()]
