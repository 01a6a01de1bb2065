"""add, edit and remove."""

from pathlib import Path
from typing import Annotated

import typer

from mieux_cli.commands import commit, load_catalogue, options, store
from mieux_cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, MieuxError


def _cancelled(prompter, out) -> typer.Exit:
    if prompter.interactive:
        out.notice("Cancelled: nothing was written.")
        return typer.Exit(EXIT_INTERRUPTED)
    out.error("The input ended before the record was complete: nothing was written. "
              "In scripts, give the fields as options with --no-input, or use --from FILE.")
    return typer.Exit(EXIT_USAGE)


def _split(answer: str) -> list[str]:
    return [part.strip() for part in answer.replace(";", ",").split(",") if part.strip()]


def _menu(prompter, field: str) -> dict[str, str]:
    """Print a field's choices, numbered; returns number -> code so either can be typed."""
    from mieux_cli.authoring import FIELD_MENUS

    menu = FIELD_MENUS.get(field)
    if not menu:
        return {}
    numbered = {str(i): str(code) for i, code in enumerate(menu, 1)}
    if field == "gcm":  # objectives are numbered already
        numbered = {}
    width = max(len(str(code)) for code in menu)
    for i, (code, label) in enumerate(menu.items(), 1):
        prompter.say(f"    {'' if field == 'gcm' else f'{i:>2}. '}{code!s:<{width}}  {label}")
    return numbered


def ask_field(prompter, field: str, kind: str, catalogue, required: bool):
    """Ask for one field the way a person would want to answer it; returns its canonical value."""
    from mieux_cli.authoring import FIELD_CHOICES, FIELD_HELP, resolve_link
    from mieux_cli.records import FIELD_LABELS, parse_field

    what, example = FIELD_HELP[field]
    label = FIELD_LABELS[field]
    prompter.say(f"{label}: {what} (e.g. {example}){'' if required else ' - Enter to skip'}")
    numbered = _menu(prompter, field)
    choices = FIELD_CHOICES.get(field, list)()

    def pick(item: str) -> str:
        return numbered.get(item.strip(), item)

    if field in ("countries", "themes", "areas", "gcm", "principles", "tags"):
        value = prompter.ask(label, lambda a: parse_field(field, [pick(i) for i in _split(a)]), choices=choices, required=required)
        return value or []
    if field in ("region", "status"):
        return prompter.ask(label, lambda a: parse_field(field, pick(a)), choices=choices, required=required)
    if field == "actions":
        return prompter.ask(label, lambda a: [resolve_link(catalogue, i, "action") for i in _split(a)], required=required) or []
    if field == "event":
        return prompter.ask(label, lambda a: resolve_link(catalogue, a, "event"), required=required)
    if field in ("partners", "outputs", "results", "hosts"):
        return prompter.ask_lines(label, lambda a: a)
    if field == "sources":
        sources = []
        while True:
            title = prompter.ask(f"Source {len(sources) + 1} title" + (" (empty to finish)" if sources else ""), str,
                                 required=not sources)
            if title is None:
                return sources
            sources.append(parse_field("sources", [{
                "title": title,
                "publisher": prompter.ask("  Publisher (Enter to skip)", str),
                "date": prompter.ask("  Date (Enter to skip)", lambda a: parse_field("start", a)),
                "url": prompter.ask("  Link (Enter to skip)", str),
            }])[0])
    if field == "experts":
        experts = []
        while True:
            country = prompter.ask(f"Expert {len(experts) + 1} country (empty to finish)", lambda a: parse_field("countries", [a])[0],
                                   choices=FIELD_CHOICES["countries"]())
            if country is None:
                return experts
            kind_of = prompter.ask("  Kind: public official, ngo, academia, private sector, eu agency, "
                                   "international organisation (Enter to skip)",
                                   lambda a, country=country: parse_field("experts", [{"country": country, "kind": a}])[0]["kind"])
            experts.append({"country": country, "kind": kind_of})
    if field == "activities":
        activities = []
        while True:
            title = prompter.ask(f"Activity {len(activities) + 1} title (empty to finish)", str)
            if title is None:
                return activities
            activities.append(parse_field("activities", [{
                "title": title,
                "kind": prompter.ask("  Kind, e.g. workshop, study visit, seminar (Enter to skip)",
                                     lambda a: parse_field("activities", [{"title": "x", "kind": a}])[0]["kind"]),
                "place": prompter.ask("  Place (Enter to skip)", str),
                "date": prompter.ask("  Date (Enter to skip)", lambda a: parse_field("start", a)),
            }])[0])
    return prompter.ask(label, lambda a: parse_field(field, a), required=required)


def add_command(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Argument(metavar="KIND", show_default=False,
                                               help="action, practice, event or fact.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="The title.", show_default=False)] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="What was done, with whom, what came of it.", show_default=False)] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="A country (name or ISO code); repeat for several.", show_default=False)] = None,
    region: Annotated[str | None, typer.Option("--region", help="The MIEUX region, when no country gives it.", show_default=False)] = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help="A thematic area code; repeat for several.", show_default=False)] = None,
    area: Annotated[list[str] | None, typer.Option("--area", help="A specific area code; repeat for several.", show_default=False)] = None,
    gcm: Annotated[list[str] | None, typer.Option("--gcm", help="A GCM objective number; repeat for several.", show_default=False)] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start: a year, year-month or date.", show_default=False)] = None,
    end: Annotated[str | None, typer.Option("--end", help="End: a year, year-month or date.", show_default=False)] = None,
    status: Annotated[str | None, typer.Option("--status", help="For an action: planned, ongoing or completed.", show_default=False)] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag; repeat for several.", show_default=False)] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="A source's title; repeat for several.", show_default=False)] = None,
    partner: Annotated[list[str] | None, typer.Option("--partner", help="For an action: a partner institution; repeat for several.", show_default=False)] = None,
    output_: Annotated[list[str] | None, typer.Option("--output", help="For an action: an output; repeat for several.", show_default=False)] = None,
    result: Annotated[list[str] | None, typer.Option("--result", help="A result; repeat for several.", show_default=False)] = None,
    why: Annotated[str | None, typer.Option("--why", help="For a practice: why it worked.", show_default=False)] = None,
    action: Annotated[list[str] | None, typer.Option("--action", help="For a practice: the ID of an action it came from; repeat for several.", show_default=False)] = None,
    event: Annotated[str | None, typer.Option("--event", help="For a practice: the ID of the event where it was reported.", show_default=False)] = None,
    place: Annotated[str | None, typer.Option("--place", help="For an event: where it took place.", show_default=False)] = None,
    host: Annotated[list[str] | None, typer.Option("--host", help="For an event: a host institution; repeat for several.", show_default=False)] = None,
    text: Annotated[str | None, typer.Option("--text", help="For a fact: the statement.", show_default=False)] = None,
    figure: Annotated[str | None, typer.Option("--figure", help="For a fact: the figure, as written.", show_default=False)] = None,
    record_id: Annotated[str | None, typer.Option("--id", help="The ID (default: suggested from the title).", show_default=False)] = None,
    from_file: Annotated[Path | None, typer.Option("--from", metavar="FILE", show_default=False,
                                                   help="Add the records of a YAML, JSON or CSV file (or a folder of YAML files) instead.")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never ask: fail with the list of missing fields.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Save without asking for confirmation.")] = False,
) -> None:
    """Add a record, asking field by field (or from options, or from a file).

    Each question says what the field is and shows an example; vocabularies show their choices
    (type a number, a code or a name; TAB completes); optional fields can be skipped with Enter;
    a wrong answer is explained and asked again. Before saving, the record is shown as it will
    be stored. Ctrl-C at any point writes nothing.

    Examples:

      mieux add practice

      mieux add fact --title "Share of activities" --text "33% of activities in 2017." --start 2017 --region LAC --source "MIEUX article" --no-input

      mieux add --from new-records.yaml
    """
    from mieux_cli.authoring import check_new, plan_add, suggest_id
    from mieux_cli.commands.query import show_record
    from mieux_cli.output import Output
    from mieux_cli.prompts import Cancelled, Prompter
    from mieux_cli.records import (
        FIELD_LABELS,
        KINDS,
        REQUIRED,
        fields_of,
        normalize,
        parse_field,
        resolve_kind,
    )

    out = Output()
    if from_file is not None:
        return _add_from(ctx, from_file, out)
    prompter = Prompter()
    given = {
        "title": title, "summary": summary, "countries": country, "region": region, "themes": theme, "areas": area,
        "gcm": gcm, "start": start, "end": end, "status": status, "tags": tag, "sources": source, "partners": partner,
        "outputs": output_, "results": result, "why": why, "actions": action, "event": event, "place": place,
        "hosts": host, "text": text, "figure": figure,
    }
    given = {field: value for field, value in given.items() if value not in (None, [])}
    try:
        if kind is None:
            if no_input:
                raise MieuxError("Say which kind of record to add.", "For example: mieux add practice.")
            kind = prompter.ask("Kind (action, practice, event, fact)", resolve_kind, choices=list(KINDS), required=True)
        kind = resolve_kind(kind)
        misplaced = [f for f in given if f not in fields_of(kind)]
        if misplaced:
            raise MieuxError(f"A {kind} has no {', '.join(misplaced)}.", f"Leave out --{misplaced[0]} for a {kind}.")
        catalogue = load_catalogue(ctx, out)
        values = {}
        for field in fields_of(kind)[2:]:
            required = field in REQUIRED[kind]
            if field in given:
                try:
                    values[field] = parse_field(field, given[field])
                except (MieuxError, ValueError) as e:
                    raise MieuxError(f"--{field}: {e}") from None
            elif not no_input and not (field == "region" and values.get("countries")):
                values[field] = ask_field(prompter, field, kind, catalogue, required)
        missing = [f for f in REQUIRED[kind] if values.get(f) in (None, [])]
        if missing:
            raise MieuxError(
                f"A {kind} needs {', '.join(FIELD_LABELS[f].lower() for f in missing)}.",
                "Give " + " ".join(f"--{f.rstrip('s') if f in ('sources',) else f} ..." for f in missing)
                + (" (or run without --no-input to be asked)." if no_input else "."),
            )
        suggestion = record_id or suggest_id(kind, values["title"], catalogue.by_id)
        if not no_input and record_id is None:
            def valid_id(answer):
                candidate = parse_field("id", answer)
                check_new(normalize({**values, "id": candidate, "kind": kind}), catalogue)
                return candidate
            suggestion = prompter.ask("ID", valid_id, default=suggestion, required=True)
        record = normalize({**values, "id": suggestion, "kind": kind})
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


def _add_from(ctx, path: Path, out) -> None:
    from mieux_cli.authoring import plan_add
    from mieux_cli.transfer import read_records

    records = read_records(path)
    catalogue_store = store(ctx)
    if not catalogue_store.path.exists():  # first use: the records join the shipped catalogue
        load_catalogue(ctx, out)
    commit(ctx, plan_add(records))
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


def _without_errors(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and (lines[0].startswith("# ERROR:") or lines[0].startswith("# Fix the lines above") or lines[0] == "#\n"):
        lines.pop(0)
    return "".join(lines)


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
        EditErrors,
        editable_text,
        edited,
        parse_assignments,
        parse_edited,
        plan_update,
    )
    from mieux_cli.changes import diff
    from mieux_cli.errors import InvalidRecord
    from mieux_cli.output import Output

    out = Output()
    record = load_catalogue(ctx, out).find(record_id)
    if assignments:
        try:
            new = edited(record, parse_assignments(assignments, record["kind"]))
        except InvalidRecord as e:
            field, message = e.problems[0]
            raise MieuxError(f"--set {field}: {message}") from None
    else:
        import sys

        if not (sys.stdin and sys.stdin.isatty()):  # an editor would start blind, or not at all
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
                text = "".join(f"# ERROR: {m}\n" for m in e.messages) + \
                    "# Fix the lines above, save and close; close without saving to give up.\n#\n" + _without_errors(answer)
        else:
            raise MieuxError(f"The record still has problems after {EDITOR_TRIES} tries: nothing was written.",
                             f"Your text is kept in {_keep(text)}.")
    if commit(ctx, plan_update(new)) is None:
        out.notice("No changes: nothing was written.")
        return
    out.notice(f"Changed {record['id']}: {', '.join(diff(record, new))}.")


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
    record = catalogue.find(record_id)
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



# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "add": add_command,
    "edit": edit_command,
    "remove": remove_command,
}
