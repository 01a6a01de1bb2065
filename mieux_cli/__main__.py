from mieux_cli.cli.console import main

main()
