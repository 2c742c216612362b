"""Regular expressions compiled when first used, not when their module is imported.

Compiling a pattern costs 0.05 to 0.7 ms; a command-line lint of one script imported some 37
module-level patterns, most of which a given lint never uses (the fixes of findings it does
not have, configuration-file parsing without a configuration file, escapes for text that
needs none): about 4 ms of an on-save lint (issue 15). ``NAME = lazy(r"...")`` declares one;
``NAME().search(text)`` compiles it on the first call and returns the same pattern after.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import AnyStr


def lazy(source: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A function returning ``re.compile(source, flags)``, compiled on its first call."""
    compiled: re.Pattern[AnyStr] | None = None

    def pattern() -> re.Pattern[AnyStr]:
        nonlocal compiled
        if compiled is None:
            compiled = re.compile(source, flags)
        return compiled

    return pattern
