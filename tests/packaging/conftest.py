"""Packaging checks: the desktop files, the icons, and a built bundle (DYNASCOPE_BUNDLE)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # The marker is registered here, not in pyproject.toml, so that this folder stands alone.
    config.addinivalue_line(
        "markers",
        "bundle: runs the PyInstaller bundle named by DYNASCOPE_BUNDLE (build it first with "
        "scripts/build_bundle.sh); skipped when the variable is not set",
    )


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    """The bundle folder (dist/dynascope) from DYNASCOPE_BUNDLE; skip if it is not set."""
    value = os.environ.get("DYNASCOPE_BUNDLE")
    if not value:
        pytest.skip("DYNASCOPE_BUNDLE is not set: build with scripts/build_bundle.sh, then "
                    "DYNASCOPE_BUNDLE=$PWD/dist/dynascope pytest tests/packaging")
    path = Path(value).resolve()
    # A wrong path is a mistake to report, not a reason to skip.
    assert (path / "dynascope").is_file(), f"DYNASCOPE_BUNDLE={value} holds no dynascope executable"
    return path


@pytest.fixture
def clean_env(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """clean_env(**extra): an environment with no trace of a Python installation (no
    PYTHONPATH, VIRTUAL_ENV, PYTHONHOME; PATH=/usr/bin:/bin) or of the developer's AWS
    setup, with HOME in the test's temporary folder."""
    return lambda **extra: _clean_env(tmp_path / "home", **extra)


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    (home / "runtime").mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(extra)
    return env
