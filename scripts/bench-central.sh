#!/usr/bin/env bash
# Benchmark of the central server (not a test): builds borne-central and the
# benchmarks in release mode (LTO: the first build takes several minutes),
# then, on SQLite and then on PostgreSQL in the same run, measures accepted
# signups per second, logins per second against the raw argon2
# verification rate (with p50/p99 latencies), and batch ingest of offline
# registrations against a raw batched insert of the same rows into the
# same engine. PostgreSQL: the server scripts/postgres.sh makes sure of, or
# your own named by BORNE_TEST_POSTGRES_URL.
# Arguments go to central-bench, e.g. `scripts/bench-central.sh --count 1000`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${BORNE_TEST_POSTGRES_URL:-}" ]; then
    scripts/postgres.sh --drop-test-databases
    export BORNE_TEST_POSTGRES_URL="postgres://borne:borne@127.0.0.1:5432/postgres"
fi

cargo build --release -p borne-central --bin borne-central -p borne-e2e --bin central-bench --bin sync-bench

target="${CARGO_TARGET_DIR:-$PWD/target}"
export BORNE_CENTRAL_BIN="$target/release/borne-central"
for engine in sqlite postgres; do
    echo "== $engine: signups and logins"
    "$target/release/central-bench" --engine "$engine" "$@"
    echo
    echo "== $engine: batch ingest against a raw insert (10,000 offline registrations)"
    "$target/release/sync-bench" --engine "$engine"
    echo
done
