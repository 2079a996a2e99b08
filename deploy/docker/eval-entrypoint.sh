#!/bin/bash
# The eval container's entry point: `eval "$@"`, arranged so that the Docker sandbox works from inside a container.
# The sandbox asks the host's daemon (through the mounted /var/run/docker.sock) for one container per sample, with
# two bind mounts whose paths the daemon reads on the HOST: the sample's source directory (under $TMPDIR) and the
# .NET root that runs C# samples. So both live under $CODEGEN_EVAL_SHARED, which docker-compose.yml mounts from the
# host at the same path: TMPDIR is $CODEGEN_EVAL_SHARED/tmp, and this image's .NET is copied to
# $CODEGEN_EVAL_SHARED/dotnet (once per .NET version) and eval runs from that copy.
# `run` also gets the key from $CODEGEN_API_KEY when that is set and no --api-key is given, in an owner-only response
# file (@FILE: System.CommandLine reads its lines as arguments) so that it is not on eval's command line.
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
args=("$@")
if [ "${1:-}" = "run" ] && [ -n "${CODEGEN_API_KEY:-}" ] && [[ " $* " != *" --api-key "* ]]; then
  key_file=$(umask 077 && mktemp "${TMPDIR:-/tmp}/codegen-eval-key.XXXXXX")
  printf -- '--api-key\n%s\n' "$CODEGEN_API_KEY" > "$key_file"
  args+=("@$key_file")
fi
unset CODEGEN_API_KEY
export TMPDIR="$shared/tmp" DOTNET_ROOT="$shared/dotnet"
exec "$shared/dotnet/dotnet" /app/CodeGen.Eval.dll "${args[@]}"
