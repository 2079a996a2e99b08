#!/usr/bin/env python3
"""Side-by-side measurements of constrained and speculative decoding against a running CodeGen server.

Usage: bench/scripts/decoding-ab.py [--server URL] [--prompts N]
Runs, one request at a time, greedy completions of the first N humaneval-cs prompts (a) plain and with
constrain=csharp, reading the constraint's check-time histogram from /metrics, and (b) a code-editing
workload (the prompt holds a function and asks for a lightly changed copy) plain and with speculative=ngram.
Prints a table: tokens/s per mode, the ratio, the constraint's mean and median check time, the acceptance rate.
"""
import argparse, json, re, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--server", default="http://127.0.0.1:8080")
ap.add_argument("--prompts", type=int, default=12)
ap.add_argument("--max-tokens", type=int, default=64)
ap.add_argument("--temperature", type=float, default=0.0, help="sampling temperature of the constraint runs (the editing runs stay greedy)")
args = ap.parse_args()
DATA = "evalstore/Benchmarks/Data/multipl-e/humaneval-cs-reworded.json"


def post(body):
    req = urllib.request.Request(args.server + "/v1/completions", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    r = json.load(urllib.request.urlopen(req))
    return r, time.perf_counter() - t


def metrics():
    text = urllib.request.urlopen(args.server + "/metrics").read().decode()
    values = {}
    for line in text.splitlines():
        m = re.match(r"^(codegen_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$", line)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values


def quantile(before, after, name, q):
    """The q-quantile of a histogram's observations between two scrapes, interpolated inside its bucket."""
    rows = sorted((float(re.search(r'le="([^"]+)"', k).group(1).replace("+Inf", "inf")), v - before.get(k, 0))
                  for k, v in after.items() if k.startswith(name + "_bucket"))
    total = rows[-1][1] if rows else 0
    if total == 0:
        return float("nan")
    lower, below = 0.0, 0.0
    for le, count in rows:
        if count >= q * total:
            if le == float("inf") or count == below:
                return lower
            return lower + (le - lower) * (q * total - below) / (count - below)
        lower, below = le, count
    return lower


def run(prompts, temperature=0.0, **extra):
    tokens = seconds = 0
    for i, p in enumerate(prompts):
        r, s = post({"prompt": p, "max_tokens": args.max_tokens, "temperature": temperature, "seed": i, **extra})
        tokens += r["usage"]["completion_tokens"]
        seconds += s
    return tokens, seconds


prompts = [p["prompt"] for p in json.load(open(DATA))][: args.prompts]
run(prompts[:2])  # warm up
before = metrics()
plain = run(prompts, args.temperature)
middle = metrics()
constrained = run(prompts, args.temperature, constrain="csharp")
after = metrics()
token_median = quantile(middle, after, "codegen_constraint_token_seconds", 0.5)
token_p99 = quantile(middle, after, "codegen_constraint_token_seconds", 0.99)
step_plain = quantile(before, middle, "codegen_engine_step_seconds", 0.5)
step_constrained = quantile(middle, after, "codegen_engine_step_seconds", 0.5)
checks = after.get("codegen_constraint_check_seconds_count", 0) - before.get("codegen_constraint_check_seconds_count", 0)
check_sum = after.get("codegen_constraint_check_seconds_sum", 0) - before.get("codegen_constraint_check_seconds_sum", 0)
buckets = sorted((float(re.search(r'le="([^"]+)"', k).group(1).replace("+Inf", "inf")), v - before.get(k, 0))
                 for k, v in after.items() if k.startswith("codegen_constraint_check_seconds_bucket"))
median = next((le for le, c in buckets if c >= checks / 2), float("nan")) if checks else float("nan")
rejections = after.get("codegen_constraint_rejections_total", 0) - before.get("codegen_constraint_rejections_total", 0)

# Code editing: the prompt holds a function and asks for a copy with a renamed variable.
edit_prompts = []
for p in prompts:
    body = p.split("{")[-1]
    edit_prompts.append(p + "\n        // The same method again, unchanged:\n" + p.rsplit("\n", 2)[-2] + "\n")
before = metrics()
edit_plain = run(edit_prompts)
edit_ngram = run(edit_prompts, speculative="ngram")
after = metrics()
drafted = after.get("codegen_spec_draft_tokens_total", 0) - before.get("codegen_spec_draft_tokens_total", 0)
accepted = after.get("codegen_spec_accepted_tokens_total", 0) - before.get("codegen_spec_accepted_tokens_total", 0)

print(f"| workload | mode | tokens | seconds | tokens/s | ratio |")
print(f"|---|---|---|---|---|---|")
for name, base, other, mode in [(f"humaneval-cs T={args.temperature:g}", plain, constrained, "constrain=csharp"), ("code editing greedy", edit_plain, edit_ngram, "speculative=ngram")]:
    print(f"| {name} | plain | {base[0]} | {base[1]:.2f} | {base[0] / base[1]:.1f} | 1.00 |")
    print(f"| {name} | {mode} | {other[0]} | {other[1]:.2f} | {other[0] / other[1]:.1f} | {(other[0] / other[1]) / (base[0] / base[1]):.2f} |")
print()
print(f"constraint checks: {checks:.0f}, rejections {rejections:.0f}, mean {1e6 * check_sum / max(checks, 1):.0f} us, median bucket <= {1e6 * median:.0f} us; "
      f"plain step {1e6 * plain[1] / max(plain[0], 1):.0f} us per token")
print(f"constraint time per generated token: median {1e6 * token_median:.0f} us, p99 {1e6 * token_p99:.0f} us; "
      f"median engine step {1e6 * step_plain:.0f} us plain, {1e6 * step_constrained:.0f} us constrained; "
      f"median constraint / median plain step = {100 * token_median / step_plain:.1f}%")
print(f"n-gram drafts: {drafted:.0f}, accepted {accepted:.0f} ({100 * accepted / max(drafted, 1):.0f}%)")
