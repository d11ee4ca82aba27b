#!/usr/bin/env bash
# Builds a minimal Debian base image from the machine's own apt mirror, for hosts that cannot pull
# mcr.microsoft.com/dotnet/runtime-deps. The workspace is published self-contained, so the base only needs
# curl (the guide's Compose healthcheck), ca-certificates (outgoing TLS) and libicu (globalization).
#
#   deploy/build-offline-base.sh [IMAGE]        default IMAGE: localhost/molecule-base:bookworm
#
# Needs root, debootstrap and podman (or docker).
set -euo pipefail

image=${1:-localhost/molecule-base:bookworm}
cli=${CONTAINER_CLI:-$(command -v podman || command -v docker || true)}
[ -n "$cli" ] || { echo "build-offline-base: neither podman nor docker found" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-offline-base: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "build-offline-base: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=curl,ca-certificates,libicu72 bookworm "$rootfs" "$mirror" >/dev/null
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/info/*
: > "$rootfs/etc/apt/sources.list"          # the build host's mirror address stays out of the image
rm -f "$rootfs/etc/apt/sources.list.d/"*
tar -C "$rootfs" -c . | "$cli" import - "$image" >/dev/null
echo "build-offline-base: $image"
