#!/bin/bash
# The server container's entry point: `server --host $CODEGEN_HOST --port $CODEGEN_PORT --api-key $CODEGEN_API_KEY`
# followed by the container's arguments and then $CODEGEN_SERVER_ARGS (split on spaces), e.g.
#   CODEGEN_SERVER_ARGS="--adapter /adapters/mine --dtype bfloat16"
# Inside a container the server must listen on the container's interface (0.0.0.0) for a published port or another
# container to reach it, and the server refuses any address but loopback without --api-key: so the key is required.
# The key reaches the server in a response file (System.CommandLine's @FILE, mode 0600 under $TMPDIR, a tmpfs in
# docker-compose.yml and an emptyDir on Kubernetes) and is removed from the environment, so that it is neither on the
# process's command line nor in its environment.
set -euo pipefail
host="${CODEGEN_HOST:-0.0.0.0}"
port="${CODEGEN_PORT:-8080}"
key_args=()
case "$host" in
  127.*|localhost|::1) ;;
  *)
    if [ -z "${CODEGEN_API_KEY:-}" ]; then
      echo "codegen-server: error: CODEGEN_API_KEY is not set; the server listens on $host inside the container and requires an API key there (clients send 'Authorization: Bearer <key>'; /health needs none)" >&2
      exit 2
    fi
    ;;
esac
if [ -n "${CODEGEN_API_KEY:-}" ]; then
  key_file=$(umask 077 && mktemp "${TMPDIR:-/tmp}/codegen-server-key.XXXXXX")
  printf -- '--api-key\n%s\n' "$CODEGEN_API_KEY" > "$key_file"
  key_args=("@$key_file")
  unset CODEGEN_API_KEY
fi
# shellcheck disable=SC2206 # word splitting of CODEGEN_SERVER_ARGS is the point.
extra=(${CODEGEN_SERVER_ARGS:-})
exec dotnet /app/server.dll --host "$host" --port "$port" "${key_args[@]}" "$@" "${extra[@]}"
