"""Options shared by the read commands, defined once (like sqlite-utils' shared decorators)."""

import functools
import inspect
from typing import Annotated

import typer

COMPLETION_CHARS = 60  # a title in a completion menu: long ones are cut, so a menu row stays one row


def complete_ids(ctx: typer.Context, incomplete: str):
    """Record IDs with their titles, which zsh, fish and PowerShell show beside them: as plain,
    short, one-line text, since a newline or a long wrapped title would make a candidate of its own."""
    from mieux_cli.errors import MieuxError
    from mieux_cli.queries.reading import open_catalogue
    from mieux_cli.storage.catalogue_file import Store
    from mieux_cli.text import plain_line

    try:
        found = open_catalogue(Store(ctx.find_root().meta.get("mieux.db"))).completions(incomplete.lower())
    except MieuxError:  # no catalogue to complete from: complete nothing rather than fail
        return []
    return sorted((record_id, plain_line(title, COMPLETION_CHARS)) for record_id, title in found)


def _complete(vocabulary: str):
    """Completes a vocabulary option's values (its codes, or countries' names), in any case and
    accent, with their names or codes as descriptions."""

    def complete(incomplete: str):
        from mieux_cli.cli.completion import vocabulary_values
        from mieux_cli.model import vocab

        if vocabulary == "statuses":
            return [pair for name in ("action-statuses", "event-statuses")
                    for pair in vocabulary_values(vocab.get(name), incomplete)
                    if name == "action-statuses" or pair[0] not in vocab.ACTION_STATUSES]
        return vocabulary_values(vocab.get(vocabulary), incomplete)

    complete.filters_itself = True  # a code for a name typed, a name for a code: see prepare_shell_completion
    return complete


def _complete_kinds():
    return ["actions", "practices", "events", "facts"]


def prepare_shell_completion() -> None:
    """Before the commands are built for a shell's TAB, change two things of Typer 0.28:
    - it keeps only the values that begin with what was typed, in the same case: `--country cos`
      found nothing. Values now match in any case and accent; completions marked
      `filters_itself` are kept as they are (`--country CR` gives Costa Rica);
    - it gives bash and PowerShell a value as it is, so `--country Cos<TAB>` became `--country
      Costa Rica`, two words: values are now quoted for them (see completion.for_shell)."""
    import os

    import typer.core
    from typer._click.shell_completion import CompletionItem, add_completion_class
    from typer._completion_classes import BashComplete, PowerShellComplete

    from mieux_cli.cli.completion import as_typed, for_shell, starting_with

    def setup(param, *, autocompletion=None) -> None:
        if autocompletion is None:
            return

        def complete(ctx, _param, incomplete: str) -> list:
            items = [CompletionItem(c[0], help=c[1]) if isinstance(c, tuple) else CompletionItem(c)
                     for c in autocompletion(ctx, [], incomplete)]
            if getattr(autocompletion, "filters_itself", False):
                return items
            kept = set(starting_with(incomplete, [item.value for item in items]))
            return [item for item in items if item.value in kept]

        param._custom_shell_complete = complete

    typer.core._typer_param_setup_autocompletion_compat = setup

    class QuotingBash(BashComplete):
        def complete(self) -> str:
            args, incomplete = self.get_completion_args()
            words = os.environ.get("COMP_WORDS", "").split("\n")  # as typed, quotes included
            current = int(os.environ.get("COMP_CWORD", "0"))
            typed = words[current] if current < len(words) else ""
            quote = typed[:1] if typed[:1] in ("'", '"') else ""
            values = as_typed(incomplete, [item.value for item in self.get_completions(args, incomplete)])
            return "\n".join(for_shell(value, "bash", quote) for value in values)

    class QuotingPowerShell(PowerShellComplete):
        def format_completion(self, item) -> str:
            item.value = for_shell(item.value, "powershell")
            return super().format_completion(item)

    add_completion_class(QuotingBash, "bash")
    add_completion_class(QuotingPowerShell, "powershell")
    add_completion_class(QuotingPowerShell, "pwsh")


Kind = Annotated[
    str | None,
    typer.Argument(metavar="KIND", help="Only this kind: actions, practices, events or facts (or --kind).",
                   show_default=False,
                   autocompletion=_complete_kinds),
]
KindOption = Annotated[
    str | None,
    typer.Option("--kind", "-k", metavar="KIND", show_default=False, autocompletion=_complete_kinds,
                 help="Only actions, practices, events or facts."),
]
Region = Annotated[list[str] | None, typer.Option("--region", "-r", metavar="CODE", show_default=False,
                   help="MIEUX region: WCA, ESA, ASIA, EN, LAC (or its name).", autocompletion=_complete("regions"))]
Country = Annotated[list[str] | None, typer.Option("--country", "-c", metavar="NAME", show_default=False,
                    help="Country name or ISO code, e.g. 'costa rica', CR, CRI.", autocompletion=_complete("countries"))]
Theme = Annotated[list[str] | None, typer.Option("--theme", "-t", metavar="CODE", show_default=False,
                  help="Thematic area: IMT, LM, IP, MD, HO.", autocompletion=_complete("themes"))]
Area = Annotated[list[str] | None, typer.Option("--area", "-a", metavar="CODE", show_default=False,
                 help="Specific area, e.g. THB, SOM, INT, CHI (see `mieux vocab areas`).", autocompletion=_complete("areas"))]
Gcm = Annotated[list[str] | None, typer.Option("--gcm", "-g", metavar="N", show_default=False,
                help="GCM objective number 1-23 (see `mieux vocab gcm`).")]
Status = Annotated[list[str] | None, typer.Option("--status", "-s", metavar="STATUS", show_default=False,
                   help="Status as last known: planned, ongoing, suspended, completed, cancelled, unknown (actions); "
                   "planned, held, cancelled (events).", autocompletion=_complete("statuses"))]
AsOf = Annotated[str | None, typer.Option("--as-of", metavar="DATE", show_default=False,
                 help="Only records whose status was known on or after DATE (a year, month or day): "
                 "--status ongoing --as-of 2024.")]
Role = Annotated[str | None, typer.Option("--role", metavar="ROLE", show_default=False,
                 help="Which countries --country looks at (summary --by country counts): beneficiary (where the "
                 "work was), participant (took part), place (where an event took place) or any. Default: any "
                 "(summary: beneficiary).", autocompletion=lambda: ["beneficiary", "participant", "place", "any"])]
Year = Annotated[list[str] | None, typer.Option("--year", metavar="YEARS", show_default=False,
                 help="A year or a range (2015-2018, or 2015- for 'since 2015'): records active then.")]
Undated = Annotated[bool | None, typer.Option(
    "--undated", show_default=False,
    help="With --year: also the records with no dates at all (left out otherwise, and counted on standard error).")]
Tag = Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", show_default=False, help="A tag.")]
def json_option(what: str):
    """--json, saying what it prints (the shapes are in the README's "JSON shapes")."""
    return Annotated[bool, typer.Option("--json", help=f"Print {what} as JSON, for scripts.")]
Limit = Annotated[int | None, typer.Option("--limit", "-n", min=1, metavar="N", show_default=False,
                  help="Show at most N records.")]


FILTER_OPTIONS = (
    ("region", Region), ("country", Country), ("role", Role), ("theme", Theme), ("area", Area), ("gcm", Gcm),
    ("status", Status), ("as_of", AsOf), ("year", Year), ("undated", Undated), ("tag", Tag),
)


def with_filters(command):
    """Give a command the shared filter options (after its own arguments and before its other
    options, for --help); it receives their values as one mapping, `where`, for `filters`."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "where"]
    first_option = next((i for i, p in enumerate(own) if p.name not in ("ctx", "kind_argument", "record_id", "words")), len(own))
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=option, default=None)
              for name, option in FILTER_OPTIONS]
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]

    @functools.wraps(command)
    def wrapper(**values):
        where = {name: values.pop(name) for name, _ in FILTER_OPTIONS}
        return command(**values, where=where)

    wrapper.__signature__ = signature.replace(parameters=params[:first_option] + shared + params[first_option:])
    return wrapper


def one_kind(argument: str | None, option: str | None) -> str | None:
    """The kind given as the first argument (`mieux list actions`) or as --kind, as search takes it."""
    from mieux_cli.errors import MieuxError
    from mieux_cli.model.records import resolve_kind

    if argument is not None and option is not None and resolve_kind(argument) != resolve_kind(option):
        raise MieuxError(f"The kind is given twice, as {argument} and as --kind {option}.", "Give it once.")
    return argument if argument is not None else option


def filters(kind=None, region=None, country=None, role=None, theme=None, area=None, gcm=None, status=None,
            as_of=None, year=None, undated=None, tag=None):
    """The Filters for the shared options; unknown values raise with a 'did you mean'."""
    from mieux_cli.errors import MieuxError
    from mieux_cli.queries.filters import Filters

    if undated and not year:
        raise MieuxError("--undated adds the records with no dates to what --year keeps.",
                         "Give --year too, for example --year 2015- --undated.")
    return Filters.parse(
        kinds=[kind] if kind else [], regions=region or [], countries=country or [], role=role,
        themes=theme or [], areas=area or [], gcm=gcm or [], statuses=status or [], as_of=as_of,
        years=year or [], tags=tag or [], undated=bool(undated),
    )


def report_undated(out, catalogue, selected, kinds=None) -> None:
    """Say on standard error how many records in scope --year left out for having no dates at all
    (a report must not lose them in silence), and how to include them. `kinds`: only those kinds
    were counted (summary --by status)."""
    from dataclasses import replace

    from mieux_cli.text import count_of

    left = selected.left_undated()
    if left is None:
        return
    n = catalogue.count(replace(left, kinds=set(kinds)) if kinds else left)
    if n:
        out.notice(f"{count_of(n, 'record')} in scope {'has' if n == 1 else 'have'} no dates and "
                   f"{'was' if n == 1 else 'were'} left out by --year; add --undated to include "
                   f"{'it' if n == 1 else 'them'}.")
