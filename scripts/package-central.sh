#!/usr/bin/env bash
# Builds the central server's Debian package from a built binary:
#   scripts/package-central.sh [--release]     (default: the debug build)
# → target/packages/borne-central_<version>_<arch>.deb
# It holds /usr/bin/borne-central, the hardened unit, the configuration
# sample (copied to /etc/borne/central.toml once by postinst), and
# borne-central-admin, the administration commands run as the service.
# The version is the product's (tauri.conf.json). Build the binary first:
# cargo build [--release] -p borne-central.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
[ "${1:-}" = --release ] && profile=release
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/$profile/borne-central"
[ -x "$bin" ] || { echo "no $bin: cargo build ${1:-} -p borne-central first" >&2; exit 1; }
version=$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')
arch=$(dpkg --print-architecture)
out="$target_dir/packages"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
pkg="$root/pkg"

install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/sbin" "$pkg/lib/systemd/system" \
    "$pkg/usr/share/borne-central" "$pkg/usr/share/doc/borne-central"
# Debug information stays out of the package (it is 10 times the code).
objcopy --strip-debug --strip-unneeded "$bin" "$pkg/usr/bin/borne-central"
chmod 0755 "$pkg/usr/bin/borne-central"
install -m 0755 packaging/central/borne-central-admin "$pkg/usr/sbin/"
install -m 0644 docs/deploy/borne-central.service "$pkg/lib/systemd/system/"
install -m 0644 docs/deploy/central.toml "$pkg/usr/share/borne-central/"
install -m 0644 README.md "$pkg/usr/share/doc/borne-central/"
install -m 0644 packaging/copyright packaging/changelog.gz "$pkg/usr/share/doc/borne-central/"
for s in postinst prerm postrm; do install -m 0755 "packaging/central/$s" "$pkg/DEBIAN/$s"; done

# The shared libraries the binary needs, as Debian names their packages.
mkdir -p "$root/debian"
printf 'Source: borne\n\nPackage: borne-central\nArchitecture: any\n' > "$root/debian/control"
shlibs=$(cd "$root" && dpkg-shlibdeps -O -e pkg/usr/bin/borne-central 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
installed_kib=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: borne-central
Version: $version
Architecture: $arch
Maintainer: Borne <packaging@borne.invalid>
Section: net
Priority: optional
Installed-Size: $installed_kib
Depends: $shlibs, adduser
Recommends: ca-certificates
Description: Borne central server: emergency alert signups from kiosks
 The server Borne kiosks sync to: residents' accounts and profiles,
 one-time codes sent by SMS or voice through a telephony provider,
 offline registrations, kiosk enrollment and signed kiosk updates.
 Runs as the system user borne under a hardened systemd unit; its
 configuration is /etc/borne/central.toml.
CONTROL

mkdir -p "$out"
deb="$out/borne-central_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
