#!/usr/bin/python3
"""python3-torch side of the CPU kernel benchmark: Debian's torch 1.13 (the libtorch and BLAS ours runs on).

The same JSON-line contract as the other two sides (ours/, modern/), so the driver runs all three alike:

    cpu_kernels.py --info
    cpu_kernels.py --op gemm|bmm|lstm|attention|whisper-step|gridnet-step --threads T --warmup W --repeats R
                   [--gridnet-seconds S]

prints one JSON object on stdout ({"op", "threads", "ms": [...], ("parameters")}); diagnostics go to stderr.
The ops are those of modern/Operations.cs; the training steps are bench/train_step/train_step.py's own tasks and step.
The OpenBLAS kernels come from the environment (OPENBLAS_CORETYPE), which the driver copies from our side's choice.
"""

import argparse
import ctypes
import json
import math
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "train_step"))
import train_step  # noqa: E402

OPS = ("gemm", "bmm", "lstm", "attention", "whisper-step", "gridnet-step")
SEED = 0
SAMPLE_RATE = 16000


class Kernel:
    """A forward (and, where its inputs require grad, backward) over fixed inputs."""

    parameters = None

    def __init__(self, repetition, inputs):
        self.repetition = repetition
        self.inputs = inputs

    def prepare(self):
        for tensor in self.inputs:
            tensor.grad = None

    def run(self):
        self.repetition()

    detail = ""


def matrix_product():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    return Kernel(lambda: torch.matmul(a, b), [a, b])


def batched_matmul():
    a, b = torch.randn(32, 256, 64), torch.randn(32, 64, 256)
    return Kernel(lambda: torch.bmm(a, b), [a, b])


def attention_kernel():
    q, k, v = (torch.randn(8, 4, 256, 64, requires_grad=True) for _ in range(3))

    def repetition():
        weights = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(64), -1)  # [8, 4, 256, 256]
        output = torch.matmul(weights, v)  # [8, 4, 256, 64]
        output.sum().backward()

    return Kernel(repetition, [q, k, v])


def lstm_kernel():
    lstm = torch.nn.LSTM(128, 128, batch_first=True, bidirectional=True)
    x = torch.randn(512, 64, 128, requires_grad=True)  # [B, T, C]

    def repetition():
        output, _ = lstm(x)  # [512, 64, 256]
        output.sum().backward()

    return Kernel(repetition, [x, *lstm.parameters()])


class ModelStep:
    """train_step.py's step: zero_grad(set_to_none=True), forward, loss, backward, AdamW (lr 1e-3, weight decay 0.01)."""

    def __init__(self, task):
        self.task = task
        self.optimizer = torch.optim.AdamW(task.parameters, lr=1e-3, weight_decay=0.01)
        self.parameters = sum(p.numel() for p in task.parameters)
        self.detail = ""

    def prepare(self):
        pass  # the step's own zero_grad is part of what is timed

    def run(self):
        _, forward, backward, optimizer = train_step.step(self.task, self.optimizer)
        self.detail = f" = forward+loss {forward:.1f} + backward {backward:.1f} + AdamW {optimizer:.1f}"


def create(op, gridnet_seconds):
    if op == "gemm":
        return matrix_product()
    if op == "bmm":
        return batched_matmul()
    if op == "lstm":
        return lstm_kernel()
    if op == "attention":
        return attention_kernel()
    if op == "whisper-step":
        return ModelStep(train_step.WhisperTask())
    return ModelStep(train_step.GridNetTask(round(gridnet_seconds * SAMPLE_RATE)))


def measure(op, operation, warmup, repeats):
    """Wall-clock of each timed repetition after the untimed warm-ups; the untimed preparation runs before every one."""
    milliseconds = []
    for i in range(-warmup, repeats):
        operation.prepare()
        cpu_before = time.process_time()
        start = time.perf_counter()
        operation.run()
        ms = (time.perf_counter() - start) * 1e3
        cpu = (time.process_time() - cpu_before) * 1e3
        if i >= 0:
            milliseconds.append(ms)
        label = "warm-up" if i < 0 else f"repetition {i + 1}"
        print(f"cpu-kernels-python: {op} {label}: {ms:.1f} ms{operation.detail}; process CPU {cpu:.1f} ms", file=sys.stderr)
    return milliseconds


def openblas(symbol):
    """Asks the loaded libblas.so.3 (torch has opened it) what it runs; None when it is not OpenBLAS."""
    library = ctypes.CDLL("libblas.so.3")
    function = getattr(library, symbol, None)
    if function is None:
        return None
    function.restype = ctypes.c_char_p
    return function().decode()


def mapped_blas_files():
    names = ("blas", "blis", "mkl", "dnnl")
    files = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and any(n in os.path.basename(fields[5]) for n in names) and fields[5] not in files:
                files.append(fields[5])
    return files


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--info", action="store_true")
    parser.add_argument("--op", choices=OPS)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--gridnet-seconds", type=float, default=2.0)
    args = parser.parse_args()
    if not args.info and (args.op is None or args.threads is None or args.warmup is None or args.repeats is None):
        parser.error("--op, --threads, --warmup and --repeats are required without --info")

    # stdout is the protocol alone: the original descriptor is kept for it, and descriptor 1 (where C libraries print)
    # goes to stderr.
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    runtime = f"python3-torch {torch.__version__} (Python {sys.version.split()[0]})"
    corename = openblas("openblas_get_corename")
    print(f"cpu-kernels-python: {runtime}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; OpenBLAS reports {corename}", file=sys.stderr)
    if args.info:
        info = {
            "runtime": runtime,
            "libtorch": torch.__version__,
            "threads": torch.get_num_threads(),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
            "openblas_corename": corename,
            "openblas_config": openblas("openblas_get_config"),
            "blas_files": mapped_blas_files(),
            "config": torch.__config__.show(),
        }
        print(json.dumps(info), file=protocol, flush=True)
        return

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    operation = create(args.op, args.gridnet_seconds)
    if operation.parameters is not None:
        print(f"cpu-kernels-python: {args.op}: {operation.parameters:,} parameters", file=sys.stderr)
    milliseconds = measure(args.op, operation, args.warmup, args.repeats)
    line = {"op": args.op, "threads": args.threads, "ms": milliseconds}
    if operation.parameters is not None:
        line["parameters"] = operation.parameters
    print(json.dumps(line), file=protocol, flush=True)


if __name__ == "__main__":
    main()
