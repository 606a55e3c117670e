#!/usr/bin/env bash
# Set up Dynascope on Debian (system libraries for Qt, a virtual environment in .venv/,
# the Python packages) and then run it:
#   scripts/dev.sh run     start the app on the local sandbox
#   scripts/dev.sh test    run the linter and the whole test suite (no display needed)
# Setting up again is quick: only what is missing gets installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

source "$ROOT/scripts/common.sh"

say() { printf '\033[1m[dynascope]\033[0m %s\n' "$*"; }

setup() {
    local extra_system=("$@")
    install_system_packages $QT_OFFSCREEN_PACKAGES "${extra_system[@]}"
    ensure_venv
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
