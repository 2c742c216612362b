"""The process's own command line (the ``shlint-iam`` console script, ``python -m shlint_iam``).

Before importing anything else, a ``check`` forks its supervisor (supervise.py), so that a native
crash during the lint still fails only the file it happened on without a fork per file; the
language server isolates each lint itself and is not supervised.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["check"]:
        from . import supervise

        supervise.start()
    from .cli import main as cli_main

    cli_main()
