"""The ``keepwell`` command: Django's manage.py, with our commands spelled with hyphens.

``keepwell import-onspd FILE`` and ``keepwell import_onspd FILE`` are the same command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keepwell.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)
    return 0
