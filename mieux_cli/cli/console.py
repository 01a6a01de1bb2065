"""The `mieux` command as the shell starts it (and `python -m mieux_cli`).

The cyclic garbage collector is off for the whole process: a command lives for a fraction of a
second and makes few reference cycles, but the collector kept scanning the tens of thousands of
objects that importing Typer and rich creates, and everything again at exit, which cost about a
fifth of start-up (14 ms of 66 for `mieux list`). Memory is freed as usual by reference counting.
Tests import mieux_cli.cli.app instead, and keep the collector.
"""

import gc

gc.disable()


def main() -> None:
    from mieux_cli.cli.app import main as run

    try:
        run()
    finally:
        gc.freeze()  # nothing to collect at exit either
