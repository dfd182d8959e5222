"""``python -m jtai`` runs the command-line tool."""

from jtai_cli.cli import main

main()
