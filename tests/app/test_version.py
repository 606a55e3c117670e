"""The version comes from the installed distribution's metadata, read without the cost of
importing importlib.metadata at start."""

from __future__ import annotations

import importlib.metadata

import app


def test_the_version_is_the_one_importlib_metadata_reads(tmp_path, monkeypatch):
    assert app.__version__ == importlib.metadata.version("dynascope")
    assert app._installed_version() == app.__version__
    # An egg-info folder earlier on sys.path wins, as it does for importlib.metadata.
    egg = tmp_path / "dynascope.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.4\nName: dynascope\nVersion: 9.8.7\n\n"
                                  "Version: not a header\n")
    (tmp_path / "dynascope_other-1.0.dist-info").mkdir()  # another project's
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert app._installed_version() == "9.8.7" == importlib.metadata.version("dynascope")
