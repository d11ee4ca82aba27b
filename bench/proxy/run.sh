#!/usr/bin/env bash
# message/send to the workspace four ways in one run: direct, through the emulator's A2A proxy, through a bare YARP
# IHttpForwarder (bench/forwarder: Kestrel in, the same YARP package out, nothing else) and through nginx
# (proxy_pass, upstream keepalive, buffering off).
# Targets: the emulator keeps >= 90 % of the bare forwarder's rate and adds <= 0.1 ms to its p50, at c=1 and c=16,
# with its activity row, A2A_RESPONSE event, metrics and tracing on.
#
#   bench/proxy/run.sh [DURATION=10s] [CONNECTIONS="1 16"]
#
# Two agents: the echo agent answering at once (the proxy's worst case: its hop is all there is to measure) and
# "work 5ms" (an agent that spends 5 ms, still far quicker than any model call).
# Each row also gives the CPU time per call of the proxy (user + system, from /proc) and of the workspace: on these
# shared cores it moves ~5 % between runs where the rate moves ~30 %, so it is the figure to judge a change by.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
duration=${1:-10s}
connection_levels=${2:-1 16}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "nginx not found: apt-get install nginx-light" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
emu_port=$(free_port); ws_port=$(free_port); fwd_port=$(free_port); nginx_port=$(free_port)
id=7e57be9c-0000-4000-8000-0000000000a2
dotnet build "$root/Molecule.PlatformEmulator/Molecule.PlatformEmulator.csproj" -c Release -o "$root/artifacts/bench/emulator" -nologo -v quiet >/dev/null
dotnet build "$root/Molecule.Workspace/Molecule.Workspace.csproj" -c Release -o "$root/artifacts/bench/workspace" -nologo -v quiet >/dev/null
dotnet build "$root/bench/forwarder/Bench.Forwarder.csproj" -c Release -o "$root/artifacts/bench/forwarder" -nologo -v quiet >/dev/null
configs=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$configs"; }
trap cleanup EXIT

PORT=$emu_port RATE_LIMIT=0 Logging__LogLevel__Default=Warning Emulator__Seeds__0__Id=$id Emulator__Seeds__0__Name=bench \
  dotnet "$root/artifacts/bench/emulator/Molecule.PlatformEmulator.dll" >/dev/null 2>&1 &
pids+=($!); emu_pid=$!
WORKSPACE_ID=$id PORT=$ws_port AGENT_URL=http://127.0.0.1:$ws_port PLATFORM_URL=http://127.0.0.1:$emu_port \
  CONFIGS_DIR=$configs Logging__LogLevel__Default=Warning dotnet "$root/artifacts/bench/workspace/Molecule.Workspace.dll" >/dev/null 2>&1 &
pids+=($!); ws_pid=$!
PORT=$fwd_port DESTINATION=http://127.0.0.1:$ws_port/ dotnet "$root/artifacts/bench/forwarder/Bench.Forwarder.dll" >/dev/null 2>&1 &
pids+=($!); fwd_pid=$!
mkdir -p "$configs/nginx"
cat > "$configs/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $configs/nginx/nginx.pid;
error_log $configs/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $configs/nginx; proxy_temp_path $configs/nginx;
  fastcgi_temp_path $configs/nginx; uwsgi_temp_path $configs/nginx; scgi_temp_path $configs/nginx;
  upstream workspace { server 127.0.0.1:$ws_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://workspace;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
NGINX
"$nginx" -p "$configs/nginx" -c "$configs/nginx/nginx.conf" >/dev/null 2>&1 &
pids+=($!); nginx_pid=$!
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$emu_port/workspaces/$id" 2>/dev/null | grep -q '"status":"online"' && break
  sleep 0.2
done

direct="http://127.0.0.1:$ws_port/"
proxied="http://127.0.0.1:$emu_port/workspaces/$id/a2a"
forwarded="http://127.0.0.1:$fwd_port/"
nginxed="http://127.0.0.1:$nginx_port/"
for url in "$direct" "$proxied" "$forwarded" "$nginxed"; do
  answer=$(curl -fs -X POST "$url" -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"bench-1","role":"user","parts":[{"kind":"text","text":"hello"}]}}}')
  case "$answer" in *'Echo: hello'*) ;; *) echo "$url answered unexpectedly: $answer" >&2; exit 1 ;; esac
done

cpu_ticks() {   # cpu_ticks PID... → user+system clock ticks of those processes and their children (nginx's workers)
  local total=0 pid
  for pid in "$@" $(pgrep -P "$(echo "$@" | tr ' ' ,)" 2>/dev/null); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

measure() {   # measure URL CONNECTIONS TEXT PROXY_PIDS → "rps p50_ms p99_ms non2xx errors proxy_cpu_us_per_call workspace_cpu_us_per_call"
  TEXT=$3 wrk -t1 -c"$2" -d"${WARMUP:-10s}" -s send.lua "$1" >/dev/null   # past tiered JIT: a cold emulator still compiles for ~20 s
  local line proxy0 ws0 proxy1 ws1
  proxy0=$(cpu_ticks $4); ws0=$(cpu_ticks "$ws_pid")
  line=$(TEXT=$3 wrk -t1 -c"$2" -d"$duration" -s send.lua "$1" | grep '^RESULT')
  proxy1=$(cpu_ticks $4); ws1=$(cpu_ticks "$ws_pid")
  python3 - "$line" "$((proxy1 - proxy0))" "$((ws1 - ws0))" "$(getconf CLK_TCK)" "${4:-}" <<'PY'
import sys
f = dict(kv.split('=') for kv in sys.argv[1].split()[1:])
proxy_ticks, ws_ticks, hz, proxied = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
calls = int(f['requests'])
per_call = lambda ticks: f"{ticks / hz * 1e6 / calls:.0f}"
print(f"{calls / (int(f['duration_us']) / 1e6):.0f} {int(f['p50_us'])/1000:.3f} {int(f['p99_us'])/1000:.2f} {f['non2xx']} {f['errors']} "
      f"{per_call(proxy_ticks) if proxied else '-'} {per_call(ws_ticks)}")
PY
}

report="A2A message/send four ways, wrk -t1 -d$duration, loopback, one run ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
for text in "hello" "work 5ms"; do
for c in $connection_levels; do
  d=$(measure "$direct" "$c" "$text" ""); p=$(measure "$proxied" "$c" "$text" "$emu_pid")
  f=$(measure "$forwarded" "$c" "$text" "$fwd_pid"); n=$(measure "$nginxed" "$c" "$text" "$nginx_pid")
  report+=$'\n'$(python3 - "$c" "$text" "$d" "$p" "$f" "$n" <<'PY'
import sys
c, text = sys.argv[1], sys.argv[2]
rows = dict(zip(["direct", "emulator", "bare forwarder", "nginx"], (a.split() for a in sys.argv[3:])))
d, p, f = rows["direct"], rows["emulator"], rows["bare forwarder"]
out = [f'"{text}" c={c}:']
for name, r in rows.items():
    out.append(f"  {name:<15} {r[0]:>6} req/s = {float(r[0]) / float(d[0]):4.0%} of direct, p50 {r[1]} ms, p99 {r[2]} ms, "
               f"non-2xx {r[3]}, errors {r[4]}, CPU per call: proxy {r[5]} µs, workspace {r[6]} µs")
out.append(f"  emulator vs bare forwarder: rate kept {float(p[0]) / float(f[0]):.0%} (target >= 90%), "
           f"p50 added {float(p[1]) - float(f[1]):.3f} ms (target <= 0.1 ms), CPU per call {int(p[5]) - int(f[5]):+d} µs")
print("\n".join(out))
PY
)
done
done
echo "$report"
mkdir -p "$root/bench/results"
echo "$report" > "$root/bench/results/proxy-$(date -u +%Y%m%dT%H%M%SZ).txt"
