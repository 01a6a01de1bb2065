"""The Typer app: global options, the commands, and the edge where a MieuxError becomes a
one-line message and an exit code.

Commands are built lazily: `mieux list` imports and builds the `list` command only, not the
fifteen others (building every command's options took ~20 ms, a sixth of start-up). Each module
in mieux_cli/commands/ has a COMMANDS table; COMMAND_MODULES says where each command lives.
"""

import importlib
from pathlib import Path
from typing import Annotated, ClassVar

import typer
from typer.core import TyperGroup

from mieux_cli import __version__
from mieux_cli.errors import EXIT_INTERRUPTED, MieuxError

COMMAND_MODULES = {
    "list": "query", "search": "query", "show": "query", "summary": "summary", "brief": "brief",
    "add": "author", "edit": "author", "remove": "author", "rename": "author", "import": "transfer", "export": "transfer",
    "history": "admin", "undo": "admin", "backup": "admin", "restore": "admin", "check": "admin",
    "vocab": "vocab", "schema": "schema", "config": "config",
}


class _MieuxGroup(TyperGroup):
    """Builds commands on demand, and turns the domain exception into a clean error, never a
    traceback."""

    _built: ClassVar[dict] = {}

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx, name: str):
        if name not in COMMAND_MODULES:
            return None
        if name not in self._built:
            module = importlib.import_module(f"mieux_cli.commands.{COMMAND_MODULES[name]}")
            single = typer.Typer(rich_markup_mode=None, add_completion=False)
            function = module.COMMANDS[name]
            if getattr(function, "builds_command", False):  # options made from the schema
                function = function()
            single.command(name)(function)
            self._built[name] = typer.main.get_command(single)
        return self._built[name]

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


def main() -> None:
    app(prog_name="mieux")
