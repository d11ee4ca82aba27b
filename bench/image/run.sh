#!/usr/bin/env bash
# The workspace image, native (the default) against JIT, in one run: image size, the container's process start → its
# card answering 200 (what the healthcheck probes), `podman run` → the first passing `podman healthcheck run`, and idle
# RSS, each start measured RUNS times.
# Targets (native): image <= 60 MB with curl, process start -> healthy (card 200) <= 200 ms, idle RSS <= 50 MB.
#
#   bench/image/run.sh [RUNS=5]        needs the images: deploy/build-image.sh; WORKSPACE_RUNTIME=jit WORKSPACE_IMAGE=localhost/molecule-workspace:jit deploy/build-image.sh
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
runs=${1:-5}
native=${NATIVE_IMAGE:-localhost/molecule-workspace:dev}
jit=${JIT_IMAGE:-localhost/molecule-workspace:jit}
cli=${CONTAINER_CLI:-podman}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { python3 -c 'import time; print(time.monotonic_ns() // 1000000)'; }

measure() {   # measure IMAGE → "size_mb card_ms_median healthy_ms_median rss_mb_median"
  local image=$1 size cards=() healths=() rsss=()
  size=$("$cli" image inspect --format '{{.Size}}' "$image")
  for _ in $(seq 1 "$runs"); do
    local port name started card healthy pid
    port=$(free_port); name=bench-image-$RANDOM$RANDOM
    started=$(python3 -c 'import time; print(time.monotonic_ns())')
    "$cli" run -d --name "$name" -p "127.0.0.1:$port:8000" -e WORKSPACE_ID=7e57be9c-0000-4000-8000-0000000000a3 \
      -e PLATFORM_URL=http://127.0.0.1:9 -e Logging__Console__UseUtcTimestamp=true ${BENCH_ENV:+-e "$BENCH_ENV"} \
      -e 'Logging__Console__TimestampFormat=yyyy-MM-ddTHH:mm:ss.ffffff ' "$image" >/dev/null 2>&1
    until curl -fs "http://127.0.0.1:$port/.well-known/agent-card.json" >/dev/null 2>&1; do sleep 0.01; done
    # The workspace process's start (from /proc, in 10 ms clock ticks) → its own "Application started" line (Kestrel
    # listening: the card answers from then on), both wall-clock: the runtime's and the network's set-up are not the app's.
    pid=$("$cli" inspect --format '{{.State.Pid}}' "$name")
    card=$(python3 - "$pid" "$("$cli" logs "$name" 2>&1 | grep 'Microsoft.Hosting.Lifetime' | tail -1)" <<'PY'
import datetime, os, sys, time
pid, line = sys.argv[1], sys.argv[2]
ticks = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19])
started = time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK"))
logged = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()
print((logged - started) * 1000)
PY
)
    until "$cli" healthcheck run "$name" >/dev/null 2>&1; do sleep 0.01; done
    healthy=$(python3 -c "import time; print((time.monotonic_ns() - $started) / 1e6)")   # podman run → first healthy check
    sleep 5   # idle: started, retrying its (absent) platform
    pid=$("$cli" inspect --format '{{.State.Pid}}' "$name")
    rsss+=("$(awk '/^VmRSS:/ { print $2 / 1024 }' "/proc/$pid/status")")
    cards+=("$card"); healths+=("$healthy")
    "$cli" rm -f -t 0 "$name" >/dev/null 2>&1
  done
  python3 - "$size" "${cards[*]}" "${healths[*]}" "${rsss[*]}" <<'PY'
import statistics, sys
size = int(sys.argv[1]) / 1e6
med = lambda s: statistics.median(float(x) for x in s.split())
print(f"{size:.1f} {med(sys.argv[2]):.0f} {med(sys.argv[3]):.0f} {med(sys.argv[4]):.1f}")
PY
}

exec_to_card() {   # exec_to_card IMAGE → median ms from exec of the image's own binary (copied out) to its card answering
  local image=$1 dir; dir=$(mktemp -d)
  local id; id=$("$cli" create "$image")
  "$cli" cp "$id:/app/Molecule.Workspace" "$dir/" >/dev/null 2>&1 || { "$cli" rm "$id" >/dev/null; rm -rf "$dir"; echo n/a; return; }
  "$cli" rm "$id" >/dev/null
  python3 - "$dir" "$runs" <<'PY'
import os, socket, statistics, subprocess, sys, tempfile, time, urllib.request
folder, runs = sys.argv[1], int(sys.argv[2])
binary = os.path.join(folder, "Molecule.Workspace")
if not os.access(binary, os.X_OK):   # the JIT image's apphost needs its folder: measured only for the native binary
    print("n/a"); sys.exit()
times = []
for _ in range(runs):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    env = dict(os.environ, PORT=str(port), WORKSPACE_ID="7e57be9c-0000-4000-8000-0000000000a4",
               PLATFORM_URL="http://127.0.0.1:9", CONFIGS_DIR=tempfile.mkdtemp(), DOTNET_gcServer="1")
    started = time.monotonic()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if p.poll() is not None or time.monotonic() - started > 30:   # not a standalone binary (the JIT apphost)
            p.kill(); print("n/a"); sys.exit()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/agent-card.json", timeout=1).read(); break
        except Exception:
            time.sleep(0.001)
    times.append((time.monotonic() - started) * 1000)
    p.terminate(); p.wait()
print(f"{statistics.median(times):.0f}")
PY
  rm -rf "$dir"
}

report="Workspace image, $runs starts each, medians ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $("$cli" --version))"
for image in "$native" "$jit"; do
  if ! "$cli" image exists "$image"; then
    report+=$'\n'"  $image: not built"
    continue
  fi
  read -r size card healthy rss < <(measure "$image")
  exec_ms=$(exec_to_card "$image")
  "$cli" run --rm --entrypoint curl "$image" --version >/dev/null 2>&1 && curl_ok=yes || curl_ok=no
  report+=$'\n'"  $image: image $size MB, curl $curl_ok, exec -> card 200 in $exec_ms ms (the image's binary run on the host), container init -> listening in $card ms (runc's set-up included), podman run -> healthy in $healthy ms (podman's own run and healthcheck exec included), idle RSS $rss MB"
done
echo "$report"
mkdir -p "$root/bench/results"
echo "$report" > "$root/bench/results/image-$(date -u +%Y%m%dT%H%M%SZ).txt"
