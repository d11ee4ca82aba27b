#!/usr/bin/env bash
# Builds the images: a linux-x64 publish, then the project's Dockerfile; with --push, pushes them to a registry.
#
#   deploy/build-image.sh [--push REGISTRY] [workspace|platform-emulator|all]      default: workspace
#
# The workspace is a NativeAOT binary on a minimal root (Molecule.Workspace/Dockerfile says what is in it);
# WORKSPACE_RUNTIME=jit builds the self-contained JIT image instead. The emulator is a self-contained JIT publish.
# Tags: localhost/molecule-workspace:dev and localhost/molecule-platform-emulator:dev (override with
# WORKSPACE_IMAGE / EMULATOR_IMAGE). --push REGISTRY (e.g. registry.example.com/team, 127.0.0.1:5000) also tags
# each image REGISTRY/<name>:<version> and REGISTRY/<name>:latest and pushes both; log in first
# (`podman login REGISTRY`), and mark a plain-HTTP registry insecure in registries.conf.
# BASE_IMAGE picks the base (default mcr.microsoft.com/dotnet/runtime-deps:10.0). When it is unset and the public
# image cannot be pulled (an offline host), a local base is built with deploy/build-offline-base.sh.
# CONTAINER_CLI picks the runtime (default: podman, else docker).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 [--push REGISTRY] [workspace|platform-emulator|all]" >&2; exit 2; }
registry=
if [ "${1:-}" = --push ]; then
  [ -n "${2:-}" ] || usage
  registry=${2%/}; shift 2
fi
what=${1:-workspace}
case "$what" in workspace|platform-emulator|all) ;; *) usage ;; esac
runtime=${WORKSPACE_RUNTIME:-native}
case "$runtime" in native|jit) ;; *) echo "build-image: WORKSPACE_RUNTIME must be native or jit" >&2; exit 2 ;; esac
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

version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)

build() {   # build PROJECT ARTIFACT TAG NAME [native|jit]
  local project=$1 artifact=$2 tag=$3 name=$4 kind=${5:-jit}
  rm -rf "artifacts/$artifact"
  if [ "$kind" = native ]; then
    echo "build-image: publishing $project (NativeAOT, linux-x64)"
    dotnet publish "$project/$project.csproj" -c Release -r linux-x64 -p:PublishAot=true \
      -p:DebugType=none -o "artifacts/$artifact" -nologo -v quiet
  else
    echo "build-image: publishing $project (self-contained, linux-x64)"
    dotnet publish "$project/$project.csproj" -c Release -r linux-x64 --self-contained true -p:PublishAot=false \
      -p:DebugType=none -o "artifacts/$artifact" -nologo -v quiet
  fi
  local target=()
  [ "$project" = Molecule.Workspace ] && target=(--target "$kind")
  echo "build-image: $(basename "$cli") build $tag (base $base${target:+, target $kind})"
  "$cli" build "${format[@]}" -q "${target[@]}" --build-arg "BASE_IMAGE=$base" -f "$project/Dockerfile" -t "$tag" . >/dev/null
  echo "build-image: $tag ($("$cli" image inspect --format '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1000000 }'))"
  if [ -n "$registry" ]; then
    local remote
    for remote in "$registry/$name:$version" "$registry/$name:latest"; do
      "$cli" tag "$tag" "$remote"
      "$cli" push -q "$remote" >/dev/null
      echo "build-image: pushed $remote"
    done
  fi
}

if [ "$what" != platform-emulator ]; then
  artifact=workspace; [ "$runtime" = native ] && artifact=workspace-native
  build Molecule.Workspace "$artifact" "${WORKSPACE_IMAGE:-localhost/molecule-workspace:dev}" molecule-workspace "$runtime"
fi
if [ "$what" != workspace ]; then
  build Molecule.PlatformEmulator platform-emulator "${EMULATOR_IMAGE:-localhost/molecule-platform-emulator:dev}" molecule-platform-emulator
fi
