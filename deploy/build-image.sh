#!/usr/bin/env bash
# Builds the images: a self-contained linux-x64 publish, then the project's Dockerfile.
#
#   deploy/build-image.sh [workspace|platform-emulator|all]      default: workspace
#
# Tags: localhost/molecule-workspace:dev and localhost/molecule-platform-emulator:dev (override with
# WORKSPACE_IMAGE / EMULATOR_IMAGE).
# BASE_IMAGE picks the runtime base (default mcr.microsoft.com/dotnet/runtime-deps:10.0). When it is unset and
# the public image cannot be pulled (an offline host), a local base is built with deploy/build-offline-base.sh.
# CONTAINER_CLI picks the runtime (default: podman, else docker).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-workspace}
case "$what" in workspace|platform-emulator|all) ;; *) echo "usage: $0 [workspace|platform-emulator|all]" >&2; exit 2 ;; esac
cli=${CONTAINER_CLI:-$(command -v podman || command -v docker || true)}
[ -n "$cli" ] || { echo "build-image: neither podman nor docker found" >&2; exit 1; }

public_base=mcr.microsoft.com/dotnet/runtime-deps:10.0
offline_base=localhost/molecule-base:bookworm
base=${BASE_IMAGE:-}
if [ -z "$base" ]; then
  if "$cli" image inspect "$public_base" >/dev/null 2>&1 || timeout 60 "$cli" pull -q "$public_base" >/dev/null 2>&1; then
    base=$public_base
  else
    if ! "$cli" image inspect "$offline_base" >/dev/null 2>&1; then
      echo "build-image: $public_base cannot be pulled; building $offline_base locally"
      CONTAINER_CLI=$cli deploy/build-offline-base.sh "$offline_base"
    fi
    base=$offline_base
  fi
fi

format=()
case "$(basename "$cli")" in podman*) format=(--format docker) ;; esac   # OCI images drop HEALTHCHECK

build() {   # build PROJECT ARTIFACT TAG
  local project=$1 artifact=$2 tag=$3
  echo "build-image: publishing $project (self-contained, linux-x64)"
  rm -rf "artifacts/$artifact"
  dotnet publish "$project/$project.csproj" -c Release -r linux-x64 --self-contained true \
    -p:DebugType=none -o "artifacts/$artifact" -nologo -v quiet
  echo "build-image: $(basename "$cli") build $tag (base $base)"
  "$cli" build "${format[@]}" -q --build-arg "BASE_IMAGE=$base" -f "$project/Dockerfile" -t "$tag" . >/dev/null
  echo "build-image: $tag"
}

if [ "$what" != platform-emulator ]; then
  build Molecule.Workspace workspace "${WORKSPACE_IMAGE:-localhost/molecule-workspace:dev}"
fi
if [ "$what" != workspace ]; then
  build Molecule.PlatformEmulator platform-emulator "${EMULATOR_IMAGE:-localhost/molecule-platform-emulator:dev}"
fi
