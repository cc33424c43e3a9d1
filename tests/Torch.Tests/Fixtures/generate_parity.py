#!/usr/bin/python3
"""Generate PyTorch reference ("parity") fixtures for the C# binding tests.

Run from the repository root with the Debian interpreter that has torch:

    /usr/bin/python3 tests/Torch.Tests/Fixtures/generate_parity.py

Writes into tests/Torch.Tests/Fixtures/parity/:
    modules.safetensors   nn module / functional forward outputs and gradients
    stft.safetensors      torch.stft / torch.istft references
    optim.safetensors     AdamW / SGD trajectories and final optimizer state
    schedulers.json       learning-rate sequences of LR schedulers

Only torch and the standard library are used (no numpy, no safetensors package).
Every case starts with torch.manual_seed(1234); torch runs single-threaded so the
output is reproducible bit for bit on the same build.
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "parity")

METADATA = {"generator": "generate_parity.py", "torch": torch.__version__}


# --------------------------------------------------------------------------
# Minimal safetensors writer / reader
# --------------------------------------------------------------------------

_DTYPES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
_DTYPES_REV = {v: k for k, v in _DTYPES.items()}


def _tensor_bytes(t):
    """Raw little-endian bytes of a tensor in C-contiguous order."""
    if sys.byteorder != "little":
        raise RuntimeError("this writer assumes a little-endian host")
    flat = t.detach().cpu().contiguous().reshape(-1)
    if flat.numel() == 0:
        return b""
    return bytes(flat.view(torch.uint8).tolist())


def _atomic_write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> torch.Tensor (insertion order is the file order)."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if t.dtype not in _DTYPES:
            raise TypeError("unsupported dtype %s for %s" % (t.dtype, name))
        b = _tensor_bytes(t)
        header[name] = {
            "dtype": _DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(b)],
        }
        blobs.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    _atomic_write(path, struct.pack("<Q", len(hjson)) + hjson + b"".join(blobs))


def load_safetensors(path):
    """Reader used only to verify what was written (round trip check)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        dtype = _DTYPES_REV[info["dtype"]]
        raw = torch.tensor(list(data[base + b:base + e]), dtype=torch.uint8)
        out[name] = raw.view(dtype).reshape(info["shape"]) if e > b else \
            torch.empty(info["shape"], dtype=dtype)
    return out, header.get("__metadata__", {})


def _verify(path, tensors, metadata):
    back, meta = load_safetensors(path)
    assert list(back.keys()) == list(tensors.keys()), path
    for k, t in tensors.items():
        t = t.detach()
        r = back[k]
        assert r.dtype == t.dtype and r.shape == t.shape, k
        assert torch.equal(r, t), k
    assert meta == {str(a): str(b) for a, b in metadata.items()}, path


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def seed():
    torch.manual_seed(SEED)


def _store_params(out, case, module):
    for name, p in module.named_parameters():
        out["%s.param.%s" % (case, name)] = p.detach().clone()


def _store_grads(out, case, module, x=None):
    if x is not None:
        out["%s.grad.input" % case] = x.grad.detach().clone()
    for name, p in module.named_parameters():
        out["%s.grad.%s" % (case, name)] = p.grad.detach().clone()


def _simple_module_case(out, case, module, x, grad_input=True):
    """Store input, params, output and grads of output.sum()."""
    if grad_input:
        x.requires_grad_(True)
    _store_params(out, case, module)
    y = module(x)
    y.sum().backward()
    out["%s.input" % case] = x.detach().clone()
    out["%s.output" % case] = y.detach().clone()
    _store_grads(out, case, module, x if grad_input else None)


# --------------------------------------------------------------------------
# modules.safetensors
# --------------------------------------------------------------------------

def gen_modules():
    out = {}

    seed()
    m = nn.Linear(5, 3)
    _simple_module_case(out, "linear", m, torch.randn(2, 4, 5))

    seed()
    m = nn.Conv1d(3, 4, kernel_size=3, stride=2, padding=1)
    _simple_module_case(out, "conv1d", m, torch.randn(2, 3, 10))

    seed()
    m = nn.Conv2d(2, 3, kernel_size=3, stride=1, padding=1)
    _simple_module_case(out, "conv2d", m, torch.randn(2, 2, 6, 5))

    seed()
    m = nn.ConvTranspose1d(4, 2, kernel_size=4, stride=2, padding=1)
    _simple_module_case(out, "conv_transpose1d", m, torch.randn(2, 4, 7))

    seed()
    m = nn.ConvTranspose2d(3, 2, kernel_size=3, stride=(1, 2), padding=1,
                           output_padding=(0, 1))
    _simple_module_case(out, "conv_transpose2d", m, torch.randn(1, 3, 5, 4))

    seed()
    m = nn.Embedding(10, 4, padding_idx=0)
    idx = torch.tensor([[0, 3, 9], [1, 0, 5]], dtype=torch.int64)
    _simple_module_case(out, "embedding", m, idx, grad_input=False)

    seed()
    m = nn.LayerNorm(6)
    with torch.no_grad():
        m.weight.copy_(torch.randn(6))
        m.bias.copy_(torch.randn(6))
    _simple_module_case(out, "layer_norm", m, torch.randn(2, 3, 6))

    seed()
    m = nn.GroupNorm(2, 4)
    with torch.no_grad():
        m.weight.copy_(torch.randn(4))
        m.bias.copy_(torch.randn(4))
    _simple_module_case(out, "group_norm", m, torch.randn(2, 4, 5))

    # LSTM, batch_first, 2 layers, bidirectional, zero initial state
    seed()
    m = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(2, 7, 4, requires_grad=True)
    _store_params(out, "lstm", m)
    y, (h, c) = m(x)
    (y.sum() + h.sum() + c.sum()).backward()
    out["lstm.input"] = x.detach().clone()
    out["lstm.output"] = y.detach().clone()
    out["lstm.h_n"] = h.detach().clone()
    out["lstm.c_n"] = c.detach().clone()
    _store_grads(out, "lstm", m, x)

    # LSTM, sequence first, explicit initial state
    seed()
    m = nn.LSTM(3, 4)
    x = torch.randn(6, 2, 3, requires_grad=True)
    h0 = torch.randn(1, 2, 4, requires_grad=True)
    c0 = torch.randn(1, 2, 4, requires_grad=True)
    _store_params(out, "lstm_seq_first", m)
    y, (h, c) = m(x, (h0, c0))
    (y.sum() + h.sum() + c.sum()).backward()
    out["lstm_seq_first.input"] = x.detach().clone()
    out["lstm_seq_first.h0"] = h0.detach().clone()
    out["lstm_seq_first.c0"] = c0.detach().clone()
    out["lstm_seq_first.output"] = y.detach().clone()
    out["lstm_seq_first.h_n"] = h.detach().clone()
    out["lstm_seq_first.c_n"] = c.detach().clone()
    _store_grads(out, "lstm_seq_first", m, x)
    out["lstm_seq_first.grad.h0"] = h0.grad.detach().clone()
    out["lstm_seq_first.grad.c0"] = c0.grad.detach().clone()

    seed()
    m = nn.PReLU(num_parameters=3)
    with torch.no_grad():
        m.weight.copy_(torch.randn(3))
    _simple_module_case(out, "prelu", m, torch.randn(2, 3, 4))

    # ---- parameter-free functionals (no gradients stored) ----
    seed()
    x = torch.randn(3, 5) * 3
    out["gelu.input"] = x
    out["gelu.output"] = F.gelu(x)
    out["gelu.output_tanh"] = F.gelu(x, approximate="tanh")

    seed()
    x = torch.randn(2, 3, 4)
    out["softmax.input"] = x
    out["softmax.output"] = F.softmax(x, dim=-1)
    out["softmax.log_output"] = F.log_softmax(x, dim=1)

    seed()
    logits = torch.randn(6, 7)
    target = torch.randint(0, 7, (6,), dtype=torch.int64)
    target[1] = -100
    target[4] = -100
    out["cross_entropy.input"] = logits
    out["cross_entropy.target"] = target
    out["cross_entropy.output"] = F.cross_entropy(logits, target, ignore_index=-100)
    out["cross_entropy.output_smoothed"] = F.cross_entropy(
        logits, target, ignore_index=-100, label_smoothing=0.1)

    seed()
    logits = torch.randn(2, 7, 5)
    target = torch.randint(0, 7, (2, 5), dtype=torch.int64)
    target[0, 3] = -100
    target[1, 0] = -100
    target[1, 4] = -100
    out["cross_entropy3d.input"] = logits
    out["cross_entropy3d.target"] = target
    out["cross_entropy3d.output"] = F.cross_entropy(
        logits, target, ignore_index=-100, label_smoothing=0.1)

    seed()
    a = torch.randn(3, 4)
    t = torch.randn(3, 4)
    out["mse.input"] = a
    out["mse.target"] = t
    out["mse.output"] = F.mse_loss(a, t, reduction="mean")

    seed()
    x = torch.randn(1, 2, 5, 6)
    out["unfold.input"] = x
    out["unfold.output"] = F.unfold(x, kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))

    return out


# --------------------------------------------------------------------------
# stft.safetensors
# --------------------------------------------------------------------------

def gen_stft():
    out = {}
    seed()
    signal = torch.randn(2, 1000, dtype=torch.float64)
    window = torch.hann_window(64, periodic=True, dtype=torch.float64)
    spec = torch.stft(signal, n_fft=64, hop_length=16, win_length=64, window=window,
                      center=True, pad_mode="reflect", normalized=False, onesided=True,
                      return_complex=True)
    rec = torch.istft(spec, n_fft=64, hop_length=16, win_length=64, window=window,
                      center=True, length=1000)
    out["signal"] = signal
    out["window"] = window
    out["stft"] = torch.view_as_real(spec).contiguous()
    out["istft"] = rec

    seed()
    sig = torch.randn(1600) * 0.1
    win = torch.hann_window(400)
    spec = torch.stft(sig, n_fft=400, hop_length=160, window=win, center=True,
                      pad_mode="reflect", return_complex=True)
    out["whisper.signal"] = sig
    out["whisper.window"] = win
    out["whisper.stft"] = torch.view_as_real(spec).contiguous()
    return out


# --------------------------------------------------------------------------
# optim.safetensors
# --------------------------------------------------------------------------

OPTIM_STEPS = 50

OPTIM_RUNS = {
    "adamw": {"type": "AdamW", "lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8,
              "amsgrad": False,
              "param_groups": [{"params": ["w"], "weight_decay": 0.01},
                               {"params": ["b"], "weight_decay": 0.0}]},
    "adamw_amsgrad": {"type": "AdamW", "lr": 5e-3, "betas": [0.9, 0.999], "eps": 1e-8,
                      "amsgrad": True,
                      "param_groups": [{"params": ["w"], "weight_decay": 0.01},
                                       {"params": ["b"], "weight_decay": 0.0}]},
    "sgd": {"type": "SGD", "lr": 5e-2, "momentum": 0.9, "nesterov": True,
            "weight_decay": 1e-4, "dampening": 0.0,
            "param_groups": [{"params": ["w", "b"]}]},
}


def _make_optimizer(cfg, w, b):
    if cfg["type"] == "AdamW":
        return torch.optim.AdamW(
            [{"params": [w], "weight_decay": 0.01},
             {"params": [b], "weight_decay": 0.0}],
            lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"],
            amsgrad=cfg["amsgrad"])
    return torch.optim.SGD([w, b], lr=cfg["lr"], momentum=cfg["momentum"],
                           nesterov=cfg["nesterov"], weight_decay=cfg["weight_decay"])


def gen_optim():
    out = {}
    seed()
    x = torch.randn(8, 4)
    y = torch.randn(8, 3)
    w0 = torch.randn(4, 3)
    b0 = torch.zeros(3)
    out["x"] = x
    out["y"] = y
    out["init.w"] = w0.clone()
    out["init.b"] = b0.clone()

    for run, cfg in OPTIM_RUNS.items():
        seed()
        w = w0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        opt = _make_optimizer(cfg, w, b)
        losses = []
        for _ in range(OPTIM_STEPS):
            opt.zero_grad()
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            losses.append(loss.item())
            opt.step()
        out["%s.losses" % run] = torch.tensor(losses, dtype=torch.float64)
        out["%s.final.w" % run] = w.detach().clone()
        out["%s.final.b" % run] = b.detach().clone()
        for pname, p in (("w", w), ("b", b)):
            st = opt.state[p]
            for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer"):
                if key in st and st[key] is not None:
                    out["%s.state.%s.%s" % (run, pname, key)] = st[key].detach().clone()
            if "step" in st:
                s = st["step"]
                s = s.item() if torch.is_tensor(s) else s
                out["%s.state.%s.step" % (run, pname)] = torch.tensor(float(s), dtype=torch.float64)
    return out


# --------------------------------------------------------------------------
# schedulers.json
# --------------------------------------------------------------------------

BASE_LR = 1e-3
SCHED_STEPS = 50


def _hf_linear(warmup, total):
    def f(s):
        if s < warmup:
            return float(s) / float(max(1, warmup))
        return max(0.0, float(total - s) / float(max(1, total - warmup)))
    return f


def _hf_constant(warmup):
    def f(s):
        if s < warmup:
            return float(s) / float(max(1.0, warmup))
        return 1.0
    return f


def _hf_cosine(warmup, total, num_cycles):
    def f(s):
        if s < warmup:
            return float(s) / float(max(1, warmup))
        progress = float(s - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))
    return f


def _plateau_metrics():
    seed()
    noise = torch.randn(SCHED_STEPS, dtype=torch.float64)
    m = []
    for i in range(SCHED_STEPS):
        if i < 10:
            m.append(1.0 - 0.05 * i)
        else:
            m.append(0.55 + 0.002 * noise[i].item())
    return m


def gen_schedulers():
    LS = torch.optim.lr_scheduler
    specs = {
        "linear_warmup_decay": (
            {"type": "hf_linear_schedule_with_warmup", "num_warmup_steps": 10,
             "num_training_steps": 50},
            lambda o: LS.LambdaLR(o, _hf_linear(10, 50))),
        "constant_warmup": (
            {"type": "hf_constant_schedule_with_warmup", "num_warmup_steps": 10},
            lambda o: LS.LambdaLR(o, _hf_constant(10))),
        "cosine_warmup": (
            {"type": "hf_cosine_schedule_with_warmup", "num_warmup_steps": 5,
             "num_training_steps": 50, "num_cycles": 0.5},
            lambda o: LS.LambdaLR(o, _hf_cosine(5, 50, 0.5))),
        "cosine_annealing": (
            {"type": "CosineAnnealingLR", "T_max": 20, "eta_min": 1e-5},
            lambda o: LS.CosineAnnealingLR(o, T_max=20, eta_min=1e-5)),
        "cosine_warm_restarts": (
            {"type": "CosineAnnealingWarmRestarts", "T_0": 10, "T_mult": 2, "eta_min": 1e-5},
            lambda o: LS.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-5)),
        "reduce_on_plateau": (
            {"type": "ReduceLROnPlateau", "mode": "min", "factor": 0.5, "patience": 2,
             "threshold": 1e-4, "threshold_mode": "rel", "cooldown": 1, "min_lr": 1e-5,
             "eps": 1e-8},
            lambda o: LS.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2,
                                           threshold=1e-4, threshold_mode="rel",
                                           cooldown=1, min_lr=1e-5, eps=1e-8)),
    }
    result = {"base_lr": BASE_LR, "steps": SCHED_STEPS, "schedulers": {}}
    for name, (config, make) in specs.items():
        seed()
        p = nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=BASE_LR)
        sched = make(opt)
        metrics = _plateau_metrics() if name == "reduce_on_plateau" else None
        lrs = []
        for i in range(SCHED_STEPS):
            lrs.append(float(opt.param_groups[0]["lr"]))
            p.grad = torch.zeros(1)
            opt.step()
            if metrics is not None:
                sched.step(metrics[i])
            else:
                sched.step()
        entry = {"config": config, "lrs": lrs}
        if metrics is not None:
            entry["metrics"] = metrics
        result["schedulers"][name] = entry
    return result


# --------------------------------------------------------------------------

def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)

    for fname, gen, extra_meta in (
            ("modules.safetensors", gen_modules, {}),
            ("stft.safetensors", gen_stft, {}),
            ("optim.safetensors", gen_optim,
             {"steps": str(OPTIM_STEPS),
              "runs": json.dumps(OPTIM_RUNS, sort_keys=True)})):
        tensors = gen()
        path = os.path.join(OUT_DIR, fname)
        meta = dict(METADATA)
        meta.update(extra_meta)
        save_safetensors(path, tensors, meta)
        _verify(path, tensors, meta)
        print("wrote %s (%d tensors)" % (os.path.relpath(path), len(tensors)))

    sched = gen_schedulers()
    sched_doc = {"generator": METADATA["generator"], "torch": METADATA["torch"]}
    sched_doc.update(sched)
    path = os.path.join(OUT_DIR, "schedulers.json")
    _atomic_write(path, (json.dumps(sched_doc, indent=2) + "\n").encode("utf-8"))
    print("wrote %s (%d schedulers)" % (os.path.relpath(path), len(sched["schedulers"])))


if __name__ == "__main__":
    main()
