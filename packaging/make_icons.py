"""Render resources/icons/dynascope.svg to the PNG sizes desktops and bundles need.

    .venv/bin/python packaging/make_icons.py [--check]

Writes resources/icons/hicolor/<n>x<n>/apps/io.github.dynascope.Dynascope.png for each
size: the freedesktop icon theme layout, named by the application id like the .desktop
and AppStream files (as Flatpak requires), so the tree can be copied into a prefix as is.
With --check, renders to memory and exits 1 if a committed PNG is missing or its pixels
differ from what the SVG gives now (tests/packaging runs this). Uses Qt's own SVG
renderer offscreen: no new dependency and no display.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "dynascope.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
APP_ID = "io.github.dynascope.Dynascope"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(size: int):
    """The SVG drawn on a transparent size x size canvas (a QImage, ARGB32)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def is_current(path: Path, image) -> bool:
    """Whether the PNG at `path` holds exactly these pixels (not bytes: PNG encoders differ)."""
    from PySide6.QtGui import QImage

    saved = QImage(str(path))
    return not saved.isNull() and saved.convertToFormat(image.format()) == image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; fail if the committed PNGs are stale")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    stale = []
    for size in SIZES:
        image, path = render(size), png_path(size)
        if args.check:
            if not is_current(path, image):
                stale.append(path.relative_to(ROOT))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"cannot write {path}")
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")
    if stale:
        print("stale icons (run packaging/make_icons.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
