"""The git program, as `mieux sync` runs it: in one work tree, with git's own credentials (SSH
keys, credential helpers: mieux never sees a password), and its failures as one-line errors."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.storage.user import git_setting, login

INSTALL_HINT = ("Install git: `sudo apt-get install git` (Debian, Ubuntu), `sudo dnf install git` (Fedora), "
                "`brew install git` (macOS), or see https://git-scm.com/downloads.")


class GitFailed(MieuxError):
    """A git command that failed; `output` is what git said."""

    def __init__(self, message: str, hint: str, output: str):
        super().__init__(message, hint)
        self.output = output


def program() -> str:
    """The path of git; a MieuxError saying how to install it when there is none."""
    found = shutil.which("git")
    if found is None:
        raise MieuxError("`mieux sync` needs git, and git is not installed here.", INSTALL_HINT)
    return found


class Git:
    """git run in `tree` (its work tree); `author` names whoever makes the commits (None: git
    only reads, and its own settings are not looked up)."""

    def __init__(self, tree: Path, author: str | None = None):
        self.tree = tree
        self.git = program()
        self.env = dict(os.environ)
        if author is not None:
            email = git_setting("user.email") or f"{login()}@localhost"
            self.env.update({"GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author,
                             "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_EMAIL": email})
        if not _interactive():
            self.env["GIT_TERMINAL_PROMPT"] = "0"  # a script is told, not asked for a password it cannot give

    def run(self, *args: str, input: bytes | None = None, what: str = "") -> bytes:
        """git's standard output; GitFailed, saying what failed (`what`) in git's words."""
        try:
            done = subprocess.run([self.git, *args], check=False, cwd=self.tree, env=self.env, input=input,
                                  stdin=None if input is not None else subprocess.DEVNULL if not _interactive() else None,
                                  capture_output=True)
        except FileNotFoundError:
            raise MieuxError("`mieux sync` needs git, and git is not installed here.", INSTALL_HINT) from None
        except OSError as e:
            raise MieuxError(f"Cannot run git {args[0]}: {e.strerror or e}.", "This is a bug in mieux: please report it.") from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip()
            last = said.splitlines()[-1] if said else f"git {args[0]} exited with {done.returncode}"
            raise GitFailed(f"{what or 'git ' + args[0]} failed: {last.removeprefix('fatal: ')}",
                            "See what git says above; nothing in the catalogue was changed by it.", said)
        return done.stdout

    def text(self, *args: str, what: str = "") -> str:
        return self.run(*args, what=what).decode().strip()

    def succeeds(self, *args: str) -> bool:
        try:
            self.run(*args)
        except GitFailed:
            return False
        return True

    def commit_of(self, ref: str) -> str | None:
        """The commit a ref names, or None when it names none (a new repository's branch)."""
        try:
            return self.text("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except GitFailed:
            return None

    def changed_paths(self, one: str | None, other: str | None) -> set[str]:
        """The paths of the files that differ between two commits."""
        if one == other or one is None or other is None:
            return set() if one == other else set(self.files_at(one or other))
        listing = self.run("diff", "--name-only", "-z", "--no-renames", one, other).split(b"\0")
        return {path.decode(errors="surrogateescape") for path in listing if path}

    def blob_ids(self, commit: str) -> dict[str, str]:
        """Path -> the object ID of every file of a commit."""
        listing = self.run("ls-tree", "-r", "-z", "--full-tree", commit).split(b"\0")
        blobs = {}
        for line in listing:
            if line:
                meta, path = line.split(b"\t", 1)
                _mode, kind, sha = meta.split()
                if kind == b"blob":
                    blobs[path.decode(errors="surrogateescape")] = sha.decode()
        return blobs

    def files_at(self, commit: str, paths: set[str] | None = None) -> dict[str, bytes]:
        """Path -> content of every file of a commit (of those among `paths`), read in one pass
        (`cat-file --batch`)."""
        blobs = [(name, sha) for name, sha in self.blob_ids(commit).items() if paths is None or name in paths]
        if not blobs:
            return {}
        out = self.run("cat-file", "--batch", input="".join(sha + "\n" for _, sha in blobs).encode())
        files, at = {}, 0
        for path, _ in blobs:
            header_end = out.index(b"\n", at)
            size = int(out[at:header_end].split()[2])
            files[path] = out[header_end + 1:header_end + 1 + size]
            at = header_end + 1 + size + 1
        return files

    def authors_since(self, base: str | None, commit: str) -> dict[str, str]:
        """Path -> the name of who changed it last between `base` and `commit` (every commit of
        `commit` without a base)."""
        span = f"{base}..{commit}" if base else commit
        log = self.text("log", "--format=%x00%an", "--name-only", "--no-renames", span).split("\0")
        authors: dict[str, str] = {}
        for block in log:
            name, _, paths = block.partition("\n")
            for path in paths.split("\n"):
                if path.strip():
                    authors.setdefault(path.strip(), name.strip())
        return authors


def _interactive() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False


def blob_id(data: bytes, like: str) -> str:
    """The object ID git gives a file holding `data`, in the hash of the ID `like` (SHA-1, or
    SHA-256 in a repository made so)."""
    digest = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return digest(b"blob %d\0" % len(data) + data).hexdigest()
