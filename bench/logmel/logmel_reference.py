#!/usr/bin/python3
"""Whisper log-Mel front end benchmark, Python reference side.

The front end is openai/whisper's audio.py (DESIGN.md section 7): pad_or_trim to 30 s,
torch.stft (n_fft 400, hop 160, periodic Hann, centred, reflect padding), power with the
last frame dropped, the dense mel matrix from mel_filters.npz, log10(clamp(x, 1e-10)),
floor at max - 8, (x + 4) / 4. For a batch the max is taken per utterance (the Hugging Face
convention, and what the C# side does), not over the whole batch as audio.py would.

    /usr/bin/python3 bench/logmel/logmel_reference.py --threads 1 \
        --inputs in.f32 --features ref.f32 --json out.json

Generates the inputs (16 clips of 30 s: noise plus tones, fixed seed) and writes them as raw
little-endian float32 to --inputs so the C# side measures the same samples; writes the features
of clip 0 (80 mels) to --features for a correctness cross-check. Method per case: warm up 3 calls;
calibrate a call count N so one repeat takes at least --min-repeat-s; time 7 repeats of N calls
with time.perf_counter; report the median milliseconds per call. Only torch, numpy and the
standard library are used.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
N_SAMPLES = 30 * SAMPLE_RATE
CLIPS = 16
WARMUP = 3
REPEATS = 7

FILTERS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "../../tests/Speech.Tests/Fixtures/whisper-assets/mel_filters.npz")


def make_inputs(seed=0):
    """CLIPS x N_SAMPLES float32: white noise plus three tones with a slow amplitude wobble per clip."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_SAMPLES, dtype=np.float64) / SAMPLE_RATE
    clips = np.empty((CLIPS, N_SAMPLES), dtype=np.float32)
    for i in range(CLIPS):
        x = 0.02 * rng.standard_normal(N_SAMPLES)
        for _ in range(3):
            f = rng.uniform(80.0, 7000.0)
            a = rng.uniform(0.05, 0.3)
            wobble = 1.0 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.1, 2.0) * t)
            x += a * wobble * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        clips[i] = x
    return clips


def pad_or_trim(audio, length=N_SAMPLES):
    """whisper.audio.pad_or_trim for tensors (last axis)."""
    if audio.shape[-1] > length:
        audio = audio[..., :length]
    if audio.shape[-1] < length:
        audio = torch.nn.functional.pad(audio, (0, length - audio.shape[-1]))
    return audio


def log_mel_spectrogram(audio, filters, window):
    """whisper.audio.log_mel_spectrogram, with the max per utterance for batched input."""
    stft = torch.stft(audio, N_FFT, HOP_LENGTH, window=window, return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    mel_spec = filters @ magnitudes
    log_spec = torch.clamp(mel_spec, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.amax(dim=(-2, -1), keepdim=True) - 8.0)
    log_spec = (log_spec + 4.0) / 4.0
    return log_spec


def calibrate(loop, min_s):
    n = 1
    while True:
        t0 = time.perf_counter()
        loop(n)
        dt = time.perf_counter() - t0
        if dt >= min_s / 4:
            return max(1, int(math.ceil(min_s * 1.1 / (dt / n))))
        n *= 4


def measure(loop, min_s):
    loop(WARMUP)
    n = calibrate(loop, min_s)
    per_call_ms = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        loop(n)
        per_call_ms.append((time.perf_counter() - t0) / n * 1e3)
    return statistics.median(per_call_ms), n, per_call_ms


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--inputs", metavar="PATH", required=True, help="write the generated clips here (raw float32)")
    ap.add_argument("--features", metavar="PATH", help="write clip 0's 80-mel features here (raw float32)")
    ap.add_argument("--json", metavar="PATH", help="write results as JSON to PATH")
    ap.add_argument("--min-repeat-s", type=float, default=0.5,
                    help="minimum duration of one timed repeat (default 0.5)")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    clips = make_inputs()
    clips.tofile(args.inputs)
    batch = torch.from_numpy(clips)
    single = batch[0].clone()
    window = torch.hann_window(N_FFT)
    filters = np.load(FILTERS)

    runtime = "python3-torch %s, numpy %s" % (torch.__version__, np.__version__)
    print("%s, python %s, threads=%d" % (runtime, sys.version.split()[0], args.threads))
    print("%-12s %12s %8s %12s %12s" % ("case", "median ms", "calls", "min ms", "max ms"))
    results = {}
    for n_mels in (80, 128):
        mel = torch.from_numpy(filters["mel_%d" % n_mels])

        def one(n, mel=mel):
            for _ in range(n):
                log_mel_spectrogram(pad_or_trim(single), mel, window)

        def sixteen(n, mel=mel):
            for _ in range(n):
                log_mel_spectrogram(pad_or_trim(batch), mel, window)

        for case, loop in (("single_%d" % n_mels, one), ("batch16_%d" % n_mels, sixteen)):
            med, n, samples = measure(loop, args.min_repeat_s)
            results[case] = med
            print("%-12s %12.3f %8d %12.3f %12.3f" % (case, med, n, min(samples), max(samples)))
            sys.stdout.flush()

    if args.features:
        mel80 = torch.from_numpy(filters["mel_80"])
        log_mel_spectrogram(pad_or_trim(single), mel80, window).numpy().astype(np.float32).tofile(args.features)

    if args.json:
        doc = {"runtime": runtime, "threads": args.threads, "clips": CLIPS, "clip_seconds": N_SAMPLES / SAMPLE_RATE,
               "cases_ms": results}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
