"""history, undo, backup and restore."""

import re
from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.cli.commands import (
    announce,
    commit,
    confirm,
    load_catalogue,
    options,
    paged,
    store,
)


def short_value(value, limit: int = 60) -> str:
    """A field value in one short line, for diffs."""
    if isinstance(value, list):
        text = "[" + ", ".join(v if isinstance(v, str) else (v.get("title") or v.get("country") or str(v)) if isinstance(v, dict) else str(v)
                               for v in value) + "]"
    else:
        text = "-" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def change_lines(change: dict, detailed: bool) -> list[str]:
    """'added ID', 'removed ID', 'changed ID: title, tags' (+ one line per field when detailed);
    a colleague's change that a sync brought ends with '(by NAME)'."""
    lines = _change_lines(change, detailed)
    if isinstance(change.get("by"), str):
        lines[0] += f" (by {' '.join(change['by'].split())})"
    return lines


def _change_lines(change: dict, detailed: bool) -> list[str]:
    if change["op"] == "drop":
        return [f"took out the damaged record {change['id']} (it {change.get('why') or 'was damaged'})"]
    if change["op"] == "revive":
        return [f"put back the damaged record {change['id']}"]
    if change["op"] in ("add", "remove"):
        verb = "added" if change["op"] == "add" else "removed"
        return [f"{verb} {change['id']} ({change['kind']}) {short_value(change['title'])}"]
    lines = [f"changed {change['id']}: {', '.join(change['diff'])}"]
    if detailed:
        lines += [f"    {f}: {short_value(old)} -> {short_value(new)}" for f, (old, new) in change["diff"].items()]
    return lines


def history_command(
    ctx: typer.Context,
    record_id: Annotated[str | None, typer.Argument(metavar="ID", show_default=False,
                                                    help="Only the changes to this record, field by field.",
                                                    autocompletion=options.complete_ids)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="Show the N latest changes.")] = 20,
    json_: options.json_option("the changes, newest first (each with its diff)") = False,
) -> None:
    """Show the changes made to the catalogue, newest first: when, who, which command, what.

    Examples:

      mieux history

      mieux history act-cr-integration-plans

      mieux history --limit 5 --json
    """
    from mieux_cli.cli.output import Output

    out = Output(json_)
    catalogue = load_catalogue(ctx, out)
    entries = store(ctx).history(newest=None if record_id is not None else limit)
    if record_id is not None:
        wanted = {catalogue.resolve_id(record_id, also={c["id"] for e in entries for c in e.get("changes", [])})}
        if next(iter(wanted)) in catalogue.by_id:  # its changes under its former IDs too
            record = catalogue.by_id[next(iter(wanted))]
            wanted = {record["id"], *record.get("aliases", [])}
        entries = [{**e, "changes": [c for c in e.get("changes", []) if c["id"] in wanted]} for e in entries]
        entries = [e for e in entries if e["changes"]]
    entries = entries[::-1][:limit]
    if out.mode == "json":
        out.json([
            {"n": e["n"], "damaged": e["damaged"]} if "damaged" in e else
            {"n": e["n"], "at": e["at"], "user": e["user"], "command": e["command"], "undoes": e["undoes"],
             "changes": [{"op": c["op"], "id": c["id"], "kind": c.get("kind"), "title": c.get("title"),
                          **({"by": c["by"]} if isinstance(c.get("by"), str) else {}),
                          **({"diff": {f: {"before": old, "after": new} for f, (old, new) in c["diff"].items()}}
                             if c["op"] == "update" else {})}
                         for c in e["changes"]]}
            for e in entries
        ])
        return
    if not entries:
        out.notice("No changes recorded yet.")
        return
    with paged(ctx, out):
        for entry in entries:
            if "damaged" in entry:
                out.line(f"#{entry['n']}  damaged in the file: it {entry['damaged']} (see `mieux check`)")
                continue
            out.line(entry_line(entry))
            shown, more = _first_lines(entry["changes"], detailed=record_id is not None)
            for line in shown:
                out.line(f"    {line}")
            if more:
                out.line(f"    ... and {more} more")


HISTORY_LINES = 8  # lines of changes `history` shows of an entry before it counts the rest


def _first_lines(changes: list[dict], detailed: bool) -> tuple[list[str], int]:
    """The first HISTORY_LINES lines of an entry's changes, and how many more there are: only those
    shown are made (a bulk import's entry holds 100,000 changes)."""
    shown: list[str] = []
    more = 0
    for change in changes:
        if len(shown) < HISTORY_LINES:
            shown += change_lines(change, detailed)
        else:
            more += 1 + (len(change["diff"]) if detailed and change["op"] == "update" else 0)
    return shown[:HISTORY_LINES], more + len(shown[HISTORY_LINES:])


def entry_line(entry: dict) -> str:
    """'#12  2026-11-28 10:02:03 UTC  alice  mieux import records.yaml'."""
    return f"#{entry['n']}  {entry['at'].replace('T', ' ').rstrip('Z')} UTC  {entry['user']}  {entry['command']}"


UNDO_SHOWN = 8  # changes, and records, an undo names before it counts the rest


def undo_command(
    ctx: typer.Context,
    to: Annotated[int | None, typer.Option("--to", metavar="N", show_default=False,
                                           help="Undo every change after change N (see `mieux history`).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Undo without asking for confirmation.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be undone; write nothing.")] = False,
) -> None:
    """Undo the latest change, or every change after a given one, after confirmation.

    It first shows the changes it undoes and what that does to the records (the first few, and a
    count of the rest), and asks; --yes neither shows nor asks. An undo is itself a change, recorded in the history: undo it to redo what
    it undid.

    Examples:

      mieux undo

      mieux undo --to 12 --dry-run

      mieux undo --yes
    """
    from mieux_cli.authoring.plans import plan_undo
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError

    out = Output()
    catalogue = load_catalogue(ctx, out)
    recorded = store(ctx).history(newest=1 if to is None else None)  # the latest change, unless --to
    plan, undone = plan_undo(recorded, to)
    entries = {e["n"]: e for e in recorded}
    described = ", ".join(f"#{n} ({entries[n]['command']})" for n in reversed(undone))
    changes = plan(catalogue)
    if not changes:
        out.notice(f"Nothing to undo: {described} left the records as they are.")
        return
    if not yes or dry_run:  # --yes: no question, so nothing to look at before it
        _show_undo(out, [entries[n] for n in reversed(undone)], changes)
    if dry_run:
        out.notice("Dry run: nothing was undone.")
        return
    if not yes and not confirm(out, f"Undo {'it' if len(undone) == 1 else 'them'}?", "undone"):
        return
    shown = [(c.op, c.record_id) for c in changes]

    def as_shown(current):
        """The undo that was shown, planned again on the records and history as they are under
        the lock, or none: another process may have changed them since."""
        again, as_shown.undoes = plan_undo(current.recorded(newest=1 if to is None else None), to)
        now = again(current)
        if as_shown.undoes != undone or [(c.op, c.record_id) for c in now] != shown:
            raise MieuxError("The catalogue changed while the undo was shown: nothing was undone.",
                             "Run `mieux undo` again to see what it would do now.")
        return now

    number = commit(ctx, as_shown)
    out.notice(f"Undid {described}. This undo is change #{number}; `mieux undo` again reverts it.")


def _show_undo(out, entries: list[dict], changes: list) -> None:
    """The changes an undo reverts, then what it does to the records; the first few of each."""
    from mieux_cli.storage.history import diff

    if len(entries) == 1:
        out.line(f"Undo {entry_line(entries[0])}")
    else:
        out.line(f"Undo {len(entries)} changes:")
        for entry in entries[:UNDO_SHOWN]:
            out.line(f"    {entry_line(entry)}")
        if len(entries) > UNDO_SHOWN:
            out.line(f"    ... and {len(entries) - UNDO_SHOWN} more changes")
    out.line(f"It would {_counted(changes)}:")
    for change in changes[:UNDO_SHOWN]:
        record = change.after or change.before
        if change.op == "update":
            out.line(f"    change {change.record_id}: {', '.join(diff(change.before, change.after))}")
        elif change.op in ("drop", "revive"):
            out.line(f"    {_VERBS[change.op]} {change.record_id}")
        else:
            out.line(f"    {_VERBS[change.op]} {change.record_id} ({record['kind']}) {short_value(record['title'])}")
    if len(changes) > UNDO_SHOWN:
        out.line(f"    ... and {len(changes) - UNDO_SHOWN} more")


_VERBS = {"add": "add", "remove": "remove", "update": "change", "drop": "take out the damaged record",
          "revive": "put back the damaged record"}
_COUNTED = {"add": "add {n} record{s}", "update": "change {n} record{s}", "remove": "remove {n} record{s}",
            "drop": "take out {n} damaged record{s}", "revive": "put back {n} damaged record{s}"}


def _counted(changes: list) -> str:
    """'add 1 record, remove 2 records, take out 1 damaged record'."""
    counts = {op: sum(1 for c in changes if c.op == op) for op in _COUNTED}
    return ", ".join(_COUNTED[op].format(n=n, s="s" if n != 1 else "") for op, n in counts.items() if n)


def backup_command(
    ctx: typer.Context,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the backups instead of making one.")] = False,
    json_: options.json_option("the backups (with --list): number, file, kind and size") = False,
) -> None:
    """Make a backup of the catalogue now, or list the backups.

    A backup is also kept automatically before every change (the newest 10); backups made with
    this command are kept until you delete them. `mieux restore` puts one back.

    Examples:

      mieux backup

      mieux backup --list
    """
    from mieux_cli.cli.output import Column, Output
    from mieux_cli.text import os_text

    out = Output(json_)
    catalogue_store = store(ctx)
    if not list_:
        load_catalogue(ctx, out)
        path = catalogue_store.backup()
        out.notice(f"Backed up to {path}.")
        return
    backups = catalogue_store.backups()[::-1]
    sizes = [_size(b.path) for b in backups]
    if out.mode == "json":
        out.json([{"n": i, "file": os_text(str(b.path)), "kind": b.kind, "bytes": size}
                  for i, (b, size) in enumerate(zip(backups, sizes), 1)])
        return
    rows = [{"n": str(i), "file": os_text(b.path.name), "kind": b.kind, "size": "?" if size is None else f"{size / 1024:.0f} KB"}
            for i, (b, size) in enumerate(zip(backups, sizes), 1)]
    if not rows:
        out.notice("No backups yet.")
        return
    # `restore N` needs the number: it is never dropped; the name wraps after its hyphens.
    out.table([Column("#", "n", justify="right"), Column("Backup", "file", wrap=True, main=True, min_width=16),
               Column("Kind", "kind", drop=1), Column("Size", "size", justify="right", drop=2)], rows)
    out.notice(f"In {os_text(str(catalogue_store.backups_folder))}. Restore one with `mieux restore N`.")


def _size(path) -> int | None:
    """In bytes; None for a backup deleted since it was listed (by another process's rotation)."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def restore_command(
    ctx: typer.Context,
    backup: Annotated[Path | None, typer.Argument(
        metavar="BACKUP", show_default=False,
        help="The number `mieux backup --list` shows (1 is the newest), or a backup's name or file. Default: the newest.",
    )] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Restore without asking for confirmation.")] = False,
) -> None:
    """Put the records of a backup back, after confirmation.

    Every record of the backup is checked as `mieux import` checks records; a backup with a
    problem is refused, with every problem listed. The current state is backed up first, and the
    restore is recorded as one change: `mieux undo` reverts it.

    Examples:

      mieux restore

      mieux restore 3 --yes
    """
    from mieux_cli.authoring.plans import plan_restore
    from mieux_cli.cli.commands.transfer import show_problems
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import EXIT_USAGE, MieuxError
    from mieux_cli.formats.import_checks import ImportRefused
    from mieux_cli.formats.importing import check_whole_catalogue, difference_is_whole
    from mieux_cli.queries.filters import Filters
    from mieux_cli.storage import restoring
    from mieux_cli.storage.file_format import read_backup
    from mieux_cli.text import count_of

    out = Output()
    catalogue_store = store(ctx)
    backups = catalogue_store.backups()[::-1]
    if backup is None or re.fullmatch("[0-9]+", str(backup)):  # str.isdigit() also takes '¹' and '٣'
        index = int(str(backup or 1))
        if not 1 <= index <= len(backups):
            raise MieuxError(f"There is no backup number {index}." if backups else "There are no backups yet.",
                             "See `mieux backup --list`.")
        path = backups[index - 1].path
    else:
        path = backup.expanduser()
        if not path.exists():  # a name as `mieux backup --list` shows it
            path = next((b.path for b in backups if b.path.name == str(backup)), path)
    current = load_catalogue(ctx, out)
    # A backup is a version of the file: the records it differs by, from their lines alone.
    difference = restoring.difference(catalogue_store, path)

    def whole() -> list[dict]:
        try:
            return check_whole_catalogue(read_backup(path), str(path))
        except ImportRefused as e:
            show_problems(out, e.problems)
            out.notice(f"Nothing was restored: {path.name} has {count_of(len(e.problems), 'problem')} in "
                       f"{count_of(len({p.index for p in e.problems}), 'record')}. "
                       "Choose another backup: see `mieux backup --list`.")
            raise typer.Exit(EXIT_USAGE) from None

    if difference is not None and difference_is_whole(difference, current):
        plan = plan_restore(whole, difference)
        held = current.count(Filters()) - len(difference.unwanted) + len(difference.wanted)
    else:
        records = whole()
        plan, held = plan_restore(records), len(records)
    changes = plan(current)
    if not changes:
        out.notice(f"The catalogue already holds exactly the records of {path.name}: nothing to restore.")
        return
    if not yes and not confirm(out, f"Restore {path.name} ({held} records): {_counted(changes)}?", "restored"):
        return
    number = commit(ctx, plan)
    if number is None:  # another process restored it (or made the same records) meanwhile
        out.notice(f"The catalogue already holds exactly the records of {path.name}: nothing to restore.")
        return
    out.notice(f"Restored {path.name} as change #{number}; `mieux undo` reverts it.")


def check_command(
    ctx: typer.Context,
    json_: options.json_option("the report: errors, warnings, problems and completeness") = False,
    show_all: Annotated[bool, typer.Option("--all", help="List the completeness of every record, and every record "
                                           "of a group of near-duplicates.")] = False,
    sources_dir: Annotated[Path | None, typer.Option(
        "--sources", metavar="DIR", show_default=False,
        help="A folder of text copies of sources (named by a source's `file` part, or by its title with .txt "
             "or .md): list the values records state that their sources do not hold.",
    )] = None,
) -> None:
    """Check the catalogue: broken links, duplicate IDs and near-duplicate titles, values outside
    the vocabularies, missing fields, practices with no action, actions named but not in the
    catalogue yet, and how complete each record is. With --sources, also every number, date,
    country, place and organisation a record states that its source does not, quotes that are
    not the source's words, and who-said-what the source does not say.

    Exits with 1 when it finds errors (warnings alone exit 0).

    Examples:

      mieux check

      mieux check --all --json

      mieux check --sources ~/mieux-sources/
    """
    from mieux_cli.checks.catalogue import Problem, check, steps
    from mieux_cli.checks.fidelity import SourceFolder
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError

    out = Output(json_)
    if sources_dir is not None and not sources_dir.is_dir():
        raise MieuxError(f"There is no folder {sources_dir}.", "Give the folder that holds the text copies of your sources.")
    catalogue, index_problem, remade = store(ctx).verify_index()
    announce(out, catalogue)
    if index_problem is None:
        index_line = "matches the catalogue file, record for record"
    else:
        index_line = f"{index_problem}; " + ("made again from the file" if remade else "it could not be made again here")
    everything = catalogue.records + [record for record, _ in catalogue.damaged]
    sources = SourceFolder(sources_dir) if sources_dir else None
    with out.progress(steps(everything, sources), "Checking") as advance:
        report = check(everything, show_all, sources, advance)
    report.problems += [
        Problem("error", f"history #{entry['n']}", "history", (
            f"is damaged: it {entry['damaged']}; `mieux undo` cannot go back across it (restore a backup for that)"))
        for entry in store(ctx).history() if "damaged" in entry]
    synced = _sync_status(ctx, catalogue.records)
    if sources_dir is not None and report.without_copies:
        out.notice(f"{len(report.without_copies)} of {len(catalogue.records)} records cite no source with a copy in "
                   f"{sources_dir}: they were not compared with their sources.")
    if out.mode == "json":
        out.json({"errors": len(report.errors), "warnings": len(report.problems) - len(report.errors),
                  "problems": [p.as_dict() for p in report.problems],
                  "completeness": {"overall": report.overall, "records": report.completeness},
                  "index": {"problem": index_problem, "remade": remade},
                  **({"sync": synced[1]} if synced else {})})
    else:
        with paged(ctx, out):
            for problem in report.problems:
                out.line(f"{problem.severity:<8} {problem.record_id}  {problem.field}: {problem.message}")
            least = sorted(report.completeness.items(), key=lambda kv: (kv[1], kv[0]))
            shown = least if show_all else least[:5]
            out.line(f"Completeness: {report.overall:.0%} overall, over {len(report.completeness)} records.")
            label = "Every record" if show_all else "Least complete"
            if shown:
                out.line(f"{label}: " + ", ".join(f"{record_id} {score:.0%}" for record_id, score in shown) + ".")
            out.line(f"Index: {index_line}.")
            if synced:
                out.line(f"Sync: {synced[0]}.")
        warnings = len(report.problems) - len(report.errors)
        out.notice(f"{len(report.errors)} errors, {warnings} warnings.")
    if report.errors:
        raise typer.Exit(1)


def _sync_status(ctx: typer.Context, records: list[dict]) -> tuple[str, dict] | None:
    """How the catalogue stands against its last `mieux sync`, in words and as data, or None when
    it is not synced; a problem reading the work tree is said in its place, and the check goes on."""
    from mieux_cli.errors import MieuxError
    from mieux_cli.sharing.sync import status

    try:
        found = status(store(ctx), records)
    except MieuxError as e:
        return f"cannot be compared with the last sync: {e.message.rstrip('.')}", {"problem": e.message}
    if found is None:
        return None
    return str(found), {"commit": found.commit, "changed": found.changed, "conflicts": found.conflicts}


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "check": check_command,
    "history": history_command,
    "undo": undo_command,
    "backup": backup_command,
    "restore": restore_command,
}
