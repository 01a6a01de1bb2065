"""One module per group of commands. Each parses arguments, calls the services, and renders
through mieux_cli.output; heavy modules are imported inside the command functions."""

import shlex
from pathlib import Path

import typer

from mieux_cli.catalogue import Catalogue
from mieux_cli.errors import MieuxError


def load_catalogue(ctx: typer.Context, out) -> Catalogue:
    """The catalogue selected by --db / MIEUX_DB, with a notice when this run created it."""
    catalogue = store(ctx).load()
    if catalogue.created:
        out.notice(f"Created your catalogue at {catalogue.path} from the {len(catalogue.records)} shipped records.")
    return catalogue


def command_line(ctx: typer.Context) -> str:
    """The command as typed, for the history: 'mieux add practice --title ...'."""
    return shlex.join(["mieux", *ctx.find_root().meta.get("mieux.argv", [])])


def store(ctx: typer.Context):
    from mieux_cli.store import Store

    return Store(ctx.find_root().obj)


def refuse_writing_over_the_catalogue(ctx: typer.Context, path: Path, option: str) -> None:
    """An export or a brief is never written over the catalogue, its lock or its backups."""
    what = store(ctx).part_at(path)
    if what:
        raise MieuxError(f"{option} {path} is {what}: mieux never writes an export or a brief there.",
                         "Choose another path.")
