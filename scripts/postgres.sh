#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 — installs and
# starts Debian's when none does — and that the role the tests and the
# benchmark use exists: `borne`, password `borne`, allowed to create
# databases (each test makes its own `borne_test_…` database).
#   scripts/postgres.sh                        ensure the server and the role
#   scripts/postgres.sh --drop-test-databases  also drop the tests' databases
# Idempotent: on a machine that has all this it only checks.
set -euo pipefail

say() { printf '\033[1m[postgres]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

HOST=127.0.0.1
PORT=5432
URL="postgres://borne:borne@$HOST:$PORT/postgres"

if ! command -v pg_isready >/dev/null 2>&1 || ! pg_isready -q -h "$HOST" -p "$PORT"; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        say "installing PostgreSQL (Debian package)"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
    fi
    if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -1)
        say "creating cluster $version/main"
        as_root pg_createcluster "$version" main
    fi
    pg_lsclusters -h | while read -r version name _; do
        say "starting cluster $version/$name"
        as_root pg_ctlcluster "$version" "$name" start || true
    done
    for _ in $(seq 60); do
        pg_isready -q -h "$HOST" -p "$PORT" && break
        sleep 0.5
    done
    pg_isready -h "$HOST" -p "$PORT" || { say "PostgreSQL does not answer on $HOST:$PORT"; exit 1; }
fi

# The role, made by the server's superuser: over the local socket as the
# postgres system user (a fresh Debian install trusts only that), else over
# TCP as postgres (machines configured with trust).
as_superuser() {
    if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@")
    else
        psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres "$@"
    fi
}
if ! psql -X -q "$URL" -c "SELECT 1" >/dev/null 2>&1; then
    say "creating role borne"
    as_superuser -d postgres -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'borne') THEN
            CREATE ROLE borne LOGIN PASSWORD 'borne' CREATEDB;
        ELSE
            ALTER ROLE borne LOGIN PASSWORD 'borne' CREATEDB;
        END IF; END \$\$;"
    psql -X -q "$URL" -c "SELECT 1" >/dev/null
fi

if [ "${1:-}" = "--drop-test-databases" ]; then
    n=$(psql -X -qtA "$URL" -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'borne\_test\_%'")
    if [ "$n" -gt 0 ]; then
        say "dropping $n test databases"
        psql -X -qtA "$URL" -c "SELECT 'DROP DATABASE ' || quote_ident(datname) || ';' FROM pg_database
                                WHERE datname LIKE 'borne\_test\_%'" | psql -X -q "$URL" >/dev/null
    fi
fi
say "ready: $URL"
