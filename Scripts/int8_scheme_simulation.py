#!/usr/bin/env python3
"""What an int8 scheme would cost in ranking agreement, simulated in float before any kernel is written.

Scores the pairs of Scripts/int8_accuracy.py (Python standard library docstrings, 400 prompts x 6
responses) with the real-weights MiniLM and both committed heads in fp32, then again with every encoder
linear layer's weights and inputs rounded as a scheme would round them (the products themselves in
float), and prints each scheme's ranking agreement with fp32, Spearman and max |score difference|.

A scheme is weight bits, activation mode and the layers kept in fp32, optionally with the module names
the scheme applies to (the others use the shipped scheme):
  i16  per-row int16 codes bounded by floor((2^31-1) / (127 K)), as the shipped int8 mode (vpmaddwd)
  s8   per-row symmetric int8 (+-127)
  u8   per-row asymmetric uint8 with a zero point (what vpmaddubsw / vpdpbusd multiply; with 7-bit
       weights vpmaddubsw cannot saturate: 2 x 255 x 63 < 32767)

    python3 Scripts/int8_scheme_simulation.py                       # the default comparison
    python3 Scripts/int8_scheme_simulation.py "(7, 'u8', {5}, ['attention.self'])"

Needs torch, transformers, tokenizers and scipy (Scripts/requirements-fixtures.txt) and the test weights
(bash Scripts/fetch-test-weights.sh). Not run in CI; about two minutes per scheme.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from int8_accuracy import MINILM, REPO, Scorer, agreement  # noqa: E402

DEFAULT_SCHEMES = [
    (8, "i16", {5}),  # the shipped scheme: int8 weights, int16 activations, last layer fp32
    (8, "s8", {5}),  # plain per-row int8 activations
    (7, "u8", {5}),  # what a non-saturating vpmaddubsw kernel computes
    (7, "u8", {5}, ["attention.self"]),  # ... on the Q/K/V products only
    (7, "u8", {5}, ["intermediate"]),  # ... on the FFN's first product only
]


def rounded_weights(w: torch.Tensor, bits: int) -> torch.Tensor:
    """Symmetric, one scale per output channel."""
    limit = 2 ** (bits - 1) - 1
    scale = w.abs().amax(1, keepdim=True) / limit
    scale[scale == 0] = 1
    return torch.round(w / scale).clamp(-limit, limit) * scale


def rounded_inputs(x: torch.Tensor, mode: str, k: int) -> torch.Tensor:
    """One scale (and for u8 one zero point) per row, round half to even."""
    if mode in ("i16", "s8"):
        limit = min(32767, (2**31 - 1) // (127 * k)) if mode == "i16" else 127
        scale = x.abs().amax(-1, keepdim=True) / limit
        scale[scale == 0] = 1
        return torch.round(x / scale).clamp(-limit, limit) * scale
    if mode == "u8":
        low = x.amin(-1, keepdim=True).clamp(max=0)
        high = x.amax(-1, keepdim=True).clamp(min=0)
        scale = (high - low) / 255
        scale[scale == 0] = 1
        zero = torch.round(-low / scale)
        return ((torch.round(x / scale) + zero).clamp(0, 255) - zero) * scale
    raise ValueError(f"unknown activation mode {mode}")


def scores(scorer: Scorer, encodings) -> np.ndarray:
    result = np.zeros(len(encodings))
    with torch.no_grad():
        for i, encoding in enumerate(encodings):
            ids = torch.tensor([encoding.ids])
            result[i] = scorer(ids, torch.ones_like(ids), torch.zeros_like(ids))[0, 0].item()
    return result


def simulated(scorer: Scorer, scheme, encodings) -> np.ndarray:
    bits, mode, kept = scheme[:3]
    only = scheme[3] if len(scheme) > 3 else None
    restore = []
    for index, layer in enumerate(scorer.bert.encoder.layer):
        if index in kept:
            continue
        for name, module in layer.named_modules():
            if not isinstance(module, torch.nn.Linear):
                continue
            applies = only is None or any(name.startswith(prefix) for prefix in only)
            w_bits, a_mode = (bits, mode) if applies else (8, "i16")
            restore.append((module, module.weight.data, module.forward))
            module.weight.data = rounded_weights(module.weight.data, w_bits)
            module.forward = (lambda m, k, a: lambda x: torch.nn.functional.linear(
                rounded_inputs(x, a, k), m.weight, m.bias))(module, module.in_features, a_mode)
    try:
        return scores(scorer, encodings)
    finally:
        for module, weight, forward in restore:
            module.weight.data = weight
            module.forward = forward


def main() -> None:
    schemes = [ast.literal_eval(arg) for arg in sys.argv[1:]] or DEFAULT_SCHEMES
    torch.set_num_threads(1)
    lines = subprocess.run([sys.executable, str(REPO / "Scripts/make_int8_pairs.py"), "--prompts", "400"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    pairs = [json.loads(line) for line in lines]
    groups = [pair["group"] for pair in pairs]
    tokenizer = Tokenizer.from_file(str(MINILM / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    encodings = [tokenizer.encode(pair["prompt"], pair["response"]) for pair in pairs]
    print(f"{len(pairs)} pairs")
    for layout in ["v1", "v2"]:
        scorer = Scorer(layout).eval()
        reference = scores(scorer, encodings)
        for scheme in schemes:
            a = agreement(reference, simulated(scorer, scheme, encodings), groups)
            print(f"{layout} {str(scheme):48} agreement {a['ranking_agreement']:.4f}  spearman {a['spearman']:.5f}  "
                  f"max|d| {a['max_abs_delta']:.4f}", flush=True)


if __name__ == "__main__":
    main()
