"""The user's settings: a small TOML file that `mieux config` reads and writes.

Only the keys in KEYS exist; each says what it holds and checks its value, so a typo is caught
when it is set, not when an export needs it. The file is `config.toml` in the user's config
directory (platformdirs), or $MIEUX_CONFIG. It is read with tomllib and written whole and
atomically (store.write_atomically); every value is a string, so writing it needs no TOML library.
"""

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mieux_cli.errors import MieuxError

CONFIG_ENV = "MIEUX_CONFIG"

# IATI's OrganisationType and OrganisationRole codelists (2.03; non-embedded and embedded).
ORGANISATION_TYPES = {
    "10": "Government", "11": "Local Government", "15": "Other Public Sector", "21": "International NGO",
    "22": "National NGO", "23": "Regional NGO", "24": "Partner Country based NGO", "30": "Public Private Partnership",
    "40": "Multilateral", "60": "Foundation", "70": "Private Sector", "71": "Private Sector in Provider Country",
    "72": "Private Sector in Aid Recipient Country", "73": "Private Sector in Third Country",
    "80": "Academic, Training and Research", "90": "Other",
}
ORGANISATION_ROLES = {"1": "Funding", "2": "Accountable", "3": "Extending", "4": "Implementing"}
# An organisation identifier: a registration agency's prefix, a hyphen, the organisation's number
# there (XM-DAC-41114, GB-CHC-1234567, XI-IATI-EC_INTPA). IATI forbids spaces and / & | ? in them.
_ORGANISATION_REF = re.compile(r"^[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)+$")


def _organisation_ref(value: str) -> str:
    if not _ORGANISATION_REF.match(value):
        raise ValueError(f"'{value}' is not an IATI organisation identifier: it is an agency prefix and a number "
                         "joined by hyphens, such as XM-DAC-41114 or GB-CHC-1234567 (find yours at https://org-id.guide)")
    return value


def _name(value: str) -> str:
    if not value or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValueError("give a name on one line, without control characters")
    return value


def _code_of(codelist: dict[str, str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value in codelist:
            return value
        by_name = {name.lower(): code for code, name in codelist.items()}
        if value.lower() in by_name:
            return by_name[value.lower()]
        choices = ", ".join(f"{code} {name}" for code, name in codelist.items())
        raise ValueError(f"'{value}' is not an IATI {what}; use one of {choices}")

    return check


def _language(value: str) -> str:
    from mieux_cli import vocab

    try:
        return vocab.LANGUAGES.resolve(value)
    except MieuxError as e:
        raise ValueError(e.message.rstrip(".") + "; give an ISO 639-1 code such as en, es or fr") from None


@dataclass(frozen=True)
class Key:
    name: str
    help: str
    check: Callable[[str], str]  # the value as stored, or ValueError saying what is wrong


KEYS = {k.name: k for k in (
    Key("iati.publisher-ref", "the IATI organisation identifier of the publisher (reporting organisation); "
        "prefixes every activity's identifier", _organisation_ref),
    Key("iati.publisher-name", "the publisher's name, as IATI files give it", _name),
    Key("iati.publisher-type", "the publisher's IATI organisation type: a code or its name (40 Multilateral ...)",
        _code_of(ORGANISATION_TYPES, "organisation type")),
    Key("iati.publisher-role", "optional: the publisher's own role in every activity (1 Funding, 2 Accountable, "
        "3 Extending, 4 Implementing), written as a participating organisation", _code_of(ORGANISATION_ROLES, "organisation role")),
    Key("iati.language", "optional: the language of the catalogue's texts, ISO 639-1 (default en)", _language),
)}


def settings_path() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    from platformdirs import user_config_path

    return user_config_path("mieux", appauthor=False) / "config.toml"


def key(name: str) -> Key:
    name = name.strip().lower()
    if name not in KEYS:
        close = difflib.get_close_matches(name, list(KEYS), n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        raise MieuxError(f"There is no setting '{name}'.", f"{hint}`mieux config list` lists them.")
    return KEYS[name]


def check(name: str, value: str) -> str:
    """The value as it will be stored; MieuxError naming the setting and the fix."""
    k = key(name)
    try:
        return k.check(value.strip())
    except ValueError as e:
        raise MieuxError(f"{k.name}: {e}.", f"Set it again: mieux config set {k.name} VALUE") from None


def load() -> dict[str, str]:
    """Every setting in the file, by dotted name; {} when there is no file."""
    import tomllib

    path = settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise MieuxError(f"Cannot read the settings file {path}: {getattr(e, 'strerror', None) or e}.",
                         "Check its permissions, or remove it and set the values again.") from None
    except tomllib.TOMLDecodeError as e:
        raise MieuxError(f"The settings file {path} is not valid TOML: {e}.",
                         "Fix it, or remove it and set the values again with `mieux config set`.") from None
    return {name: str(value) for name, value in _flatten(data)}


def _flatten(data: dict, prefix: str = ""):
    for name, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def get(name: str) -> str | None:
    return load().get(key(name).name)


def set_value(name: str, value: str) -> str:
    """Store a setting (checked first); returns the value as stored."""
    stored = check(name, value)
    settings = load()
    settings[key(name).name] = stored
    _save(settings)
    return stored


def unset(name: str) -> bool:
    """Remove a setting; False if it was not set."""
    settings = load()
    if settings.pop(key(name).name, None) is None:
        return False
    _save(settings)
    return True


def _save(settings: dict[str, str]) -> None:
    from mieux_cli.store import write_atomically

    path = settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, toml_text(settings).encode("utf-8"))
    except OSError as e:
        raise MieuxError(f"Could not write the settings file {path}: {e.strerror or e}.",
                         f"Check that folder's permissions, or set ${CONFIG_ENV} to another file.") from None


def toml_text(settings: dict[str, str]) -> str:
    """A TOML file of string values, one table per prefix ("iati"), keys sorted."""
    tables: dict[str, dict[str, str]] = {}
    for name, value in sorted(settings.items()):
        table, _, leaf = name.rpartition(".")
        tables.setdefault(table, {})[leaf] = value
    lines = ["# mieux settings, written by `mieux config` (`mieux config list` shows them)."]
    for table, values in sorted(tables.items(), key=lambda t: t[0] != ""):  # keys of no table before any [table]
        lines += ["", f"[{table}]"] if table else [""]
        lines += [f"{leaf} = {toml_string(value)}" for leaf, value in values.items()]
    return "\n".join(lines) + "\n"


def toml_string(value: str) -> str:
    """A TOML basic string: quotes and backslashes escaped, control characters as \\uXXXX."""
    escaped = []
    for c in value:
        if c in '"\\':
            escaped.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            escaped.append(f"\\u{ord(c):04X}")
        else:
            escaped.append(c)
    return '"' + "".join(escaped) + '"'
