#!/usr/bin/env bash
# Starts a real OCI registry (Debian's docker-registry, distribution 2.8) on a loopback port for the container tests,
# so they pull the images by registry name as the deployment guide's `docker pull` / `image:` lines do.
#
#   .ci/start-registry.sh STATE_DIR      prints the registry's address (127.0.0.1:PORT) when it answers
#
# Plain HTTP on loopback: podman is told so once, in registries.conf.d (docker treats 127.0.0.0/8 as insecure itself).
# The registry's pid is written to STATE_DIR/registry.pid; its blobs live in STATE_DIR/blobs.
set -euo pipefail
state=${1:?usage: $0 STATE_DIR}
command -v docker-registry >/dev/null || { echo "start-registry: docker-registry not found (apt-get install docker-registry)" >&2; exit 1; }
mkdir -p "$state/blobs"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$state/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/blobs
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONF
docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
echo $! > "$state/registry.pid"
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/v2/" >/dev/null || { echo "start-registry: no answer on 127.0.0.1:$port" >&2; cat "$state/registry.log" >&2; exit 1; }
mkdir -p /etc/containers/registries.conf.d
printf '[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port" > /etc/containers/registries.conf.d/50-molecule-ci.conf
echo "127.0.0.1:$port"
