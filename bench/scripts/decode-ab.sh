#!/usr/bin/env bash
# Side-by-side decode benchmarks of two builds of bench (docs/BENCHMARKS.md, "Paged KV cache"): OLD and NEW are
# paths to bench executables, e.g. a worktree of an earlier commit built with -c Release. Rounds alternate.
set -u
OLD=${1:?usage: decode-ab.sh OLD_BENCH NEW_BENCH}
NEW=${2:?usage: decode-ab.sh OLD_BENCH NEW_BENCH}
date; uptime; lscpu | grep -E "Model name"; lscpu | grep Flags | tr ' ' '\n' | grep -E "avx|amx" | tr '\n' ' '; echo
for r in 1 2 3; do
  for which in OLD NEW; do
    echo "== round $r $which: $(uptime)"
    "${!which}" decode --shapes 0.5b --dtypes float32 --steps 16
  done
done
for which in OLD NEW; do
  echo "== batch-16 decode at positions, $which: $(uptime)"
  "${!which}" decode --shapes 0.5b --dtypes float32 --positions 512,2048,8192 --batch 16 --steps 4
done
