"""Writing records: what each field asks for, IDs, links, and the plans behind add, edit,
remove and undo. No Typer and no printing here; commands/author.py and commands/admin.py
are the thin layer over it."""

import difflib
import re

from mieux_cli import vocab
from mieux_cli.catalogue import Catalogue
from mieux_cli.changes import Change, added, removed, undo_into, updated
from mieux_cli.errors import InvalidRecord, MieuxError, UnknownValue
from mieux_cli.records import ID_PREFIXES, MAX_ID_LENGTH, link_problems, normalize
from mieux_cli.text import tokens

# field -> (what it is, an example). The order of the questions is the record's field order.
FIELD_HELP = {
    "title": ("a short title", "Costa Rica: National Integration Plans"),
    "summary": ("what was done, with whom, and what came of it, in a paragraph", "MIEUX supported ..."),
    "countries": ("partner countries, comma-separated: names or ISO codes", "Costa Rica, MX"),
    "region": ("MIEUX region, if no country gives it", "LAC"),
    "themes": ("thematic areas, comma-separated", "IMT, LM"),
    "areas": ("specific areas, comma-separated", "THB, SOM"),
    "gcm": ("GCM objectives, comma-separated numbers or names", "10, 23"),
    "start": ("start: a year, year-month or date", "2017-03"),
    "end": ("end, empty if open or unknown", "2018-09"),
    "tags": ("free tags, comma-separated", "protocol, prosecutors"),
    "sources": ("where this comes from: a title (then publisher, date, link)", "MIEUX final report"),
    "partners": ("partner institution", "National Institute of Migration (Mexico)"),
    "status": ("planned, ongoing or completed", "completed"),
    "experts": ("expert's country, then their kind", "Spain"),
    "activities": ("an activity's title (then its kind, place, date)", "Regional workshop on unaccompanied minors"),
    "outputs": ("a document or product it produced", "Inter-institutional cooperation protocol"),
    "results": ("what came of it", "Lasting cooperation between the institutions"),
    "why": ("why it worked", "Institutions owned the plan from the start"),
    "actions": ("the actions it came from: IDs or words of their titles, comma-separated", "act-cr-integration-plans"),
    "event": ("the event where it was reported: ID or words of its title", "mexico city round-table"),
    "principles": ("GCM guiding principles, comma-separated", "human-rights, child-sensitive"),
    "place": ("where it took place", "Mexico City, Mexico"),
    "hosts": ("host institution", "MIEUX"),
    "text": ("the statement, a sentence or two", "Reported flows rose by 300% in three years."),
    "figure": ("the figure, as written", "300%"),
}

# Vocabulary answers can be completed with TAB from these.
FIELD_CHOICES = {
    "region": lambda: list(vocab.REGIONS),
    "themes": lambda: list(vocab.THEMES),
    "areas": lambda: list(vocab.AREAS),
    "gcm": lambda: [str(n) for n in vocab.GCM_OBJECTIVES],
    "principles": lambda: list(vocab.PRINCIPLES),
    "status": lambda: list(vocab.STATUSES),
    "countries": lambda: [c["name"] for c in vocab.countries().values()],
}

# Which vocabulary a field's numbered list of choices shows (`mieux vocab ...` shows the same).
FIELD_MENUS = {
    "region": vocab.REGIONS, "themes": vocab.THEMES, "status": vocab.STATUSES, "principles": vocab.PRINCIPLES,
    "areas": {code: label for code, (_, label) in vocab.AREAS.items()},
    "gcm": vocab.GCM_OBJECTIVES,
}

_STOPWORDS = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "de", "la", "el", "y"}


def suggest_id(kind: str, title: str, taken) -> str:
    """A free ID made from the kind and the first words of the title: 'prc-aqui-todos-somos-migrantes'."""
    words = [w for w in tokens(title) if w not in _STOPWORDS][:6] or ["record"]
    base = f"{ID_PREFIXES[kind]}-" + "-".join(words)
    base = base[:MAX_ID_LENGTH - 4].rstrip("-")
    return free_id(base, taken)


def free_id(base: str, taken) -> str:
    """`base`, or `base-2`, `base-3` ... whichever is not taken."""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class Ambiguous(MieuxError):
    def __init__(self, text: str, candidates: list[dict]):
        self.candidates = candidates
        super().__init__(
            f"'{text}' matches {len(candidates)} records.",
            "Give one of their IDs: " + ", ".join(c["id"] for c in candidates[:5]) + ".",
        )


def resolve_link(catalogue: Catalogue, text: str, kind: str) -> str:
    """A record of `kind` named by its ID or by words of its title -> its ID."""
    text = text.strip()
    record = catalogue.by_id.get(text.lower())
    if record is None:
        words = tokens(text)
        record_matches = [
            r for r in catalogue.records
            if r["kind"] == kind and words and all(w in tokens(r["title"]) or w in r["id"] for w in words)
        ]
        if len(record_matches) == 1:
            return record_matches[0]["id"]
        if record_matches:
            raise Ambiguous(text, record_matches)
        raise catalogue.unknown_id(text)
    if record["kind"] != kind:
        raise UnknownValue(f"'{record['id']}' is a {record['kind']}, not a {kind}.", f"Give the ID of a {kind}.")
    return record["id"]


def check_new(record: dict, catalogue: Catalogue) -> None:
    """Refuse an ID already taken (with a free one to use instead) or links that point nowhere."""
    taken = catalogue.by_id.get(record["id"])
    if taken is not None:
        raise MieuxError(
            f"The ID '{record['id']}' is taken by \"{taken['title']}\".",
            f"Choose another, for example '{free_id(record['id'], catalogue.by_id)}'.",
        )
    check_links(record, catalogue)


def check_links(record: dict, catalogue: Catalogue) -> None:
    problems = link_problems(record, {r["id"]: r["kind"] for r in catalogue.records})
    if problems:
        field, message = problems[0]
        raise MieuxError(f"{field}: {message}.", "See `mieux list` for the IDs.")


def plan_add(records: list[dict]):
    def plan(catalogue: Catalogue) -> list[Change]:
        for record in records:
            check_new(record, catalogue)
        return [added(r) for r in records]

    return plan


def plan_update(record: dict):
    def plan(catalogue: Catalogue) -> list[Change]:
        before = catalogue.get(record["id"])
        check_links(record, catalogue)
        return [] if before == record else [updated(before, record)]

    return plan


def linking_records(catalogue: Catalogue, record_id: str) -> list[dict]:
    return catalogue.practices_linked_to(record_id)


def plan_remove(record_id: str, force: bool):
    def plan(catalogue: Catalogue) -> list[Change]:
        record = catalogue.get(record_id)
        linking = linking_records(catalogue, record["id"])
        if linking and not force:
            names = ", ".join(r["id"] for r in linking)
            raise MieuxError(
                f"{len(linking)} record{'s' if len(linking) > 1 else ''} link to '{record['id']}': {names}.",
                "Remove or edit them first, or add --force to remove the links as well.",
            )
        changes = []
        for practice in linking:
            unlinked = {**practice, "actions": [a for a in practice["actions"] if a != record["id"]],
                        "event": None if practice["event"] == record["id"] else practice["event"]}
            changes.append(updated(practice, unlinked))
        return changes + [removed(record)]

    return plan


def plan_undo(history: list[dict], to: int | None):
    """Changes that take the records back to where they were after change `to` (by default,
    before the latest change); their history entry lists the changes undone."""
    if not history:
        raise MieuxError("There is nothing to undo: the history is empty.", "See `mieux history`.")
    numbers = [e["n"] for e in history]
    if to is not None and to not in numbers:
        raise MieuxError(f"There is no change #{to}.", "See `mieux history` for the numbers.")
    if to is not None and to == numbers[-1]:
        raise MieuxError(f"Change #{to} is the latest: there is nothing after it to undo.", "See `mieux history`.")
    undone = [e for e in history if e["n"] > to] if to is not None else history[-1:]

    def plan(catalogue: Catalogue) -> list[Change]:
        target = dict(catalogue.by_id)
        for entry in reversed(undone):
            undo_into(target, entry)
        changes = []
        for record_id in dict.fromkeys(c["id"] for e in undone for c in e["changes"]):
            before, after = catalogue.by_id.get(record_id), target.get(record_id)
            if before == after:
                continue
            changes.append(added(after) if before is None else removed(before) if after is None else updated(before, after))
        return changes

    return plan, [e["n"] for e in undone]


def plan_restore(backup_records: list[dict]):
    """Make the records what they were in a backup, as one change that can itself be undone."""

    def plan(catalogue: Catalogue) -> list[Change]:
        wanted = {r["id"]: r for r in backup_records}
        changes = [removed(r) for r in catalogue.records if r["id"] not in wanted]
        for record_id, record in wanted.items():
            current = catalogue.by_id.get(record_id)
            if current is None:
                changes.append(added(record))
            elif current != record:
                changes.append(updated(current, record))
        return changes

    return plan


_SET = re.compile(r"^([a-z_]+)=(.*)$", re.S)


def parse_assignments(assignments: list[str], kind: str) -> dict:
    """['title=New', 'countries=CR; MX'] -> {'title': 'New', 'countries': ['CR', 'MX']}; list
    fields take values separated by ';', and an empty value clears the field."""
    from mieux_cli.records import LIST_FIELDS, fields_of

    values = {}
    for assignment in assignments:
        match = _SET.match(assignment.strip())
        if not match:
            raise MieuxError(f"'{assignment}' is not FIELD=VALUE.", "Write for example --set title='New title'.")
        field, value = match.groups()
        if field in ("id", "kind"):
            raise MieuxError(f"The {field} of a record cannot be changed.",
                             "Add a new record and remove this one instead.")
        if field not in fields_of(kind):
            close = difflib.get_close_matches(field, fields_of(kind), n=1)
            hint = f"Did you mean '{close[0]}'? " if close else ""
            raise MieuxError(f"A {kind} has no field '{field}'.", f"{hint}Its fields: {', '.join(fields_of(kind)[2:])}.")
        value = value.strip()
        if field in LIST_FIELDS:
            values[field] = [v.strip() for v in value.split(";") if v.strip()]
        else:
            values[field] = value or None
    return values


def edited(record: dict, changes: dict) -> dict:
    """The record with `changes` applied, validated like every other way in."""
    return normalize({**record, **changes})


EDIT_HEADER = """\
# Editing {id} ({kind}). Change what you need, then save and close the editor.
# Close it without saving to leave the record as it is. Lines starting with # are ignored.
# The ID and the kind cannot be changed here. Codes and names both work:
#   countries: [Costa Rica, MX]   themes: [IMT, LM]   areas: [THB]   gcm: [10, 23]
#   start/end: "2017", "2017-03" or "2017-03-15"   status: planned, ongoing or completed
# `mieux vocab` lists every code.
"""


def editable_text(record: dict, errors: list[str] = ()) -> str:
    """The record as commented YAML for an editor, with errors from the last attempt on top."""
    import yaml

    body = {k: v for k, v in record.items() if k not in ("id", "kind")}
    top = "".join(f"# ERROR: {e}\n" for e in errors)
    if errors:
        top += "# Fix the lines above, save and close; close without saving to give up.\n#\n"
    return top + EDIT_HEADER.format(**record) + yaml.safe_dump(
        body, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 16)


def parse_edited(text: str, record: dict) -> dict:
    """The edited text -> the validated record; errors as a list of one-line messages."""
    import yaml

    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise EditErrors([f"{where}this is not valid YAML ({getattr(e, 'problem', None) or e})"]) from None
    if not isinstance(body, dict):
        raise EditErrors(["the file should hold the record's fields, one 'field: value' per line"])
    if "id" in body and body["id"] != record["id"] or "kind" in body and body["kind"] != record["kind"]:
        raise EditErrors(["the ID and kind cannot be changed; remove those lines"])
    try:
        return normalize({**body, "id": record["id"], "kind": record["kind"]})
    except InvalidRecord as e:
        raise EditErrors([f"{field}: {message}" for field, message in e.problems]) from None


class EditErrors(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages
