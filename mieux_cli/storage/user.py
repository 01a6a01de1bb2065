"""Who makes a change, as the history and a sync's commits record it: the name set with `mieux
config set user.name`, else git's own `user.name`, else the login the operating system names."""

import getpass
import shutil
import subprocess


def current_user() -> str:
    from mieux_cli.errors import MieuxError
    from mieux_cli.storage import settings

    try:
        named = settings.get("user.name")
    except MieuxError:  # a settings file broken by hand: `mieux config list` says so; a change goes on
        named = None
    return named or git_setting("user.name") or login()


def login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user ID (some containers)
        return "unknown"


def git_setting(name: str) -> str | None:
    """A value of git's own configuration (`user.name`), or None when git or the value is missing."""
    found = shutil.which("git")
    if found is None:
        return None
    try:
        done = subprocess.run([found, "config", "--get", name], check=False, capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None
