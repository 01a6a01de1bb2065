"""One module per group of commands. Each parses arguments, calls the services, and renders
through mieux_cli.output; heavy modules are imported inside the command functions."""

import shlex

import typer

from mieux_cli.catalogue import Catalogue


def load_catalogue(ctx: typer.Context, out) -> Catalogue:
    """The catalogue selected by --db / MIEUX_DB, with a notice when this run created it."""
    catalogue = store(ctx).load()
    if catalogue.created:
        out.notice(f"Created your catalogue at {catalogue.path} from the {len(catalogue.records)} shipped records.")
    return catalogue


def command_line(ctx: typer.Context) -> str:
    """The command as typed, for the history: 'mieux add practice --title ...'."""
    return shlex.join(["mieux", *ctx.find_root().meta.get("mieux.argv", [])])


def commit(ctx: typer.Context, plan, undoes: list[int] | None = None) -> int | None:
    """changes.commit for this command; once a change is saved the command has succeeded, and
    the edge (app.py) does not let a failure to print the confirmation say otherwise."""
    from mieux_cli.changes import commit as commit_changes

    number = commit_changes(store(ctx), plan, command_line(ctx), undoes=undoes)
    ctx.find_root().meta["mieux.committed"] = number is not None
    return number


def store(ctx: typer.Context):
    from mieux_cli.store import Store

    return Store(ctx.find_root().obj)
