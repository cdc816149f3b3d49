#!/usr/bin/env bash
# Builds, signs and registers a kiosk release with the central server,
# which then offers it to kiosks (README « Updates »):
#   TAURI_SIGNING_PRIVATE_KEY=~/.borne/release.key TAURI_SIGNING_PRIVATE_KEY_PASSWORD=… \
#   scripts/release.sh [--percent N | --group NAME] [--notes TEXT] [--no-build] [--pubkey FILE] [--deb]
# The version is tauri.conf.json's (raise it there and in src-tauri/Cargo.toml
# first). The private key comes from the environment only, never from the
# repository. Registering runs `$BORNE_CENTRAL_ADMIN release add …`: by
# default `sudo borne-central-admin` (the central server's package, on its
# machine); set BORNE_CENTRAL_ADMIN=borne-central with BORNE_DATABASE_URL /
# BORNE_CONFIG to reach the database otherwise. It releases the Linux
# kiosk of the machine it runs on: the executable (target linux-<arch>,
# for kiosks that replace their own), or with --deb the .deb (target
# linux-<arch>-deb, for kiosks installed from it, whose root installer
# takes it; with --no-build the .deb is BORNE_RELEASE_DEB).
set -euo pipefail
cd "$(dirname "$0")/.."

rollout=(--percent 100)
notes=""
build=1
pubkey=""
deb=0
while [ $# -gt 0 ]; do
    case "$1" in
        --percent) rollout=(--percent "$2"); shift 2 ;;
        --group) rollout=(--group "$2"); shift 2 ;;
        --notes) notes=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --pubkey) pubkey=$2; shift 2 ;;
        --deb) deb=1; shift ;;
        *) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
: "${TAURI_SIGNING_PRIVATE_KEY:?the release private key (a path or its text) in TAURI_SIGNING_PRIVATE_KEY}"
export TAURI_SIGNING_PRIVATE_KEY TAURI_SIGNING_PRIVATE_KEY_PASSWORD="${TAURI_SIGNING_PRIVATE_KEY_PASSWORD:-}"
admin=${BORNE_CENTRAL_ADMIN:-sudo borne-central-admin}

version=$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')
crate_version=$(sed -n 's/^version = "\(.*\)"/\1/p' src-tauri/Cargo.toml | head -1)
[ "$version" = "$crate_version" ] || { echo "tauri.conf.json says $version, src-tauri/Cargo.toml $crate_version: make them equal" >&2; exit 1; }
target="linux-$(uname -m)"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out="$target_dir/releases/$version"
mkdir -p "$out"

if [ "$deb" = 1 ]; then
    target="$target-deb"
    if [ "$build" = 1 ]; then
        # The release kiosk and its root installer (both bins of the
        # crate), then the bundler packages them.
        npm --prefix ui run build
        cargo build --release -p borne-kiosk --features custom-protocol
        (cd src-tauri && ../ui/node_modules/.bin/tauri bundle --bundles deb --ci)
        binary=$(ls "$target_dir"/release/bundle/deb/borne-kiosk_"$version"_*.deb)
    else
        binary="${BORNE_RELEASE_DEB:?--no-build --deb: the .deb to release in BORNE_RELEASE_DEB}"
    fi
    # The root installer refuses a package whose version is not the signed one.
    deb_version=$(dpkg-deb -f "$binary" Version)
    [ "$deb_version" = "$version" ] || { echo "$binary is version $deb_version, not $version" >&2; exit 1; }
    file="$out/borne-kiosk_${version}_$(dpkg-deb -f "$binary" Architecture).deb"
elif [ "$build" = 1 ]; then
    npm --prefix ui run build
    cargo build --release -p borne-kiosk --features custom-protocol
    binary="$target_dir/release/borne-kiosk"
    file="$out/borne-kiosk-$version-$target"
else
    binary="${BORNE_RELEASE_BINARY:?--no-build: the executable to release in BORNE_RELEASE_BINARY}"
    file="$out/borne-kiosk-$version-$target"
fi
install -m 0644 "$binary" "$file"

# The signature binds the version: a kiosk refuses it for any other.
# A key file is named with -f; a key's text stays in the environment
# (never on a command line, where `ps` would show it).
if [ -f "$TAURI_SIGNING_PRIVATE_KEY" ]; then
    env -u TAURI_SIGNING_PRIVATE_KEY ui/node_modules/.bin/tauri signer sign \
        -f "$TAURI_SIGNING_PRIVATE_KEY" --app-version "$version" "$file" >/dev/null
else
    ui/node_modules/.bin/tauri signer sign --app-version "$version" "$file" >/dev/null
fi
chmod 0644 "$file.sig"

# The key kiosks trust, to check the signature before any kiosk sees it.
if [ -z "$pubkey" ]; then
    pubkey="$out/release.key.pub"
    python3 -c 'import json; print(json.load(open("tauri.conf.json"))["plugins"]["updater"]["pubkey"])' > "$pubkey"
fi
chmod 0644 "$pubkey"
# shellcheck disable=SC2086 # $admin may be a command with its arguments.
$admin release add --target "$target" --version "$version" --file "$file" \
    --signature "$file.sig" --pubkey "$pubkey" --notes "$notes" "${rollout[@]}"
