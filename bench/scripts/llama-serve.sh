#!/usr/bin/env bash
# docs/BENCHMARKS.md "llama.cpp backend": bench serve against the server on the 0.5B-shaped q8_0 file that
# llama-decode.sh made: batching gain (concurrency 16 over 1) and the prefix cache's gain on the editor workload
# (a 380-token id prompt growing by 3 ids a step), with and without --no-prefix-cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
FILE=${FILE:-/tmp/codegen-bench-gguf/0.5b-q8_0.gguf}
THREADS=${THREADS:-2}
PORT=${PORT:-18517}
URL=http://127.0.0.1:$PORT
ids=$(python3 -c "print(','.join(str((i*7919+3)%151936) for i in range(380)))")
serve() {
  dotnet server/bin/Release/net10.0/server.dll --model "$FILE" --port "$PORT" --threads "$THREADS" --max-batch 16 --max-queue 256 --max-context 1024 "$@" &
  pid=$!
  for _ in $(seq 1 600); do curl -sf "$URL/health" >/dev/null && return; sleep 0.5; done
  echo "server did not start" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" || true; }
bench() { dotnet bench/bin/Release/net10.0/bench.dll serve --server "$URL" "$@"; }
serve
bench --workload throughput --concurrency 1,16 --requests 16 --max-tokens 32 --prompt-ids "$(echo "$ids" | cut -d, -f1-32)"
bench --workload editor --requests 12 --max-tokens 4 --prompt-ids "$ids"
stop
serve --no-prefix-cache
bench --workload editor --requests 12 --max-tokens 4 --prompt-ids "$ids"
stop
