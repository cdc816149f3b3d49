#!/usr/bin/env bash
# The demo: builds what is needed, starts borne-central on embedded SQLite
# with the console telephony provider (codes are printed here), and opens
# the kiosk window pointed at it. Uses Xvfb when there is no display.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
echo "[demo] building the UI and the binaries (first time: several minutes)"
npm --prefix ui run --silent build
cargo build --bins --features borne-kiosk/custom-protocol -p borne-central -p borne-kiosk -p borne-kiosk-core

DEMO_DIR="$PWD/.borne/demo"
mkdir -p "$DEMO_DIR"
PORT="${BORNE_DEMO_PORT:-8080}"

BORNE_LISTEN="127.0.0.1:$PORT" \
BORNE_ADMIN_LISTEN="127.0.0.1:0" \
BORNE_DATA_DIR="$DEMO_DIR" \
BORNE_CONSOLE_OUTBOX="$DEMO_DIR/outbox.jsonl" \
    target/debug/borne-central serve &
CENTRAL=$!
trap 'kill $CENTRAL 2>/dev/null || true' EXIT

for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.2
done
echo "[demo] borne-central on http://127.0.0.1:$PORT, database $DEMO_DIR/borne-central.sqlite"
echo "[demo] codes sent by SMS or call are printed below as JSON lines (console telephony)"

# Staff mode (the discreet button on the attract screen) for the demo.
STAFF_PIN="246813"
STAFF_PIN_HASH="$(printf '%s' "$STAFF_PIN" | target/debug/borne-staff-pin)"
echo "[demo] staff PIN: $STAFF_PIN"
# A kiosk enrolls once: its device token then lives in the OS keyring (or
# an owner-only file next to its queue key). One that was stopped a while
# is listed SILENT: still enrolled.
if ! BORNE_DATA_DIR="$DEMO_DIR" target/debug/borne-central kiosk list | grep -Eq "Démo .* (enrolled|SILENT) "; then
    CODE="$(BORNE_DATA_DIR="$DEMO_DIR" target/debug/borne-central kiosk enroll --name "Démo" \
        | sed -n 's/^enrollment code: //p')"
    echo "[demo] this kiosk is not enrolled yet: touch the ⚙ corner of the attract screen,"
    echo "[demo] type the staff PIN, then the enrollment code $CODE (valid 24 h)"
fi

run_kiosk() {
    BORNE_CENTRAL_URL="http://127.0.0.1:$PORT" \
    BORNE_KIOSK_ID="kiosk-demo" \
    BORNE_KIOSK_DATA_DIR="$DEMO_DIR/kiosk" \
    BORNE_KIOSK_STAFF_PIN_HASH="$STAFF_PIN_HASH" \
        "$@" target/debug/borne-kiosk
}
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    # On a desktop, a normal window: the real kiosk is fullscreen, on top,
    # without decorations (BORNE_KIOSK_WINDOWED unset).
    echo "[demo] windowed for the desktop; a real kiosk runs fullscreen and locked down"
    BORNE_KIOSK_WINDOWED=1 run_kiosk
else
    echo "[demo] no display found: running the kiosk window inside Xvfb (virtual screen 1280x800)."
    echo "[demo] Stop with Ctrl+C."
    NO_AT_BRIDGE=1 run_kiosk xvfb-run -a -s "-screen 0 1280x800x24"
fi
