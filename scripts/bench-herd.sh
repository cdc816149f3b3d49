#!/usr/bin/env bash
# Benchmark of a whole region coming back online at once (not a test):
# builds borne-central and herd-bench in release mode (LTO: the first
# build takes several minutes), then runs it on SQLite (one instance) and
# on PostgreSQL (two instances on one database): 50 kiosks with 200 queued
# registrations each reconnect within one second while 4 live residents a
# second sign up and log in. PostgreSQL: the server scripts/postgres.sh
# makes sure of, or your own named by BORNE_TEST_POSTGRES_URL.
# Arguments go to herd-bench, e.g. `scripts/bench-herd.sh --kiosks 10 --queued 100`;
# `--engine sqlite` or `--engine postgres` runs that engine only.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

engines="sqlite postgres"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --engine) engines="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

if [[ "$engines" == *postgres* ]] && [ -z "${BORNE_TEST_POSTGRES_URL:-}" ]; then
    scripts/postgres.sh
    export BORNE_TEST_POSTGRES_URL="postgres://borne:borne@127.0.0.1:5432/postgres"
fi

cargo build --release -p borne-central --bin borne-central -p borne-e2e --bin herd-bench

target="${CARGO_TARGET_DIR:-$PWD/target}"
export BORNE_CENTRAL_BIN="$target/release/borne-central"
# 50 kiosks, two instances and the residents: more files than the default 1,024.
ulimit -n 8192 2>/dev/null || true
for engine in $engines; do
    echo "== $engine (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$target/release/herd-bench" --engine "$engine" ${args[@]+"${args[@]}"}
    echo
done
