from mieux_cli.app import main

main()
