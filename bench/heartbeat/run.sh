#!/usr/bin/env bash
# Heartbeats against the running emulator with N registered workspaces (default 50,000), the contract's body and
# bearer, cycling over all of them. Target: p99 under 5 ms on this 2-core machine, at a rate far above the
# N / 30 s the workspaces would send, and the emulator's RSS after it (target <= 300 MB).
#
#   bench/heartbeat/run.sh [WORKSPACES=50000] [DURATION=15s] [CONNECTIONS=8]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
count=${1:-50000}
duration=${2:-15s}
connections=${3:-8}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out="$root/artifacts/bench/emulator"
dotnet build "$root/Molecule.PlatformEmulator/Molecule.PlatformEmulator.csproj" -c Release -o "$out" -nologo -v quiet >/dev/null
targets=$(mktemp --suffix .lua)
PORT=$port RATE_LIMIT=0 Logging__LogLevel__Default=Warning dotnet "$out/Molecule.PlatformEmulator.dll" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$targets"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

python3 register.py "http://127.0.0.1:$port" "$count" "$targets"
TARGETS=$targets wrk -t1 -c"$connections" -d5s -s heartbeat.lua "http://127.0.0.1:$port" >/dev/null   # warm-up
line=$(TARGETS=$targets wrk -t1 -c"$connections" -d"$duration" -s heartbeat.lua "http://127.0.0.1:$port" | grep '^RESULT')
rss=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
accepted=$(curl -fs "http://127.0.0.1:$port/metrics" | awk '/^molecule_emulator_heartbeats(_total)?[ {]/ { print $NF }' | head -1)

report=$(python3 - "$line" "$count" "$duration" "$connections" "${accepted:-?}" "$rss" <<'PY'
import sys
line, count, duration, conns, accepted, rss = sys.argv[1:7]
f = dict(kv.split('=') for kv in line.split()[1:])
rps = int(f['requests']) / (int(f['duration_us']) / 1e6)
needed = int(count) / 30
p99 = int(f['p99_us']) / 1000
print(f"Heartbeats, {count} registered workspaces, wrk -t1 -c{conns} -d{duration}, loopback, one run")
print(f"rate {rps:.0f} req/s ({rps / needed:.0f}x the {needed:.0f} req/s of {count} workspaces every 30 s)")
print(f"p50 {int(f['p50_us']) / 1000:.2f} ms, p99 {p99:.2f} ms (target < 5 ms): {'met' if p99 < 5 else 'NOT met'}")
print(f"non-2xx {f['non2xx']}, socket errors {f['errors']}, heartbeats accepted per /metrics: {accepted}")
print(f"emulator RSS after the run {rss} MB (target <= 300 MB): {'met' if int(rss) <= 300 else 'NOT met'}")
PY
)
echo "$report"
mkdir -p "$root/bench/results"
echo "$report" > "$root/bench/results/heartbeat-$(date -u +%Y%m%dT%H%M%SZ).txt"
