#!/bin/bash
# The server container's entry point: `server --host $CODEGEN_HOST --port $CODEGEN_PORT --api-key $CODEGEN_API_KEY`
# followed by the container's arguments and then $CODEGEN_SERVER_ARGS (split on spaces), e.g.
#   CODEGEN_SERVER_ARGS="--adapter /adapters/mine --dtype bfloat16"
# Inside a container the server must listen on the container's interface (0.0.0.0) for a published port or another
# container to reach it, and the server refuses any address but loopback without --api-key: so the key is required.
set -euo pipefail
host="${CODEGEN_HOST:-0.0.0.0}"
port="${CODEGEN_PORT:-8080}"
case "$host" in
  127.*|localhost|::1) key_args=() ;;
  *)
    if [ -z "${CODEGEN_API_KEY:-}" ]; then
      echo "codegen-server: error: CODEGEN_API_KEY is not set; the server listens on $host inside the container and requires an API key there (clients send 'Authorization: Bearer <key>'; /health needs none)" >&2
      exit 2
    fi
    key_args=(--api-key "$CODEGEN_API_KEY") ;;
esac
# shellcheck disable=SC2206 # word splitting of CODEGEN_SERVER_ARGS is the point.
extra=(${CODEGEN_SERVER_ARGS:-})
exec dotnet /app/server.dll --host "$host" --port "$port" "${key_args[@]}" "$@" "${extra[@]}"
