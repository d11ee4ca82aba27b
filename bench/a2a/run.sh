#!/usr/bin/env bash
# A2A SendMessage throughput and latency: the Molecule workspace (Release) against the @a2a-js/sdk reference
# server with an equivalent echo agent, same load generator (wrk), same request, one run on this machine.
#
#   bench/a2a/run.sh [DURATION=15s] [CONNECTIONS=16]
#
# With artifacts/workspace-native/Molecule.Workspace present (the NativeAOT publish), it is measured too.
#
# Needs: the .NET SDK, node/npm, wrk (apt-get install wrk). Prints a table and the ratios, and writes it to
# bench/results/a2a-<timestamp>.txt.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
duration=${1:-15s}
connections=${2:-16}

command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
[ -d node_modules/@a2a-js/sdk ] || npm ci --no-audit --no-fund >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ws_port=$(free_port); js_port=$(free_port)
out="$root/artifacts/bench/workspace"
dotnet build "$root/Molecule.Workspace/Molecule.Workspace.csproj" -c Release -o "$out" -nologo -v quiet >/dev/null
configs=$(mktemp -d)

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$configs"; }
trap cleanup EXIT

WORKSPACE_ID=7e57be9c-0000-4000-8000-000000000001 PORT=$ws_port AGENT_URL=http://127.0.0.1:$ws_port \
  PLATFORM_URL=http://127.0.0.1:9 CONFIGS_DIR=$configs Logging__LogLevel__Default=Warning \
  dotnet "$out/Molecule.Workspace.dll" >/dev/null 2>&1 &
pids+=($!)
PORT=$js_port node js-server.mjs >/dev/null 2>&1 &
pids+=($!)
# The NativeAOT build of the same workspace, when published (deploy/build-image.sh, or dotnet publish -r linux-x64).
native="$root/artifacts/workspace-native/Molecule.Workspace"
aot_port=
if [ -x "$native" ]; then
  aot_port=$(free_port); aot_configs=$(mktemp -d)
  WORKSPACE_ID=7e57be9c-0000-4000-8000-000000000003 PORT=$aot_port AGENT_URL=http://127.0.0.1:$aot_port \
    PLATFORM_URL=http://127.0.0.1:9 CONFIGS_DIR=$aot_configs Logging__LogLevel__Default=Warning "$native" >/dev/null 2>&1 &
  pids+=($!)
fi

body='{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"bench-1","role":"ROLE_USER","parts":[{"text":"hello"}]}}}'
for port in "$ws_port" "$js_port" $aot_port; do
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/.well-known/agent-card.json" >/dev/null && break; sleep 0.2; done
  answer=$(curl -fs -X POST "http://127.0.0.1:$port/" -H 'Content-Type: application/json' -H 'A2A-Version: 1.0' -d "$body")
  case "$answer" in *'"TASK_STATE_COMPLETED"'*'Echo: hello'*|*'Echo: hello'*'"TASK_STATE_COMPLETED"'*) ;;
    *) echo "server on $port answered unexpectedly: $answer" >&2; exit 1 ;; esac
done

measure() {   # measure NAME PORT → "NAME rps p50_ms p99_ms non2xx errors"
  # Warm-up: the JIT build is still tiering up (tier-1 and PGO recompiles) well past 5 s on two cores.
  wrk -t1 -c"$connections" -d10s -s send.lua "http://127.0.0.1:$2/" >/dev/null
  local line
  line=$(wrk -t1 -c"$connections" -d"$duration" -s send.lua "http://127.0.0.1:$2/" | grep '^RESULT')
  python3 - "$1" "$line" <<'PY'
import sys
name, line = sys.argv[1], sys.argv[2]
f = dict(kv.split('=') for kv in line.split()[1:])
rps = int(f['requests']) / (int(f['duration_us']) / 1e6)
print(f"{name} {rps:.0f} {int(f['p50_us'])/1000:.2f} {int(f['p99_us'])/1000:.2f} {f['non2xx']} {f['errors']}")
PY
}

ws=$(measure workspace "$ws_port")
js=$(measure a2a-js "$js_port")
aot=""
[ -n "$aot_port" ] && aot=$(measure native "$aot_port")
report=$(python3 - "$ws" "$js" "$duration" "$connections" "$aot" <<'PY'
import sys
ws, js, duration, conns = sys.argv[1].split(), sys.argv[2].split(), sys.argv[3], sys.argv[4]
aot = sys.argv[5].split()
lines = [f"A2A SendMessage (blocking, 1.0), wrk -t1 -c{conns} -d{duration}, loopback, one run",
         f"{'server':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}{'errors':>10}"]
for row in (ws, js, aot):
    if row:
        lines.append(f"{row[0]:<12}{row[1]:>10}{row[2]:>10}{row[3]:>10}{row[4]:>10}{row[5]:>10}")
for row in (ws, aot):
    if row:
        ratio = float(row[1]) / float(js[1])
        lines.append(f"{row[0]}: {ratio:.2f}x a2a-js's rate (target >= 6x), p99 {row[3]} ms = {float(row[3]) / float(js[3]):.0%} of a2a-js's "
                     f"{js[3]} ms (target <= 10 ms and <= 50 %)")
print("\n".join(lines))
PY
)
echo "$report"
mkdir -p "$root/bench/results"
echo "$report" > "$root/bench/results/a2a-$(date -u +%Y%m%dT%H%M%SZ).txt"
