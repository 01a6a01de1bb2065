"""The questions `add` asks: one per field of the kind, in the schema's order, each shaped by the
field's type (a numbered menu for a vocabulary, one line per item for a list, one question per
part for a source or a partner). Every answer is checked at once, rules across fields included
(an end before the start is asked again at the end), so no answer is thrown away.
"""

from mieux_cli.authoring.plans import resolve_link
from mieux_cli.model import schema, vocab
from mieux_cli.model.cells import from_cell, split_unescaped
from mieux_cli.model.records import cross_problems, parse_field, parse_item, parse_part

MENU_LIMIT = 25  # longer vocabularies (countries, languages) are completed with TAB, not listed


def split_answer(answer: str) -> list[str]:
    return [part.strip() for part in answer.replace(";", ",").split(",") if part.strip()]


def choices(vocabulary: str) -> list[str]:
    """What TAB completes: codes, and names for countries."""
    table = vocab.get(vocabulary)
    return [str(code) for code in table] + ([table.label(c) for c in table] if vocabulary == "countries" else [])


def menu(prompter, vocabulary: str, only=None) -> dict[str, str]:
    """Print a vocabulary's choices, numbered (`only` narrows the list: the areas of the chosen
    themes); returns number -> code so that either can be typed."""
    table = vocab.get(vocabulary)
    codes = [c for c in table if only is None or c in only]
    if len(codes) > MENU_LIMIT:
        prompter.say(f"    (TAB completes; `mieux vocab {vocabulary}` lists them all)")
        return {}
    numbered = vocabulary != "gcm"  # objectives are numbered already
    width = max(len(str(c)) for c in codes)
    for i, code in enumerate(codes, 1):
        prompter.say(f"    {f'{i:>2}. ' if numbered else ''}{code!s:<{width}}  {table.label(code)}")
    if only is not None:
        prompter.say(f"    (other codes work too: `mieux vocab {vocabulary}`)")
    return {str(i): str(code) for i, code in enumerate(codes, 1)} if numbered else {}


def intro(prompter, f: schema.Field, required: bool) -> None:
    prompter.say(f"{f.label}: {f.help} (e.g. {f.example}){'' if required else ' - Enter to skip'}")


def ask_field(prompter, f: schema.Field, kind: str, catalogue, values: dict):
    """Ask one field; returns its canonical value (None or [] when skipped). `values` holds the
    answers so far, for rules across fields and for narrowing menus."""
    required = kind in f.required
    intro(prompter, f, required)

    def checked(value):
        """Refuse an answer that breaks a rule with a field already answered."""
        for name, message in cross_problems({**values, f.name: value}):
            if name == f.name:
                raise ValueError(message)
        return value

    if f.type in ("code", "codes"):
        vocabulary = f.vocab_for(kind)
        only = None
        if f.name == "areas" and values.get("themes"):
            only = [a for a in vocab.AREAS if vocab.AREA_PILLARS[a] in values["themes"]]
        numbered = menu(prompter, vocabulary, only)

        def pick(answer):
            picked = [numbered.get(item, item) for item in split_answer(answer)]
            return checked(parse_field(f.name, picked if f.type == "codes" else picked[0], kind))

        value = prompter.ask(f.label, pick, choices=choices(vocabulary), required=required)
        return value if value is not None else f.empty()
    if f.type == "links":
        return prompter.ask(f.label, lambda a: [resolve_link(catalogue, i, f.link_kind) for i in split_answer(a)],
                            required=required) or []
    if f.type == "tags":
        return prompter.ask(f.label, lambda a: parse_field(f.name, split_answer(a), kind), required=required) or []
    if f.type == "link":
        return prompter.ask(f.label, lambda a: resolve_link(catalogue, a, f.link_kind), required=required)
    if f.type == "texts":
        return prompter.ask_lines(f.label, lambda a: a)
    if f.type == "items":
        return ask_items(prompter, f, kind, required)
    return prompter.ask(f.label, lambda a: checked(parse_field(f.name, a, kind)), required=required)


def ask_items(prompter, f: schema.Field, kind: str, required: bool) -> list[dict]:
    """Items one by one: the first part, then each other part (Enter skips it). The whole item
    can also be typed at once in its cell form, 'title | publisher | date | url' (a '|' in a
    name is typed '\\|')."""
    first, rest = f.parts[0], f.parts[1:]
    noun = f.label.removesuffix("s")
    whole = " | ".join(p.name for p in f.parts)
    unasked = [p.name for p in rest if not p.asked]
    if unasked:
        prompter.say(f"  ({', '.join(unasked)}: type the whole {noun.lower()}, e.g. '... | {unasked[0]}=...')")
    items: list[dict] = []
    while True:
        finish = "" if required and not items else "; empty to finish"
        question = f"{noun} {len(items) + 1}: {first.help}, or all of it as '{whole}'{finish}"
        answer = prompter.ask(question, lambda a: _start(f, a, kind), required=required and not items)
        if answer is None:
            return items
        item, complete = answer
        if not complete:
            for part in (p for p in rest if p.asked):
                item[part.name] = prompter.ask(
                    f"  {part.name}: {part.help}{_part_hint(part)} (Enter to skip)",
                    lambda a, p=part, so_far=dict(item): _part_value(f, p.name, a, kind, so_far),
                    choices=choices(part.vocab) if part.vocab else None,
                )
            try:
                item = parse_item(f, {k: v for k, v in item.items() if v is not None}, kind)
            except ValueError as e:  # a required later part was skipped
                prompter.say(f"  {e}; this one was not kept.")
                continue
        items.append(item)


def _start(f: schema.Field, answer: str, kind: str):
    """The first answer for an item: (the whole item, True) in cell form, or (its first part, False)."""
    if len(split_unescaped(answer, "|")) > 1 or any(answer.startswith(f"{p.name}=") for p in f.parts):
        return parse_item(f, from_cell(f, answer)[0], kind), True
    return {f.parts[0].name: _part_value(f, f.parts[0].name, answer, kind, {})}, False


def _part_value(f: schema.Field, name: str, answer: str, kind: str, item: dict):
    value = parse_part(f, name, answer, kind, item)
    return " ".join(str(v) for v in value if v is not None) if f.part(name).type == "number" else value


def _part_hint(part: schema.Part) -> str:
    if part.vocab and len(vocab.get(part.vocab).entries) <= MENU_LIMIT:
        return ": " + ", ".join(str(c) for c in vocab.get(part.vocab))
    if part.type == "date":
        return ", e.g. 2018-07"
    return ""


def ask_again(prompter, f: schema.Field, kind: str, catalogue, values: dict) -> None:
    """Ask one field again (a change at the preview), showing its value now; then each field
    whose rule across fields the new answer breaks (an end now before the start)."""
    from mieux_cli.model.cells import to_cell

    if values.get(f.name) not in (None, []):
        prompter.say(f"  Now: {to_cell(f, values[f.name])}")
    values[f.name] = ask_field(prompter, f, kind, catalogue, {k: v for k, v in values.items() if k != f.name})
    while problems := cross_problems(values):
        name, message = problems[0]
        broken = schema.get(name)
        prompter.say(f"  {broken.label}: {message}.")
        values[name] = ask_field(prompter, broken, kind, catalogue, {k: v for k, v in values.items() if k != name})


def preview_choice(answer: str, kind: str):
    """The answer to "Save this fact? [Y/n/field name to change]": True to save, False not to,
    or the field to change (the string "id" for the ID), named by its name, label or option."""
    import difflib

    from mieux_cli.text import fold

    if answer.strip().lower() in ("y", "yes", "n", "no"):
        return answer.strip().lower().startswith("y")
    fields = schema.settable(kind)
    names: dict[str, object] = {"id": "id"}
    for f in fields:
        for name in (f.name, f.label, f.option.lstrip("-")):
            names.setdefault(fold(name), f)
    wanted = fold(answer)
    if wanted in names:
        return names[wanted]
    close = difflib.get_close_matches(wanted, list(names), n=1)
    guess = close and (names[close[0]] if names[close[0]] == "id" else names[close[0]].name)
    raise ValueError(f"No field '{answer}' in {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
                     + (f"; did you mean '{guess}'?" if guess else ".")
                     + f" Type y to save, n not to, or a field: {', '.join(['id', *(f.name for f in fields)])}.")


def preview_choices(kind: str) -> list[str]:
    """What TAB completes at the preview."""
    return ["yes", "no", "id", *(f.name for f in schema.settable(kind))]


def resumed(answers: dict, kind: str) -> dict:
    """A draft's answers that are still valid answers (the schema may have changed since)."""
    from mieux_cli.errors import MieuxError

    names = {"id", *(f.name for f in schema.settable(kind))}
    kept = {}
    for name, value in answers.items():
        if name in names:
            try:
                kept[name] = parse_field(name, value, kind)
            except (MieuxError, ValueError, TypeError):  # asked again
                continue
    return kept
