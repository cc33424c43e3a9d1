#!/usr/bin/python3
"""Proves tests/tools/gridnet_reference.py against the TF-GridNetV2 goldens (ESPnet semantics).

    /usr/bin/python3 tests/tools/check_gridnet_reference.py

For each golden configuration (tests/Speech.Tests/Fixtures/gridnet/gridnet_{unfold,linear}.*) it loads
the weights strictly (same names and shapes, none missing or extra), runs the golden mixture forward in
training mode, computes the negative SI-SNR against the golden reference and its gradients, and reports
the largest errors against the golden estimate, loss and gradients. Exits non-zero when an error is
beyond float32 round-off (estimate 1e-4 absolute, loss 1e-5 relative, gradients 1e-3 relative to the
largest entry of each tensor, or to 1e-4 of the model's largest gradient where a tensor's own
gradient is only round-off).
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gridnet_reference as reference  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "Speech.Tests", "Fixtures", "gridnet")


def check(name):
    prefix = os.path.join(FIXTURES, name)
    with open(prefix + ".config.json") as f:
        config = json.load(f)
    model = reference.TFGridNetV2(config)
    model.load_state_dict(reference.load_safetensors(prefix + ".model.safetensors"), strict=True)
    model.train()
    io = reference.load_safetensors(prefix + ".io.safetensors")
    golden_grads = reference.load_safetensors(prefix + ".grads.safetensors")

    estimate = model(io["mixture"])
    loss = reference.loss(estimate, io["reference"])
    loss.backward()

    estimate_error = (estimate - io["estimate"]).abs().max().item()
    loss_error = abs(loss.item() - io["loss"].item()) / abs(io["loss"].item())
    params = dict(model.named_parameters())
    if set(params) != set(golden_grads):
        sys.exit(f"{name}: parameter names differ from the golden gradients: {sorted(set(params) ^ set(golden_grads))}")
    # attn_norm_K.beta shifts every key of a frame's softmax row by the same amount, so its true gradient
    # is zero and both sides hold only round-off there: tensors whose golden gradient is that small are
    # judged against the largest gradient of the model instead of their own.
    largest = max(g.abs().max().item() for g in golden_grads.values())
    worst_name, worst = None, 0.0
    for key, golden in golden_grads.items():
        scale = max(golden.abs().max().item(), 1e-4 * largest)
        relative = (params[key].grad - golden).abs().max().item() / scale
        if relative >= worst:
            worst_name, worst = key, relative
    print(
        f"{name}: estimate max abs error {estimate_error:.3g} (|estimate| max {io['estimate'].abs().max().item():.3g}), "
        f"loss {loss.item():.6f} vs golden {io['loss'].item():.6f} (relative error {loss_error:.3g}), "
        f"gradients: worst max-abs error relative to the tensor's largest entry {worst:.3g} ({worst_name}; "
        f"largest gradient {largest:.3g}), "
        f"{len(golden_grads)} tensors"
    )
    return estimate_error <= 1e-4 and loss_error <= 1e-5 and worst <= 1e-3


def main():
    torch.manual_seed(0)
    results = [check(name) for name in ("gridnet_unfold", "gridnet_linear")]
    if not all(results):
        sys.exit("the reference does not reproduce the goldens")
    print("gridnet_reference.py reproduces both goldens")


if __name__ == "__main__":
    main()
