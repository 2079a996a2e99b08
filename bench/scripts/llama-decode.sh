#!/usr/bin/env bash
# docs/BENCHMARKS.md "llama.cpp backend": the 0.5B shape through llama.cpp (f32, f16, q8_0, q4_0) and through
# TorchSharp (float32, bfloat16), one after the other in one run, then the llama.cpp q8_0 row again with OpenMP's
# busy waiting (OMP_WAIT_POLICY=ACTIVE) against the default PASSIVE. Random-weight files are made once in $DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${DIR:-/tmp/codegen-bench-gguf}
THREADS=${THREADS:-2}
dotnet build bench/CodeGen.Bench.csproj -c Release -nologo -clp:ErrorsOnly -v quiet
lscpu | grep -E '^(Model name|Flags)'
bench() { dotnet bench/bin/Release/net10.0/bench.dll decode "$@"; }
bench --backend llama --shapes 0.5b --quants f32,f16,q8_0,q4_0 --prompt 512 --steps 16 --threads "$THREADS" --gguf-dir "$DIR"
bench --backend torch --shapes 0.5b --dtypes float32,bfloat16 --prompt 512 --steps 16 --threads "$THREADS"
OMP_WAIT_POLICY=ACTIVE bench --backend llama --shapes 0.5b --quants q8_0 --prompt 512 --steps 16 --threads "$THREADS" --gguf-dir "$DIR"
bench --backend llama --shapes 0.5b --quants q8_0 --prompt 512 --steps 16 --threads "$THREADS" --gguf-dir "$DIR"
