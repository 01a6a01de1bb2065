"""`mieux sync`: the catalogue shared through a git repository. One run writes the catalogue as a
YAML folder in the work tree beside it, commits what changed here, fetches what colleagues pushed,
merges the two record by record against the state both come from (model/merging.py), brings the
result into the catalogue as one change (undoable, each change saying whose it was), and pushes.

Safe to stop at any moment: the catalogue is changed before the branch moves, so a run stopped
half-way is taken up by the next one, which finds the colleague's changes on both sides (a
merge keeps what both sides did alike). Offline, the commit waits for the next sync.
"""

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from mieux_cli.errors import MieuxError
from mieux_cli.formats.files import no_progress
from mieux_cli.model.merging import Choice, Conflict, merge
from mieux_cli.sharing import worktree
from mieux_cli.sharing.git import Git, GitFailed
from mieux_cli.sharing.worktree import BRANCH, Pending
from mieux_cli.storage.catalogue_file import Store
from mieux_cli.storage.history import Change, added, commit, digest, removed, updated
from mieux_cli.storage.user import current_user
from mieux_cli.text import count_of

REMOTE_BRANCH = f"refs/remotes/origin/{BRANCH}"
ATTEMPTS = 4  # a colleague who pushes, or a change here, between our fetch and our push: merged again


class _CatalogueMoved(Exception):
    """A record the merge changes was changed here since it was exported: export and merge again."""


@dataclass
class Report:
    """What a sync did, for people: the local changes committed, what came from colleagues (the
    history's changes, each with who made it), the conflicts left, and whether it was pushed."""

    tree: Path
    remote: str
    committed: list[str] = field(default_factory=list)  # 'changed act-x', ... of the local commit
    first: bool = False  # the local commit is the catalogue's first
    brought: list[dict] = field(default_factory=list)  # the history entry's changes
    number: int | None = None  # of the history entry
    conflicts: list[Conflict] = field(default_factory=list)
    theirs_name: str = ""
    pushed: bool = False
    offline: str | None = None  # git's words when the remote could not be reached


def sync(store: Store, remote: str, command: str, take: tuple[str, list[str]] | None = None,
         init: bool = False, progress=None) -> Report:
    """Run a sync of the catalogue of `store` with `remote`; `take` ("mine" or "theirs", and the
    conflicts it answers by name, all when none) answers conflicts of a sync before. With `init`,
    a folder remote that does not exist yet is made a shared repository (later, a folder that is
    missing is a shared drive not mounted: offline). `progress(total, description)`: as
    Output.progress, while the records are written into the work tree."""
    from mieux_cli.storage.lock import hold, lock_timeout

    tree = worktree.tree_of(store.real_path)
    if init and worktree.is_folder_remote(remote):
        remote = worktree.prepare_remote_folder(remote)
    report = Report(tree, remote)
    git = Git(tree, current_user())
    tree.parent.mkdir(parents=True, exist_ok=True)
    with hold(tree.with_name(tree.name + ".lock"), lock_timeout(), _lock_error(tree)):
        worktree.prepare_tree(git, remote)
        pending = worktree.load_pending(tree)
        choices = _answers(tree, pending, take)
        worktree.clean(git)
        for _ in range(ATTEMPTS):
            with contextlib.suppress(_CatalogueMoved):
                if _attempt(store, git, report, choices, command, progress or no_progress):
                    return report
        raise MieuxError("The catalogue kept changing while it was being synced.", "Run `mieux sync` again.")


def remembered_remote(store: Store) -> str | None:
    """The remote a catalogue's work tree was set up with, None when it has none."""
    tree = worktree.tree_of(store.real_path)
    if not (tree / ".git").is_dir():
        return None
    return worktree.origin(Git(tree))


def _lock_error(tree: Path):
    def error(e: OSError) -> MieuxError:
        return MieuxError(f"Cannot make the lock of {tree}: {e.strerror or e}.", "Check the folder's permissions.")

    return error


def _answers(tree: Path, pending: Pending | None, take) -> list[Choice]:
    """The answers to the conflicts waiting: those given before, those of edited files, and `take`."""
    if pending is None:
        if take is not None:
            raise MieuxError("There is no conflict to answer.", "`mieux sync` shares the catalogue; --take answers the "
                             "conflicts it reports.")
        return []
    choices = pending.choices + worktree.answered(tree, pending)
    if take is not None:
        side, names = take
        wanted = [c for c in pending.conflicts if not names or any(_names(c, n) for n in names)]
        unknown = [n for n in names if not any(_names(c, n) for c in pending.conflicts)]
        if unknown:
            listed = ", ".join(c.name for c in pending.conflicts)
            raise MieuxError(f"No conflict is named '{unknown[0]}'.", f"The conflicts: {listed}.")
        choices += [Choice(c.identity, c.field, c.mine, c.theirs, c.mine if side == "mine" else c.theirs) for c in wanted]
    return choices


def _names(conflict: Conflict, name: str) -> bool:
    """Whether `sync --take` names the conflict: 'act-x' every conflict of the record, 'act-x:title' one."""
    record_id, _, field_name = name.strip().lower().partition(":")
    if record_id not in (conflict.record_id, conflict.identity):
        return False
    return not field_name or field_name == (conflict.field or "")


def _attempt(store: Store, git: Git, report: Report, choices: list[Choice], command: str, progress) -> bool:
    """One round: fetch, commit, merge, bring in, push. False when a colleague pushed meanwhile."""
    try:
        git.run("fetch", "-q", "origin", what=f"Fetching from {report.remote}")
    except GitFailed as e:
        report.offline = e.output.splitlines()[-1] if e.output else e.message
    exported = _commit_local(store, git, report, progress)
    mine = git.commit_of("HEAD")
    if report.offline:
        return True
    theirs = git.commit_of(REMOTE_BRANCH)
    if theirs is None or theirs == mine or (mine and git.succeeds("merge-base", "--is-ancestor", theirs, mine)):
        worktree.save_pending(git.tree, None)
        return _push(git, report, mine, theirs)
    report.theirs_name = _who(git, mine, theirs)
    base = _base(git, mine, theirs)
    merging = _Merging(git, base, mine, theirs, exported, choices)
    if merging.conflicts:
        texts = worktree.conflict_texts(merging.conflicts, merging.part, report.theirs_name)
        for path, text in texts.items():
            (git.tree / path).parent.mkdir(exist_ok=True)
            (git.tree / path).write_text(text, encoding="utf-8")
        worktree.save_pending(git.tree, Pending(mine or "", theirs, merging.conflicts, choices, texts))
        report.conflicts = merging.conflicts
        return True
    result = merging.result
    _check_whole(result, merging.merged)
    authors = git.authors_since(base, theirs)
    changes = _changes(exported, result, authors)
    report.number = _bring_in(store, changes, command)
    report.brought = [c.as_dict() for c in changes]
    if (mine is None or git.succeeds("merge-base", "--is-ancestor", mine, theirs)) and merging.is_theirs:
        worktree.set_head(git, theirs)
    else:
        _commit_merge(git, result, mine, theirs, progress)
    worktree.save_pending(git.tree, None)
    return _push(git, report, git.commit_of("HEAD"), theirs)


class _Merging:
    """The merge of `mine` and `theirs` against `base`. Only the records whose files one side
    changed since the base are read and merged (`part`, by identity); the others are the same on
    both sides, and stay as exported. Two histories with no base are read and merged whole."""

    def __init__(self, git: Git, base: str | None, mine: str | None, theirs: str, exported: dict[str, dict],
                 choices: list[Choice]):
        paths = None if base is None else git.changed_paths(base, mine) | git.changed_paths(base, theirs)
        theirs_part = worktree.records_at(git, theirs, paths)
        if base is None and mine is None:  # a new catalogue joins the team's: it takes theirs whole
            self.part, self.conflicts, mine_part = theirs_part, [], {}
        else:
            mine_part = worktree.records_at(git, mine, paths)
            base_part = worktree.records_at(git, base, paths) if base else _unrelated_base(mine_part, theirs_part)
            merged = merge(base_part, mine_part, theirs_part, choices)
            self.part, self.conflicts = merged.records, merged.conflicts
        self.merged = {r["id"]: r for r in self.part.values()}
        self.is_theirs = self.merged == theirs_part
        kept = {} if paths is None else {i: r for i, r in exported.items() if i not in mine_part}
        self.result = {**kept, **self.merged}


def _commit_local(store: Store, git: Git, report: Report, progress) -> dict[str, dict]:
    """The catalogue exported into the work tree and committed when it differs from the last
    commit; the records exported (ID -> record), which the merge's changes are checked against."""
    from mieux_cli.formats.yaml_folder import export_folder

    records = store.load().records
    has_head = git.commit_of("HEAD") is not None
    if has_head or records:
        with progress(len(records), "Writing the catalogue for git") as advance:
            export_folder(records, git.tree, prune=True, advance=advance)
    git.run("add", "-A")
    status = git.text("status", "--porcelain", "--no-renames")
    lines = [line for line in status.splitlines() if line[3:].endswith(".yaml")]
    if lines and (has_head or git.commit_of(REMOTE_BRANCH) is None or not _fresh(store)):
        verbs = {"A": "added", "M": "changed", "D": "removed"}
        report.committed = [f"{verbs.get(line[0], 'changed')} {Path(line[3:]).stem}" for line in lines]
        report.first = not has_head
        git.run("commit", "-q", "--no-verify", "-F", "-", input=_message(report.committed).encode(),
                what="Committing your changes")
    elif not has_head:
        git.run("reset", "-q")  # a new catalogue joining: nothing of its own to commit
    return {r["id"]: r for r in records}


def _fresh(store: Store) -> bool:
    """A catalogue nobody has changed yet (the shipped records only): it joins a team's whole."""
    return not store.history(newest=1)


MESSAGE_LINES = 100  # records a commit's message names before it counts the rest


def _message(lines: list[str]) -> str:
    more = len(lines) - MESSAGE_LINES
    return (f"mieux sync: {count_of(len(lines), 'record')} changed\n\n" + "\n".join(lines[:MESSAGE_LINES]) + "\n"
            + (f"and {more} more\n" if more > 0 else ""))


def _base(git: Git, mine: str | None, theirs: str) -> str | None:
    if mine is None:
        return None
    try:
        return git.text("merge-base", mine, theirs)
    except GitFailed:  # two histories with nothing in common: every record is new on both sides
        return None


def _unrelated_base(mine: dict[str, dict], theirs: dict[str, dict]) -> dict[str, dict]:
    """What two catalogues that never synced together come from, as far as can be known: the
    shipped version of the shipped records both hold (a field only one side changed since takes
    that side). A record only one side holds is new there, never removed by the other."""
    from mieux_cli.storage.shipped import shipped_records

    return {r["id"]: r for r in shipped_records() if r["id"] in mine and r["id"] in theirs}


def _who(git: Git, mine: str | None, theirs: str) -> str:
    """Who made the colleagues' commits, for the conflict markers: 'bob', 'bob and carol'."""
    from mieux_cli.text import join_words

    span = f"{mine}..{theirs}" if mine else theirs
    names = list(dict.fromkeys(git.text("log", "--format=%an", span).splitlines()))
    return join_words(names[:3]) + (" and others" if len(names) > 3 else "") if names else "theirs"


def _check_whole(records: dict[str, dict], merged: dict[str, dict]) -> None:
    """The merge as a catalogue: each record it made valid, and every link resolving, or nothing
    is changed."""
    from mieux_cli.errors import InvalidRecord
    from mieux_cli.model.records import link_problems, normalize

    kinds = {r["id"]: r["kind"] for r in records.values()}
    for record in records.values():
        if record["id"] in merged:  # the others are as exported: valid already
            try:
                normalize(record)
            except InvalidRecord as e:
                name, message = e.problems[0]
                raise MieuxError(f"Merged, {record['id']} would break a rule: {name}: {message}.",
                                 f"Change it on one side (`mieux edit {record['id']}`), then sync again.") from None
        for name, message in link_problems(record, kinds):
            raise MieuxError(f"Merged, {record['id']} would link to nothing: {name}: {message}.",
                             f"Change it on one side (`mieux edit {record['id']}`), then sync again.")


def _changes(exported: dict[str, dict], result: dict[str, dict], authors: dict[str, str]) -> list[Change]:
    """What brings the catalogue as exported to the merge, each change with who made it."""
    from mieux_cli.sharing.worktree import path_of

    changes = []
    for record_id, before in exported.items():
        after = result.get(record_id)
        if after is None:
            changes.append(removed(before))
        elif digest(after) != digest(before):
            changes.append(updated(before, after))
    changes += [added(r) for i, r in result.items() if i not in exported]
    for change in changes:
        change.by = authors.get(path_of(change.after or change.before))
    return changes


def _bring_in(store: Store, changes: list[Change], command: str) -> int | None:
    """The merge's changes made the catalogue's, in one change, checked under the lock against the
    records as they are: each record they touch must still be as it was exported (else
    _CatalogueMoved)."""

    def plan(catalogue):
        for change in changes:
            current = catalogue.by_id.get(change.record_id)
            if change.before is None and current is not None or change.before is not None and current != change.before:
                raise _CatalogueMoved()
        return changes

    return commit(store, plan, command)


def _commit_merge(git: Git, records: dict[str, dict], mine: str | None, theirs: str, progress) -> None:
    """The merge written into the work tree as the export writes it, and committed with both parents."""
    from mieux_cli.formats.yaml_folder import export_folder

    with progress(len(records), "Writing the merge") as advance:
        export_folder(list(records.values()), git.tree, prune=True, advance=advance)
    git.run("add", "-A")
    tree = git.text("write-tree")
    parents = [arg for parent in (mine, theirs) if parent for arg in ("-p", parent)]
    made = git.text("commit-tree", tree, *parents, "-m", "mieux sync: merged", what="Committing the merge")
    worktree.set_head(git, made)


def _push(git: Git, report: Report, head: str | None, theirs: str | None) -> bool:
    """Push the branch when the remote lacks it; False when a colleague pushed first."""
    if head is None or head == theirs:
        return True
    try:
        git.run("push", "-q", "origin", f"HEAD:refs/heads/{BRANCH}", what=f"Pushing to {report.remote}")
    except GitFailed as e:
        if "rejected" in e.output or "non-fast-forward" in e.output or "fetch first" in e.output:
            return False
        report.offline = e.output.splitlines()[-1] if e.output else e.message
        return True
    report.pushed = True
    return True


@dataclass
class Status:
    """How the catalogue stands against its last sync, for `mieux check`."""

    commit: str | None  # the last sync's commit, None before the first
    changed: list[str]  # IDs of the records that differ from it
    conflicts: int  # conflicts waiting for an answer

    def __str__(self) -> str:
        if self.conflicts:
            waits = "waits" if self.conflicts == 1 else "wait"
            return f"{count_of(self.conflicts, 'conflict')} of the last sync {waits} for an answer (`mieux sync` lists them)"
        if self.commit is None:
            return "not synced yet (`mieux sync` shares the catalogue)"
        if self.changed:
            return (f"{count_of(len(self.changed), 'record')} changed since the last sync (commit {self.commit[:7]}): "
                    "`mieux sync` shares them")
        return f"the catalogue matches the last sync (commit {self.commit[:7]}), record for record"


def status(store: Store, records: list[dict]) -> Status | None:
    """The catalogue's `records` against the commit of its last sync; None when it is not synced.
    A record whose file there holds exactly what the export writes is unchanged; only the others
    are read (a colleague's mieux may write the same record otherwise)."""
    from mieux_cli.formats.yaml_folder import record_text
    from mieux_cli.sharing.git import blob_id

    tree = worktree.tree_of(store.real_path)
    if not (tree / ".git").is_dir():
        return None
    git = Git(tree)  # reads only: no author
    pending = worktree.load_pending(tree)
    head = git.commit_of("HEAD")
    shared = {p: i for p, i in git.blob_ids(head).items() if worktree.is_record_file(p)} if head else {}
    current = {worktree.path_of(r): r for r in records}
    differ = {p for p in shared.keys() | current.keys()
              if p not in shared or p not in current
              or blob_id(record_text(current[p]).encode(), shared[p]) != shared[p]}
    read = worktree.records_at(git, head, {p for p in differ if p in shared and p in current})
    changed = sorted(current[p]["id"] if p in current else Path(p).stem for p in differ
                     if p not in current or p not in shared or read.get(current[p]["id"]) != current[p])
    return Status(head, changed, len(pending.conflicts) if pending else 0)
