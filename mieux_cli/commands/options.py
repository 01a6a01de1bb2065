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
    from mieux_cli.output import plain_line
    from mieux_cli.store import Store

    try:
        found = Store(ctx.find_root().params.get("db")).read().completions(incomplete.lower())
    except MieuxError:  # no catalogue to complete from: complete nothing rather than fail
        return []
    return sorted((record_id, plain_line(title, COMPLETION_CHARS)) for record_id, title in found)


def _complete(values):
    def complete(incomplete: str):
        return [v for v in values() if v.lower().startswith(incomplete.lower())]

    return complete


def _regions():
    from mieux_cli.vocab import REGIONS

    return list(REGIONS)


def _themes():
    from mieux_cli.vocab import THEMES

    return list(THEMES)


def _areas():
    from mieux_cli.vocab import AREAS

    return list(AREAS)


def _countries():
    from mieux_cli.vocab import countries

    return [c["name"] for c in countries().values()]


def _statuses():
    from mieux_cli.vocab import ACTION_STATUSES, EVENT_STATUSES

    return list(dict.fromkeys([*ACTION_STATUSES, *EVENT_STATUSES]))


def _kinds():
    return ["actions", "practices", "events", "facts"]


Kind = Annotated[
    str | None,
    typer.Argument(help="Only this kind: actions, practices, events or facts.", show_default=False,
                   autocompletion=_complete(_kinds)),
]
Region = Annotated[list[str] | None, typer.Option("--region", "-r", metavar="CODE", show_default=False,
                   help="MIEUX region: WCA, ESA, ASIA, EN, LAC (or its name).", autocompletion=_complete(_regions))]
Country = Annotated[list[str] | None, typer.Option("--country", "-c", metavar="NAME", show_default=False,
                    help="Country name or ISO code, e.g. 'costa rica', CR, CRI.", autocompletion=_complete(_countries))]
Theme = Annotated[list[str] | None, typer.Option("--theme", "-t", metavar="CODE", show_default=False,
                  help="Thematic area: IMT, LM, IP, MD, HO.", autocompletion=_complete(_themes))]
Area = Annotated[list[str] | None, typer.Option("--area", "-a", metavar="CODE", show_default=False,
                 help="Specific area, e.g. THB, SOM, INT, CHI (see `mieux vocab areas`).", autocompletion=_complete(_areas))]
Gcm = Annotated[list[str] | None, typer.Option("--gcm", "-g", metavar="N", show_default=False,
                help="GCM objective number 1-23 (see `mieux vocab gcm`).")]
Status = Annotated[list[str] | None, typer.Option("--status", "-s", metavar="STATUS", show_default=False,
                   help="Status as last known: planned, ongoing, suspended, completed, cancelled, unknown (actions); "
                   "planned, held, cancelled (events).", autocompletion=_complete(_statuses))]
AsOf = Annotated[str | None, typer.Option("--as-of", metavar="DATE", show_default=False,
                 help="Only records whose status was known on or after DATE (a year, month or day): "
                 "--status ongoing --as-of 2024.")]
Role = Annotated[str | None, typer.Option("--role", metavar="ROLE", show_default=False,
                 help="Which countries --country looks at: beneficiary (where the work was) or participant "
                 "(only took part). Default: both.", autocompletion=lambda: ["beneficiary", "participant"])]
Year = Annotated[list[str] | None, typer.Option("--year", metavar="YEARS", show_default=False,
                 help="A year or a range (2015-2018, or 2015- for 'since 2015'): records active then.")]
Tag = Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", show_default=False, help="A tag.")]
def json_option(what: str):
    """--json, saying what it prints (the shapes are in the README's "JSON shapes")."""
    return Annotated[bool, typer.Option("--json", help=f"Print {what} as JSON, for scripts.")]
Limit = Annotated[int | None, typer.Option("--limit", "-n", min=1, metavar="N", show_default=False,
                  help="Show at most N records.")]


FILTER_OPTIONS = (
    ("region", Region), ("country", Country), ("role", Role), ("theme", Theme), ("area", Area), ("gcm", Gcm),
    ("status", Status), ("as_of", AsOf), ("year", Year), ("tag", Tag),
)


def with_filters(command):
    """Give a command the shared filter options (after its own arguments and before its other
    options, for --help); it receives their values as one mapping, `where`, for `filters`."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "where"]
    first_option = next((i for i, p in enumerate(own) if p.name not in ("ctx", "kind", "record_id", "words")), len(own))
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=option, default=None)
              for name, option in FILTER_OPTIONS]
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]

    @functools.wraps(command)
    def wrapper(**values):
        where = {name: values.pop(name) for name, _ in FILTER_OPTIONS}
        return command(**values, where=where)

    wrapper.__signature__ = signature.replace(parameters=params[:first_option] + shared + params[first_option:])
    return wrapper


def filters(kind=None, region=None, country=None, role=None, theme=None, area=None, gcm=None, status=None,
            as_of=None, year=None, tag=None):
    """The Filters for the shared options; unknown values raise with a 'did you mean'."""
    from mieux_cli.filters import Filters

    return Filters.parse(
        kinds=[kind] if kind else [], regions=region or [], countries=country or [], role=role,
        themes=theme or [], areas=area or [], gcm=gcm or [], statuses=status or [], as_of=as_of,
        years=year or [], tags=tag or [],
    )
