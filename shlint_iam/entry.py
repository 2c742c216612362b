"""The process's own command line (the ``shlint-iam`` console script, ``python -m shlint_iam``).

Before importing anything else, a ``check`` forks its supervisor (supervise.py), so that a native
crash during the lint still fails only the file it happened on without a fork per file; the
language server isolates each lint itself and is not supervised.

A ``check`` also starts without the cyclic garbage collector, until its lint begins
(guard.defer_collection).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        if sys.argv[1:2] == ["check"]:
            from . import supervise

            supervise.start()
            from .guard import defer_collection

            defer_collection()
        from .cli import main as cli_main
    except KeyboardInterrupt:  # Ctrl-C while starting up: as at any other time, no traceback
        try:
            sys.stderr.write("shlint-iam: interrupted\n")
            sys.stderr.flush()
        finally:
            os._exit(130)
    cli_main()

