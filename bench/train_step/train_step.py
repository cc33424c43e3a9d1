#!/usr/bin/python3
"""Python side of the training-step benchmark: Debian's python3-torch running the plain-torch references
(tests/tools/whisper_reference.py, tests/tools/gridnet_reference.py) written from the same specs as our
models.

It serves the C# driver (bench/train_step/Program.cs) over stdin/stdout, one JSON object per line, so the
two sides can alternate step by step in one run:

    {"cmd": "setup", "model": "whisper"|"gridnet"}      → {"parameters": n}
    {"cmd": "steps", "model": ..., "n": k}              → {"ms": [...], "forward_ms": [...], "backward_ms": [...], "optimizer_ms": [...]}
    {"cmd": "profile", "model": ..., "rows": r}         → {"table": "..."} (torch.profiler, one step)
    {"cmd": "release"}                                  → {} (glibc's free lists back to the system: malloc_trim)
    {"cmd": "quit"}

One step = zero_grad, forward, loss, backward, AdamW step (lr 1e-3, weight decay 0.01). Whisper loss:
cross-entropy over the 32 labels; TF-GridNetV2 loss: negative SI-SNR against random references.
"""

import argparse
import ctypes
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import gridnet_reference  # noqa: E402
import whisper_reference  # noqa: E402

# Whisper tiny's dimensions (Hugging Face's openai/whisper-tiny config) with 30 s of mel frames.
WHISPER_TINY = {
    "num_mel_bins": 80,
    "max_source_positions": 1500,
    "d_model": 384,
    "encoder_attention_heads": 6,
    "encoder_layers": 4,
    "encoder_ffn_dim": 1536,
    "decoder_attention_heads": 6,
    "decoder_layers": 4,
    "decoder_ffn_dim": 1536,
    "max_target_positions": 448,
    "vocab_size": 51865,
}
WHISPER_BATCH, WHISPER_TOKENS = 2, 32

# TFGridNetV2Config.Speech16k: everything else at ESPnet's defaults.
GRIDNET_16K = {"n_fft": 512, "stride": 256, "n_layers": 4, "lstm_hidden_units": 128, "attn_n_head": 4, "emb_dim": 128}
GRIDNET_BATCH = 2


def whisper_parameters(c):
    """Hugging Face names and shapes of every trainable Whisper weight (output tied to the token embedding)."""
    d = c["d_model"]
    shapes = {
        "model.encoder.conv1.weight": [d, c["num_mel_bins"], 3],
        "model.encoder.conv1.bias": [d],
        "model.encoder.conv2.weight": [d, d, 3],
        "model.encoder.conv2.bias": [d],
    }

    def attention(prefix):
        for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[f"{prefix}.{p}.weight"] = [d, d]
            if p != "k_proj":
                shapes[f"{prefix}.{p}.bias"] = [d]
        shapes[f"{prefix}_layer_norm.weight"] = [d]
        shapes[f"{prefix}_layer_norm.bias"] = [d]

    def mlp(prefix, ffn):
        shapes.update({f"{prefix}.fc1.weight": [ffn, d], f"{prefix}.fc1.bias": [ffn], f"{prefix}.fc2.weight": [d, ffn], f"{prefix}.fc2.bias": [d]})
        shapes.update({f"{prefix}.final_layer_norm.weight": [d], f"{prefix}.final_layer_norm.bias": [d]})

    for i in range(c["encoder_layers"]):
        attention(f"model.encoder.layers.{i}.self_attn")
        mlp(f"model.encoder.layers.{i}", c["encoder_ffn_dim"])
    shapes.update({"model.encoder.layer_norm.weight": [d], "model.encoder.layer_norm.bias": [d]})
    shapes.update({"model.decoder.embed_tokens.weight": [c["vocab_size"], d], "model.decoder.embed_positions.weight": [c["max_target_positions"], d]})
    for i in range(c["decoder_layers"]):
        attention(f"model.decoder.layers.{i}.self_attn")
        attention(f"model.decoder.layers.{i}.encoder_attn")
        mlp(f"model.decoder.layers.{i}", c["decoder_ffn_dim"])
    shapes.update({"model.decoder.layer_norm.weight": [d], "model.decoder.layer_norm.bias": [d]})
    return shapes


class WhisperTask:
    """The reference Whisper over leaf tensors, initialised as Hugging Face's _init_weights (as our model is)."""

    def __init__(self):
        weights = {}
        for name, shape in whisper_parameters(WHISPER_TINY).items():
            if name.endswith(".bias"):
                tensor = torch.zeros(shape)
            elif "layer_norm" in name:
                tensor = torch.ones(shape)
            else:
                tensor = torch.randn(shape) * 0.02
            weights[name] = tensor.requires_grad_()
        self.parameters = list(weights.values())
        self.model = whisper_reference.Whisper(weights, WHISPER_TINY)
        vocab = WHISPER_TINY["vocab_size"]
        self.mel = torch.randn(WHISPER_BATCH, WHISPER_TINY["num_mel_bins"], 2 * WHISPER_TINY["max_source_positions"])
        self.tokens = torch.randint(0, vocab, (WHISPER_BATCH, WHISPER_TOKENS))
        self.labels = torch.randint(0, vocab, (WHISPER_BATCH, WHISPER_TOKENS))

    def forward_loss(self):
        logits = self.model.forward(self.mel, self.tokens)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), self.labels.reshape(-1), ignore_index=-100)


class GridNetTask:
    def __init__(self, samples):
        self.model = gridnet_reference.TFGridNetV2(GRIDNET_16K)
        self.model.train()
        self.parameters = list(self.model.parameters())
        self.mixture = torch.randn(GRIDNET_BATCH, samples)
        self.reference = torch.randn(GRIDNET_BATCH, self.model.config["n_srcs"], samples)

    def forward_loss(self):
        return gridnet_reference.loss(self.model(self.mixture), self.reference)


def step(task, optimizer):
    """One training step; returns (total, forward+loss, backward, optimizer) milliseconds."""
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    loss = task.forward_loss()
    forwarded = time.perf_counter()
    loss.backward()
    backwarded = time.perf_counter()
    optimizer.step()
    done = time.perf_counter()
    return [(done - start) * 1e3, (forwarded - start) * 1e3, (backwarded - forwarded) * 1e3, (done - backwarded) * 1e3]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--gridnet-samples", type=int, default=4 * 16000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tasks = {}
    reply = sys.stdout
    # Anything the libraries print must not land in the protocol stream.
    sys.stdout = sys.stderr
    print(json.dumps({"runtime": f"python3-torch {torch.__version__} (Python {sys.version.split()[0]})", "threads": torch.get_num_threads()}), file=reply, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        cmd = request["cmd"]
        if cmd == "quit":
            break
        if cmd == "setup":
            tasks.clear()  # the driver is done with the previous model; its memory goes to the next one
            task = WhisperTask() if request["model"] == "whisper" else GridNetTask(args.gridnet_samples)
            task.optimizer = torch.optim.AdamW(task.parameters, lr=1e-3, weight_decay=0.01)
            tasks[request["model"]] = task
            answer = {"parameters": sum(p.numel() for p in task.parameters)}
        elif cmd == "steps":
            task = tasks[request["model"]]
            rows = [step(task, task.optimizer) for _ in range(request["n"])]
            answer = {key: [row[i] for row in rows] for i, key in enumerate(("ms", "forward_ms", "backward_ms", "optimizer_ms"))}
        elif cmd == "release":
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            answer = {}
        elif cmd == "profile":
            task = tasks[request["model"]]
            with torch.autograd.profiler.profile() as profile:
                step(task, task.optimizer)
            answer = {"table": profile.key_averages().table(sort_by="self_cpu_time_total", row_limit=request.get("rows", 25))}
        else:
            answer = {"error": f"unknown command {cmd!r}"}
        print(json.dumps(answer), file=reply, flush=True)


if __name__ == "__main__":
    main()
