"""info: where mieux keeps things for this catalogue, and the settings in effect."""

import os
from pathlib import Path

import typer

from mieux_cli.cli.commands import catalogue_option, options, store

# The environment variables mieux reads (the README's table), shown when they are set.
VARIABLES = ("MIEUX_DB", "MIEUX_CONFIG", "MIEUX_LOCK_TIMEOUT", "MIEUX_NO_INDEX", "MIEUX_PAGER", "PAGER", "LESS", "NO_COLOR")


def info_command(
    ctx: typer.Context,
    json_: options.json_option("where each thing is: catalogue, index, lock, backups, drafts, pager and settings") = False,
) -> None:
    """Show where the catalogue, its index, its lock file, its backups, your unfinished records
    (drafts) and your settings file are, which pager long output goes through, and the
    environment variables of mieux that are set.

    It reads and writes nothing: on first use, it says where the catalogue will be created.

    Examples:

      mieux info

      mieux --db team.json info --json
    """
    from mieux_cli.cli.output import Output
    from mieux_cli.cli.pager import pager_command
    from mieux_cli.errors import MieuxError
    from mieux_cli.model.schema import KINDS
    from mieux_cli.storage import drafts, settings
    from mieux_cli.storage.catalogue_file import NO_INDEX
    from mieux_cli.text import os_text

    out = Output(json_)
    catalogue = store(ctx)
    given_by = "--db" if catalogue_option(ctx) else "MIEUX_DB" if os.environ.get("MIEUX_DB") else "the default"
    try:
        size = catalogue.real_path.stat().st_size
    except OSError:
        size = None
    try:
        index_size = catalogue.index_path.stat().st_size
    except OSError:
        index_size = None
    index_used = not os.environ.get(NO_INDEX)
    backups = catalogue.backups()
    kept = []
    for kind in KINDS:
        try:
            draft = drafts.load(catalogue.real_path, kind)
        except MieuxError:
            kept.append({"kind": kind, "saved": None, "damaged": True})
            continue
        if draft is not None:
            kept.append({"kind": kind, "saved": draft.saved, "damaged": False})
    pager = pager_command()
    settings_file = settings.settings_path()
    try:
        how_many = len(settings.load())
    except MieuxError:  # a settings file that cannot be read: `mieux config` says why
        how_many = None
    environment = {name: os_text(os.environ[name]) for name in VARIABLES if name in os.environ}
    if out.mode == "json":
        out.json({
            "catalogue": {"path": os_text(os.path.abspath(catalogue.path)), "file": os_text(str(catalogue.real_path)), "exists": size is not None, "bytes": size,
                          "given_by": given_by.removeprefix("the ")},
            "index": {"file": os_text(str(catalogue.index_path)), "exists": index_size is not None, "bytes": index_size,
                      "used": index_used},
            "lock": os_text(str(catalogue.lock_path)),
            "backups": {"folder": os_text(str(catalogue.backups_folder)), "count": len(backups)},
            "drafts": {"folder": os_text(str(drafts.folder())), "drafts": kept},
            "pager": {"command": pager[0], "from": pager[1]} if pager else None,
            "settings": {"file": os_text(str(settings_file)), "exists": settings_file.exists(), "count": how_many},
            "environment": environment,
        })
        return
    state = (f"{size / 1024:.0f} KB" if size is not None
             else "not created yet: the first command creates it from the shipped catalogue")
    path = os.path.abspath(catalogue.path)
    if catalogue.real_path != Path(path):
        state += f", a link to {catalogue.real_path}"
    drafts_here = "; ".join(
        f"{'an' if d['kind'][0] in 'aeiou' else 'a'} {d['kind']}, "
        + ("damaged" if d["damaged"] else f"kept {d['saved']}; `mieux add {d['kind']} --resume` takes it up")
        for d in kept)
    from_environment = ", ".join(f"{name}={value}" for name, value in environment.items())
    out.fields("Where mieux keeps things", [
        ("Catalogue", [f"{path} ({state}), {'chosen by ' if given_by != 'the default' else ''}{given_by}"]),
        ("Index", [f"{catalogue.index_path} ("
                   + (f"{index_size / 1024:.0f} KB" if index_size is not None else "not made yet: the next read makes it")
                   + ("" if index_used else f"; not used: {NO_INDEX} is set") + ")"]),
        ("Lock file", [str(catalogue.lock_path)]),
        ("Backups", [f"{catalogue.backups_folder} ({len(backups)} backup{'s' if len(backups) != 1 else ''})"]),
        ("Drafts", [f"{drafts.folder()} ({'for this catalogue: ' + drafts_here if kept else 'none for this catalogue'})"]),
        ("Pager", [f"{pager[0]} ({'the default' if pager[1] == 'default' else 'from ' + pager[1]})" if pager
                   else "none: long output is printed as it is"]),
        ("Settings", [f"{settings_file} ("
                      + ("not created yet" if not settings_file.exists() else "cannot be read" if how_many is None
                         else f"{how_many} setting{'s' if how_many != 1 else ''}")
                      + "; `mieux config list` shows them)"]),
        ("Environment", [from_environment or "none of mieux's variables is set"]),
    ])


# The commands this module defines, by name; app.py builds each only when it is used.
COMMANDS = {
    "info": info_command,
}
