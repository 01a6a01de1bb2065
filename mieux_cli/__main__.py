"""`python -m mieux_cli`: the mieux command."""

from mieux_cli.cli.console import main

main()
