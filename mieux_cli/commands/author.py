"""add, edit and remove."""

from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.commands import commit, get_record, load_catalogue, options, store
from mieux_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, MieuxError


def _cancelled(prompter, out) -> typer.Exit:
    if prompter.interactive:
        out.notice("Cancelled: nothing was written.")
        return typer.Exit(EXIT_INTERRUPTED)
    out.error("The input ended before the record was complete: nothing was written. "
              "In scripts, give the fields as options with --no-input, or use --from FILE.")
    return typer.Exit(EXIT_USAGE)


def add_command(ctx: typer.Context, kind=None, record_id=None, from_file=None, no_input=False, yes=False, **given) -> None:
    """Add a record, asking field by field (or from options, or from a file).

    Each question says what the field is and shows an example; vocabularies show their choices
    (type a number, a code or a name; TAB completes); optional fields can be skipped with Enter;
    a wrong answer is explained and asked again, at once, including an end before the start.
    Lists take several values, one per line or comma-separated; a source, a partner or an expert
    is asked part by part, or typed whole as 'title | publisher | date | url'. Before saving, the
    record is shown as it will be stored. Ctrl-C at any point writes nothing.

    Every field is also an option (repeat a list option for several values; an item's parts are
    separated by ' | ' and can be named: --source "MIEUX article | url=https://..."); --no-input
    never asks.

    Examples:

      mieux add practice

      mieux add fact --title "Share of activities" --text "33% of activities in 2017." --start 2017 --region LAC --source "MIEUX article | MIEUX (ICMPD) | 2018" --no-input

      mieux add event --title "Round-table in Cotonou" --start 2018-10 --status planned --status-as-of 2018 --partner "Ministry of Interior | host | BJ | ministry" --source "MIEUX article" --no-input

      mieux add --from new-records.yaml
    """
    from mieux_cli import schema
    from mieux_cli.asking import ask_field
    from mieux_cli.authoring import check_new, plan_add, suggest_id
    from mieux_cli.commands.query import show_record
    from mieux_cli.output import Output
    from mieux_cli.prompts import Cancelled, Prompter
    from mieux_cli.records import normalize, parse_field, resolve_kind

    out = Output()
    if from_file is not None:
        return _add_from(ctx, from_file, out)
    prompter = Prompter()
    given = {name: value for name, value in given.items() if value not in (None, [])}
    try:
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
            raise MieuxError(f"{f.option} is for {kinds}: {_a(kind)} has no '{f.label}'.",
                             f"Leave out {f.option} for {_a(kind)}.")
        catalogue = load_catalogue(ctx, out)
        values = {}
        for f in fields:
            if f.name in given:
                values[f.name] = _option_value(f, given[f.name], kind)
            elif not no_input and not (f.name == "region" and values.get("countries")):
                values[f.name] = ask_field(prompter, f, kind, catalogue, values)
        missing = [f for f in fields if kind in f.required and values.get(f.name) in (None, [])]
        if missing:
            raise MieuxError(
                f"{_a(kind).capitalize()} needs {', '.join(f.label.lower() for f in missing)}.",
                "Give " + " ".join(f"{f.option} ..." for f in missing)
                + (" (or run without --no-input to be asked)." if no_input else "."),
            )
        suggestion = record_id or suggest_id(kind, values["title"], catalogue.by_id)
        if not no_input and record_id is None:
            def valid_id(answer):
                candidate = parse_field("id", answer, kind)
                check_new(normalize({**values, "id": candidate, "kind": kind}), catalogue)
                return candidate
            suggestion = prompter.ask("ID", valid_id, default=suggestion, required=True)
        record = _checked(normalize, {**values, "id": suggestion, "kind": kind})
        check_new(record, catalogue)
        if not (yes or no_input):
            prompter.say()
            show_record(out, record, catalogue)
            if not prompter.confirm(f"Save this {kind}?", default=True):
                out.notice("Not saved: nothing was written.")
                return
    except Cancelled:
        raise _cancelled(prompter, out) from None
    commit(ctx, plan_add([record]))
    out.notice(f"Added {record['id']}.")


def _option_value(f, given, kind: str):
    """An option's value(s), each in the text form of cells.py, as the field's canonical value."""
    from mieux_cli.cells import from_cell
    from mieux_cli.records import parse_field

    try:
        if f.is_list:
            raw = [item for text in given for item in from_cell(f, text)]
        else:
            raw = from_cell(f, given)
        return parse_field(f.name, raw, kind)
    except (MieuxError, ValueError, TypeError) as e:
        raise MieuxError(f"{f.option}: {e}") from None


def _checked(normalize, raw: dict) -> dict:
    from mieux_cli import schema
    from mieux_cli.errors import InvalidRecord

    try:
        return normalize(raw)
    except InvalidRecord as e:
        name, message = e.problems[0]
        option = schema.get(name).option if schema.has(name) else None
        raise MieuxError(f"{option or name}: {message}.") from None


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def add_parameters() -> list:
    """The parameters of `add`: its own, then one option per settable field of any kind, from the
    schema (a list field's option can be repeated)."""
    import inspect

    from mieux_cli import schema

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
    from mieux_cli.authoring import plan_add
    from mieux_cli.transfer import read_records

    records = read_records(path)
    catalogue_store = store(ctx)
    if not catalogue_store.path.exists():  # first use: the records join the shipped catalogue
        load_catalogue(ctx, out)
    commit(ctx, plan_add(records), out.progress)
    out.notice(f"Added {len(records)} record{'s' if len(records) != 1 else ''}: {', '.join(r['id'] for r in records)}.")


EDITOR_TRIES = 5  # saves with problems before giving up: an editor that saves without asking must not run forever


def _editor_command() -> list[str]:
    import os
    import shlex
    import shutil

    variable = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
    editor = os.environ.get(variable)
    if editor:
        try:
            command = shlex.split(editor)
        except ValueError as e:  # an unbalanced quote
            raise MieuxError(f"Cannot read the editor command in ${variable} ({editor}): {e}.",
                             "Set VISUAL or EDITOR to your editor, for example: export EDITOR=nano.") from None
        if command:
            return command
    for fallback in ("nano", "vi"):
        if shutil.which(fallback):
            return [fallback]
    raise MieuxError("No text editor found.", "Set VISUAL or EDITOR, for example: export EDITOR=nano.")


def _run_editor(text: str, out) -> str:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mieux-edit-") as folder:
        path = Path(folder) / "record.yaml"
        path.write_text(text, encoding="utf-8")
        command = _editor_command()
        try:
            finished = subprocess.run([*command, str(path)], check=False)
        except OSError:
            raise MieuxError(f"Cannot start the editor '{command[0]}'.",
                             "Set VISUAL or EDITOR to your editor, for example: export EDITOR=nano.") from None
        if finished.returncode != 0:
            raise MieuxError(f"The editor exited with code {finished.returncode}: nothing was changed.")
        try:
            saved = path.read_bytes()
        except FileNotFoundError:
            raise MieuxError("The editor deleted the file: nothing was written.") from None
    try:
        return saved.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: most likely Windows-1252 (Latin-1 plus quotes and dashes); Latin-1 reads any bytes.
    try:
        answer, name = saved.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        answer, name = saved.decode("latin-1"), "Latin-1"
    out.notice(f"Your editor saved the file in an encoding other than UTF-8; it was read as {name}.")
    return answer


def _keep(text: str) -> str:
    """Write text the user typed to a file that outlives this command; its path."""
    import os
    import tempfile

    descriptor, path = tempfile.mkstemp(prefix="mieux-edit-", suffix=".yaml")
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def edit_command(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record to edit.", autocompletion=options.complete_ids)],
    assignments: Annotated[list[str] | None, typer.Option(
        "--set", metavar="FIELD=VALUE", show_default=False,
        help="Set a field without an editor; list fields take values separated by ';', an empty value clears.",
    )] = None,
) -> None:
    """Edit a record in your editor ($VISUAL or $EDITOR), or set fields with --set.

    The record opens as commented YAML. On save it is checked; if something is wrong, the
    editor opens again with the problem written at the top. Closing without saving changes
    nothing.

    Examples:

      mieux edit prc-cr-aqui-todos-somos-migrantes

      mieux edit act-cr-integration-plans --set status=completed --set "tags=integration; xenophobia"
    """
    from mieux_cli.authoring import (
        EditConflict,
        EditErrors,
        editable_text,
        edited,
        parse_assignments,
        parse_edited,
        plan_edit,
        with_errors,
    )
    from mieux_cli.changes import diff
    from mieux_cli.errors import InvalidRecord
    from mieux_cli.output import Output

    out = Output()
    record = get_record(load_catalogue(ctx, out), out, record_id)
    answer = None
    if assignments:
        changes = parse_assignments(assignments, record["kind"])
        try:
            edited(record, changes)  # checked now, to name the option; saved below as the record is then
        except InvalidRecord as e:
            field, message = e.problems[0]
            raise MieuxError(f"--set {field}: {message}") from None
    else:
        from mieux_cli.prompts import is_terminal

        if not is_terminal():  # an editor would start blind, or not at all
            raise MieuxError("`mieux edit` opens an editor, which needs a terminal, and standard input is not one.",
                             "In scripts, set fields with --set FIELD=VALUE.")
        original = text = editable_text(record)
        for _ in range(EDITOR_TRIES):
            answer = _run_editor(text, out)
            if answer == text:
                if text != original:
                    raise MieuxError("Edit abandoned: the record was left as it was.")
                out.notice("No changes: nothing was written.")
                return
            try:
                new = parse_edited(answer, record)
                break
            except EditErrors as e:
                text = with_errors(answer, e.messages)
        else:
            raise MieuxError(f"The record still has problems after {EDITOR_TRIES} tries: nothing was written.",
                             f"Your text is kept in {_keep(text)}.")
        changes = {field: new[field] for field in diff(record, new)}
    plan = plan_edit(record["id"], changes, seen=record)
    try:
        number = commit(ctx, plan)
    except EditConflict as e:
        kept = f" Your text is kept in {_keep(answer)}." if answer is not None else ""
        raise MieuxError(e.message, f"Nothing was saved.{kept} Run `mieux show {record['id']}`, then edit again.") from None
    if number is None:
        out.notice("No changes: nothing was written.")
        return
    out.notice(f"Changed {record['id']}: {', '.join(plan.fields)}.")


def remove_command(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record to remove.", autocompletion=options.complete_ids)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Also remove the links other records have to it.")] = False,
) -> None:
    """Remove a record, after confirmation.

    A record that other records link to (an action with practices, an event where practices
    were reported) is kept, and they are named, unless --force, which removes those links too.
    `mieux undo` brings it back.

    Examples:

      mieux remove fct-old-figure

      mieux remove act-cr-integration-plans --force --yes
    """
    from mieux_cli.authoring import linking_records, plan_remove
    from mieux_cli.output import Output
    from mieux_cli.prompts import Cancelled, Prompter

    out = Output()
    catalogue = load_catalogue(ctx, out)
    record = get_record(catalogue, out, record_id)
    plan = plan_remove(record["id"], force)
    plan(catalogue)  # refuses now, before asking, if other records link to it
    if not yes:
        prompter = Prompter()
        linking = linking_records(catalogue, record["id"])
        also = f" and unlink {len(linking)} practice{'s' if len(linking) > 1 else ''}" if linking else ""
        try:
            if not prompter.confirm(f"Remove {record['id']} \"{record['title']}\"{also}?", default=False):
                out.notice("Nothing was removed.")
                return
        except Cancelled:
            raise _cancelled(prompter, out) from None
    commit(ctx, plan)
    out.notice(f"Removed {record['id']}. `mieux undo` brings it back.")



def add_command_from_schema():
    """`add` with one option per field of the schema as it is when the command is built."""
    import functools
    import inspect

    command = functools.wraps(add_command)(lambda **kwargs: add_command(**kwargs))
    command.__signature__ = inspect.Signature(add_parameters())
    return command


add_command_from_schema.builds_command = True

def rename_command(
    ctx: typer.Context,
    old_id: Annotated[str, typer.Argument(metavar="OLD", help="The record's ID now.", autocompletion=options.complete_ids)],
    new_id: Annotated[str, typer.Argument(metavar="NEW", help="Its new ID: lowercase letters, digits and hyphens.")],
) -> None:
    """Give a record a new ID, and update every link to it.

    The old ID stays with the record as a former ID: `mieux show OLD`, links to OLD in files you
    import, and scripts that use it keep working (with a notice naming the new ID). Exports write
    the former IDs, so a team's git copy carries them. `mieux undo` reverts a rename.

    Examples:

      mieux rename act-aiamp-som-protocol act-ibero-american-prosecutors-som-protocol
    """
    from mieux_cli.authoring import plan_rename
    from mieux_cli.output import Output
    from mieux_cli.records import parse_field

    out = Output()
    try:
        new_id = parse_field("id", new_id, "action")
    except ValueError as e:
        raise MieuxError(f"NEW: {e}.") from None
    catalogue = load_catalogue(ctx, out)
    record = get_record(catalogue, out, old_id)
    linking = catalogue.linking_to(record["id"])
    commit(ctx, plan_rename(record["id"], new_id))
    also = f"; {len(linking)} record{'s' if len(linking) != 1 else ''} linking to it updated" if linking else ""
    out.notice(f"Renamed {record['id']} to {new_id}{also}. `mieux undo` reverts it.")


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "add": add_command_from_schema,
    "rename": rename_command,
    "edit": edit_command,
    "remove": remove_command,
}
