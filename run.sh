#!/usr/bin/env bash
# Builds (Release) and runs the CodeGen server; all arguments go to it.
#   ./run.sh --model DIR                 serve DIR on http://127.0.0.1:8080
#   ./run.sh generate --model DIR --prompt-ids 1 --max-tokens 20 --greedy --print-ids
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is not installed" >&2
  exit 1
fi
dotnet build server/CodeGen.Server.csproj -c Release -nologo -clp:ErrorsOnly -v quiet >&2
exec dotnet server/bin/Release/net10.0/server.dll "$@"
