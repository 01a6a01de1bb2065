"""The user's settings: a small TOML file that `mieux config` reads and writes.

Only the keys in KEYS exist; each says what it holds and checks its value, when it is set and
every time it is read (a file edited by hand is held to the same rules, so an invalid value
never reaches an IATI file). The file is `config.toml` in the user's config directory
(platformdirs), or $MIEUX_CONFIG; it is read as every file mieux reads is (a regular file only,
never more than MAX_BYTES), with tomllib. `config set` and `unset` change the one key in the
file as it is, with tomlkit, which keeps the rest of a hand-written file (other keys, their
types, comments) as it was, and write it whole and atomically (store.files.write_atomically).
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
    from mieux_cli.model import vocab

    try:
        return vocab.LANGUAGES.resolve(value)
    except MieuxError as e:
        raise ValueError(e.message.rstrip(".") + "; give an ISO 639-1 code such as en, es or fr") from None


def _web_address(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        raise ValueError("give a web address, such as https://example.org/mieux-vocabularies")
    return value


@dataclass(frozen=True)
class Key:
    name: str
    help: str
    check: Callable[[str], str]  # the value as stored, or ValueError saying what is wrong


def _remote(value: str) -> str:
    if not value or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValueError("give a git remote on one line: an address such as git@gitlab.example.org:unit/catalogue.git "
                         "or https://..., or a folder such as /mnt/shared/catalogue.git")
    return value


KEYS = {k.name: k for k in (
    Key("iati.publisher-ref", "the IATI organisation identifier of the publisher (reporting organisation); "
        "prefixes every activity's identifier", _organisation_ref),
    Key("iati.publisher-name", "the publisher's name, as IATI files give it", _name),
    Key("iati.publisher-type", "the publisher's IATI organisation type: a code or its name (40 Multilateral ...)",
        _code_of(ORGANISATION_TYPES, "organisation type")),
    Key("iati.publisher-role", "optional: the publisher's own role in every activity (1 Funding, 2 Accountable, "
        "3 Extending, 4 Implementing), written as a participating organisation", _code_of(ORGANISATION_ROLES, "organisation role")),
    Key("iati.language", "optional: the language of the catalogue's texts, ISO 639-1 (default en)", _language),
    Key("iati.vocabulary-uri", "optional: the web page where the publisher describes its own codes (IATI "
        "vocabulary 99: MIEUX's themes, areas, GCM objectives and regions); without it they are not written",
        _web_address),
    Key("user.name", "your name, as the history and the commits of `mieux sync` give it (default: git's user.name, "
        "else your login)", _name),
    Key("sync.remote", "the git repository `mieux sync` shares the catalogue through: an address or a folder",
        _remote),
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


MAX_BYTES = 1 << 20  # a settings file is a few lines


def _read_text() -> str | None:
    """The settings file's text; None when there is none. Only a regular file is read (a named
    pipe would hang, /dev/zero never end), and never more than MAX_BYTES."""
    from mieux_cli.storage.files import NotRegularFile, TooLarge, read_regular_file

    path = settings_path()
    hint = f"Give ${CONFIG_ENV} the path of a settings file (a TOML file), or unset it."
    try:
        data = read_regular_file(path, MAX_BYTES)
    except FileNotFoundError:
        return None
    except NotRegularFile as e:
        raise MieuxError(f"The settings file {path} is {e.what}, not a file.", hint) from None
    except TooLarge as e:
        raise MieuxError(f"The settings file {path} is far too large to be one ({e}).", hint) from None
    except OSError as e:
        raise MieuxError(f"Cannot read the settings file {path}: {e.strerror or e}.",
                         "Check its permissions, or remove it and set the values again.") from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise MieuxError(f"The settings file {path} is not UTF-8 text.",
                         "Save it as UTF-8, or remove it and set the values again with `mieux config set`.") from None


def _parsed(text: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise MieuxError(f"The settings file {settings_path()} is not valid TOML: {e}.",
                         "Fix it, or remove it and set the values again with `mieux config set`.") from None


def stored() -> dict[str, object]:
    """Every key in the file, by dotted name, with its value as TOML typed it; {} when there is
    no file. Nothing is checked but the file's syntax (`config list` shows what is wrong)."""
    text = _read_text()
    return dict(_flatten(_parsed(text))) if text is not None else {}


def problem(name: str, value) -> str | None:
    """What is wrong with a value the file holds for a mieux setting, in words; None if nothing."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return f"it is {_toml_type(value)}, and it should be one value in quotes"
    try:
        KEYS[name].check(str(value).strip())
    except ValueError as e:
        return str(e)
    return None


def load() -> dict[str, str]:
    """Every mieux setting in the file, by dotted name, as stored; {} when there is no file. A
    value that breaks its setting's rules (a hand edit) is refused here, naming the fix; other
    keys are ignored."""
    settings = {}
    for name, value in stored().items():
        if name not in KEYS:
            continue
        why = problem(name, value)
        if why:
            raise MieuxError(f"The settings file {settings_path()} has {name} = {_shown(value)}: {why}.",
                             f"Set it again: mieux config set {name} VALUE (or unset it: mieux config unset {name}).")
        settings[name] = KEYS[name].check(str(value).strip())
    return settings


def _shown(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _toml_type(value) -> str:
    import datetime

    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return type(value).__name__


def _flatten(data: dict, prefix: str = ""):
    for name, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def get(name: str) -> str | None:
    return load().get(key(name).name)


def set_value(name: str, value: str) -> str:
    """Store a setting (checked first); returns the value as stored. Every other key of the file
    stays as it was, whatever it holds."""
    stored_value = check(name, value)
    document = _document()
    table, _, leaf = key(name).name.rpartition(".")
    parent = document
    for part in table.split(".") if table else []:
        if part not in parent or not hasattr(parent[part], "keys"):
            import tomlkit

            parent[part] = tomlkit.table()
        parent = parent[part]
    parent[leaf] = stored_value
    _save(document)
    return stored_value


def unset(name: str) -> bool:
    """Remove a setting; False if it was not set."""
    name = key(name).name
    if name not in stored():
        return False
    document = _document()
    table, _, leaf = name.rpartition(".")
    parent = document
    for part in table.split(".") if table else []:
        parent = parent[part]
    del parent[leaf]
    _save(document)
    return True


def _document():
    """The settings file as tomlkit reads it (its comments and layout kept), or a new one."""
    import tomlkit

    text = _read_text()
    if text is None:
        document = tomlkit.document()
        document.add(tomlkit.comment("mieux settings, written by `mieux config` (`mieux config list` shows them)."))
        document.add(tomlkit.nl())
        return document
    _parsed(text)  # refused with tomllib's message, as every read refuses it
    return tomlkit.parse(text)


def _save(document) -> None:
    import tomlkit

    from mieux_cli.storage.files import write_atomically

    text = tomlkit.dumps(document)
    _parsed(text)  # never write a file that does not read back
    path = settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text.encode("utf-8"))
    except OSError as e:
        raise MieuxError(f"Could not write the settings file {path}: {e.strerror or e}.",
                         f"Check that folder's permissions, or set ${CONFIG_ENV} to another file.") from None
