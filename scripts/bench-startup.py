#!/usr/bin/env python3
"""Start-up and memory bench of the kiosk against a hello-world Tauri app.

Driven by scripts/bench-startup.sh, which builds both release binaries and
runs this inside one Xvfb screen (1280x800) and one D-Bus session. Each app
is started --runs times, kiosk and hello-world interleaved (ABBA order) so
machine noise falls on both. For each start:

- start-up: time.monotonic() just before exec (subprocess.Popen) to the
  stderr line "first screen interactive" (the kiosk logs it when its UI has
  rendered the attract screen and called `ui_ready`; hello-world's page
  calls its own `ui_ready` once its content is in the DOM);
- memory: --settle seconds later, the sum of `Pss:` in /proc/<pid>/smaps_rollup
  over the app and all its descendants (WebKitWebProcess, WebKitNetworkProcess,
  and bwrap/xdg-dbus-proxy when WebKit sandboxes them);
- then the process group is terminated, and any descendant left is killed.

Each start gets fresh, empty data directories (XDG_*, and the kiosk's
BORNE_KIOSK_DATA_DIR). Python standard library only.
"""

import argparse
import collections
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

MARKER = "first screen interactive"
REPO = Path(__file__).resolve().parent.parent
HELLO_DIR = REPO / "bench" / "hello-tauri"

# Targets from the issue.
STARTUP_RATIO_MAX = 1.1
PSS_RATIO_MAX = 1.15  # issue 18 (was 1.2)
KIOSK_BINARY_MAX_MB = 15.0


def mib(kib: float) -> float:
    return kib / 1024


def mb(nbytes: int) -> float:
    return nbytes / 1_000_000


# --------------------------------------------------------------- processes


def start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat: tells a PID from a later reuse of it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def children_by_ppid() -> dict[int, list[int]]:
    """Every process's children, from /proc/*/stat (kernels built without
    CONFIG_PROC_CHILDREN have no /proc/<pid>/task/<tid>/children)."""
    kids = collections.defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids[ppid].append(int(entry.name))
    return kids


def children(pid: int, table: dict[int, list[int]] | None) -> list[int]:
    if table is not None:
        return table.get(pid, [])
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            pass
    return out


def process_tree(root: int) -> list[int]:
    """root and all its descendants."""
    have_children_files = Path(f"/proc/{root}/task/{root}/children").exists()
    table = None if have_children_files else children_by_ppid()
    seen, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        todo += children(pid, table)
    return seen


def pss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


# --------------------------------------------------------------- one start


class Start:
    """One start of one app: exec, wait for the marker line, measure, stop."""

    def __init__(self, name: str, binary: Path, env: dict[str, str], cwd: Path):
        self.name = name
        self.lines: collections.deque[str] = collections.deque(maxlen=30)
        self.ready = threading.Event()
        self.ready_at: float | None = None
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [str(binary)],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed as one
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        # Keeps draining stderr after the marker so the app never blocks on it.
        for raw in iter(self.proc.stderr.readline, b""):
            now = time.monotonic()
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if self.ready_at is None and MARKER in line:
                self.ready_at = now
                self.ready.set()
        self.ready.set()  # EOF: the app is gone

    def wait_ready(self, timeout: float) -> float:
        """Milliseconds from exec to the marker line; raises on timeout/exit."""
        deadline = self.t0 + timeout
        while not self.ready.wait(0.05):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no '{MARKER}' line on stderr within {timeout:.0f} s"
                )
        if self.ready_at is None:
            self.proc.wait(5)
            raise RuntimeError(
                f"exited with status {self.proc.returncode} before '{MARKER}'"
            )
        return (self.ready_at - self.t0) * 1000

    def measure(self) -> tuple[int, list[tuple[int, str, int]]]:
        """Total PSS (KiB) of the app and its descendants, and each process."""
        procs = []
        for pid in process_tree(self.proc.pid):
            kib = pss_kib(pid)
            if kib is not None:
                procs.append((pid, comm(pid), kib))
        return sum(k for _, _, k in procs), procs

    def stop(self) -> None:
        tree = [(pid, start_time(pid)) for pid in process_tree(self.proc.pid)]
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        # Descendants outside the group (a sandbox may start its own session):
        # the very processes recorded above, if still alive, by PID.
        time.sleep(0.2)
        for pid, started in tree:
            if started is not None and start_time(pid) == started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.reader.join(5)

    def tail(self) -> str:
        return "\n".join(f"    | {l}" for l in self.lines) or "    | (nothing on stderr)"


# --------------------------------------------------------------- the bench


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env() -> dict[str, str]:
    # Nothing of the caller's Borne configuration leaks into the runs.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORNE_")}
    env["NO_AT_BRIDGE"] = "1"
    env["NO_COLOR"] = "1"
    return env


def app_env(app: str, tmp: Path, central_url: str) -> dict[str, str]:
    env = base_env()
    for xdg in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{xdg}_HOME"] = str(tmp / xdg.lower())
    if app == "kiosk":
        env.update(
            BORNE_LOG="info",
            BORNE_CENTRAL_URL=central_url,
            BORNE_KIOSK_DATA_DIR=str(tmp / "kiosk"),
            BORNE_KIOSK_KEY_STORE="file",
            BORNE_KIOSK_ID="kiosk-bench",
        )
    return env


def one_start(app, binary, central_url, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"borne-bench-{app}-"))
    try:
        start = Start(app, binary, app_env(app, tmp, central_url), tmp)
        try:
            ms = start.wait_ready(args.timeout)
            time.sleep(args.settle)
            if start.proc.poll() is not None:
                raise RuntimeError(
                    f"exited with status {start.proc.returncode} during the {args.settle:g} s settle"
                )
            total, procs = start.measure()
            return {"ok": True, "ms": ms, "pss": total, "procs": procs}
        except RuntimeError as e:
            return {"ok": False, "error": str(e), "tail": start.tail()}
        finally:
            start.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout.strip()
    except OSError:
        return "?"


def lock_version(lock: Path, name: str) -> str:
    versions = [p["version"] for p in tomllib.loads(lock.read_text())["package"] if p["name"] == name]
    return ",".join(versions) or "?"


def header(args) -> None:
    commit = run(["git", "rev-parse", "--short", "HEAD"])
    dirty = " + uncommitted changes" if run(["git", "status", "--porcelain", "--untracked-files=no"]) else ""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"startup-bench: produced by `{args.command}`")
    print(f"startup-bench: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, commit {commit}{dirty}")
    print(
        f"startup-bench: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    tauri_root = lock_version(REPO / "Cargo.lock", "tauri")
    tauri_hello = lock_version(HELLO_DIR / "Cargo.lock", "tauri")
    profile_root = tomllib.loads((REPO / "Cargo.toml").read_text())["profile"]["release"]
    profile_hello = tomllib.loads((HELLO_DIR / "Cargo.toml").read_text())["profile"]["release"]
    same = "same" if profile_root == profile_hello else "DIFFERENT"
    print(
        f"startup-bench: tauri {tauri_root} (kiosk) / {tauri_hello} (hello-world), "
        f"WebKitGTK {run(['pkg-config', '--modversion', 'webkit2gtk-4.1'])}, "
        f"{run(['rustc', '--version'])}"
    )
    print(
        "startup-bench: [profile.release] "
        + ", ".join(f"{k} = {v!r}" for k, v in profile_root.items())
        + f" ({same} for both)"
    )
    print(
        f"startup-bench: {args.runs} starts of each app, interleaved (ABBA), after {args.warmup} "
        f"uncounted warm-up start(s) of each, under Xvfb "
        f"DISPLAY={os.environ.get('DISPLAY', '?')}; PSS {args.settle:g} s after "
        f"'{MARKER}'; start-up timeout {args.timeout:g} s"
    )
    print(f"kiosk:       {args.kiosk}")
    print(f"hello-world: {args.hello}")
    if tauri_root != tauri_hello:
        print(
            "startup-bench: WARNING: the two apps use different tauri versions; regenerate "
            "bench/hello-tauri/Cargo.lock (see scripts/bench-startup.sh)"
        )
    if same != "same":
        print("startup-bench: WARNING: the two [profile.release] differ; the comparison is unfair")


def stats(values):
    return statistics.median(values), min(values), max(values)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def summary(args, results, sizes) -> None:
    print()
    print(
        f"summary ({args.runs} starts each; median [min - max]; "
        f"load average {os.getloadavg()[0]:.2f} at the end)"
    )
    med = {}
    for app in ("kiosk", "hello"):
        good = [r for r in results[app] if r["ok"]]
        label = "kiosk" if app == "kiosk" else "hello-world"
        if not good:
            print(f"{label + ':':<13}no successful start")
            continue
        ms, ms_lo, ms_hi = stats([r["ms"] for r in good])
        pss, pss_lo, pss_hi = stats([mib(r["pss"]) for r in good])
        med[app] = (ms, pss)
        failed = len(results[app]) - len(good)
        note = f" ({failed} failed starts)" if failed else ""
        print(
            f"{label + ':':<13}start-up {ms:7.0f} ms [{ms_lo:.0f} - {ms_hi:.0f}]   "
            f"PSS {pss:6.1f} MiB [{pss_lo:.1f} - {pss_hi:.1f}]   "
            f"binary {mb(sizes[app]):5.2f} MB ({sizes[app]:,} bytes){note}"
        )
        # Where the memory is: median PSS per process name.
        by_name = collections.defaultdict(list)
        for r in good:
            per = collections.Counter()
            for _, name, kib in r["procs"]:
                per[name] += kib
            for name, kib in per.items():
                by_name[name].append(mib(kib))
        counts = [len(r["procs"]) for r in good]
        parts = ", ".join(
            f"{name} {statistics.median(v):.1f}"
            for name, v in sorted(by_name.items(), key=lambda kv: -statistics.median(kv[1]))
        )
        print(f"{'':<13}PSS by process (median MiB, {statistics.median(counts):.0f} processes): {parts}")
    print()
    size_ok = mb(sizes["kiosk"]) <= KIOSK_BINARY_MAX_MB
    if "kiosk" in med and "hello" in med:
        startup = med["kiosk"][0] / med["hello"][0]
        pss = med["kiosk"][1] / med["hello"][1]
        print(f"ratio kiosk/hello-world start-up: {startup:5.2f}   target <= {STARTUP_RATIO_MAX}   {verdict(startup <= STARTUP_RATIO_MAX)}")
        print(f"ratio kiosk/hello-world PSS:      {pss:5.2f}   target <= {PSS_RATIO_MAX}   {verdict(pss <= PSS_RATIO_MAX)}")
    else:
        print("ratio kiosk/hello-world start-up: n/a (an app never reached its first screen)")
        print("ratio kiosk/hello-world PSS:      n/a")
    print(f"ratio kiosk/hello-world binary:   {sizes['kiosk'] / sizes['hello']:5.2f}   (no target)")
    if args.debug_builds:
        print("kiosk binary: a debug build (the 15 MB target is a release build's)")
    else:
        print(
            f"kiosk release binary:  {mb(sizes['kiosk']):5.2f} MB   target <= {KIOSK_BINARY_MAX_MB:g} MB   "
            f"{verdict(size_ok)}"
        )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kiosk", type=Path, required=True, help="release borne-kiosk binary")
    p.add_argument("--hello", type=Path, required=True, help="release hello-tauri binary")
    p.add_argument("--debug-builds", action="store_true", help="the binaries are debug builds (no binary-size verdict)")
    p.add_argument("--runs", type=int, default=10, help="starts of each app (10)")
    p.add_argument("--warmup", type=int, default=1, help="uncounted starts of each app first (1)")
    p.add_argument("--settle", type=float, default=2.0, help="seconds between the first screen and the PSS reading (2)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the first screen (60)")
    p.add_argument("--command", default="scripts/bench-startup.sh", help="shown as the command behind the numbers")
    args = p.parse_args()
    args.kiosk, args.hello = args.kiosk.resolve(), args.hello.resolve()

    for b in (args.kiosk, args.hello):
        if not b.is_file():
            print(f"startup-bench: {b} is missing: run scripts/bench-startup.sh", file=sys.stderr)
            return 2
    if not os.environ.get("DISPLAY"):
        print("startup-bench: no DISPLAY: run it through scripts/bench-startup.sh (Xvfb)", file=sys.stderr)
        return 2

    header(args)
    central_url = f"http://127.0.0.1:{unused_port()}"
    print(
        f"kiosk: fullscreen (BORNE_KIOSK_WINDOWED unset), BORNE_KIOSK_KEY_STORE=file, "
        f"BORNE_CENTRAL_URL={central_url} (nothing listens: offline banner), fresh data dirs each start"
    )
    print()

    bins = {"kiosk": args.kiosk, "hello": args.hello}
    results = {"kiosk": [], "hello": []}
    ever_ok = {"kiosk": False, "hello": False}
    kiosk_broken = None

    def start(app: str, label: str, counted: bool) -> None:
        nonlocal kiosk_broken
        r = one_start(app, bins[app], central_url, args)
        if counted:
            results[app].append(r)
        label = f"{label} {'kiosk' if app == 'kiosk' else 'hello-world':<11}"
        if r["ok"]:
            ever_ok[app] = True
            extra = "" if counted else "   (warm-up, not counted)"
            print(f"{label} start-up {r['ms']:7.0f} ms   PSS {mib(r['pss']):6.1f} MiB in {len(r['procs'])} processes{extra}", flush=True)
            return
        print(f"{label} FAILED: {r['error']}; its last stderr lines:\n{r['tail']}", flush=True)
        if app == "kiosk" and not ever_ok["kiosk"]:
            # Never once ready: no use waiting for the timeout ten more times.
            kiosk_broken = r["error"]
            print("startup-bench: the kiosk never reached its first screen: measuring hello-world alone", flush=True)

    # Warm-up: one start of each first, not counted, so that one-time costs
    # (loading WebKit's libraries from disk, the D-Bus accessibility services
    # WebKit activates on its first start) fall on neither app's numbers.
    for w in range(args.warmup):
        for app in ("hello", "kiosk"):
            if not (app == "kiosk" and kiosk_broken):
                start(app, f"warm-up {w + 1}", counted=False)
    for i in range(args.runs):
        order = ("kiosk", "hello") if i % 2 == 0 else ("hello", "kiosk")
        for app in order:
            if not (app == "kiosk" and kiosk_broken):
                start(app, f"run {i + 1:2}/{args.runs}", counted=True)

    sizes = {app: b.stat().st_size for app, b in bins.items()}
    summary(args, results, sizes)
    if kiosk_broken:
        print()
        print(f"startup-bench: KIOSK FAILED: {kiosk_broken}.")
        print(
            f"startup-bench: the kiosk logs '{MARKER}' when its UI calls the `ui_ready` command "
            "(src-tauri/src/commands.rs, ui/src/main.ts); once that is in, re-run: "
            f"{args.command}"
        )
        return 1
    failed = sum(not r["ok"] for rs in results.values() for r in rs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
