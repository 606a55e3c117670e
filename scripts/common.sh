# Shared by scripts/dev.sh and scripts/build_bundle.sh (sourced, not run): the Debian
# packages Qt needs and how to install what is missing.

# What Qt needs on a fresh Debian 12: the offscreen platform (tests, CI) ...
QT_OFFSCREEN_PACKAGES="libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0
  libdbus-1-3 fonts-dejavu-core"
# ... and a real X11 window.
QT_X11_PACKAGES="libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
  libxcb-shm0 libxcb-sync1 libxcb-render0 libxcb-glx0 libxcb-util1"
PYTHON_PACKAGES="python3 python3-venv python3-pip"

# install_system_packages PKG...: apt-get install those not installed yet (sudo if needed).
install_system_packages() {
    local missing=()
    for pkg in "$@"; do
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
    command -v python3 >/dev/null \
        && python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

# ensure_venv: Python 3.11+ with venv, and the virtual environment in .venv/.
ensure_venv() {
    python_ok || install_system_packages $PYTHON_PACKAGES
    python_ok || { say "Dynascope needs Python 3.11 or newer with venv."; exit 1; }
    if [ ! -x .venv/bin/python ]; then
        say "Creating the virtual environment in .venv/"
        python3 -m venv .venv
    fi
}
