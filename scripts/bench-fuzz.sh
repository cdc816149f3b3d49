#!/usr/bin/env bash
# The fuzz harness at length: 100,000 generated requests (BORNE_FUZZ_CASES)
# against every operation of docs/openapi.json on a real central server
# (tests/fuzz_api), then the domain's and the protocol's fuzz targets with
# 20,000 cases per property (PROPTEST_CASES). Debug builds, the ones the test
# suite uses. Prints the count, the rate, the answers per operation and every
# finding with its seed and a replay command; the seed is random unless
# BORNE_FUZZ_SEED is set. Exits non-zero when anything was found.
#   scripts/bench-fuzz.sh                     # the API on SQLite
#   scripts/bench-fuzz.sh --engine postgres   # BORNE_TEST_POSTGRES_URL (scripts/postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

engine=sqlite
while [ $# -gt 0 ]; do
    case "$1" in
        --engine) engine="$2"; shift 2 ;;
        *) echo "usage: $0 [--engine sqlite|postgres]" >&2; exit 2 ;;
    esac
done
if [ "$engine" = postgres ]; then
    export BORNE_TEST_ENGINE=postgres
    export BORNE_TEST_POSTGRES_URL="${BORNE_TEST_POSTGRES_URL:-postgres://borne:borne@127.0.0.1:5432/postgres}"
fi
export BORNE_FUZZ_CASES="${BORNE_FUZZ_CASES:-100000}"
export PROPTEST_CASES="${PROPTEST_CASES:-20000}"

cargo test -p borne-central --test fuzz_api --no-run
cargo test -p borne-domain --test fuzz --no-run
cargo test -p borne-protocol --test fuzz --no-run

failed=0
echo "==> the API: $BORNE_FUZZ_CASES requests on $engine"
# The console provider prints every code it "sends" on stdout: the report
# is on stderr.
cargo test -q -p borne-central --test fuzz_api -- --nocapture >/dev/null || failed=1

for crate in borne-domain borne-protocol; do
    echo "==> $crate's parsers: $PROPTEST_CASES cases per property"
    if out=$(cargo test -q -p "$crate" --test fuzz 2>&1); then
        grep -E '^test result' <<<"$out"
    else
        echo "$out"
        failed=1
    fi
done

if [ "$failed" -ne 0 ]; then
    echo "FINDINGS: see above"
    exit 1
fi
echo "no findings"
