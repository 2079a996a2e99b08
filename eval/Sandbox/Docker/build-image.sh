#!/usr/bin/env bash
# Builds the eval harness's Docker sandbox image without any registry:
#   1. installs docker.io and debootstrap when missing (apt-get, as root);
#   2. starts dockerd when no daemon answers (in the background, log in /var/log/codegen-dockerd.log);
#   3. when codegen-eval-base:bookworm is missing: debootstraps a minimal Debian bookworm with python3
#      (variant minbase) into a temporary directory and `docker import`s it under that name;
#   4. builds codegen-eval-sandbox:latest from the Dockerfile beside this script when the image is missing or
#      was built from another version of the Dockerfile (the Dockerfile's sha256 is kept as a label).
# Idempotent: with the daemon up and both images current it only checks and returns (about a second).
# Environment: DEBIAN_MIRROR (default: the first deb.debian.org-style URI of this host's apt sources, else
# http://deb.debian.org/debian), SANDBOX_IMAGE (default codegen-eval-sandbox:latest),
# BASE_IMAGE (default codegen-eval-base:bookworm).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base_image="${BASE_IMAGE:-codegen-eval-base:bookworm}"
sandbox_image="${SANDBOX_IMAGE:-codegen-eval-sandbox:latest}"
dockerd_log=/var/log/codegen-dockerd.log

log() { echo "build-image: $*" >&2; }
die() { echo "build-image: error: $*" >&2; exit 1; }

need_packages=()
command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)
if [ ${#need_packages[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing ${need_packages[*]}: run as root or install them (apt-get install ${need_packages[*]})"
  log "installing ${need_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi
# The Debian package's client works with its daemon; another client on PATH (a newer one) does too.
command -v docker >/dev/null 2>&1 || die "no docker client on PATH (package docker.io installs one)"

if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || die "no Docker daemon answers and starting one needs root"
  log "starting dockerd (log: $dockerd_log)"
  # setsid: the daemon outlives this script and whatever test started it.
  setsid dockerd >>"$dockerd_log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not come up within 60 s; see $dockerd_log"
fi

if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  mirror="${DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ]; then
    mirror=$(grep -rhoE '(URIs:|^deb)\s+https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
      | grep -oE 'https?://[^ ]+' | head -n 1 || true)
    mirror="${mirror:-http://deb.debian.org/debian}"
  fi
  root=$(mktemp -d /var/tmp/codegen-eval-rootfs.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  log "debootstrapping bookworm (minbase + python3) from $mirror into $root"
  debootstrap --variant=minbase --include=python3 bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -n 20 "$root.log" >&2; die "debootstrap failed (full log: $root.log)"; }
  rm -f "$root.log"
  # Nothing the image needs at run time: package caches and lists.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  log "importing $base_image"
  tar -C "$root" -c . | docker import - "$base_image" >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

sha=$(sha256sum "$here/Dockerfile" | cut -d' ' -f1)
current=$(docker image inspect -f '{{ index .Config.Labels "codegen.dockerfile-sha256" }}' "$sandbox_image" 2>/dev/null || true)
if [ "$current" != "$sha" ]; then
  log "building $sandbox_image"
  # The classic builder: it uses the local base image as it is and never contacts a registry.
  build_log=$(mktemp)
  DOCKER_BUILDKIT=0 docker build -q --label "codegen.dockerfile-sha256=$sha" -t "$sandbox_image" "$here" >"$build_log" 2>&1 \
    || { cat "$build_log" >&2; rm -f "$build_log"; die "docker build failed"; }
  rm -f "$build_log"
fi
log "ready: $sandbox_image ($(docker version -f '{{.Server.Version}}' 2>/dev/null) daemon)"
