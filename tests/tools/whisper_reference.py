#!/usr/bin/python3
"""Independent Whisper reference for the C# model's decoding tests.

Run with Debian's interpreter, which has python3-torch 1.13 (openai-whisper and transformers are not
installed, and this script must not depend on them):

    /usr/bin/python3 tests/tools/whisper_reference.py

Whisper is written here from the published architecture in plain torch: conv front end with GELU,
sinusoidal encoder positions, pre-LayerNorm attention blocks with q and k each scaled by
d_head^-0.25, key projections without bias, learned decoder positions, causal self-attention,
cross-attention and logits tied to the token embedding. It loads the golden tiny model
(Hugging Face names) with a small safetensors reader and

  (a) checks that its own forward reproduces the golden logits and loss (a sanity check of this
      script, since those goldens come from upstream openai/whisper),
  (b) decodes the golden mel greedily and
  (c) with beam search (beam 3, patience 1, no length penalty), following openai/whisper's
      decoding.py (GreedyDecoder, BeamSearchDecoder, MaximumLikelihoodRanker),

and writes the token sequences to tests/Speech.Tests/Fixtures/whisper/tiny_whisper.decode.json. Finally

  (d) it computes the gradients of the golden loss in float64 and writes those of the two encoder
      convolutions to tiny_whisper.conv_grads_fp64.safetensors (as float32). The golden
      grads.safetensors has wrong values for exactly these four tensors: Debian's torch 1.13 CPU GELU
      backward returns uninitialised memory when the incoming gradient is not contiguous, which is
      what openai's `gelu(conv2(x)).permute(0, 2, 1)` hands it. The float64 kernel is unaffected; a
      central finite difference confirms the float64 gradient, and the script reports how far the
      golden is from it.
Decoding recomputes the whole prefix every step (no key/value cache), so it also serves as the
reference the cached C# decoder is compared with.
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "Speech.Tests", "Fixtures", "whisper")
OUTPUT = os.path.join(FIXTURES, "tiny_whisper.decode.json")
CONV_GRADS = os.path.join(FIXTURES, "tiny_whisper.conv_grads_fp64.safetensors")
CONV_KEYS = [f"model.encoder.conv{i}.{p}" for i in (1, 2) for p in ("weight", "bias")]

MAX_NEW_TOKENS = 20
BEAM_SIZE = 3

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = 8 + header_len
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = bytearray(data[body + start : body + end])
        tensors[name] = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"]).clone()
    return tensors


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def sinusoids(length, channels, max_timescale=10000):
    log_increment = math.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = torch.exp(-log_increment * torch.arange(channels // 2))
    scaled = torch.arange(length)[:, None] * inv_timescales[None, :]
    return torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=1)


class Whisper:
    def __init__(self, weights, config):
        self.w = weights
        self.config = config
        self.d_model = config["d_model"]

    def linear(self, x, name, bias=True):
        return F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias") if bias else None)

    def layer_norm(self, x, name):
        return F.layer_norm(x, (self.d_model,), self.w[name + ".weight"], self.w[name + ".bias"], 1e-5)

    def attention(self, x, source, name, heads, causal):
        q = self.linear(x, name + ".q_proj")
        k = self.linear(source, name + ".k_proj", bias=False)
        v = self.linear(source, name + ".v_proj")
        b, t, c = q.shape
        s = k.shape[1]
        scale = (c // heads) ** -0.25
        q = q.view(b, t, heads, -1).permute(0, 2, 1, 3) * scale
        k = k.view(b, s, heads, -1).permute(0, 2, 3, 1) * scale
        v = v.view(b, s, heads, -1).permute(0, 2, 1, 3)
        qk = q @ k
        if causal:
            qk = qk + torch.full((t, s), -math.inf, dtype=qk.dtype).triu(1)
        w = F.softmax(qk, dim=-1)
        out = (w @ v).permute(0, 2, 1, 3).flatten(start_dim=2)
        return self.linear(out, name + ".out_proj")

    def mlp(self, x, name):
        return self.linear(F.gelu(self.linear(x, name + ".fc1")), name + ".fc2")

    def encode(self, mel):
        p = "model.encoder."
        x = F.gelu(F.conv1d(mel, self.w[p + "conv1.weight"], self.w[p + "conv1.bias"], padding=1))
        x = F.gelu(F.conv1d(x, self.w[p + "conv2.weight"], self.w[p + "conv2.bias"], stride=2, padding=1))
        x = x.permute(0, 2, 1)
        positions = sinusoids(self.config["max_source_positions"], self.d_model)
        stored = self.w.get(p + "embed_positions.weight")
        if stored is not None:
            assert torch.allclose(stored.float(), positions, atol=1e-6), "stored encoder positions are not sinusoids()"
        x = x + positions[: x.shape[1]].to(x.dtype)
        heads = self.config["encoder_attention_heads"]
        for i in range(self.config["encoder_layers"]):
            name = f"{p}layers.{i}."
            h = self.layer_norm(x, name + "self_attn_layer_norm")
            x = x + self.attention(h, h, name + "self_attn", heads, False)
            x = x + self.mlp(self.layer_norm(x, name + "final_layer_norm"), name[:-1])
        return self.layer_norm(x, p + "layer_norm")

    def decode(self, tokens, audio):
        p = "model.decoder."
        embed = self.w[p + "embed_tokens.weight"]
        x = embed[tokens] + self.w[p + "embed_positions.weight"][: tokens.shape[1]]
        heads = self.config["decoder_attention_heads"]
        for i in range(self.config["decoder_layers"]):
            name = f"{p}layers.{i}."
            h = self.layer_norm(x, name + "self_attn_layer_norm")
            x = x + self.attention(h, h, name + "self_attn", heads, True)
            x = x + self.attention(self.layer_norm(x, name + "encoder_attn_layer_norm"), audio, name + "encoder_attn", heads, False)
            x = x + self.mlp(self.layer_norm(x, name + "final_layer_norm"), name[:-1])
        x = self.layer_norm(x, p + "layer_norm")
        return x @ embed.t()

    def forward(self, mel, tokens):
        return self.decode(tokens, self.encode(mel))


def greedy(model, audio, prompt, eot, max_new_tokens):
    """openai/whisper GreedyDecoder at temperature 0, without logit filters."""
    n = audio.shape[0]
    tokens = torch.tensor([prompt] * n)
    sum_logprobs = torch.zeros(n)
    min_gap = math.inf
    for _ in range(max_new_tokens):
        logits = model.decode(tokens, audio)[:, -1]
        top2 = logits.topk(2, dim=-1).values
        active = tokens[:, -1] != eot
        if active.any():
            min_gap = min(min_gap, (top2[:, 0] - top2[:, 1])[active].min().item())
        next_tokens = logits.argmax(dim=-1)
        logprobs = F.log_softmax(logits.float(), dim=-1)
        current = logprobs[torch.arange(n), next_tokens]
        sum_logprobs += current * active
        next_tokens[~active] = eot
        tokens = torch.cat([tokens, next_tokens[:, None]], dim=-1)
        if (tokens[:, -1] == eot).all():
            break
    tokens = F.pad(tokens, (0, 1), value=eot)
    results = []
    for row, total in zip(tokens, sum_logprobs.tolist()):
        text = row[len(prompt) : (row == eot).nonzero()[0, 0]].tolist()
        results.append({"tokens": text, "sum_logprob": total, "avg_logprob": total / (len(text) + 1)})
    return results, min_gap


def beam_search(model, audio, prompt, eot, max_new_tokens, beam_size, patience=None, length_penalty=None):
    """openai/whisper BeamSearchDecoder + MaximumLikelihoodRanker, without logit filters."""
    n_audio = audio.shape[0]
    audio = audio.repeat_interleave(beam_size, dim=0)
    tokens = torch.tensor([prompt] * (n_audio * beam_size))
    sum_logprobs = torch.zeros(n_audio * beam_size)
    max_candidates = round(beam_size * (patience or 1.0))
    finished_sequences = [{} for _ in range(n_audio)]
    for _ in range(max_new_tokens):
        logits = model.decode(tokens, audio)[:, -1]
        logprobs = F.log_softmax(logits.float(), dim=-1)
        next_tokens, source_indices, finished_now = [], [], []
        for i in range(n_audio):
            scores, sources, finished = {}, {}, {}
            for j in range(beam_size):
                idx = i * beam_size + j
                prefix = tokens[idx].tolist()
                for logprob, token in zip(*logprobs[idx].topk(beam_size + 1)):
                    sequence = tuple(prefix + [token.item()])
                    scores[sequence] = (sum_logprobs[idx] + logprob).item()
                    sources[sequence] = idx
            saved = 0
            for sequence in sorted(scores, key=scores.get, reverse=True):
                if sequence[-1] == eot:
                    finished[sequence] = scores[sequence]
                else:
                    sum_logprobs[len(next_tokens)] = scores[sequence]
                    next_tokens.append(sequence)
                    source_indices.append(sources[sequence])
                    saved += 1
                    if saved == beam_size:
                        break
            finished_now.append(finished)
        tokens = torch.tensor(next_tokens)
        audio = audio[source_indices]
        for previous, new in zip(finished_sequences, finished_now):
            for sequence in sorted(new, key=new.get, reverse=True):
                if len(previous) >= max_candidates:
                    break
                previous[sequence] = new[sequence]
        if all(len(s) >= max_candidates for s in finished_sequences):
            break
    sums = sum_logprobs.reshape(n_audio, beam_size)
    for i, sequences in enumerate(finished_sequences):
        if len(sequences) < beam_size:
            for j in reversed(sums[i].argsort().tolist()):
                sequence = tokens[i * beam_size + j].tolist() + [eot]
                sequences[tuple(sequence)] = sums[i][j].item()
                if len(sequences) >= beam_size:
                    break
    results = []
    for sequences in finished_sequences:
        candidates = [(list(seq[len(prompt) : seq.index(eot, len(prompt))]), lp) for seq, lp in sequences.items()]

        def score(candidate):
            text, logprob = candidate
            penalty = len(text) if length_penalty is None else ((5 + len(text)) / 6) ** length_penalty
            return logprob / penalty

        best = max(range(len(candidates)), key=lambda k: (score(candidates[k]), -k))
        text, logprob = candidates[best]
        results.append({"tokens": text, "sum_logprob": logprob, "avg_logprob": logprob / (len(text) + 1)})
    return results


def float64_conv_gradients(config, io):
    """(d): float64 gradients of the golden loss for the encoder convolutions, checked by finite differences."""
    weights = {k: v.double().requires_grad_() for k, v in load_safetensors(os.path.join(FIXTURES, "tiny_whisper.model.safetensors")).items()}
    model = Whisper(weights, config)

    def loss():
        logits = model.forward(io["mel"].double(), io["tokens"])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), io["labels"].reshape(-1), ignore_index=-100)

    with torch.enable_grad():
        loss().backward()
    grads = {k: weights[k].grad.clone() for k in CONV_KEYS}
    generator = torch.Generator().manual_seed(0)
    for key in CONV_KEYS:
        direction = torch.randn(weights[key].shape, generator=generator, dtype=torch.float64)
        eps = 1e-4
        with torch.no_grad():
            weights[key] += eps * direction
            plus = loss().item()
            weights[key] -= 2 * eps * direction
            minus = loss().item()
            weights[key] += eps * direction
        numeric = (plus - minus) / (2 * eps)
        analytic = (grads[key] * direction).sum().item()
        if abs(numeric - analytic) > 1e-6 * abs(numeric):
            sys.exit(f"{key}: finite difference {numeric} disagrees with the float64 gradient {analytic}")
    return grads


def main():
    torch.set_grad_enabled(False)
    with open(os.path.join(FIXTURES, "tiny_whisper.config.json")) as f:
        config = json.load(f)
    model = Whisper(load_safetensors(os.path.join(FIXTURES, "tiny_whisper.model.safetensors")), config)
    io = load_safetensors(os.path.join(FIXTURES, "tiny_whisper.io.safetensors"))

    logits = model.forward(io["mel"], io["tokens"])
    logits_error = (logits - io["logits"]).abs().max().item()
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), io["labels"].reshape(-1), ignore_index=-100)
    loss_error = abs(loss.item() - io["loss"].item()) / abs(io["loss"].item())
    print(f"(a) logits max abs error {logits_error:.3g}, loss relative error {loss_error:.3g}")
    if logits_error > 1e-4 or loss_error > 1e-5:
        sys.exit("the reference does not reproduce the golden forward; fix this script first")

    eot = config["eos_token_id"]
    prompt = [config["decoder_start_token_id"]]
    audio = model.encode(io["mel"])
    greedy_results, min_gap = greedy(model, audio, prompt, eot, MAX_NEW_TOKENS)
    beam_results = beam_search(model, audio, prompt, eot, MAX_NEW_TOKENS, BEAM_SIZE)
    print(f"(b) greedy: {[r['tokens'] for r in greedy_results]} (smallest top-2 logit gap {min_gap:.3g})")
    print(f"(c) beam {BEAM_SIZE}: {[r['tokens'] for r in beam_results]}")

    result = {
        "note": "Produced by tests/tools/whisper_reference.py (plain torch 1.13, openai/whisper decoding.py semantics, no logit filters) on the golden mel.",
        "prompt": prompt,
        "eot": eot,
        "max_new_tokens": MAX_NEW_TOKENS,
        "logits_max_abs_error": logits_error,
        "greedy": {"min_top2_logit_gap": min_gap, "items": greedy_results},
        "beam": {"beam_size": BEAM_SIZE, "patience": 1.0, "length_penalty": None, "items": beam_results},
    }
    with open(OUTPUT, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUTPUT, ROOT)}")

    grads = float64_conv_gradients(config, io)
    golden = load_safetensors(os.path.join(FIXTURES, "tiny_whisper.grads.safetensors"))
    for key in CONV_KEYS:
        error = ((golden[key].double() - grads[key]).norm() / grads[key].norm()).item()
        print(f"(d) {key}: golden grads.safetensors is off by {error:.3g} (norm-relative) from the float64 gradient")
    note = "float64 gradients of the golden loss (tests/tools/whisper_reference.py), checked by central finite differences"
    save_safetensors(CONV_GRADS, grads, {"note": note})
    print(f"wrote {os.path.relpath(CONV_GRADS, ROOT)}")


if __name__ == "__main__":
    main()
