#!/usr/bin/env python3
"""Draft-model speculation against a running CodeGen server started with --draft-model.

Usage: bench/scripts/draft-acceptance.py [--server URL] [--prompts N] [--max-tokens M] [--temperature T]
Completes the first N HumanEval prompts one request at a time, plain and with speculative=draft (same seeds),
and prints tokens/s of both, their ratio, and the acceptance rate read from the server's
codegen_spec_draft_tokens_total / codegen_spec_accepted_tokens_total counters.
"""
import argparse, gzip, json, re, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--server", default="http://127.0.0.1:8080")
ap.add_argument("--prompts", type=int, default=20)
ap.add_argument("--max-tokens", type=int, default=64)
ap.add_argument("--temperature", type=float, default=0.0)
ap.add_argument("--data", default="evalstore/Benchmarks/Data/humaneval/HumanEval.jsonl.gz")
args = ap.parse_args()


def post(body):
    req = urllib.request.Request(args.server + "/v1/completions", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    r = json.load(urllib.request.urlopen(req))
    return r, time.perf_counter() - t


def counter(name):
    text = urllib.request.urlopen(args.server + "/metrics").read().decode()
    m = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def run(prompts, **extra):
    tokens = seconds = 0
    texts = []
    for i, p in enumerate(prompts):
        r, s = post({"prompt": p, "max_tokens": args.max_tokens, "temperature": args.temperature, "seed": i, **extra})
        tokens += r["usage"]["completion_tokens"]
        seconds += s
        texts.append(r["choices"][0]["text"])
    return tokens, seconds, texts


prompts = [json.loads(line)["prompt"] for line in gzip.open(args.data, "rt")][: args.prompts]
run(prompts[:2])  # warm up
plain = run(prompts)
drafted0, accepted0 = counter("codegen_spec_draft_tokens_total"), counter("codegen_spec_accepted_tokens_total")
spec = run(prompts, speculative="draft")
drafted = counter("codegen_spec_draft_tokens_total") - drafted0
accepted = counter("codegen_spec_accepted_tokens_total") - accepted0
same = sum(a == b for a, b in zip(plain[2], spec[2]))
print("| mode | tokens | seconds | tokens/s | ratio |")
print("|---|---|---|---|---|")
print(f"| plain | {plain[0]} | {plain[1]:.2f} | {plain[0] / plain[1]:.1f} | 1.00 |")
print(f"| speculative=draft | {spec[0]} | {spec[1]:.2f} | {spec[0] / spec[1]:.1f} | {(spec[0] / spec[1]) / (plain[0] / plain[1]):.2f} |")
print()
print(f"drafted {drafted:.0f}, accepted {accepted:.0f}: acceptance {accepted / max(drafted, 1):.3f}; "
      f"identical completions {same} of {len(prompts)} (greedy must give all)")
