#!/usr/bin/env bash
# eval run --samples 10 on 20 HumanEval prompts against the bundled model, with shared prompt blocks and with
# --no-prefix-cache, one after the other (docs/BENCHMARKS.md, "Paged KV cache"). Run from the repository root after
#   dotnet build server -c Release && dotnet build eval -c Release
set -u
SERVER=server/bin/Release/net10.0/server
EVAL=eval/bin/Release/net10.0/CodeGen.Eval
PORT=${PORT:-8091}
for mode in shared none; do
  extra=""; [ "$mode" = none ] && extra="--no-prefix-cache"
  db=$(mktemp -u /tmp/samples-XXXX.db)
  $SERVER --port "$PORT" --max-batch 10 $extra > "/tmp/samples-server-$mode.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "localhost:$PORT/health" >/dev/null && break; sleep 0.2; done
  start=$(date +%s.%N)
  $EVAL run --benchmark humaneval --server "http://127.0.0.1:$PORT" --samples 10 --limit 20 --temperature 0.8 \
    --max-tokens 64 --db "$db" --name "samples-$mode" --parallel 2 > "/tmp/samples-eval-$mode.log" 2>&1
  end=$(date +%s.%N)
  echo "$mode: eval wall $(echo "$end - $start" | bc) s; $(tail -1 "/tmp/samples-eval-$mode.log")"
  curl -s "localhost:$PORT/metrics" | grep -E "^codegen_(prefill_tokens_total|prefix_cache_hit_tokens_total|generated_tokens_total) "
  kill "$pid"; wait "$pid" 2>/dev/null
  rm -f "$db"*
done
