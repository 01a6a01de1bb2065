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
from typer.core import TyperCommand, TyperGroup

from mieux_cli import __version__
from mieux_cli.errors import EXIT_INTERRUPTED, IndexBroken, MieuxError

COMMAND_MODULES = {
    "list": "query", "search": "query", "show": "query", "summary": "summary", "brief": "brief",
    "add": "add", "edit": "edit", "remove": "edit", "rename": "edit", "import": "transfer", "export": "transfer",
    "history": "admin", "undo": "admin", "backup": "admin", "restore": "admin", "check": "admin",
    "vocab": "vocab", "schema": "schema", "config": "config", "info": "info", "sync": "sync",
}


def check_typed_values(command, ctx, args: list[str]) -> None:
    """What was typed for a command, before any conversion, checked here for every command:
    - a path is never empty (typed "" it would become ".", and an export would write over the
      current folder);
    - any other value is text that may be stored or compared, so it must be UTF-8: bytes that are
      not reach Python as surrogate escapes, which no JSON file can hold. File names may hold such
      bytes: they are only passed back to the operating system."""
    from mieux_cli.text import undecodable_byte

    opts, _, _ = command.make_parser(ctx).parse_args(args=list(args))
    for param in command.get_params(ctx):
        typed = opts.get(param.name)
        name = max(param.opts, key=len) if param.param_type_name == "option" else param.human_readable_name
        for value in typed if isinstance(typed, list | tuple) else [typed]:
            if not isinstance(value, str):
                continue
            if param.type.name == "path":
                if not value:
                    raise MieuxError(f"{name} is empty.", "Give a file or folder name (. for the current folder).")
            elif (byte := undecodable_byte(value)) is not None:
                raise MieuxError(f"The value of {name} is not UTF-8 text (it holds the byte 0x{byte:02x}).",
                                 "Give it as UTF-8: only file names may hold other bytes.")


class _MieuxCommand(TyperCommand):
    def parse_args(self, ctx, args):
        if not ctx.resilient_parsing:  # shell completion parses half-typed lines
            check_typed_values(self, ctx, args)
        return super().parse_args(ctx, args)


class _MieuxGroup(TyperGroup):
    """Builds commands on demand, and turns the domain exception into a clean error, never a
    traceback."""

    _built: ClassVar[dict] = {}  # shared: each command is built once a process

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx, name: str):
        if name not in COMMAND_MODULES:
            return None
        if name not in self._built:
            module = importlib.import_module(f"mieux_cli.cli.commands.{COMMAND_MODULES[name]}")
            single = typer.Typer(rich_markup_mode=None, add_completion=False)
            function = module.COMMANDS[name]
            if getattr(function, "builds_command", False):  # options made from the schema
                function = function()
            single.command(name, cls=_MieuxCommand)(function)
            command = _plain_placeholders(typer.main.get_command(single))
            # `mieux list --db X` as well as `mieux --db X list`; the same for --no-pager
            command.params += [_db_option(), _no_pager_option()]
            self._built[name] = command
        return self._built[name]

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and name not in COMMAND_MODULES and not name.startswith("-") and not ctx.resilient_parsing:
            import difflib  # Typer suggests from the commands it has built, and these are built on demand

            close = difflib.get_close_matches(name, list(COMMAND_MODULES), n=1)
            ctx.fail(f"No such command {name!r}." + (f" Did you mean {close[0]!r}?" if close else ""))
        return super().resolve_command(ctx, args)

    def _main_shell_completion(self, ctx_args, prog_name, complete_var=None):
        # Completion descriptions are plain text already (options.complete_ids). Typer 0.28 would
        # render them as rich markup, which interprets "[bold]" and ":smile:" and wraps a long one
        # onto lines that fish and PowerShell take for candidates; show them as they are instead.
        import typer._completion_classes

        from mieux_cli.cli.commands.options import prepare_shell_completion

        typer._completion_classes._sanitize_help_text = str
        prepare_shell_completion()
        return super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def parse_args(self, ctx, args):
        ctx.meta["mieux.argv"] = list(args)  # the history records the command that made a change
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        from typer._click.exceptions import (
            UsageError,  # Typer 0.28 (pinned) carries its own click
        )

        from mieux_cli.cli import output

        try:
            try:
                return self._invoke_reading_the_file_if_the_index_breaks(ctx)
            finally:
                output.flush_stdout()  # a failure now can be reported; at exit it would be a traceback
        except UsageError as e:
            output.Output().error(usage_error(e))
            raise typer.Exit(e.exit_code) from None
        except MieuxError as e:
            output.Output().error(str(e))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except output.OutputFailed as e:
            raise typer.Exit(output.output_failed(e, committed=ctx.meta.get("mieux.committed", False))) from None


    def _invoke_reading_the_file_if_the_index_breaks(self, ctx):
        import os

        args = (list(ctx._protected_args), list(ctx.args))
        try:
            return super().invoke(ctx)
        except IndexBroken as e:
            from mieux_cli.storage.catalogue_file import NO_INDEX, Store

            if e.damaged:
                Store(ctx.obj).discard_index()  # the next read makes it again
            if ctx.meta.get("mieux.committed"):  # never run a change twice
                raise
            if ctx.meta.get("mieux.streamed"):  # nor write the start of a long list twice
                from mieux_cli.errors import StorageError

                raise StorageError("The catalogue changed while it was being read: what was written above is incomplete.",
                                   "Run the command again.") from None
            if ctx.meta.get("mieux.asked"):  # nor ask a person everything again (prompts._asking)
                raise MieuxError("The catalogue's index broke while you were answering: nothing was written.",
                                 "It is made again at the next command; run this one again.") from None
            ctx._protected_args, ctx.args = args
            before = os.environ.get(NO_INDEX)
            os.environ[NO_INDEX] = "1"  # this command reads the file
            try:
                return super().invoke(ctx)
            finally:
                if before is None:
                    del os.environ[NO_INDEX]
                else:
                    os.environ[NO_INDEX] = before


# Options that once meant something else, or were spelled otherwise: where to point people.
RENAMED_OPTIONS = {
    "-y": "-y is short for --yes everywhere; for years, write --year (for example --year 2015-2018).",
    "--out": "--out is now --output (-o), as in every command that writes a file.",
    "--output": "--output is the file or folder a command writes; an action's outputs are set with --result-output.",
    "--as-of": "--as-of keeps records whose status was known then (list, search ...); a brief's date is --date.",
}


def usage_error(error) -> str:
    """A mistake on the command line as one line: what is wrong, and an example to copy."""
    from typer._click.exceptions import MissingParameter, NoSuchOption

    message = error.format_message()
    message += "" if message.endswith((".", "?", "!")) else "."
    if isinstance(error, NoSuchOption) and error.option_name in RENAMED_OPTIONS:
        message = RENAMED_OPTIONS[error.option_name]
    command = error.ctx.command if error.ctx else None
    example = _first_example(command.help or "") if command and isinstance(error, MissingParameter) else ""
    path = error.ctx.command_path if error.ctx else "mieux"
    return f"{message} {'For example: ' + example + '. ' if example else ''}See `{path} -h`."


def _first_example(help_text: str) -> str:
    lines = help_text.split("Examples:", 1)[1].strip().splitlines() if "Examples:" in help_text else []
    return lines[0].strip() if lines else ""


def _plain_placeholders(command):
    """One style of placeholder in help and usage: NAME for a value to give, [NAME] when it may
    be left out, NAME... for several (Typer writes {ID}, [kind], <int range>, <str>)."""
    from typer._click.types import IntParamType
    from typer.core import TyperArgument, TyperOption

    for param in command.params:
        if isinstance(param, TyperArgument):
            name = (param.metavar or param.name).strip("[]{}.").upper()
            shown = name + ("..." if param.nargs != 1 else "")
            shown = shown if param.required else f"[{shown}]"
            param.make_metavar = lambda ctx=None, usage=False, shown=shown: shown
        elif isinstance(param, TyperOption) and not param.is_flag and param.metavar is None:
            param.metavar = "N" if isinstance(param.type, IntParamType) else param.name.upper()
    return command


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


DB_HELP = ("The catalogue file to use (before or after the command). Default: $MIEUX_DB, else catalogue.json in "
           "your data directory (created from the shipped catalogue on first use).")


def _remember_db(ctx, _param, value):
    """--db, wherever it is given (the last one counts), for commands.store and completion."""
    if value is not None:
        ctx.find_root().meta["mieux.db"] = value
    return value


def _db_option():
    from typer.core import TyperOption

    return TyperOption(param_decls=["--db"], type=Path, metavar="PATH", expose_value=False, callback=_remember_db,
                       help=DB_HELP, show_default=False)


NO_PAGER_HELP = "Never page long output on a terminal (before or after the command)."


def _remember_no_pager(ctx, _param, value):
    if value:
        ctx.find_root().meta["mieux.no_pager"] = True
    return value


def _no_pager_option():
    from typer.core import TyperOption

    return TyperOption(param_decls=["--no-pager"], is_flag=True, expose_value=False, callback=_remember_no_pager,
                       help=NO_PAGER_HELP)


def _print_version(value: bool) -> None:
    if value:
        from mieux_cli.cli.output import Output

        Output().line(f"mieux {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None, typer.Option("--db", metavar="PATH", show_default=False, callback=_remember_db, help=DB_HELP),
    ] = None,
    no_pager: Annotated[bool, typer.Option("--no-pager", callback=_remember_no_pager, help=NO_PAGER_HELP)] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    pass  # the options before any command; --db is also taken after it (see _db_option)


def main() -> None:
    from mieux_cli.cli.output import configure_streams

    configure_streams()
    app(prog_name="mieux")
