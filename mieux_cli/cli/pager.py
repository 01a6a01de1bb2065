"""Long output through a pager, as git does: held until it is longer than the screen, then
given to $MIEUX_PAGER, $PAGER or less (LESS=FRX unless set); printed instead when the pager
cannot be found, cannot start, or fails."""

import contextlib
import os
import re


def pager_command() -> tuple[str, str] | None:
    """The pager and the variable that named it: $MIEUX_PAGER, else $PAGER, else less if there is
    one; None when the one set is empty or `cat`."""
    import shutil

    for variable in ("MIEUX_PAGER", "PAGER"):
        if variable in os.environ:
            command = os.environ[variable].strip()
            return None if command in ("", "cat") else (command, variable)
    return ("less", "default") if shutil.which("less") else None


class Pager:
    """Standard output while a command's data may be paged: held until it is longer than the
    screen, then it and the rest go to the pager, whose output is the terminal."""

    def __init__(self, stdout, command: str, variable: str, rows: int, columns: int, tell):
        self.stdout, self.command, self.variable, self.tell = stdout, command, variable, tell
        self.rows, self.columns = rows, columns
        self.held: list[str] = []
        self.sent: list[str] = []  # what went to the pager, printed if the pager fails
        self.lines, self.partial = 0, ""
        self.state = "holding"  # then "paging" (and "quit" when it is left), or "printing" if it cannot start
        self.process = self.pipe = self.interrupt_handler = None

    # Enough of a text stream for Output and rich: the terminal's, seen through the pager.
    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.stdout.fileno()

    @property
    def encoding(self):
        return self.stdout.encoding

    def flush(self) -> None:
        pass

    def write(self, text: str) -> int:
        if self.state == "holding":
            self.held.append(text)
            self._count(text)
            if self.lines >= self.rows:  # it would not fit with the prompt under it
                self._start()
        elif self.state == "paging":
            self._send(text)
        elif self.state == "printing":
            self.stdout.write(text)
        return len(text)  # "quit": the pager was left, the rest is not wanted

    def _count(self, text: str) -> None:
        """Lines of the screen the held text takes, a long line taking several."""
        *complete, self.partial = (self.partial + text).split("\n")
        for line in complete:
            self.lines += max(1, -(-len(_ANSI.sub("", line)) // self.columns))

    def _start(self) -> None:
        import io
        import shutil
        import signal
        import subprocess

        held, self.held = "".join(self.held), []
        # A plain command is looked for first, so that a mistyped one prints rather than loses the
        # output; one with shell syntax ("less -R | tee log") is the shell's to run.
        program = self.command.split()[0]
        if not set(self.command) & set("{}()|&;<>$`'\"\\*?") and shutil.which(program) is None:
            self._print_instead(f"The pager '{program}' ({self.variable}) was not found", held)
            return
        env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}  # as git sets it
        self.stdout.flush()
        try:
            self.process = subprocess.Popen(self.command, shell=True, stdin=subprocess.PIPE, env=env)
        except OSError as e:  # no shell to run it
            self._print_instead(f"The pager '{program}' ({self.variable}) cannot be started ({e.strerror})", held)
            return
        # Ctrl-C is the pager's (less stops a search with it); mieux goes on and waits for it.
        self.interrupt_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.pipe = io.TextIOWrapper(self.process.stdin, encoding=self.stdout.encoding or "utf-8",
                                     errors="backslashreplace", write_through=True)
        self.state = "paging"
        self._send(held)

    def _print_instead(self, why: str, held: str) -> None:
        self.tell(f"{why}: printing instead.")
        self.state = "printing"
        self.stdout.write(held)

    def _send(self, text: str) -> None:
        self.sent.append(text)
        try:
            self.pipe.write(text)
        except (BrokenPipeError, ValueError):  # the pager was quit (q in less): the rest is not wanted
            self.state = "quit"

    def finish(self) -> None:
        """Everything was written: print what is held, or close the pager and wait until the
        person quits it."""
        import signal

        if self.state == "holding":
            self.stdout.write("".join(self.held))
        if self.process is None:
            return
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            self.pipe.close()
        try:
            code = self.process.wait()
        finally:
            signal.signal(signal.SIGINT, self.interrupt_handler)
        if code != 0:  # a pager that failed (a bad option, a command the shell cannot find), not one quit with q
            program = self.command.split()[0]
            self._print_instead(f"The pager '{program}' ({self.variable}) failed (exit code {code})", "".join(self.sent))


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
