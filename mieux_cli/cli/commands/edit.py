"""edit, remove and rename: a record changed in an editor or with --set, removed after
confirmation, or given a new ID with every link to it following."""

from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.cli.commands import commit, confirm, get_record, load_catalogue, options
from mieux_cli.errors import MieuxError

EDITOR_TRIES = 5  # saves with problems before giving up: an editor that saves without asking must not run forever
EDITED_MAX_BYTES = 1 << 24  # a record is a few KB: 16 MB is no record


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
        from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

        try:
            saved = read_regular_file(path, EDITED_MAX_BYTES)
        except FileNotFoundError:
            raise MieuxError("The editor deleted the file: nothing was written.") from None
        except (NotRegularFile, TooLarge, OSError) as e:
            raise MieuxError(f"The editor left something mieux cannot read as the record ({e}): nothing was written.") from None
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

      mieux edit prc-cr-inter-institutional-working-groups

      mieux edit act-cr-integration-plans --set status=completed --set "tags=integration; xenophobia"
    """
    from mieux_cli.authoring.editing import (
        EditErrors,
        editable_text,
        edited,
        parse_assignments,
        parse_edited,
        with_errors,
    )
    from mieux_cli.authoring.plans import EditConflict, plan_edit
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import InvalidRecord
    from mieux_cli.storage.history import diff

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
        from mieux_cli.cli.prompts import is_terminal

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
    from mieux_cli.authoring.plans import linking_records, plan_remove
    from mieux_cli.cli.output import Output

    out = Output()
    catalogue = load_catalogue(ctx, out)
    record = get_record(catalogue, out, record_id)
    plan = plan_remove(record["id"], force)
    plan(catalogue)  # refuses now, before asking, if other records link to it
    if not yes:
        linking = linking_records(catalogue, record["id"])
        also = f" and unlink {len(linking)} practice{'s' if len(linking) > 1 else ''}" if linking else ""
        if not confirm(out, f"Remove {record['id']} \"{record['title']}\"{also}?", "removed"):
            return
    commit(ctx, plan)
    out.notice(f"Removed {record['id']}. `mieux undo` brings it back.")


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

      mieux rename act-cr-integration-plans act-cr-national-integration-plans
    """
    from mieux_cli.authoring.plans import plan_rename
    from mieux_cli.cli.output import Output
    from mieux_cli.model.records import parse_new_id

    out = Output()
    try:
        new_id = parse_new_id(new_id)
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
    "edit": edit_command,
    "remove": remove_command,
    "rename": rename_command,
}
