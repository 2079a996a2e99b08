#!/usr/bin/env bash
# docs/BENCHMARKS.md "LoRA fine-tuning step": tokens/s and peak memory of `training lora`'s trainer on CPU with one
# worker, for the bundled model and the Qwen2.5-0.5B shape (random weights), float32 and bfloat16 base weights, with
# and without gradient checkpointing. One process per row, so each row's peak resident set is its own.
# THREADS (default 2), STEPS (default 6; the first is warm-up) and the sequence shapes below can be changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
STEPS=${STEPS:-6}
dotnet build bench/CodeGen.Bench.csproj -c Release -nologo -clp:ErrorsOnly -v quiet
date -u; uptime
lscpu | grep -E '^Model name'; lscpu | grep -E '^Flags' | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_bf16|amx_bf16)$' | tr '\n' ' '; echo
bench() { dotnet bench/bin/Release/net10.0/bench.dll lora --threads "$THREADS" --steps "$STEPS" "$@"; }
echo "| model | base dtype | gradient checkpointing | batch × seq | rank (trainable) | tok/s median (min-max) | s/step | RSS after load GiB | peak RSS GiB | threads | workers | allreduce share of the run |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
bench --shape bundled --batch-size 4 --seq-len 256
bench --shape bundled --batch-size 4 --seq-len 256 --gradient-checkpointing
bench --shape bundled --batch-size 4 --seq-len 256 --base-dtype bfloat16
bench --shape 0.5b --batch-size 1 --seq-len 128
bench --shape 0.5b --batch-size 1 --seq-len 128 --gradient-checkpointing
bench --shape 0.5b --batch-size 1 --seq-len 128 --base-dtype bfloat16
# N = 2 workers under MPICH (the same global batch, half on each rank; one torch thread per rank on this 2-core machine).
bench1() { dotnet bench/bin/Release/net10.0/bench.dll lora --threads 1 --steps "$STEPS" "$@"; }
bench2() { mpiexec.mpich -n 2 dotnet bench/bin/Release/net10.0/bench.dll lora --threads 1 --steps "$STEPS" "$@"; }
bench1 --shape bundled --batch-size 4 --seq-len 256
bench2 --shape bundled --batch-size 4 --seq-len 256
bench1 --shape 0.5b --batch-size 2 --seq-len 128
bench2 --shape 0.5b --batch-size 2 --seq-len 128
