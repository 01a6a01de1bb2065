"""The git work tree `mieux sync` keeps beside the catalogue (catalogue.json.sync/): the catalogue
as a YAML folder (formats/yaml_folder.py), its records at any commit, the conflicts waiting for an
answer (in .git/mieux-sync.json, with the answers given so far) and their files, marked as git marks
a conflict so that either side can be kept by editing."""

import dataclasses
import re
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats import yaml_folder
from mieux_cli.formats.files import Item
from mieux_cli.model.merging import Choice, Conflict
from mieux_cli.sharing.git import Git, GitFailed

BRANCH = "main"
STATE_FILE = "mieux-sync.json"
MINE_MARK, SPLIT_MARK, THEIRS_MARK = "<<<<<<< ", "=======", ">>>>>>> "
_MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)", re.MULTILINE)
_RECORD_FILE = re.compile("(" + "|".join(yaml_folder.KIND_FOLDERS.values()) + r")/[^/]+\.ya?ml")
_STALE_LOCKS = ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "config.lock", "packed-refs.lock")


def tree_of(catalogue_path: Path) -> Path:
    """The work tree of a catalogue file: catalogue.json -> catalogue.json.sync, beside it."""
    return catalogue_path.with_name(catalogue_path.name + ".sync")


def is_folder_remote(remote: str) -> bool:
    """A remote that is a folder (a bare repository on a shared drive), not an address
    (https://..., ssh://..., git@host:path)."""
    return "://" not in remote and not re.match(r"^[^/]*:", remote)


def prepare_remote_folder(remote: str) -> str:
    """A folder remote as an absolute path; made a bare repository when it does not exist yet or
    is an empty folder. MieuxError for a folder that holds something else."""
    folder = Path(remote).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise MieuxError(f"{folder} is a file, not a folder or a git repository.",
                         "Give a new folder (mieux makes it a shared repository), or a git repository.")
    if not folder.exists() or not any(folder.iterdir()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise MieuxError(f"Cannot make the folder {folder}: {e.strerror or e}.", "Check the path and its permissions.") from None
        Git(folder).run("init", "-q", "--bare", "-b", BRANCH, ".", what=f"Making a shared repository in {folder}")
    elif not ((folder / "HEAD").is_file() or (folder / ".git").exists()):
        raise MieuxError(f"{folder} is a folder that is not a git repository.",
                         "Give a new or empty folder (mieux makes it a shared repository), or a git repository.")
    return str(folder)


def prepare_tree(git: Git, remote: str) -> None:
    """The work tree made (a new repository with `remote` as origin) or made ready: origin
    pointed at `remote`, and the lock files a killed git left removed (the caller holds the sync
    lock, so no other mieux runs git here)."""
    tree = git.tree
    if not (tree / ".git").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        git.run("init", "-q", "-b", BRANCH, what=f"Making the work tree {tree}")
    for name in _STALE_LOCKS:
        (tree / ".git" / name).unlink(missing_ok=True)
    for lock in (tree / ".git" / "refs").rglob("*.lock"):
        lock.unlink(missing_ok=True)
    current = origin(git)
    if current is None:
        git.run("remote", "add", "origin", remote)
    elif current != remote:
        git.run("remote", "set-url", "origin", remote)


def origin(git: Git) -> str | None:
    """The remote the work tree shares through, None when it has none yet."""
    try:
        return git.text("remote", "get-url", "origin")
    except GitFailed:
        return None


def clean(git: Git) -> None:
    """The work tree as its last commit left it: a sync stopped half-way, or a conflict's files,
    leave nothing behind."""
    if git.commit_of("HEAD"):
        git.run("reset", "-q", "--hard", "HEAD")
    git.run("clean", "-q", "-f", "-d")


def set_head(git: Git, commit: str) -> None:
    """The branch, its index and its files at `commit`."""
    git.run("update-ref", f"refs/heads/{BRANCH}", commit)
    git.run("reset", "-q", "--hard", commit)
    git.run("clean", "-q", "-f", "-d")


def is_record_file(path: str) -> bool:
    return bool(_RECORD_FILE.fullmatch(path))


def records_at(git: Git, commit: str | None, paths: set[str] | None = None) -> dict[str, dict]:
    """ID -> record of the catalogue at a commit ({} for none), or of those of its files that are
    among `paths`, checked as an import checks them: MieuxError naming the first file and field
    that cannot be read."""
    if commit is None:
        return {}
    wanted = {p for p in paths if is_record_file(p)} if paths is not None else None
    if wanted == set():
        return {}
    texts = {path: data for path, data in git.files_at(commit, wanted).items() if is_record_file(path)}
    return parsed(texts, f"the shared catalogue (commit {commit[:7]})")


def parsed(texts: dict[str, bytes], where: str) -> dict[str, dict]:
    from mieux_cli.formats.files import UnreadableFile
    from mieux_cli.formats.import_checks import duplicate_ids
    from mieux_cli.formats.importing import prepare

    items: list[Item] = []
    for path, data in sorted(texts.items()):
        try:
            items += yaml_folder.read(data.decode("utf-8"), path)
        except UnicodeDecodeError:
            raise MieuxError(f"{path} in {where} is not UTF-8 text.", "Fix or remove it in the repository.") from None
        except UnreadableFile as e:
            raise MieuxError(f"{path} in {where} cannot be read: {e}.", "Fix it in the repository, then sync again.") from None
    prepared = prepare(items)
    problems = prepared.problems + duplicate_ids(prepared)
    if problems:
        raise MieuxError(f"{where.capitalize()} holds a record mieux cannot take: {problems[0]}.",
                         "Fix it in the repository (or ask whoever wrote it), then sync again.")
    return {e.record["id"]: e.record for e in prepared.entries}


def path_of(record: dict) -> str:
    return f"{yaml_folder.KIND_FOLDERS[record['kind']]}/{record['id']}.yaml"


def conflict_path(conflict: Conflict) -> str:
    return path_of({"kind": conflict.kind, "id": conflict.record_id})


@dataclasses.dataclass
class Pending:
    """A merge that waits for answers: the two commits, its conflicts, the answers given so far,
    and the text mieux wrote in each conflict's file (a file that still reads so is unanswered)."""

    mine: str
    theirs: str
    conflicts: list[Conflict]
    choices: list[Choice]
    files: dict[str, str]  # path in the work tree -> the text written there


def load_pending(tree: Path) -> Pending | None:
    import orjson

    try:
        data = orjson.loads((tree / ".git" / STATE_FILE).read_bytes())
        return Pending(data["mine"], data["theirs"], [Conflict(**c) for c in data["conflicts"]],
                       [Choice(**c) for c in data["choices"]], data["files"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise MieuxError(f"{tree / '.git' / STATE_FILE} is damaged.",
                         "Delete it and run `mieux sync` again: the conflicts are found again.") from None


def save_pending(tree: Path, pending: Pending | None) -> None:
    import orjson

    from mieux_cli.storage.files import write_atomically

    path = tree / ".git" / STATE_FILE
    if pending is None:
        path.unlink(missing_ok=True)
        return
    data = {"mine": pending.mine, "theirs": pending.theirs, "files": pending.files,
            "conflicts": [dataclasses.asdict(c) for c in pending.conflicts],
            "choices": [dataclasses.asdict(c) for c in pending.choices]}
    write_atomically(path, orjson.dumps(data))


def conflict_texts(conflicts: list[Conflict], records: dict[str, dict], theirs_name: str) -> dict[str, str]:
    """Path -> the text of each conflicted record's file: the merged record, each conflicted field
    as both sides have it between git's markers; a record removed on one side, whole against nothing."""
    by_record: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        by_record.setdefault(conflict.identity, []).append(conflict)
    texts = {}
    for identity, found in by_record.items():
        whole = next((c for c in found if c.field is None), None)
        if whole is not None:
            text = (_HELP + MINE_MARK + ("yours" if whole.mine else "yours: removed") + "\n" + _text(whole.mine)
                    + SPLIT_MARK + "\n" + _text(whole.theirs)
                    + THEIRS_MARK + theirs_name + ("" if whole.theirs else ": removed") + "\n")
            texts[conflict_path(whole)] = text
            continue
        record = records[identity]
        conflicted = {c.field: c for c in found}
        parts = [_HELP]
        for name, value in record.items():
            c = conflicted.get(name)
            if c is None:
                parts.append(yaml_folder.field_text(name, value))
            else:
                parts.append(f"{MINE_MARK}yours\n{yaml_folder.field_text(name, c.mine)}{SPLIT_MARK}\n"
                             f"{yaml_folder.field_text(name, c.theirs)}{THEIRS_MARK}{theirs_name}\n")
        texts[conflict_path(found[0])] = "".join(parts)
    return texts


_HELP = ("# A conflict between your changes and a colleague's. Keep one side between the marker lines (or\n"
         "# write what both agree on), delete the other side and the marker lines, then run `mieux sync`.\n"
         "# Nothing left (or the file deleted) removes the record. Or: mieux sync --take mine|theirs ID[:FIELD]\n")


def _text(record: dict | None) -> str:
    return yaml_folder.record_text(record) if record else ""


def answered(tree: Path, pending: Pending) -> list[Choice]:
    """The answers given by editing conflict files: a file whose markers are gone answers its
    record's conflicts with what it holds (nothing, or no file: the record removed)."""
    choices = []
    for path, written in pending.files.items():
        file = tree / path
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except (OSError, UnicodeDecodeError) as e:
            raise MieuxError(f"Cannot read {file}: {e}.", "Fix the file, or answer with `mieux sync --take`.") from None
        if text == written or _MARKER.search(text):
            continue
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
        record = next(iter(parsed({path: body.encode()}, "your answer").values()), None) if body else None
        for conflict in pending.conflicts:
            if conflict_path(conflict) != path:
                continue
            if conflict.field is None:
                value = record
            elif record is None:
                raise MieuxError(f"{file} is empty, but only some of the record's fields are in conflict.",
                                 "Keep the record and answer its fields, or run `mieux sync --take`.")
            else:
                value = record.get(conflict.field)
            choices.append(Choice(conflict.identity, conflict.field, conflict.mine, conflict.theirs, value))
    return choices

