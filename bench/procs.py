"""How a benchmark starts minewatch as a new process, the way a user's shell would."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def minewatch_command(given: str | None) -> list[str]:
    """The given command line, else the console script beside this Python, else on PATH."""
    if given:
        return given.split()
    beside = Path(sys.executable).parent / "minewatch"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("minewatch")
    return [found] if found else [sys.executable, "-m", "minewatch"]
