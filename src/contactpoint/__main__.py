"""``python -m contactpoint``: the ``contactpoint`` command."""

from contactpoint.cli import main

main()
