"""The command line: the Typer app and its commands, questions and completion, and the one output
layer that writes to the terminal."""
