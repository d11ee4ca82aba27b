#!/usr/bin/env bash
# Makes rootful Podman work on the CI machine kind: podman's default ulimits exceed the hard limits, crun refuses
# the kernel's hybrid cgroup layout, and there is no systemd (so cgroupfs and a file events log).
set -euo pipefail
mkdir -p /etc/containers
cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
podman info --format '{{.Host.OCIRuntime.Name}} {{.Version.Version}}' >/dev/null
