"""The catalogue shipped with the package (catalogue/ in the repository), read only to create a
new working catalogue: YAML is far slower to parse than JSON, so no query reads it."""

from importlib.resources import files

from mieux_cli.model.records import validate_catalogue
from mieux_cli.model.schema import KINDS


def shipped_files():
    """The shipped YAML files, in a stable order: by kind, then by file name."""
    root = files("mieux_cli.shipped_catalogue")
    for kind in KINDS:
        folder = root / f"{kind}s"
        if folder.is_dir():
            yield from sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def shipped_records() -> list[dict]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return validate_catalogue([yaml.load(f.read_text(encoding="utf-8"), Loader=loader) for f in shipped_files()])
