"""Run the real ``shlint-iam`` command in a subprocess (what users, editors and CI run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def shlint(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "shlint_iam", *args],
        cwd=cwd,
        env=full,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )
