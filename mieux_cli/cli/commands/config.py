"""config: the user's settings (the IATI publisher)."""

from typing import Annotated

import typer

ACTIONS = ("set", "get", "unset", "list")


def _keys():
    from mieux_cli.storage.settings import KEYS

    return list(KEYS)


def config_command(
    action: Annotated[str, typer.Argument(
        metavar="ACTION", show_default=False, autocompletion=lambda: list(ACTIONS),
        help="set KEY VALUE, get KEY, unset KEY, or list.",
    )],
    key: Annotated[str | None, typer.Argument(
        metavar="KEY", show_default=False, autocompletion=_keys, help="A setting, such as iati.publisher-ref.",
    )] = None,
    value: Annotated[str | None, typer.Argument(metavar="VALUE", show_default=False, help="Its value (set only).")] = None,
) -> None:
    """Show and change your settings: the IATI publisher that `export --format iati` names.

    Settings live in config.toml in your config directory (~/.config/mieux/ on Linux), or in the
    file $MIEUX_CONFIG names. `mieux config list` shows every setting, what it is and the file.

    Examples:

      mieux config set iati.publisher-ref XM-EXAMPLE-1

      mieux config set iati.publisher-name "MIEUX (ICMPD)"

      mieux config get iati.publisher-type

      mieux config list
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.errors import MieuxError
    from mieux_cli.storage import settings

    out = Output()
    verb = action.strip().lower()
    if verb not in ACTIONS:
        raise MieuxError(f"Unknown action '{action}'.", "Use set, get, unset or list: mieux config set KEY VALUE.")
    wanted = {"set": 2, "get": 1, "unset": 1, "list": 0}[verb]
    given = [a for a in (key, value) if a is not None]
    if len(given) != wanted:
        usage = {"set": "mieux config set KEY VALUE", "get": "mieux config get KEY", "unset": "mieux config unset KEY",
                 "list": "mieux config list"}[verb]
        raise MieuxError(f"`config {verb}` takes {wanted or 'no'} argument{'' if wanted == 1 else 's'} after it.",
                         f"Type: {usage}")
    if verb == "list":
        _list(out, settings)
        return
    name = settings.key(key).name
    if verb == "set":
        stored = settings.set_value(name, value)
        out.notice(f"Set {name} to {stored} in {settings.settings_path()}.")
    elif verb == "get":
        stored = settings.get(name)
        if stored is None:
            raise MieuxError(f"{name} is not set.", f"Set it: mieux config set {name} VALUE")
        out.line(stored)
    elif settings.unset(name):
        out.notice(f"Unset {name} in {settings.settings_path()}.")
    else:
        out.notice(f"{name} was not set.")


def _list(out, settings) -> None:
    """Every setting, and what the file holds besides; a value that breaks its rules is listed as
    it is, with what is wrong and the command that fixes it."""
    stored = settings.stored()
    wrong = []
    for name, k in settings.KEYS.items():
        value = stored.get(name)
        why = settings.problem(name, value) if value is not None else None
        shown = "(not set)" if value is None else str(value).strip() if not why else repr(value)
        out.line(f"{name} = {shown}    # " + (f"INVALID: {why}" if why else k.help))
        if why:
            wrong.append(name)
    for name in sorted(set(stored) - set(settings.KEYS)):
        out.line(f"{name} = {stored[name]}    # not a mieux setting: ignored")
    out.notice(f"Settings file: {settings.settings_path()}")
    for name in wrong:
        out.error(f"{name} in the settings file breaks its rules, and mieux will not use it. "
                  f"Set it again: mieux config set {name} VALUE (or unset it: mieux config unset {name}).")


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "config": config_command,
}
