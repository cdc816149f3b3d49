#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, run and test
# Borne. Idempotent: on a machine that has everything it only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# System libraries for Tauri/WebKitGTK, plus Xvfb and the WebDriver for tests;
# Chromium and chromedriver for the administration console's browser test.
APT_PACKAGES=(
    build-essential pkg-config curl file ca-certificates git
    libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
    libdbus-1-dev xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring
    # Voice guidance: the tts crate binds speech-dispatcher (bindgen needs
    # libclang); espeak-ng speaks French and English.
    libspeechd-dev libclang-dev speech-dispatcher speech-dispatcher-espeak-ng espeak-ng
    # The administration console's browser test (tests/admin_console.rs).
    chromium chromium-driver
    # Packages and other platforms: cage runs the packaged kiosk (and its
    # test, headless; it will not start without Xwayland), lintian checks
    # the .debs, adduser is what their scripts use, systemd-analyze checks
    # their units, mingw's C compiler builds the Windows check's C code.
    cage xwayland lintian adduser systemd gcc-mingw-w64-x86-64
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust (stable, via rustup; rust-toolchain.toml pins the channel).
if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        say "installing Rust with rustup"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
fi

# The standard libraries of the other platforms the kiosk is checked for
# (scripts/test.sh: Windows through mingw, macOS for the crates without
# Tauri; README « Deploying »).
for target in x86_64-pc-windows-gnu aarch64-apple-darwin; do
    if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
        say "adding the Rust target $target"
        rustup target add "$target"
    fi
done

# Node.js 20 or newer for the UI build (Vite 8).
if ! command -v npm >/dev/null 2>&1; then
    say "installing Node.js and npm"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    say "Node.js $node_major is too old: Borne's UI needs Node.js 20 or newer"
    exit 1
fi

# UI dependencies, exactly as locked.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    say "installing UI packages (npm ci)"
    npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

# tauri-driver, the WebDriver bridge the end-to-end test drives the window through.
if ! command -v tauri-driver >/dev/null 2>&1; then
    say "installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked --quiet
fi
