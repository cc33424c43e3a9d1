#!/usr/bin/python3
"""Per-op dispatch overhead benchmark, Python side.

Measures wall time per iteration of tiny CPU float32 operations, where the cost
is dominated by dispatch (Python -> ATen) rather than arithmetic. The C# side of
the benchmark runs the same ops so the two can be compared.

    /usr/bin/python3 bench/dispatch/dispatch.py --threads 1 --json out.json

Method, for each op: warm up 2000 iterations; calibrate an iteration count N so
that one timed repeat takes at least --min-repeat-s (0.2 s); time 7 repeats of N
iterations with time.perf_counter; report the median in microseconds/iteration.
Only torch and the standard library are used.
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn

WARMUP = 2000
REPEATS = 7


def make_ops():
    """name -> loop(n) running the op n times (loop inlined, no per-call closure)."""
    ops = {}

    a16 = torch.randn(16)
    b16 = torch.randn(16)

    def add16(n, a=a16, b=b16):
        for _ in range(n):
            a + b
    ops["add16"] = add16

    def mul16(n, a=a16, b=b16):
        for _ in range(n):
            a * b
    ops["mul16"] = mul16

    a8 = torch.randn(8, 8)
    b8 = torch.randn(8, 8)

    def matmul8(n, a=a8, b=b8):
        for _ in range(n):
            a @ b
    ops["matmul8"] = matmul8

    layer = nn.Linear(32, 32)
    x = torch.randn(8, 32)

    def linear_fwd_bwd(n, layer=layer, x=x):
        for _ in range(n):
            layer.zero_grad(set_to_none=True)
            layer(x).sum().backward()
    ops["linear_fwd_bwd"] = linear_fwd_bwd

    params = [torch.randn(16, requires_grad=True) for _ in range(10)]
    for p in params:
        p.grad = torch.randn(16)
    opt = torch.optim.AdamW(params, lr=1e-3)

    def adamw_step10(n, opt=opt):
        for _ in range(n):
            opt.step()
    ops["adamw_step10"] = adamw_step10

    return ops


def calibrate(loop, min_s):
    n = 100
    while True:
        t0 = time.perf_counter()
        loop(n)
        dt = time.perf_counter() - t0
        if dt >= min_s / 4:
            per = dt / n
            return max(1, int(math.ceil(min_s * 1.1 / per)))
        n *= 4


def measure(loop, min_s):
    loop(WARMUP)
    n = calibrate(loop, min_s)
    per_iter_us = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        loop(n)
        dt = time.perf_counter() - t0
        per_iter_us.append(dt / n * 1e6)
    return statistics.median(per_iter_us), n, per_iter_us


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--json", metavar="PATH", help="write results as JSON to PATH")
    ap.add_argument("--min-repeat-s", type=float, default=0.2,
                    help="minimum duration of one timed repeat (default 0.2)")
    ap.add_argument("--only", nargs="*", help="run only these ops")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ops = make_ops()
    names = args.only or list(ops)

    runtime = "python3-torch %s" % torch.__version__
    print("%s, python %s, threads=%d" % (runtime, sys.version.split()[0], args.threads))
    print("%-16s %12s %10s %12s %12s" % ("op", "median us", "iters", "min us", "max us"))
    results = {}
    for name in names:
        med, n, samples = measure(ops[name], args.min_repeat_s)
        results[name] = med
        print("%-16s %12.3f %10d %12.3f %12.3f" % (name, med, n, min(samples), max(samples)))
        sys.stdout.flush()

    if args.json:
        doc = {"runtime": runtime, "threads": args.threads, "ops": results}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
