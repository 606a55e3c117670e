#!/usr/bin/env bash
# Build Dynascope's one-folder desktop bundle (Linux) into dist/dynascope/:
#   scripts/build_bundle.sh
# Installs what the build needs (Debian packages for Qt's X11 plugin, binutils; the project
# with its "bundle" extra, i.e. PyInstaller, into .venv/), then runs PyInstaller on
# packaging/dynascope.spec and adds the desktop entry, AppStream file and icons under
# dist/dynascope/share/. Run the result with dist/dynascope/dynascope; it needs no Python.
# Check it with:
#   DYNASCOPE_BUNDLE="$PWD/dist/dynascope" .venv/bin/python -m pytest tests/packaging -q
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APP_ID="io.github.dynascope.Dynascope"
DIST="dist/dynascope"

# PyInstaller copies the libraries that Qt's plugins link to into the bundle, so they must
# be on the build machine (offscreen and X11, as for the app), and binutils (objdump),
# which PyInstaller uses to read binaries.
source "$ROOT/scripts/common.sh"

say() { printf '\033[1m[bundle]\033[0m %s\n' "$*"; }
die() { printf '\033[1m[bundle]\033[0m error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || die "this script builds the Linux bundle; see packaging/README.md for macOS and Windows"

install_system_packages binutils $QT_OFFSCREEN_PACKAGES $QT_X11_PACKAGES
ensure_venv
PY=.venv/bin/python
$PY -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Dynascope needs Python 3.11 or newer"
# The bundle carries its own libpython: the build Python must provide one. Debian's python3
# is linked statically and ships the shared library separately, in libpythonX.Y.
if ! $PY -c 'import sys, sysconfig; sys.exit(not sysconfig.get_config_var("Py_ENABLE_SHARED"))'; then
    install_system_packages "libpython$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
fi

say "Installing Dynascope and PyInstaller into .venv/"
$PY -m pip install -q -e ".[bundle]"

say "Running PyInstaller (about a minute)"
started=$(date +%s)
$PY -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/dynascope.spec

# The desktop integration files, laid out as in a prefix's share/ folder, so that
# `cp -r dist/dynascope/share ~/.local/` (or a distribution package) installs them.
share="$DIST/share"
install -D -m 644 "packaging/$APP_ID.desktop" "$share/applications/$APP_ID.desktop"
install -D -m 644 "packaging/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
install -D -m 644 resources/icons/dynascope.svg "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for png in resources/icons/hicolor/*/apps/"$APP_ID".png; do
    install -D -m 644 "$png" "$share/${png#resources/}"
done

# Every library Qt's X11 and offscreen plugins link to must resolve, from the bundle or
# from the libraries any desktop has.
internal="$DIST/_internal"
for plugin in platforms/libqxcb.so platforms/libqoffscreen.so iconengines/libqsvgicon.so \
              imageformats/libqsvg.so; do
    path="$internal/PySide6/Qt/plugins/$plugin"
    [ -f "$path" ] || die "the bundle lacks the Qt plugin $plugin"
    missing=$(LD_LIBRARY_PATH="$internal:$internal/PySide6/Qt/lib" ldd "$path" | grep "not found" || true)
    [ -z "$missing" ] || die "$plugin: unresolved libraries:
$missing"
done

version=$(env -i PATH=/usr/bin:/bin "$DIST/dynascope" --version)
seconds=$(( $(date +%s) - started ))
size=$(du -sh "$DIST" | cut -f1)
say "Built $version in ${seconds} s: $ROOT/$DIST/ ($size). Run $DIST/dynascope"
