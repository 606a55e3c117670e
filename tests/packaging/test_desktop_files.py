"""The desktop entry, AppStream metainfo, icons and Windows version info (no bundle needed)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.dynascope.Dynascope"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return path


def test_desktop_file_validates() -> None:
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True)
    # It prints hints and errors; any output is something to fix.
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_validates() -> None:
    tool = _tool("appstreamcli", "appstream")
    result = subprocess.run([tool, "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # Infos are allowed (appstream 0.16 does not know <developer>, which 1.0 asks for).
    assert not any(line.startswith(("E:", "W:")) for line in result.stdout.splitlines()), (
        result.stdout)


def test_desktop_file_metainfo_and_icons_agree() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Exec"].split()[0] == "dynascope"  # the console script and bundle name
    assert desktop["Icon"] == APP_ID

    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert component.findtext("provides/binary") == "dynascope"
    # A version bump needs a <release> entry, or software centres show an old version.
    releases = [r.get("version") for r in component.iterfind("releases/release")]
    assert releases and releases[0] == version("dynascope"), releases

    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
                / f"{APP_ID}.png").is_file(), size


def test_png_icons_are_rendered_from_the_current_svg() -> None:
    result = subprocess.run([sys.executable, str(PACKAGING / "make_icons.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


class _Recorder:
    """Stands in for each class a PyInstaller version file names, keeping its arguments."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs


def test_windows_version_info_is_a_valid_version_file() -> None:
    sys.path.insert(0, str(PACKAGING))
    try:
        from windows_version_info import render, version_tuple
    finally:
        sys.path.remove(str(PACKAGING))
    assert version_tuple("0.1.0") == (0, 1, 0, 0)
    assert version_tuple("1.2rc3") == (1, 2, 0, 0)
    assert version_tuple("2.0.1.7.9+local") == (2, 0, 1, 7)

    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct",
             "VarFileInfo", "VarStruct")
    namespace = {name: type(name, (_Recorder,), {}) for name in names}
    # PyInstaller evaluates the file as a Python expression over these classes.
    info = eval(render(version("dynascope")), namespace)
    assert type(info).__name__ == "VSVersionInfo"
    fixed = info.kwargs["ffi"]
    assert fixed.kwargs["filevers"] == version_tuple(version("dynascope"))
    table = info.kwargs["kids"][0].args[0][0]
    strings = {s.args[0]: s.args[1] for s in table.args[1]}
    assert strings["ProductVersion"] == version("dynascope")
    assert strings["OriginalFilename"] == "dynascope.exe"
