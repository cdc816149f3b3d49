#!/usr/bin/env bash
# Benchmark of the kiosk's offline-queue sync: builds borne-central and the
# benchmark in release mode (LTO: the first build takes several minutes),
# then fills a kiosk queue and drains it to a real borne-central process
# over loopback, with a raw-insert baseline measured in the same run.
# Arguments go to the benchmark, e.g. `scripts/bench-sync.sh --count 2000`
# or `--engine postgres` (BORNE_TEST_POSTGRES_URL; see scripts/postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release -p borne-central --bin borne-central -p borne-e2e --bin sync-bench

target="${CARGO_TARGET_DIR:-$PWD/target}"
BORNE_CENTRAL_BIN="$target/release/borne-central" exec "$target/release/sync-bench" "$@"
