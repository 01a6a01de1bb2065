"""One module per group of commands. Each parses arguments, calls the services, and renders
through mieux_cli.cli.output; heavy modules are imported inside the command functions."""

import shlex
from pathlib import Path

import typer

from mieux_cli.errors import MieuxError
from mieux_cli.model.catalogue import Catalogue

PREFIX_LISTED = 5  # records named when words of a title match several


def load_catalogue(ctx: typer.Context, out) -> Catalogue:
    """The catalogue selected by --db / MIEUX_DB, as its index answers it (queries/reading.py),
    with a notice when this run created it, migrated it, or found damaged records in it."""
    from mieux_cli.queries.reading import open_catalogue

    catalogue = open_catalogue(store(ctx), out.progress)
    announce(out, catalogue)
    return catalogue


def announce(out, catalogue: Catalogue) -> None:
    """What a command says about the catalogue it read before anything else."""
    if catalogue.created:
        out.notice(f"Created your catalogue at {catalogue.path} from the {len(catalogue.records)} shipped records.")
    if catalogue.damaged:
        names = ", ".join(str(r.get("id")) if isinstance(r, dict) else "?" for r, _ in catalogue.damaged[:5])
        more = f" and {len(catalogue.damaged) - 5} more" if len(catalogue.damaged) > 5 else ""
        out.notice(f"Skipped {len(catalogue.damaged)} damaged record{'s' if len(catalogue.damaged) != 1 else ''} "
                   f"({names}{more}): `mieux check` says what is wrong with them.")
    if catalogue.migrated_from:
        out.notice(f"Updated your catalogue {catalogue.path} from format {catalogue.migrated_from} to the current "
                   f"format; the file as it was is kept as a backup (`mieux backup --list`).")


def get_record(catalogue: Catalogue, out, record_id: str, by_title: bool = False) -> dict:
    """The record a user named: by its ID, a former one (saying which it is now), or the beginning
    of only one ID; with `by_title` (reads only: a change never guesses), also by words of its
    title, saying on standard error which record they name, and listing them when they name several."""
    from mieux_cli.errors import UnknownValue

    try:
        record = catalogue.find(record_id)
    except UnknownValue:
        named = catalogue.titled(record_id) if by_title else []
        if not named:
            raise
        if len(named) > 1:
            listed = "; ".join(f"{i} ({catalogue.by_id[i]['title']})" for i in named[:PREFIX_LISTED])
            more = f" and {len(named) - PREFIX_LISTED} more" if len(named) > PREFIX_LISTED else ""
            raise MieuxError(f"'{record_id}' is in the titles of {len(named)} records: {listed}{more}.",
                             "Give the ID of the one you mean.") from None
        record = catalogue.by_id[named[0]]
        out.notice(f"'{record_id}' is {record['id']} ({record['title']}).")
        return record
    if record["id"] != record_id.strip().lower() and record_id.strip().lower() in record.get("aliases", []):
        out.notice(f"'{record_id.strip().lower()}' was renamed '{record['id']}'; use the new ID from now on.")
    return record


def command_line(ctx: typer.Context) -> str:
    """The command as typed, for the history: 'mieux add practice --title ...'."""
    return shlex.join(["mieux", *ctx.find_root().meta.get("mieux.argv", [])])


def commit(ctx: typer.Context, plan, progress=None) -> int | None:
    """changes.commit for this command; once a change is saved the command has succeeded, and
    the edge (app.py) does not let a failure to print the confirmation say otherwise.
    `progress` (Output.progress) shows while a large catalogue's index is remade."""
    from mieux_cli.storage.history import commit as commit_changes

    number = commit_changes(store(ctx), plan, command_line(ctx), progress)
    ctx.find_root().meta["mieux.committed"] = number is not None
    return number


def store(ctx: typer.Context):
    from mieux_cli.storage.catalogue_file import Store

    return Store(catalogue_option(ctx))


def paged(ctx: typer.Context, out):
    """Output.paged, unless --no-pager was given."""
    return out.paged(enabled=not ctx.find_root().meta.get("mieux.no_pager"))


def catalogue_option(ctx: typer.Context) -> Path | None:
    """The catalogue file given with --db (before or after the command), if one was."""
    return ctx.find_root().meta.get("mieux.db")


def confirm(out, question: str, verb: str) -> bool:
    """Ask before a change ("Remove ...? [y/N]"); False, with a notice, when the answer is no.
    `verb` says what is not done ("removed"). Ctrl-C exits 130; input that ends before an answer
    (a script, </dev/null) is no answer, so nothing is done and it exits 2, pointing to --yes."""
    from mieux_cli.cli.prompts import Cancelled, Prompter
    from mieux_cli.errors import EXIT_INTERRUPTED

    prompter = Prompter()
    try:
        if prompter.confirm(question, default=False):
            return True
    except Cancelled as e:
        if e.interrupted or prompter.interactive:  # Ctrl-C, or Ctrl-D at a terminal
            out.notice(f"Cancelled: nothing was {verb}.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        infinitive = {"removed": "remove", "restored": "restore", "undone": "undo"}[verb]
        raise MieuxError(f"The input ended before an answer: nothing was {verb}.",
                         f"To {infinitive} without asking, add --yes.") from None
    out.notice(f"Nothing was {verb}.")
    return False


def refuse_writing_over_the_catalogue(ctx: typer.Context, path: Path, option: str) -> None:
    """An export or a brief is never written over the catalogue, its lock or its backups."""
    what = store(ctx).part_at(path)
    if what:
        raise MieuxError(f"{option} {path} is {what}: mieux never writes an export or a brief there.",
                         "Choose another path.")
