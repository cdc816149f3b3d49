#!/usr/bin/env bash
# Benchmark of the central server (not a test): builds borne-central and the
# benchmarks in release mode (LTO: the first build takes several minutes),
# then measures accepted signups per second, logins per second against the
# raw argon2 verification rate (with p50/p99 latencies), and batch ingest of
# offline registrations against a raw batched insert of the same rows.
# SQLite only for now: the PostgreSQL engine does not exist yet (#5).
# Arguments go to central-bench, e.g. `scripts/bench-central.sh --count 1000`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release -p borne-central --bin borne-central -p borne-e2e --bin central-bench --bin sync-bench

target="${CARGO_TARGET_DIR:-$PWD/target}"
export BORNE_CENTRAL_BIN="$target/release/borne-central"
echo "== signups and logins (scripts/bench-central.sh)"
"$target/release/central-bench" "$@"
echo
echo "== batch ingest against a raw insert (10,000 offline registrations)"
"$target/release/sync-bench"
