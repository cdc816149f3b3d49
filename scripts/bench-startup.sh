#!/usr/bin/env bash
# Start-up and memory benchmark of the kiosk against a hello-world Tauri app
# (bench/hello-tauri: one page that calls one command, same tauri, same
# [profile.release]). Builds both in release mode with their UI embedded
# (LTO: the first build takes about 25 minutes on 2 cores), then starts each 10 times
# under Xvfb, interleaved, and prints the median time from exec to the first
# screen being interactive, the total PSS of all their processes, the binary
# sizes, and the kiosk/hello-world ratios against their targets.
# Arguments go to scripts/bench-startup.py, e.g. `scripts/bench-startup.sh --runs 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh

# `--debug` (first argument): the debug builds instead, in minutes rather
# than the release builds' 25: the kiosk of target/debug (as scripts/test.sh
# builds it) and hello-world in target/bench-debug. Their memory is the web
# process's nearly as much as the release builds' (WebKit's code is the
# same); their start-up is slower.
PROFILE=release
DEBUG_BUILDS=
SHOWN="scripts/bench-startup.sh"
if [ "${1:-}" = "--debug" ]; then
    PROFILE=debug
    DEBUG_BUILDS=1
    SHOWN="$SHOWN --debug"
    shift
fi

echo "[bench] building the UI, then the kiosk and hello-world ($PROFILE builds)"
run() { echo "[bench] $*"; "$@"; }
run npm --prefix ui run --silent build
if [ "$PROFILE" = release ]; then
    # Its own target directory: cargo locks one while it builds, and this must
    # not stall (or be stalled by) the debug builds of target/. Both apps share
    # it, so hello-world reuses the dependencies compiled with the same features.
    export CARGO_TARGET_DIR="$PWD/target/bench-release"
    run cargo build --release -p borne-kiosk --features custom-protocol
    KIOSK="$CARGO_TARGET_DIR/release/borne-kiosk"
    HELLO_TARGET="$CARGO_TARGET_DIR"
else
    run cargo build --workspace --bins --features "borne-kiosk/custom-protocol,borne-kiosk/dangerous-fixed-captcha"
    KIOSK="$PWD/target/debug/borne-kiosk"
    HELLO_TARGET="$PWD/target/bench-debug"
fi
# bench/hello-tauri/Cargo.lock is the root Cargo.lock pruned by cargo, so both
# apps have the same tauri. After a tauri update in the root, regenerate it:
#   cp Cargo.lock bench/hello-tauri/ && cargo tree --offline --manifest-path bench/hello-tauri/Cargo.toml >/dev/null
if [ "$PROFILE" = release ]; then
    run cargo build --release --locked --manifest-path bench/hello-tauri/Cargo.toml --features custom-protocol
else
    CARGO_TARGET_DIR="$HELLO_TARGET" run cargo build --locked --manifest-path bench/hello-tauri/Cargo.toml --features custom-protocol
fi

echo "[bench] starting each app under Xvfb (1280x800)"
NO_AT_BRIDGE=1 xvfb-run -a -s "-screen 0 1280x800x24" \
    dbus-run-session -- \
    python3 scripts/bench-startup.py \
    --kiosk "$KIOSK" \
    --hello "$HELLO_TARGET/$PROFILE/hello-tauri" \
    --command "$SHOWN${*:+ $*}" \
    ${DEBUG_BUILDS:+--debug-builds} \
    "$@"
