"""Dynascope's core: DynamoDB connections, data and rules, with no Qt."""

import os
import sys

__all__ = ["__version__"]

DISTRIBUTION = "dynascope"

# Where a distribution's metadata is, as importlib.metadata looks: in each sys.path
# folder, <name>-*.dist-info/METADATA before <name>*.egg-info/PKG-INFO.
_METADATA = ((".dist-info", "METADATA"), (".egg-info", "PKG-INFO"))


def _installed_version() -> str | None:
    """The version `importlib.metadata.version(DISTRIBUTION)` finds, read from the same
    file without importing importlib.metadata, which takes a tenth of the app's start
    (email, zipfile, csv, ...). None if not found this way (then importlib.metadata
    decides)."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = sorted(n for n in os.listdir(folder) if n.startswith(DISTRIBUTION))
        except OSError:  # a zip file, or gone
            continue
        for suffix, file in _METADATA:
            for name in names:
                stem = name.removesuffix(suffix)
                if stem == name or stem.split("-")[0] != DISTRIBUTION:
                    continue
                try:
                    with open(os.path.join(folder, name, file), encoding="utf-8") as f:
                        for line in f:
                            if not line.strip():  # the end of the headers
                                break
                            if line.startswith("Version:"):
                                return line.partition(":")[2].strip()
                except OSError:
                    continue
    return None


__version__ = _installed_version() or ""
if not __version__:
    try:
        from importlib.metadata import PackageNotFoundError, version

        __version__ = version(DISTRIBUTION)
    except PackageNotFoundError:  # running from a source tree that is not installed
        __version__ = "0.0.0+source"
