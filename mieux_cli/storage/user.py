"""Who makes a change, as the history records it: the login the operating system names."""

import getpass


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user ID (some containers)
        return "unknown"
