#!/usr/bin/env bash
# Builds local stand-ins for the .NET base images, for machines that reach no container registry (Microsoft's
# mcr.microsoft.com/dotnet/sdk:10.0 and aspnet:10.0 are what the Dockerfiles use by default):
#   1. installs docker.io and debootstrap when missing (apt-get, as root) and starts dockerd when no daemon answers;
#   2. debootstraps a minimal Debian bookworm (variant minbase) with what .NET and the server need at run time
#      (ca-certificates, libicu72, libssl3, zlib1g, tzdata, libgomp1 for llama.cpp's CPU build), trusting this host's
#      local CA certificates (/usr/local/share/ca-certificates) as well;
#   3. imports it twice with `docker import`, adding this host's .NET (the directory of `dotnet`, /usr/share/dotnet
#      on Debian): codegen-dotnet-sdk:10.0 with the whole SDK, codegen-dotnet-aspnet:10.0 with the runtimes only
#      (host/, shared/: Microsoft.NETCore.App and Microsoft.AspNetCore.App).
# Then build the stack from them:
#   DOTNET_SDK_IMAGE=codegen-dotnet-sdk:10.0 DOTNET_RUNTIME_IMAGE=codegen-dotnet-aspnet:10.0 docker-compose build
# Idempotent: an image that exists is kept (remove it with `docker rmi` to rebuild it).
# Environment: DEBIAN_MIRROR (default: the first Debian URI of this host's apt sources, else
# http://deb.debian.org/debian), SDK_IMAGE (default codegen-dotnet-sdk:10.0), RUNTIME_IMAGE
# (default codegen-dotnet-aspnet:10.0), DOTNET_DIR (default: the directory of the `dotnet` on PATH).
set -euo pipefail
sdk_image="${SDK_IMAGE:-codegen-dotnet-sdk:10.0}"
runtime_image="${RUNTIME_IMAGE:-codegen-dotnet-aspnet:10.0}"
dockerd_log=/var/log/codegen-dockerd.log

log() { echo "build-base: $*" >&2; }
die() { echo "build-base: error: $*" >&2; exit 1; }

need_packages=()
command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)
if [ ${#need_packages[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing ${need_packages[*]}: run as root or install them (apt-get install ${need_packages[*]})"
  log "installing ${need_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi
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

if docker image inspect "$sdk_image" >/dev/null 2>&1 && docker image inspect "$runtime_image" >/dev/null 2>&1; then
  log "ready: $sdk_image and $runtime_image exist"
  exit 0
fi

dotnet_dir="${DOTNET_DIR:-}"
if [ -z "$dotnet_dir" ]; then
  command -v dotnet >/dev/null 2>&1 || die "no dotnet on PATH: install the .NET 10 SDK or set DOTNET_DIR"
  dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
fi
[ -x "$dotnet_dir/dotnet" ] && [ -d "$dotnet_dir/sdk" ] && [ -d "$dotnet_dir/shared/Microsoft.AspNetCore.App" ] \
  || die "$dotnet_dir is not a .NET SDK directory with the ASP.NET Core runtime (dotnet, sdk/, shared/Microsoft.AspNetCore.App/)"

mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -rhoE '(URIs:|^deb)\s+https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -n 1 || true)
  mirror="${mirror:-http://deb.debian.org/debian}"
fi
root=$(mktemp -d /var/tmp/codegen-dotnet-rootfs.XXXXXX)
trap 'rm -rf "$root" "$root.log"' EXIT
log "debootstrapping bookworm (minbase + .NET's run-time libraries) from $mirror into $root"
debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,zlib1g,tzdata,libgomp1 bookworm "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -n 20 "$root.log" >&2; die "debootstrap failed"; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# The images trust what this host trusts: a host that reaches the package registries through a TLS-inspecting proxy
# has that proxy's CA among its local certificates, and `dotnet restore` inside the build needs it too.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  log "adding this host's local CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the new root"
fi
# .NET where Microsoft's images put it, and the command on PATH.
mkdir -p "$root/usr/share/dotnet"
ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"

# The same settings Microsoft's images declare (ASPNETCORE_HTTP_PORTS is theirs too; our Dockerfiles pass their own
# ports on the command line).
changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
         --change 'ENV DOTNET_ROOT=/usr/share/dotnet'
         --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true'
         --change 'ENV APP_UID=1654'
         --change 'CMD ["/bin/bash"]')

if ! docker image inspect "$runtime_image" >/dev/null 2>&1; then
  log "importing $runtime_image (runtimes from $dotnet_dir)"
  rm -rf "$root/usr/share/dotnet"/*
  cp -a "$dotnet_dir/dotnet" "$dotnet_dir/host" "$dotnet_dir/shared" "$root/usr/share/dotnet/"
  [ -f "$dotnet_dir/LICENSE.txt" ] && cp -a "$dotnet_dir/LICENSE.txt" "$dotnet_dir/ThirdPartyNotices.txt" "$root/usr/share/dotnet/" 2>/dev/null || true
  tar -C "$root" -c . | docker import "${changes[@]}" - "$runtime_image" >/dev/null
fi
if ! docker image inspect "$sdk_image" >/dev/null 2>&1; then
  log "importing $sdk_image (SDK from $dotnet_dir)"
  rm -rf "$root/usr/share/dotnet"/*
  cp -a "$dotnet_dir"/. "$root/usr/share/dotnet/"
  tar -C "$root" -c . | docker import "${changes[@]}" --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' --change 'ENV DOTNET_NOLOGO=1' - "$sdk_image" >/dev/null
fi
log "ready: $sdk_image and $runtime_image"
