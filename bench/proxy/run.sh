#!/usr/bin/env bash
# message/send direct to the workspace vs through the emulator's A2A proxy (YARP), same load, one run.
# Targets: proxied keeps >= 70 % of the direct request rate and adds <= 0.5 ms to p50.
#
#   bench/proxy/run.sh [DURATION=10s] [CONNECTIONS="1 16"]
#
# Two agents: the echo agent answering at once (the proxy's worst case: its hop is all there is to measure) and
# "work 5ms" (an agent that spends 5 ms, still far quicker than any model call).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
duration=${1:-10s}
connection_levels=${2:-1 16}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
emu_port=$(free_port); ws_port=$(free_port)
id=7e57be9c-0000-4000-8000-0000000000a2
dotnet build "$root/Molecule.PlatformEmulator/Molecule.PlatformEmulator.csproj" -c Release -o "$root/artifacts/bench/emulator" -nologo -v quiet >/dev/null
dotnet build "$root/Molecule.Workspace/Molecule.Workspace.csproj" -c Release -o "$root/artifacts/bench/workspace" -nologo -v quiet >/dev/null
configs=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$configs"; }
trap cleanup EXIT

PORT=$emu_port RATE_LIMIT=0 Logging__LogLevel__Default=Warning Emulator__Seeds__0__Id=$id Emulator__Seeds__0__Name=bench \
  dotnet "$root/artifacts/bench/emulator/Molecule.PlatformEmulator.dll" >/dev/null 2>&1 &
pids+=($!)
WORKSPACE_ID=$id PORT=$ws_port AGENT_URL=http://127.0.0.1:$ws_port PLATFORM_URL=http://127.0.0.1:$emu_port \
  CONFIGS_DIR=$configs Logging__LogLevel__Default=Warning dotnet "$root/artifacts/bench/workspace/Molecule.Workspace.dll" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$emu_port/workspaces/$id" 2>/dev/null | grep -q '"status":"online"' && break
  sleep 0.2
done

direct="http://127.0.0.1:$ws_port/"
proxied="http://127.0.0.1:$emu_port/workspaces/$id/a2a"
for url in "$direct" "$proxied"; do
  answer=$(curl -fs -X POST "$url" -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"bench-1","role":"user","parts":[{"kind":"text","text":"hello"}]}}}')
  case "$answer" in *'Echo: hello'*) ;; *) echo "$url answered unexpectedly: $answer" >&2; exit 1 ;; esac
done

measure() {   # measure URL CONNECTIONS TEXT → "rps p50_ms p99_ms non2xx errors"
  TEXT=$3 wrk -t1 -c"$2" -d3s -s send.lua "$1" >/dev/null
  local line
  line=$(TEXT=$3 wrk -t1 -c"$2" -d"$duration" -s send.lua "$1" | grep '^RESULT')
  python3 - "$line" <<'PY'
import sys
f = dict(kv.split('=') for kv in sys.argv[1].split()[1:])
print(f"{int(f['requests']) / (int(f['duration_us']) / 1e6):.0f} {int(f['p50_us'])/1000:.3f} {int(f['p99_us'])/1000:.2f} {f['non2xx']} {f['errors']}")
PY
}

report="A2A message/send direct vs through the emulator proxy, wrk -t1 -d$duration, loopback, one run"
for text in "hello" "work 5ms"; do
for c in $connection_levels; do
  d=$(measure "$direct" "$c" "$text"); p=$(measure "$proxied" "$c" "$text")
  report+=$'\n'$(python3 - "$c" "$d" "$p" "$text" <<'PY'
import sys
c, d, p, text = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
ratio = float(p[0]) / float(d[0])
added = float(p[1]) - float(d[1])
print(f"\"{text}\" c={c}: direct {d[0]} req/s p50 {d[1]} ms p99 {d[2]} ms | proxied {p[0]} req/s p50 {p[1]} ms p99 {p[2]} ms | "
      f"rate kept {ratio:.0%} (target >= 70%), p50 added {added:.3f} ms (target <= 0.5 ms) | non-2xx {d[3]}/{p[3]}")
PY
)
done
done
echo "$report"
mkdir -p "$root/bench/results"
echo "$report" > "$root/bench/results/proxy-$(date -u +%Y%m%dT%H%M%SZ).txt"
