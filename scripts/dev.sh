#!/usr/bin/env bash
# Set up Dynascope on Debian (system libraries for Qt, a virtual environment in .venv/,
# the Python packages) and then run it:
#   scripts/dev.sh run     start the app on the local sandbox
#   scripts/dev.sh test    run the linter and the whole test suite (no display needed)
# Setting up again is quick: only what is missing gets installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# What Qt needs on a fresh Debian 12: the offscreen platform (tests, CI) ...
QT_OFFSCREEN_PACKAGES="libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0
  libdbus-1-3 fonts-dejavu-core"
# ... and a real X11 window.
QT_X11_PACKAGES="libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
  libxcb-shm0 libxcb-sync1 libxcb-render0 libxcb-glx0 libxcb-util1"
PYTHON_PACKAGES="python3 python3-venv python3-pip"

say() { printf '\033[1m[dynascope]\033[0m %s\n' "$*"; }

install_system_packages() {
    local wanted=("$@") missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        say "Not a Debian system: please install the equivalents of: ${missing[*]}"
        return 0
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

python_ok() {
    command -v python3 >/dev/null && python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

setup() {
    local extra_system=("$@")
    local system=($QT_OFFSCREEN_PACKAGES "${extra_system[@]}")
    python_ok || system+=($PYTHON_PACKAGES)
    install_system_packages "${system[@]}"
    python_ok || { say "Dynascope needs Python 3.11 or newer with venv."; exit 1; }
    if [ ! -x .venv/bin/python ]; then
        say "Creating the virtual environment in .venv/"
        python3 -m venv .venv
    fi
    local stamp=".venv/.dynascope-installed"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "Installing Python packages (the first time takes a few minutes)"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e ".[test]"
        touch "$stamp"
    fi
}

case "${1:-}" in
    run)
        shift
        setup $QT_X11_PACKAGES
        say "Starting Dynascope on the local sandbox"
        exec .venv/bin/dynascope --sandbox "$@"
        ;;
    test)
        shift
        setup
        say "Lint"
        .venv/bin/ruff check .
        say "Tests"
        export QT_QPA_PLATFORM=offscreen
        exec .venv/bin/python -m pytest "$@"
        ;;
    *)
        echo "usage: scripts/dev.sh run|test [arguments]" >&2
        exit 2
        ;;
esac
