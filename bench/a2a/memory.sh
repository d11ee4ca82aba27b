#!/usr/bin/env bash
# The workspace's memory with the task store's defaults (durable journal, capacity 10,000, terminal TTL 1 h):
# idle RSS after start, peak RSS under sustained blocking SendMessage load at c=16 until TASKS answers, RSS right
# after and after 10 s idle. JIT (dotnet) and, when artifacts/workspace-native holds it, the NativeAOT binary.
# Targets: RSS <= 150 MB after 1,000,000 tasks, idle <= 60 MB (JIT), <= 50 MB (native).
#
#   bench/a2a/memory.sh [TASKS=1000000] [CONNECTIONS=16]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
tasks=${1:-1000000}
connections=${2:-16}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
out="$root/artifacts/bench/workspace"
dotnet build "$root/Molecule.Workspace/Molecule.Workspace.csproj" -c Release -o "$out" -nologo -v quiet >/dev/null
rss() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

run() {   # run NAME COMMAND... → one report line
  local name=$1; shift
  local port configs pid peak=0 line
  port=$(free_port); configs=$(mktemp -d)
  WORKSPACE_ID=7e57be9c-0000-4000-8000-000000000002 PORT=$port AGENT_URL=http://127.0.0.1:$port PLATFORM_URL=http://127.0.0.1:9 \
    CONFIGS_DIR=$configs Logging__LogLevel__Default=Warning "$@" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/.well-known/agent-card.json" >/dev/null && break; sleep 0.05; done
  sleep 5
  local idle; idle=$(rss "$pid")
  TASKS=$tasks DONE_FILE=$configs/done wrk -t1 -c"$connections" -d3600s -s send-count.lua "http://127.0.0.1:$port/" > "$configs/wrk.txt" &
  local load=$!
  until [ -e "$configs/done" ] || ! kill -0 "$load" 2>/dev/null; do
    peak=$(python3 -c "print(max($peak, $(rss "$pid")))"); sleep 1
  done
  kill -INT "$load" 2>/dev/null || true; wait "$load" || true
  line=$(grep '^RESULT' "$configs/wrk.txt")
  local after; after=$(rss "$pid"); sleep 10
  local settled; settled=$(rss "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$name" "$line" "$idle" "$peak" "$after" "$settled" "$(du -m "$configs/.tasks.journal" | cut -f1)" <<'PY'
import sys
name, line, idle, peak, after, settled, journal = sys.argv[1:]
f = dict(kv.split('=') for kv in line.split()[1:])
rps = int(f['requests']) / (int(f['duration_us']) / 1e6)
print(f"  {name:<8} {int(f['requests']):>8} tasks at {rps:,.0f} req/s (p99 {int(f['p99_us'])/1000:.1f} ms, non-2xx {f['non2xx']}): "
      f"idle {idle} MB, peak {peak} MB, after {after} MB, after 10 s idle {settled} MB, journal {journal} MB")
PY
  rm -rf "$configs"
}

report="Workspace memory, store defaults, wrk -t1 -c$connections until $tasks tasks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
report+=$'\n'$(run jit dotnet "$out/Molecule.Workspace.dll")
native="$root/artifacts/workspace-native/Molecule.Workspace"
[ -x "$native" ] && report+=$'\n'$(run native "$native")
echo "$report"
mkdir -p "$root/bench/results"
echo "$report" > "$root/bench/results/memory-$(date -u +%Y%m%dT%H%M%SZ).txt"
