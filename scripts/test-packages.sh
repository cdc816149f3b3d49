#!/usr/bin/env bash
# The Debian packages, for real on this machine (root: dpkg -i):
#   kiosk   — built by the Tauri bundler from the debug build, its contents
#             and lintian checked, installed, its unit checked, the unit's
#             command run as the unit runs it (its user, its environment,
#             /etc/borne/kiosk.env) under cage's headless backend until the
#             kiosk's log says the first screen is interactive; its update
#             installer run as its unit runs it on releases the kiosk user
#             drops into the spool (one signed 0.1.1 installed; tampered,
#             foreign-key, older, other-package, version-mismatched and
#             symlinked ones refused, a spool it cannot empty moved aside);
#             then purged;
#   central — built (scripts/package-central.sh), checked, installed, the
#             server started as its unit starts it until /readyz answers
#             200, the administration commands run, then purged.
# What a container cannot do: start the units through systemd (PID 1 is
# not systemd here), hand cage a real seat, screen and touch screen.
# scripts/test.sh runs this after its build step; alone:
#   cargo build --workspace --features borne-kiosk/custom-protocol,borne-kiosk/dangerous-fixed-captcha
#   npm --prefix ui run build && scripts/test-packages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || exec sudo --preserve-env=PATH,CARGO_TARGET_DIR "$0" "$@"

say() { printf '\033[1m[packages]\033[0m %s\n' "$*"; }
fail() { printf '\033[1m[packages] FAIL:\033[0m %s\n' "$*" >&2; exit 1; }
started=$(date +%s)
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
version=$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')
work=$(mktemp -d)
kiosk_pgid=""
central_pid=""
cleanup() {
    [ -n "$kiosk_pgid" ] && kill -TERM -- "-$kiosk_pgid" 2>/dev/null || true
    [ -n "$central_pid" ] && kill -TERM "$central_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Each `Key=value` line of section [Service] of a unit, value only.
unit_values() { sed -n "s/^$2=//p" "$1"; }
# Milliseconds since the epoch.
ms() { date +%s%3N; }
# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# lintian, failing on errors. Tags accepted, and why:
#  - unstripped-binary-or-object: the test packages a debug build (release
#    packages are stripped by the release profile);
#  - no-manual-page: the programs document themselves (--help, README).
#  - maintainer-address-*: a placeholder until a town packages its own.
#  - maintainer-script-calls-systemctl: the daemon-reload debhelper
#    writes too, guarded the same way.
lint() {
    lintian --fail-on error --tag-display-limit 0 \
        --suppress-tags unstripped-binary-or-object,no-manual-page,maintainer-script-calls-systemctl,maintainer-address-malformed,maintainer-address-is-on-localhost,mail-address-loops-or-bounces \
        "$1" | tee "$work/lintian.txt"
}

check_contents() {
    local deb=$1; shift
    dpkg-deb -c "$deb" > "$work/contents.txt"
    for path in "$@"; do
        grep -Eq " (\./)?${path#/}\$" "$work/contents.txt" || fail "$deb lacks $path"
    done
}

#################### kiosk
say "kiosk: bundling the .deb from the debug build"
# The bundler takes <target dir>/debug/borne-kiosk: it is given a copy
# without the debug information (a tenth of the size; a release build has
# none), in a target directory of its own.
t=$(ms)
mkdir -p "$work/target/debug"
for bin in borne-kiosk borne-kiosk-install-update; do
    objcopy --strip-debug "$target_dir/debug/$bin" "$work/target/debug/$bin"
done
(cd src-tauri && CARGO_TARGET_DIR="$work/target" ../ui/node_modules/.bin/tauri bundle --debug --bundles deb --ci) \
    > "$work/bundle.log" 2>&1 || { cat "$work/bundle.log"; fail "tauri bundle"; }
kiosk_deb=$(ls "$work"/target/debug/bundle/deb/*.deb)
say "built $(basename "$kiosk_deb") in $(( $(ms) - t )) ms: $(du -h "$kiosk_deb" | cut -f1)"
check_contents "$kiosk_deb" /usr/bin/borne-kiosk /lib/systemd/system/borne-kiosk.service \
    /usr/bin/borne-kiosk-install-update /lib/systemd/system/borne-kiosk-update.path \
    /lib/systemd/system/borne-kiosk-update.service \
    /usr/share/borne-kiosk/kiosk.env /usr/share/doc/borne-kiosk/copyright
depends=$(dpkg-deb -f "$kiosk_deb" Depends)
for d in cage xwayland adduser libwebkit2gtk-4.1-0 libgtk-3-0; do
    grep -qw "$d" <<<"$depends" || fail "the kiosk package does not depend on $d ($depends)"
done
# Every library package the binary links, as dpkg-shlibdeps finds them,
# is declared (tauri.conf.json bundle.linux.deb.depends).
mkdir -p "$work/shlibs/debian"
printf 'Source: borne\n\nPackage: borne-kiosk\nArchitecture: any\n' > "$work/shlibs/debian/control"
needed=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$work/target/debug/borne-kiosk" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
for lib in $(tr ',' '\n' <<<"$needed" | awk '{print $1}'); do
    grep -qw -- "$lib" <<<"$depends" || fail "the kiosk package does not declare $lib (dpkg-shlibdeps: $needed)"
done
dpkg-deb -e "$kiosk_deb" "$work/kiosk-control"
for s in postinst prerm postrm; do [ -x "$work/kiosk-control/$s" ] || fail "no $s"; done
say "kiosk: lintian"
lint "$kiosk_deb"

say "kiosk: dpkg -i"
dpkg --purge borne-kiosk >/dev/null 2>&1 || true
t=$(ms)
dpkg -i "$kiosk_deb" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
say "installed in $(( $(ms) - t )) ms; $(dpkg-query -W -f='${Installed-Size}' borne-kiosk) KiB installed"
getent passwd borne-kiosk >/dev/null || fail "no user borne-kiosk"
unit=/lib/systemd/system/borne-kiosk.service
[ "$(stat -c %a /etc/borne/kiosk.env)" = 640 ] || fail "/etc/borne/kiosk.env is not 0640"
[ "$(stat -c %U:%a /var/lib/borne-kiosk)" = borne-kiosk:700 ] || fail "/var/lib/borne-kiosk is not the kiosk's alone"
[ -L /etc/systemd/system/graphical.target.wants/borne-kiosk.service ] || fail "the unit is not enabled"
grep -q '^Restart=on-failure$' "$unit" || fail "the unit does not restart on failure"
grep -q '^TTYPath=/dev/tty1$' "$unit" || fail "the unit is not on tty1"
systemd-analyze verify "$unit" || fail "systemd-analyze verify refuses the kiosk unit"
update_unit=/lib/systemd/system/borne-kiosk-update.service
update_path=/lib/systemd/system/borne-kiosk-update.path
systemd-analyze verify "$update_path" "$update_unit" || fail "systemd-analyze verify refuses the update units"
[ -L /etc/systemd/system/paths.target.wants/borne-kiosk-update.path ] || fail "the update watch is not enabled"
for hardening in NoNewPrivileges=yes ProtectHome=yes PrivateDevices=yes RestrictSUIDSGID=yes; do
    grep -q "^$hardening\$" "$update_unit" || fail "the update unit lacks $hardening"
done
spool=$(dirname "$(unit_values "$update_path" PathExists)")
[ "$(stat -c %U:%a "$spool")" = borne-kiosk:700 ] || fail "$spool is not the kiosk's alone"
grep -q "^Environment=BORNE_KIOSK_UPDATE_SPOOL=$spool\$" "$unit" || fail "the kiosk unit does not name the spool $spool"

say "kiosk: the unit's command, as its user, under cage's headless backend"
# As an administrator would: the central server (none here: the kiosk
# starts offline) and the rest of the packaged sample.
sed -i 's|^BORNE_CENTRAL_URL=.*|BORNE_CENTRAL_URL=http://127.0.0.1:9|' /etc/borne/kiosk.env
user=$(unit_values "$unit" User)
mapfile -t unit_env < <(unit_values "$unit" Environment)
mapfile -t file_env < <(grep -E '^[A-Z_]+=' /etc/borne/kiosk.env)
read -r -a exec_start <<<"$(unit_values "$unit" ExecStart)"
runtime="$work/runtime"
install -d -m 0700 -o "$user" "$runtime"
chmod 0711 "$work"
umask "$(unit_values "$unit" UMask)"
t=$(ms)
# No screen, GPU or input device here: wlroots' headless backend and its
# software renderer. dbus-run-session stands for the session bus the
# unit's logind session gives it (and keeps no daemon behind).
setsid runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    XDG_RUNTIME_DIR="$runtime" WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
    "${unit_env[@]}" "${file_env[@]}" dbus-run-session -- "${exec_start[@]}" > "$work/kiosk.log" 2>&1 &
kiosk_pgid=$!
umask 022
up=""
for _ in $(seq 1 600); do
    if grep -q "first screen interactive" "$work/kiosk.log"; then up=1; break; fi
    kill -0 "$kiosk_pgid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$up" ] || { cat "$work/kiosk.log"; fail "the kiosk never said its first screen is interactive"; }
say "first screen interactive $(( $(ms) - t )) ms after cage started"
sed 's/\x1b\[[0-9;]*m//g' "$work/kiosk.log" > "$work/kiosk.plain.log"
grep -q "kiosk starting.*version=$version" "$work/kiosk.plain.log" || { cat "$work/kiosk.log"; fail "the kiosk did not say its version $version"; }
kill -TERM -- "-$kiosk_pgid" 2>/dev/null || true
wait "$kiosk_pgid" 2>/dev/null || true
kiosk_pgid=""
for f in queue.sqlite queue.key; do
    [ "$(stat -c %U:%a "/var/lib/borne-kiosk/$f")" = borne-kiosk:600 ] \
        || fail "/var/lib/borne-kiosk/$f is not the kiosk user's alone"
done

say "kiosk: updates through the spool, the kiosk user as the attacker"
# Releases made from this package: unpacked, fields edited, rebuilt
# (uncompressed: quick), signed with a throwaway key the installer is
# told to trust through the administrator's override.
ui/node_modules/.bin/tauri signer generate --ci -p throwaway -w "$work/update.key" >/dev/null
ui/node_modules/.bin/tauri signer generate --ci -p throwaway -w "$work/other.key" >/dev/null
install -m 0644 "$work/update.key.pub" /etc/borne/kiosk-release.pub
repack() { # version package out
    rm -rf "$work/repack"
    dpkg-deb -R "$kiosk_deb" "$work/repack"
    sed -i "s/^Version: .*/Version: $1/; s/^Package: .*/Package: $2/" "$work/repack/DEBIAN/control"
    dpkg-deb -Znone -b "$work/repack" "$3" >/dev/null
    rm -rf "$work/repack"
}
sign() { # file version [key]
    env -u TAURI_SIGNING_PRIVATE_KEY ui/node_modules/.bin/tauri signer sign -f "${3:-$work/update.key}" \
        -p throwaway --app-version "$2" "$1" >/dev/null
    chmod 0644 "$1.sig"
}
# As the kiosk does: the .deb, then its signature, each renamed into place.
drop() { # deb sig
    runuser -u borne-kiosk -- install -m 0600 "$1" "$spool/.part" && runuser -u borne-kiosk -- mv "$spool/.part" "$spool/borne-kiosk.deb"
    runuser -u borne-kiosk -- install -m 0600 "$2" "$spool/.part" && runuser -u borne-kiosk -- mv "$spool/.part" "$spool/borne-kiosk.deb.sig"
}
read -r -a installer <<<"$(unit_values "$update_unit" ExecStart)"
# The service's way: root, a clean environment.
install_update() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${installer[@]}" > "$work/installer.log" 2>&1; }
installed() { dpkg-query -W -f='${Version}' borne-kiosk; }
refused() { # what expected-reason
    if install_update; then cat "$work/installer.log"; fail "$1 was installed"; fi
    grep -q "refused: .*$2" "$work/installer.log" || { cat "$work/installer.log"; fail "$1: not refused for $2"; }
    [ "$(installed)" = "$3" ] || fail "$1 changed the installed version to $(installed)"
    [ -z "$(ls -A "$spool")" ] || fail "$1 left files in the spool: $(ls -A "$spool")"
    say "refused $1: $(sed -n 's/.*refused: //p' "$work/installer.log")"
}
mkdir -m 0755 "$work/rel"
repack 0.1.1 borne-kiosk "$work/rel/0.1.1.deb" && sign "$work/rel/0.1.1.deb" 0.1.1
repack 0.1.2 borne-kiosk "$work/rel/0.1.2.deb" && sign "$work/rel/0.1.2.deb" 0.1.2
repack 0.1.2 borne-kiosk-evil "$work/rel/evil.deb" && sign "$work/rel/evil.deb" 0.1.2
cp "$kiosk_deb" "$work/rel/0.1.0.deb" && sign "$work/rel/0.1.0.deb" 0.1.0
cp "$work/rel/0.1.2.deb" "$work/rel/foreign.deb" && sign "$work/rel/foreign.deb" 0.1.2 "$work/other.key"
cp "$work/rel/0.1.2.deb" "$work/rel/mislabel.deb" && sign "$work/rel/mislabel.deb" 0.1.3
cp "$work/rel/0.1.2.deb" "$work/rel/tampered.deb" && cp "$work/rel/0.1.2.deb.sig" "$work/rel/tampered.deb.sig"
python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(-600,2); b=f.read(1); f.seek(-600,2); f.write(bytes([b[0]^1]))' "$work/rel/tampered.deb"
chmod 0644 "$work"/rel/*

install_update && grep -q "nothing in the spool" "$work/installer.log" || { cat "$work/installer.log"; fail "an empty spool"; }
drop "$work/rel/0.1.1.deb" "$work/rel/0.1.1.deb.sig"
t=$(ms)
install_update || { cat "$work/installer.log"; fail "the signed 0.1.1 was not installed"; }
[ "$(installed)" = 0.1.1 ] || fail "dpkg-query says $(installed), not 0.1.1"
[ -z "$(ls -A "$spool")" ] || fail "the spool was not emptied"
say "signed 0.1.1 installed from the spool in $(( $(ms) - t )) ms: $(cat "$work/installer.log")"

drop "$work/rel/tampered.deb" "$work/rel/tampered.deb.sig"; refused "a tampered .deb" "signature" 0.1.1
drop "$work/rel/foreign.deb" "$work/rel/foreign.deb.sig"; refused "a .deb signed by another key" "signature" 0.1.1
drop "$work/rel/0.1.0.deb" "$work/rel/0.1.0.deb.sig"; refused "an older signed version" "not newer" 0.1.1
drop "$work/rel/evil.deb" "$work/rel/evil.deb.sig"; refused "another package" "not borne-kiosk" 0.1.1
drop "$work/rel/mislabel.deb" "$work/rel/mislabel.deb.sig"; refused "a signature of another version" "binds 0.1.3" 0.1.1
runuser -u borne-kiosk -- ln -s "$work/rel/0.1.2.deb" "$spool/borne-kiosk.deb"
runuser -u borne-kiosk -- install -m 0600 "$work/rel/0.1.2.deb.sig" "$spool/borne-kiosk.deb.sig"
refused "a symbolic link in the spool" "symbolic link" 0.1.1
[ -e "$work/rel/0.1.2.deb" ] || fail "the link's target was removed"
# A spool root cannot empty (the signature's name made a non-empty
# directory) goes aside: left, it would keep the path unit firing until
# systemd stops watching, and updates would stop.
runuser -u borne-kiosk -- mkdir -p "$spool/borne-kiosk.deb.sig/full"
if install_update; then cat "$work/installer.log"; fail "a spool that cannot be emptied was accepted"; fi
grep -q "moved aside to $(basename "$spool").refused-" "$work/installer.log" || { cat "$work/installer.log"; fail "the spool was not moved aside"; }
[ ! -e "$spool" ] || fail "the spool is still at $spool"
say "refused a spool it cannot empty: $(sed -n 's/.*refused: //p' "$work/installer.log")"
runuser -u borne-kiosk -- mkdir -m 0700 "$spool" # as the kiosk's next drop does
# The same 0.1.2, dropped as the kiosk drops it: installed.
drop "$work/rel/0.1.2.deb" "$work/rel/0.1.2.deb.sig"
install_update || { cat "$work/installer.log"; fail "the signed 0.1.2 was not installed"; }
[ "$(installed)" = 0.1.2 ] || fail "dpkg-query says $(installed), not 0.1.2"
rm -f /etc/borne/kiosk-release.pub

say "kiosk: dpkg --purge"
t=$(ms)
dpkg --purge borne-kiosk > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge"; }
say "purged in $(( $(ms) - t )) ms"
for gone in /usr/bin/borne-kiosk /usr/bin/borne-kiosk-install-update "$unit" "$update_unit" "$update_path" \
    /etc/borne/kiosk.env /var/lib/borne-kiosk /var/cache/borne-kiosk-update \
    /etc/systemd/system/graphical.target.wants/borne-kiosk.service \
    /etc/systemd/system/paths.target.wants/borne-kiosk-update.path; do
    [ ! -e "$gone" ] || fail "$gone is left after the purge"
done

#################### central
say "central: building the .deb from the debug build"
t=$(ms)
central_deb=$(scripts/package-central.sh)
say "built $(basename "$central_deb") in $(( $(ms) - t )) ms: $(du -h "$central_deb" | cut -f1)"
check_contents "$central_deb" /usr/bin/borne-central /usr/sbin/borne-central-admin \
    /lib/systemd/system/borne-central.service /usr/share/borne-central/central.toml
say "central: lintian"
lint "$central_deb"

say "central: dpkg -i"
dpkg --purge borne-central >/dev/null 2>&1 || true
t=$(ms)
dpkg -i "$central_deb" > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
say "installed in $(( $(ms) - t )) ms; $(dpkg-query -W -f='${Installed-Size}' borne-central) KiB installed"
unit=/lib/systemd/system/borne-central.service
getent passwd borne >/dev/null || fail "no user borne"
[ "$(stat -c %a /etc/borne/secrets.env)" = 600 ] || fail "/etc/borne/secrets.env is not 0600"
for hardening in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes User=borne; do
    grep -q "^$hardening\$" "$unit" || fail "the central unit lacks $hardening"
done
systemd-analyze verify "$unit" || fail "systemd-analyze verify refuses the central unit"

say "central: the unit's command, as its user, until /readyz answers"
user=$(unit_values "$unit" User)
mapfile -t unit_env < <(unit_values "$unit" Environment)
read -r -a exec_start <<<"$(unit_values "$unit" ExecStart)"
port=$(free_port)
admin_port=$(free_port)
t=$(ms)
runuser -u "$user" -- env -i PATH=/usr/bin:/bin "${unit_env[@]}" \
    BORNE_LISTEN="127.0.0.1:$port" BORNE_ADMIN_LISTEN="127.0.0.1:$admin_port" \
    "${exec_start[@]}" > "$work/central.log" 2>&1 &
central_pid=$!
ready=""
for _ in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then ready=1; break; fi
    kill -0 "$central_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$ready" ] || { cat "$work/central.log"; fail "/readyz never answered 200"; }
say "/readyz 200 $(( $(ms) - t )) ms after start"
# Whole outputs, then grep: grep -q would close the pipe early.
out=$(borne-central-admin kiosk enroll --name "Essai du paquet") || fail "borne-central-admin kiosk enroll"
grep -q "enrollment code" <<<"$out" || fail "borne-central-admin kiosk enroll printed no code"
out=$(borne-central-admin kiosk list) || fail "borne-central-admin kiosk list"
grep -q "Essai du paquet" <<<"$out" || fail "borne-central-admin kiosk list does not show the kiosk"
[ "$(stat -c %U "/var/lib/borne/borne-central.sqlite")" = borne ] || fail "the database is not the service user's"
kill -TERM "$central_pid"
wait "$central_pid" 2>/dev/null || true
central_pid=""

say "central: dpkg --purge"
t=$(ms)
dpkg --purge borne-central > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge"; }
say "purged in $(( $(ms) - t )) ms"
for gone in /usr/bin/borne-central /usr/sbin/borne-central-admin "$unit" /etc/borne/central.toml /etc/borne/secrets.env; do
    [ ! -e "$gone" ] || fail "$gone is left after the purge"
done
# The database stays on purpose (postrm); this test's goes.
rm -rf /var/lib/borne

#################### release
say "release: scripts/release.sh signs the debug kiosk with a throwaway key and registers it"
ui/node_modules/.bin/tauri signer generate --ci -p throwaway -w "$work/release.key" >/dev/null
db="sqlite://$work/release-central.sqlite"
register() {
    TAURI_SIGNING_PRIVATE_KEY="$work/release.key" TAURI_SIGNING_PRIVATE_KEY_PASSWORD=throwaway \
    BORNE_RELEASE_BINARY="$work/target/debug/borne-kiosk" BORNE_RELEASE_DEB="$kiosk_deb" \
    BORNE_CENTRAL_ADMIN="$target_dir/debug/borne-central" \
    BORNE_DATABASE_URL="$db" BORNE_LOG=warn scripts/release.sh --no-build --group pilot "$@"
}
register --pubkey "$work/release.key.pub" | tee "$work/release.txt"
grep -q "signature verified" "$work/release.txt" || fail "release.sh did not register a verified release"
out=$(BORNE_DATABASE_URL="$db" BORNE_LOG=warn "$target_dir/debug/borne-central" release list)
grep -Eq "linux-x86_64 +$version " <<<"$out" || fail "release list does not show the release"
# The kiosk's .deb, for kiosks installed from it.
register --deb --pubkey "$work/release.key.pub" > "$work/release.txt" 2>&1 \
    || { cat "$work/release.txt"; fail "release.sh --deb"; }
grep -q "linux-x86_64-deb $version.*signature verified" "$work/release.txt" || { cat "$work/release.txt"; fail "release.sh --deb did not register the .deb"; }
out=$(BORNE_DATABASE_URL="$db" BORNE_LOG=warn "$target_dir/debug/borne-central" release list)
grep -Eq "linux-x86_64-deb +$version " <<<"$out" || fail "release list does not show the .deb release"
# Signed with a key kiosks do not trust (the repository's): refused.
if register > "$work/release.txt" 2>&1; then fail "release.sh registered a release kiosks would refuse"; fi
grep -q "does not verify" "$work/release.txt" || { cat "$work/release.txt"; fail "unexpected refusal"; }

say "packages: all checks passed in $(( $(date +%s) - started )) s"
