"""The Typer app: global options, command registration, and the edge where a MieuxError becomes
a one-line message and an exit code. Command modules import their services lazily, so that
`mieux --version` and `--help` stay fast."""

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from mieux_cli import __version__
from mieux_cli.errors import EXIT_INTERRUPTED, MieuxError


class _MieuxGroup(TyperGroup):
    """Turns the domain exception into a clean error, never a traceback."""

    def parse_args(self, ctx, args):
        ctx.meta["mieux.argv"] = list(args)  # the history records the command that made a change
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MieuxError as e:
            from mieux_cli.output import Output

            Output().error(str(e))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None


app = typer.Typer(
    name="mieux",
    cls=_MieuxGroup,
    help="A terminal catalogue of MIEUX Actions, good practices, round-tables and context facts.\n\n"
    "Start with `mieux list`, `mieux search WORDS` or `mieux summary`. Add --json to any read "
    "command for scripts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"mieux {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", metavar="PATH", show_default=False,
            help="The catalogue file to use. Default: $MIEUX_DB, else catalogue.json in your data "
            "directory (created from the shipped catalogue on first use).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    ctx.obj = db


from mieux_cli.commands import admin, author, brief, query, summary, transfer, vocab  # noqa: E402  (they register on `app`)

for module in (query, summary, brief, author, transfer, admin, vocab):
    module.register(app)


def main() -> None:
    app(prog_name="mieux")
