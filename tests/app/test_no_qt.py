"""The core imports no Qt: every module under app/ loads with PySide6 left out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter, so nothing this test process imported can leak in.
CHILD = """
import importlib
import pkgutil
import sys

import app

names = ["app"] + [m.name for m in pkgutil.walk_packages(app.__path__, "app.")]
for name in names:
    importlib.import_module(name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "qasync"))
if qt:
    print("Qt imported by app: " + ", ".join(qt))
    sys.exit(1)
print(f"imported {len(names)} modules")
"""


def test_importing_every_app_module_leaves_pyside6_out() -> None:
    result = subprocess.run([sys.executable, "-c", CHILD], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("imported "), result.stdout
    assert int(last.split()[1]) >= 5, last
