"""add: a record asked field by field at a terminal, given as options, or read from a file; the
answers of an add that stops before saving are kept in a draft that --resume takes up."""

from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.cli.commands import catalogue_option, commit, load_catalogue, store
from mieux_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, IndexBroken, MieuxError
from mieux_cli.text import a_or_an


def _stopped(ctx, prompter, out, cancelled, kind: str | None, answers: dict) -> typer.Exit:
    """Ctrl-C or the end of the input before the record was saved: nothing is written, and the
    answers given so far are kept in a draft."""
    kept = _keep_answers(ctx, out, kind, answers)
    kept = f" Your answers are kept: `{kept}` asks the rest." if kept else ""
    if cancelled.interrupted or prompter.interactive:
        out.notice(f"Cancelled: nothing was written.{kept}")
        return typer.Exit(EXIT_INTERRUPTED)
    out.error(f"The input ended before the record was complete: nothing was written.{kept} "
              "In scripts, give the fields as options with --no-input, or use --from FILE.")
    return typer.Exit(EXIT_USAGE)


def _keep_answers(ctx, out, kind: str | None, answers: dict) -> str | None:
    """Keep the answers in a draft of their catalogue and kind; the command that resumes it."""
    from mieux_cli.storage import drafts

    if kind is None or not answers:
        return None
    try:
        drafts.save(store(ctx).real_path, kind, answers)
    except OSError as e:
        out.notice(f"Your answers could not be kept in {drafts.folder()}: {e.strerror or e}.")
        return None
    return _mieux(ctx, f"add {kind} --resume")


def _mieux(ctx, command: str) -> str:
    """A mieux command to type, for this catalogue: with --db when one was given."""
    import shlex

    db = catalogue_option(ctx)
    return f"mieux --db {shlex.quote(str(db))} {command}" if db else f"mieux {command}"


def _draft_to_resume(ctx, kind: str | None):
    """The draft `--resume` takes up: of the kind given, or the only one kept for this catalogue."""
    from mieux_cli.model.records import resolve_kind
    from mieux_cli.storage import drafts

    catalogue = store(ctx).real_path
    if kind is not None:
        kind = resolve_kind(kind)
        draft = drafts.load(catalogue, kind)
        if draft is None:
            raise MieuxError(f"There is no unfinished {kind} to resume for this catalogue.",
                             f"Start one with `{_mieux(ctx, 'add ' + kind)}`.")
        return draft
    kept = drafts.of(catalogue)
    if not kept:
        raise MieuxError("There is no unfinished record to resume for this catalogue.",
                         f"Start one with `{_mieux(ctx, 'add KIND')}`.")
    if len(kept) > 1:
        raise MieuxError(f"Unfinished records of {len(kept)} kinds are kept: {', '.join(d.kind for d in kept)}.",
                         f"Say which, for example: {_mieux(ctx, f'add {kept[0].kind} --resume')}.")
    return kept[0]


def add_command(ctx: typer.Context, kind=None, record_id=None, from_file=None, no_input=False, yes=False, resume=False,
                **given) -> None:
    """Add a record, asking field by field (or from options, or from a file).

    Each question says what the field is and shows an example; vocabularies show their choices
    (type a number, a code or a name; TAB completes); optional fields can be skipped with Enter;
    a wrong answer is explained and asked again, at once, including an end before the start.
    Lists take several values, one per line or comma-separated; a source, a partner or an expert
    is asked part by part, or typed whole as 'title | publisher | date | url'. Before saving, the
    record is shown as it will be stored: save it, or type the name of a field to change it.
    Ctrl-C at any point writes nothing, and keeps the answers given: --resume asks the rest.

    Every field is also an option (repeat a list option for several values; an item's parts are
    separated by ' | ' and can be named: --source "MIEUX article | url=https://..."); --no-input
    never asks.

    Examples:

      mieux add practice

      mieux add --resume

      mieux add fact --title "Share of activities" --text "33% of activities in 2017." --start 2017 --region LAC --source "MIEUX article | MIEUX (ICMPD) | 2018" --no-input

      mieux add event --title "Round-table in Cotonou" --start 2018-10 --status planned --status-as-of 2018 --partner "Ministry of Interior | host | BJ | ministry" --source "MIEUX article" --no-input

      mieux add --from new-records.yaml
    """
    from mieux_cli.authoring.plans import check_new, plan_add, suggest_id
    from mieux_cli.cli.asking import (
        ask_again,
        ask_field,
        preview_choice,
        preview_choices,
        resumed,
    )
    from mieux_cli.cli.commands.query import show_record
    from mieux_cli.cli.output import Output
    from mieux_cli.cli.prompts import Cancelled, Prompter
    from mieux_cli.model import schema
    from mieux_cli.model.records import normalize, parse_field, resolve_kind
    from mieux_cli.storage import drafts

    out = Output()
    if from_file is not None:
        if resume:
            raise MieuxError("--resume takes up a record typed at the questions, and --from reads a file.",
                             "Give one of them.")
        return _add_from(ctx, from_file, out)
    prompter = Prompter()
    given = {name: value for name, value in given.items() if value not in (None, [])}
    answers: dict = {}  # field name (and "id") -> value: what a draft keeps if the add stops
    try:
        if resume:
            draft = _draft_to_resume(ctx, kind)
            kind = draft.kind
            answers.update(resumed(draft.answers, kind))
            out.notice(f"Resuming the {kind} started {draft.saved}: "
                       f"{len(answers)} answer{'s' if len(answers) != 1 else ''} kept.")
        if kind is None:
            if no_input:
                raise MieuxError("Say which kind of record to add.", "For example: mieux add practice.")
            kind = prompter.ask("Kind (action, practice, event, fact)", resolve_kind, choices=list(schema.KINDS),
                                required=True)
        kind = resolve_kind(kind)
        fields = schema.settable(kind)
        misplaced = [name for name in given if not schema.has(name) or kind not in schema.get(name).kinds]
        if misplaced:
            f = schema.get(misplaced[0])
            kinds = " and ".join(f"{k}s" for k in f.kinds)
            raise MieuxError(f"{f.option} is for {kinds}: {a_or_an(kind)} has no '{f.label}'.",
                             f"Leave out {f.option} for {a_or_an(kind)}.")
        catalogue = load_catalogue(ctx, out)
        if not resume and not no_input and (kept := drafts.load(store(ctx).real_path, kind)):
            out.notice(f"An unfinished {kind} is kept from {kept.saved}: `{_mieux(ctx, f'add {kind} --resume')}` "
                       "takes it up (this add replaces it if it stops before saving too).")
        for f in fields:
            if f.name in given:
                answers[f.name] = _option_value(f, given[f.name], kind)
            elif f.name not in answers and not no_input and not _follows(f.name, answers):
                answers[f.name] = ask_field(prompter, f, kind, catalogue, answers)
        missing = [f for f in fields if kind in f.required and answers.get(f.name) in (None, [])]
        if missing:
            raise MieuxError(
                f"{a_or_an(kind).capitalize()} needs {', '.join(f.label.lower() for f in missing)}.",
                "Give " + " ".join(f"{f.option} ..." for f in missing)
                + (" (or run without --no-input to be asked)." if no_input else "."),
            )

        def valid_id(answer):
            candidate = parse_field("id", answer, kind)
            check_new(normalize({**answers, "id": candidate, "kind": kind}), catalogue)
            return candidate

        if record_id is not None:
            answers["id"] = record_id
        elif "id" in answers and not no_input:
            try:
                valid_id(answers["id"])
            except MieuxError:  # a resumed ID taken since: asked again
                del answers["id"]
        if "id" not in answers:
            suggestion = suggest_id(kind, answers["title"], catalogue.by_id)
            answers["id"] = suggestion if no_input else prompter.ask("ID", valid_id, default=suggestion, required=True)
        while True:
            record = _checked(normalize, {**answers, "kind": kind})
            check_new(record, catalogue)
            if yes or no_input:
                break
            prompter.say()
            show_record(out, record, catalogue)
            choice = prompter.ask(f"Save this {kind}? [Y/n/field name to change]", lambda a: preview_choice(a, kind),
                                  choices=preview_choices(kind))
            if choice is None or choice is True:
                break
            if choice is False:
                if resume:
                    drafts.remove(store(ctx).real_path, kind)
                out.notice("Not saved: nothing was written.")
                return
            if choice == "id":
                answers["id"] = prompter.ask("ID", valid_id, default=answers["id"], required=True)
            else:
                ask_again(prompter, choice, kind, catalogue, answers)
    except Cancelled as e:
        raise _stopped(ctx, prompter, out, e, kind if kind in schema.KINDS else None, answers) from None
    except IndexBroken:
        if not ctx.find_root().meta.get("mieux.asked"):
            raise  # nothing asked yet: app.py runs the command again from the file
        # changed or damaged under the questions: the answers are kept, never asked all again
        kept = _keep_answers(ctx, out, kind if kind in schema.KINDS else None, answers)
        raise MieuxError("The catalogue's index could not be read while you were answering: nothing was written.",
                         f"Your answers are kept: `{kept}` takes them up." if kept else "Run the command again.") from None
    try:
        commit(ctx, plan_add([record]))
    except MieuxError as e:
        kept = None if no_input else _keep_answers(ctx, out, kind, answers)  # options: the command line keeps them
        if kept:
            e.hint = f"{e.hint + ' ' if e.hint else ''}Your answers are kept: `{kept}` takes them up."
        raise
    if resume:  # a draft of another record of this kind is not this add's to remove
        drafts.remove(store(ctx).real_path, kind)
    out.notice(f"Added {record['id']}.")


def _option_value(f, given, kind: str):
    """An option's value(s), each in the text form of cells.py, as the field's canonical value."""
    from mieux_cli.model.cells import from_cell
    from mieux_cli.model.records import parse_field

    try:
        if f.is_list:
            raw = [item for text in given for item in from_cell(f, text)]
        else:
            raw = from_cell(f, given)
        return parse_field(f.name, raw, kind)
    except (MieuxError, ValueError, TypeError) as e:
        raise MieuxError(f"{f.option}: {e}") from None


def _checked(normalize, raw: dict) -> dict:
    from mieux_cli.errors import InvalidRecord
    from mieux_cli.model import schema

    try:
        return normalize(raw)
    except InvalidRecord as e:
        name, message = e.problems[0]
        option = schema.get(name).option if schema.has(name) else None
        raise MieuxError(f"{option or name}: {message}.") from None



def add_parameters() -> list:
    """The parameters of `add`: its own, then one option per settable field of any kind, from the
    schema (a list field's option can be repeated)."""
    import inspect

    from mieux_cli.model import schema

    def option(annotation, *decls, **info):
        return Annotated[annotation, typer.Option(*decls, show_default=False, **info)]

    params = [
        ("ctx", typer.Context, inspect.Parameter.empty),
        ("kind", Annotated[str | None, typer.Argument(metavar="KIND", show_default=False,
                                                      help="action, practice, event or fact.")], None),
        ("record_id", option(str | None, "--id", metavar="ID", help="The ID (default: suggested from the title)."), None),
        ("from_file", option(Path | None, "--from", metavar="FILE",
                             help="Add the records of a YAML, JSON or CSV file (or a folder of YAML files) instead."), None),
        ("no_input", option(bool, "--no-input", help="Never ask: fail with the list of missing fields."), False),
        ("yes", option(bool, "--yes", "-y", help="Save without asking for confirmation."), False),
        ("resume", option(bool, "--resume", help="Take up the record an add left unfinished (Ctrl-C, the end of "
                          "the input, a save that failed): ask only the questions not answered yet."), False),
    ]
    for f in schema.all_fields():
        if not f.option:
            continue
        only = "" if set(f.kinds) == set(schema.KINDS) else "For " + ", ".join(f"{k}s" for k in f.kinds) + ": "
        parts = f" Parts: {' | '.join(p.name for p in f.parts)}." if f.parts else ""
        repeat = " Repeat for several." if f.is_list else ""
        help_text = f"{only}{f.help[0].upper()}{f.help[1:]}, e.g. '{f.example}'.{parts}{repeat}"
        params.append((f.name, option(list[str] | None if f.is_list else str | None, f.option,
                                      metavar=f.name.upper().rstrip("S") if f.is_list else f.name.upper(),
                                      help=help_text), None))
    return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
            for name, annotation, default in params]


def _add_from(ctx, path: Path, out) -> None:
    from mieux_cli.authoring.plans import plan_add
    from mieux_cli.formats.importing import read_records

    records = read_records(path)
    catalogue_store = store(ctx)
    if not catalogue_store.path.exists():  # first use: the records join the shipped catalogue
        load_catalogue(ctx, out)
    commit(ctx, plan_add(records), out.progress)
    out.notice(f"Added {len(records)} record{'s' if len(records) != 1 else ''}: {', '.join(r['id'] for r in records)}.")


def add_command_from_schema():
    """`add` with one option per field of the schema as it is when the command is built."""
    import functools
    import inspect

    command = functools.wraps(add_command)(lambda **kwargs: add_command(**kwargs))
    command.__signature__ = inspect.Signature(add_parameters())
    return command


add_command_from_schema.builds_command = True


def _follows(name: str, answers: dict) -> bool:
    """Whether a field follows from the answers so far, so is not asked: the region from the
    countries, the country of an event's place from a place that names it ("Accra, Ghana")."""
    from mieux_cli.model.records import place_country

    if name == "region":
        return bool(answers.get("countries"))
    return name == "place_country" and place_country(answers.get("place") or "") is not None


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "add": add_command_from_schema,
}
