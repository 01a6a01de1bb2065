"""sync: the catalogue shared with colleagues through a git repository."""

from typing import Annotated

import typer

from mieux_cli.cli.commands import catalogue_option, command_line, options, store

SIDES = ("mine", "theirs")
BROUGHT_SHOWN = 8  # changes from colleagues a sync names before it counts the rest


def sync_command(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(
        metavar="CONFLICT", show_default=False,
        help="With --take: the conflicts it answers (a record's ID for all of its conflicts, ID:FIELD for one); "
             "none: every conflict.",
    )] = None,
    init: Annotated[str | None, typer.Option(
        "--init", metavar="REMOTE-OR-FOLDER", show_default=False,
        help="Share through this git repository from now on (saved as sync.remote): an address "
             "(git@gitlab.example.org:unit/catalogue.git, https://...) or a folder (a new or empty folder "
             "becomes a shared repository).",
    )] = None,
    take: Annotated[str | None, typer.Option(
        "--take", metavar="mine|theirs", show_default=False, autocompletion=lambda: list(SIDES),
        help="Answer conflicts of the last sync with your value (mine) or your colleague's (theirs), then sync.",
    )] = None,
    json_: options.json_option("what the sync did: committed, brought, conflicts, pushed") = False,
) -> None:
    """Share the catalogue with colleagues through git: commit your changes, merge theirs record by
    record, bring them in as one change (`mieux undo` reverts it here), and push.

    Set it up once with --init (or `mieux config set sync.remote ...`); every colleague runs
    `mieux sync` whenever they like. A record changed on one side takes that side; different
    fields changed on both sides are both kept; the same field changed on both sides, or a record
    removed on one side and changed on the other, is a conflict: nothing in the catalogue changes
    until you answer it with --take or by editing the file the report names. Offline, your changes
    are committed and pushed at the next sync. Git's own credentials are used (SSH keys, credential
    helpers); mieux never asks for or keeps a password.

    Examples:

      mieux sync --init git@gitlab.example.org:migration-unit/catalogue.git

      mieux sync --init /mnt/shared/mieux-catalogue.git

      mieux sync

      mieux sync --take theirs act-cr-integration-plans:title

      mieux sync --take mine
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.sharing.sync import remembered_remote, sync
    from mieux_cli.storage import settings

    out = Output(json_)
    side = None
    if take is not None:
        side = take.strip().lower()
        if side not in SIDES:
            raise MieuxError(f"--take is given '{take}'.", "Give --take mine (your value) or --take theirs (your colleague's).")
    elif names:
        raise MieuxError(f"'{names[0]}' is given without --take.",
                         f"To answer a conflict: mieux sync --take mine|theirs {names[0]}")
    # sync.remote is the default catalogue's; another (--db) keeps the one it was set up with
    default = catalogue_option(ctx) is None
    target = store(ctx)
    if init is not None:
        remote = settings.check("sync.remote", init)
    else:
        remote = settings.get("sync.remote") if default else remembered_remote(target)
        if remote is None:
            raise MieuxError("No repository to sync with is set." if default else
                             f"The catalogue {target.path} is not synced yet.",
                             "Set it up once: mieux sync --init REMOTE-OR-FOLDER (a git address, or a folder).")
    report = sync(target, remote, command_line(ctx), (side, names or []) if side else None, init=init is not None,
                  progress=out.progress)
    if init is not None and default:
        settings.set_value("sync.remote", report.remote)
    if report.number is not None:
        ctx.find_root().meta["mieux.committed"] = True
    if out.mode == "json":
        out.json({"committed": report.committed, "brought": report.brought, "change": report.number,
                  "conflicts": [{"name": c.name, "record": c.record_id, "field": c.field, "mine": c.mine,
                                 "theirs": c.theirs} for c in report.conflicts],
                  "pushed": report.pushed, "offline": report.offline, "tree": str(report.tree)})
    else:
        _say(out, report)
    if report.conflicts:
        raise typer.Exit(1)


def _say(out, report) -> None:
    from mieux_cli.cli.commands.admin import change_lines
    from mieux_cli.text import count_of

    if report.first:
        out.line(f"Committed the catalogue's {count_of(len(report.committed), 'record')} (its first sync).")
    elif report.committed:
        out.line(f"Committed {count_of(len(report.committed), 'record')} you changed: {', '.join(report.committed[:BROUGHT_SHOWN])}"
                 + (f" and {len(report.committed) - BROUGHT_SHOWN} more" if len(report.committed) > BROUGHT_SHOWN else "")
                 + ".")
    for conflict in report.conflicts:
        out.line(f"Conflict: {_conflict_line(conflict, report.theirs_name)}")
    if report.conflicts:
        out.line(f"Nothing in the catalogue was changed. Answer each conflict: mieux sync --take mine|theirs "
                 f"ID[:FIELD], or edit its file in {report.tree} and run `mieux sync`.")
        return
    if report.brought:
        out.line(f"Brought in {count_of(len(report.brought), 'change')} from {report.remote}:")
        for change in report.brought[:BROUGHT_SHOWN]:
            out.line(f"    {change_lines(change, detailed=False)[0]}")
        if len(report.brought) > BROUGHT_SHOWN:
            out.line(f"    ... and {len(report.brought) - BROUGHT_SHOWN} more")
        out.line(f"This is change #{report.number}; `mieux undo` reverts it here (and the next sync shares that).")
    if report.offline:
        out.line(f"Could not reach {report.remote} ({report.offline}): your changes are committed here and will "
                 "be pushed at the next sync.")
    elif report.pushed:
        out.line(f"Pushed to {report.remote}.")
    elif not report.committed and not report.brought:
        out.line(f"Up to date with {report.remote}.")


def _conflict_line(conflict, theirs_name: str) -> str:
    from mieux_cli.cli.commands.admin import short_value

    if conflict.field is None:
        if conflict.why:
            whose = "you" if conflict.mine is None else theirs_name
            return (f"{conflict.record_id}: removed by {whose}, but {conflict.why} still link{'s' if ',' not in conflict.why else ''} "
                    f"to it (--take mine {'removes' if conflict.mine is None else 'keeps'} it).")
        if conflict.mine is None:
            return f"{conflict.record_id}: you removed it; {theirs_name} changed it."
        return f"{conflict.record_id}: you changed it; {theirs_name} removed it."
    return (f"{conflict.name}: yours {short_value(conflict.mine)!r}, {theirs_name}'s {short_value(conflict.theirs)!r}.")


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "sync": sync_command,
}
