#!/usr/bin/env bash
# Checks formatting (dotnet format --verify-no-changes against .editorconfig), builds CodeGen and runs every
# default test (the Docker, Slow and Oracle categories excluded, and Gpu, which no test has yet: docs/TESTING.md).
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# OS packages the build and tests need: command -> Debian package. docker-compose (Compose v1) validates
# docker-compose.yml with `config` (CodeGen.Deploy.Tests; no Docker engine needed), unless `docker compose` answers.
# mpich: MPI data parallelism (docs/TRAINING-MPI.md).
declare -A needed=( [git]=git [python3]=python3 [/usr/bin/python3]=python3 [bwrap]=bubblewrap [prlimit]=util-linux [setpriv]=util-linux [chromium]=chromium [nvim]=neovim [docker-compose]=docker-compose [mpiexec.mpich]=mpich )
missing=()
for cmd in "${!needed[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${needed[$cmd]}")
done
# Shared libraries (no command to look for): llama.cpp's CPU build (LLamaSharp.Backend.Cpu) links OpenMP's libgomp.
if ! ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1 '; then missing+=(libgomp1); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing missing packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: missing packages: ${missing[*]} (run as root to install them with apt-get, or install them yourself)" >&2
    exit 1
  fi
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is not installed; install it first (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2
  exit 1
fi

# Formatting first: it fails fast, naming each file and line that differs from .editorconfig.
if ! dotnet format CodeGen.sln --verify-no-changes -v q; then
  echo "error: formatting differs from .editorconfig (above); run: dotnet format CodeGen.sln" >&2
  exit 1
fi

dotnet build CodeGen.sln -nologo -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test CodeGen.sln --no-build -nologo --filter "Category!=Gpu&Category!=Slow&Category!=Docker&Category!=Oracle" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing summary line over all test assemblies (dotnet test prints one line per assembly).
python3 - "$log" <<'PY'
import re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)", line)
    if m:
        failed += int(m.group(2)); passed += int(m.group(3)); skipped += int(m.group(4))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
