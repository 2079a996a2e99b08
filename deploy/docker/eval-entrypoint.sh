#!/bin/bash
# The eval container's entry point: `eval "$@"`, arranged so that the Docker sandbox works from inside a container.
# The sandbox asks the host's daemon (through the mounted /var/run/docker.sock) for one container per sample, with
# two bind mounts whose paths the daemon reads on the HOST: the sample's source directory (under $TMPDIR) and the
# .NET root that runs C# samples. So both live under $CODEGEN_EVAL_SHARED, which docker-compose.yml mounts from the
# host at the same path: TMPDIR is $CODEGEN_EVAL_SHARED/tmp, and this image's .NET is copied to
# $CODEGEN_EVAL_SHARED/dotnet (once per .NET version) and eval runs from that copy.
# `run` also gets --api-key $CODEGEN_API_KEY when that is set and no --api-key is given.
set -euo pipefail
shared="${CODEGEN_EVAL_SHARED:-/var/lib/codegen-eval}"
[ -d "$shared" ] || { echo "codegen-eval: error: $shared is not mounted; mount the host's $shared at the same path (docker-compose.yml does)" >&2; exit 2; }
mkdir -p "$shared/tmp" "$shared/dotnet"
chmod 0755 "$shared" "$shared/tmp" "$shared/dotnet"
src=$(dirname "$(readlink -f "$(command -v dotnet)")")
version=$(ls "$src/shared/Microsoft.NETCore.App")
if [ "$(cat "$shared/dotnet/.codegen-version" 2>/dev/null || true)" != "$version" ]; then
  rm -rf "${shared:?}/dotnet/"*
  cp -a "$src/dotnet" "$src/host" "$src/shared" "$shared/dotnet/"
  echo "$version" > "$shared/dotnet/.codegen-version"
fi
export TMPDIR="$shared/tmp" DOTNET_ROOT="$shared/dotnet"
args=("$@")
if [ "${1:-}" = "run" ] && [ -n "${CODEGEN_API_KEY:-}" ] && [[ " $* " != *" --api-key "* ]]; then
  args+=(--api-key "$CODEGEN_API_KEY")
fi
exec "$shared/dotnet/dotnet" /app/CodeGen.Eval.dll "${args[@]}"
