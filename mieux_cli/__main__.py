from mieux_cli.console import main

main()
