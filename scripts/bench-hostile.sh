#!/usr/bin/env bash
# The central server in a hostile world (not a test): builds borne-central
# and hostile-bench in release mode (LTO: the first build takes several
# minutes), then runs one server against 1,000 slow clients holding
# half-sent request heads and 200 signups fired at once, with /healthz
# probed throughout on both listeners. Prints /healthz p50/p99, the 5xx
# other than the deliberate 503s, how the slow clients were cut, and the
# server's peak RSS. Two rounds: the defaults (2,048 connections per
# listener, more than the slow clients), then a connection cap below the
# attack (512), to show what a cap set too low costs.
# Arguments go to hostile-bench, e.g. `scripts/bench-hostile.sh --slow 2000`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Every slow client and signup is a socket at both ends: the bench and the
# server (which inherits this limit) need more than the usual 1,024.
want=8192
soft="$(ulimit -Sn)"
if [ "$soft" != unlimited ] && [ "$soft" -lt "$want" ]; then
    hard="$(ulimit -Hn)"
    if [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ]; then
        ulimit -Sn "$want"
    else
        ulimit -Sn "$hard"
    fi
fi
echo "open-file limit (soft): $(ulimit -Sn)"

cargo build --release -p borne-central --bin borne-central -p borne-e2e --bin hostile-bench

target="${CARGO_TARGET_DIR:-$PWD/target}"
export BORNE_CENTRAL_BIN="$target/release/borne-central"
echo "== the defaults"
"$target/release/hostile-bench" "$@"
echo
echo "== BORNE_HTTP_MAX_CONNECTIONS=512"
"$target/release/hostile-bench" --max-connections 512 "$@"
