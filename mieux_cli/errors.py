"""The one domain exception, turned into a one-line error and an exit code at the edge (app.main)."""

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found problems (reserved for `check`)
EXIT_USAGE = 2  # the user asked for something that does not exist or cannot be parsed
EXIT_STORAGE = 3  # the catalogue file cannot be read, written or locked
EXIT_OUTPUT = 74  # standard output cannot be written: closed or full (EX_IOERR in sysexits.h)
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # the reader of the pipe left (`| head`): 128 + SIGPIPE, as a shell reports it


class MieuxError(Exception):
    """A problem the user can fix: `message` names it, `hint` says what to type instead."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UnknownValue(MieuxError):
    """A value that is not in a vocabulary or the catalogue; carries the closest known ones."""


class InvalidRecord(MieuxError):
    """A record that fails validation; `problems` lists (field, message) pairs."""

    def __init__(self, record_id: str, problems: list[tuple[str, str]]):
        self.record_id = record_id
        self.problems = problems
        first_field, first_message = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"record '{record_id}': {first_field}: {first_message}{more}")


class StorageError(MieuxError):
    exit_code = EXIT_STORAGE


class IndexBroken(Exception):
    """The index failed half-way through a read (a file damaged in a way its header did not show),
    or was updated by a write in the middle of one: the command runs again from the catalogue
    file; a damaged index is removed, and the next read makes it again."""

    def __init__(self, reason: str, damaged: bool = True):
        super().__init__(reason)
        self.damaged = damaged
