#!/usr/bin/python3
"""Independent TF-GridNetV2 reference in plain torch (Debian's python3-torch 1.13), for benchmarks and checks.

Written from the published architecture with ESPnet's semantics
(espnet2/enh/separator/tfgridnetv2_separator.py with its STFT encoder and decoder) and ESPnet's module
names, so the golden weights in tests/Speech.Tests/Fixtures/gridnet load strictly:

  mixture [B, N] / unbiased std over samples → periodic-window STFT (center, reflect padding) →
  real and imaginary parts as 2 channels [B, 2, T, F] → Conv2d 3×3 + GroupNorm(1) → n_layers blocks →
  ConvTranspose2d 3×3 to 2·n_srcs channels → complex spectra → iSTFT (length N) → × std.

A block pads time and frequency so that windows of emb_ks with hop emb_hs tile them (emb_ks − emb_hs
zeros in front), runs a BiLSTM across frequency for every frame (input: LayerNorm over channels, then
the unfolded windows, channel-major), maps back with ConvTranspose1d (Linear when emb_ks = emb_hs,
where the windows do not overlap), adds the input, does the same across time, crops the padding, and
adds full-band multi-head self-attention across frames: 1×1 convolutions to queries/keys (E =
ceil(attn_approx_qk_dim / F) channels per head) and values (emb_dim / heads per head), each followed by
a per-head PReLU and a layer norm over (channels, frequencies) of every frame; scores scaled by
1/sqrt(E·F); the heads' outputs concatenated and projected by 1×1 conv, PReLU, layer norm over
(channels, frequencies) with per-(channel, frequency) affine parameters.

tests/tools/check_gridnet_reference.py proves it against the goldens; bench/train_step uses it.
"""

import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


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


# ESPnet's separator arguments and their defaults (the 8 kHz wsj0-2mix recipe).
DEFAULTS = {
    "n_srcs": 2,
    "n_fft": 128,
    "stride": 64,
    "window": "hann",
    "n_imics": 1,
    "n_layers": 6,
    "lstm_hidden_units": 192,
    "attn_n_head": 4,
    "attn_approx_qk_dim": 512,
    "emb_dim": 48,
    "emb_ks": 4,
    "emb_hs": 1,
    "activation": "prelu",
    "eps": 1e-5,
}


class FrameLayerNorm(nn.Module):
    """Normalises [B, C, T, F] over (C, F) of each frame; affine parameters per (channel, frequency)."""

    def __init__(self, channels, freqs, eps):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(1, channels, 1, freqs))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, freqs))
        self.eps = eps

    def forward(self, x):
        mean = x.mean(dim=(1, 3), keepdim=True)
        var = x.var(dim=(1, 3), unbiased=False, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.gamma + self.beta


class HeadwisePReLUNorm(nn.Module):
    """[B, H·E, T, F] → [B, H, E, T, F]: PReLU with one slope per head, then normalisation over (E, F) of each frame and head."""

    def __init__(self, heads, channels, freqs, eps):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(1, heads, channels, 1, freqs))
        self.beta = nn.Parameter(torch.zeros(1, heads, channels, 1, freqs))
        self.act = nn.PReLU(num_parameters=heads, init=0.25)
        self.heads, self.channels, self.eps = heads, channels, eps

    def forward(self, x):
        b, _, t, f = x.shape
        x = self.act(x.reshape(b, self.heads, self.channels, t, f))
        mean = x.mean(dim=(2, 4), keepdim=True)
        var = x.var(dim=(2, 4), unbiased=False, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.gamma + self.beta


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        emb, ks, hs, hidden, heads = c["emb_dim"], c["emb_ks"], c["emb_hs"], c["lstm_hidden_units"], c["attn_n_head"]
        freqs = c["n_fft"] // 2 + 1
        eps = c["eps"]
        assert emb % heads == 0
        self.emb, self.ks, self.hs, self.heads = emb, ks, hs, heads
        width = emb * ks
        for side in ("intra", "inter"):
            setattr(self, side + "_norm", nn.LayerNorm(emb, eps=eps))
            setattr(self, side + "_rnn", nn.LSTM(width, hidden, 1, batch_first=True, bidirectional=True))
            setattr(self, side + "_linear", nn.Linear(2 * hidden, width) if ks == hs else nn.ConvTranspose1d(2 * hidden, emb, ks, stride=hs))
        qk = math.ceil(c["attn_approx_qk_dim"] / freqs)
        self.attn_conv_Q = nn.Conv2d(emb, heads * qk, 1)
        self.attn_norm_Q = HeadwisePReLUNorm(heads, qk, freqs, eps)
        self.attn_conv_K = nn.Conv2d(emb, heads * qk, 1)
        self.attn_norm_K = HeadwisePReLUNorm(heads, qk, freqs, eps)
        self.attn_conv_V = nn.Conv2d(emb, emb, 1)
        self.attn_norm_V = HeadwisePReLUNorm(heads, emb // heads, freqs, eps)
        self.attn_concat_proj = nn.Sequential(nn.Conv2d(emb, emb, 1), nn.PReLU(), FrameLayerNorm(emb, freqs, eps))

    def padded(self, n):
        return math.ceil((n + 2 * (self.ks - self.hs) - self.ks) / self.hs) * self.hs + self.ks

    def sequence_model(self, x, norm, rnn, projection):
        """BiLSTM along axis 2 of [B, R, L, C] (every (b, r) a sequence) with its residual."""
        b, r, length, c = x.shape
        y = norm(x).reshape(b * r, length, c)
        if self.ks == self.hs:
            y, _ = rnn(y.reshape(b * r, length // self.ks, self.ks * c))
            y = projection(y).reshape(b, r, length, c)
        else:
            windows = y.unfold(1, self.ks, self.hs).flatten(2)  # [B·R, L', C·ks], channel-major like F.unfold
            y, _ = rnn(windows)
            y = projection(y.transpose(1, 2))  # [B·R, C, L]
            y = y.reshape(b, r, c, length).transpose(2, 3)
        return y + x

    def attention(self, x):
        b, c, t, f = x.shape
        q = self.attn_norm_Q(self.attn_conv_Q(x)).flatten(0, 1)  # [B·H, E, T, F]
        k = self.attn_norm_K(self.attn_conv_K(x)).flatten(0, 1)
        v = self.attn_norm_V(self.attn_conv_V(x)).flatten(0, 1)  # [B·H, C/H, T, F]
        q = q.transpose(1, 2).flatten(2)  # [B·H, T, E·F]
        k = k.transpose(1, 2).flatten(2)  # [B·H, T, E·F]
        vc = v.shape[1]
        v = v.transpose(1, 2).flatten(2)  # [B·H, T, C/H·F]
        weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)
        out = (weights @ v).reshape(b * self.heads, t, vc, f).transpose(1, 2).reshape(b, c, t, f)
        return self.attn_concat_proj(out)

    def forward(self, x):
        _, _, old_t, old_q = x.shape
        olp = self.ks - self.hs
        t, q = self.padded(old_t), self.padded(old_q)
        x = F.pad(x.permute(0, 2, 3, 1), (0, 0, olp, q - old_q - olp, olp, t - old_t - olp))  # [B, T, Q, C]
        x = self.sequence_model(x, self.intra_norm, self.intra_rnn, self.intra_linear)  # across frequency
        x = self.sequence_model(x.transpose(1, 2), self.inter_norm, self.inter_rnn, self.inter_linear)  # across time, [B, Q, T, C]
        x = x.permute(0, 3, 2, 1)[..., olp : olp + old_t, olp : olp + old_q]  # [B, C, T, F]
        return self.attention(x) + x


class TFGridNetV2(nn.Module):
    def __init__(self, config):
        super().__init__()
        c = dict(DEFAULTS, **config)
        assert c["activation"] == "prelu" and c["n_fft"] % 2 == 0
        self.config = c
        self.conv = nn.Sequential(nn.Conv2d(2 * c["n_imics"], c["emb_dim"], (3, 3), padding=(1, 1)), nn.GroupNorm(1, c["emb_dim"], eps=c["eps"]))
        self.blocks = nn.ModuleList([Block(c) for _ in range(c["n_layers"])])
        self.deconv = nn.ConvTranspose2d(c["emb_dim"], 2 * c["n_srcs"], (3, 3), padding=(1, 1))

    def window(self, dtype):
        make = {"hann": torch.hann_window, "hamming": torch.hamming_window}[self.config["window"]]
        return make(self.config["n_fft"], dtype=dtype)

    def forward(self, mixture):
        """mixture [B, N] or [B, N, M] → estimates [B, n_srcs, N]."""
        c = self.config
        x = mixture[..., None] if mixture.dim() == 2 else mixture
        b, n, m = x.shape
        std = x.std(dim=(1, 2), keepdim=True)
        x = (x / std).transpose(1, 2).reshape(b * m, n)
        window = self.window(x.dtype)
        spec = torch.stft(x, c["n_fft"], c["stride"], c["n_fft"], window, center=True, pad_mode="reflect", return_complex=True)
        f, t = spec.shape[-2:]
        spec = spec.reshape(b, m, f, t).transpose(2, 3)  # [B, M, T, F]
        y = self.conv(torch.cat([spec.real, spec.imag], dim=1))
        for block in self.blocks:
            y = block(y)
        y = self.deconv(y).reshape(b, c["n_srcs"], 2, t, f)
        est = torch.complex(y[:, :, 0], y[:, :, 1]).reshape(b * c["n_srcs"], t, f).transpose(1, 2)
        waves = torch.istft(est, c["n_fft"], c["stride"], c["n_fft"], window, center=True, length=n)
        return waves.reshape(b, c["n_srcs"], n) * std


def si_snr(estimate, reference, eps=1e-8):
    """SI-SNR in dB over the last axis, both signals made zero-mean (ESPnet's definition)."""
    estimate = estimate - estimate.mean(-1, keepdim=True)
    reference = reference - reference.mean(-1, keepdim=True)
    target = (estimate * reference).sum(-1, keepdim=True) / ((reference * reference).sum(-1, keepdim=True) + eps) * reference
    error = estimate - target
    return 10 * torch.log10((target * target).sum(-1) / ((error * error).sum(-1) + eps) + eps)


def loss(estimate, reference):
    """Negative SI-SNR averaged over batch and sources (sources in the reference's order)."""
    return -si_snr(estimate, reference).mean()
