#!/usr/bin/env python3
"""What an int8 scheme would cost in ranking agreement, simulated in float before any kernel is written.

Scores the pairs of Scripts/int8_accuracy.py (Python standard library docstrings, 400 prompts x 6
responses) with the real-weights MiniLM and both committed heads in fp32, then again with every encoder
linear layer's weights and inputs rounded as a scheme would round them (the products themselves in
float), and prints each scheme's ranking agreement with fp32, Spearman and max |score difference|.

A scheme is (weight bits, activation mode, layers kept in fp32[, module-name prefixes the scheme applies
to (None: all; the others get 8-bit weights and int16 codes)[, smoothing alpha[, outlier share]]]):
  weight bits  8 or 7 (one scale per output channel), or "p8": 8-bit codes with each pair of
       neighbouring inputs bounded by |q0| + |q1| <= 128, another way vpmaddubsw cannot saturate
  i16  per-row int16 codes bounded by floor((2^31-1) / (127 K)), as the int16-coded products (vpmaddwd)
  s8   per-row symmetric int8 (+-127)
  u8   per-row asymmetric uint8 with a zero point (what vpmaddubsw / vpdpbusd multiply; with 7-bit
       weights vpmaddubsw cannot saturate: 2 x 255 x 63 < 32767)
  alpha  SmoothQuant smoothing, s_j = max|x_j|^alpha / max|W[:, j]|^(1 - alpha), x_j calibrated on
       CALIBRATION (the pairs of Sources/Inference/Model/CalibrationText.swift)
  outlier share  the channels of largest smoothed range kept as int16 codes with 8-bit weights
Here Q, K and V each get their own smoothing; the engine gives the three one plan.

    python3 Scripts/int8_scheme_simulation.py                       # the default comparison
    python3 Scripts/int8_scheme_simulation.py "(7, 'u8', {5}, ['attention.self'])"
    LAYOUTS=v1 python3 Scripts/int8_scheme_simulation.py "(7, 'u8', {5}, ['attention', 'intermediate'], 0.5, 0.02)"

Needs torch, transformers, tokenizers and scipy (Scripts/requirements-fixtures.txt) and the test weights
(bash Scripts/fetch-test-weights.sh). Not run in CI; about two minutes per scheme.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from int8_accuracy import MINILM, REPO, Scorer, agreement  # noqa: E402

DEFAULT_SCHEMES = [
    (8, "i16", {5}),  # int8 weights, int16 activations everywhere, last layer fp32
    (8, "s8", {5}),  # plain per-row int8 activations
    (7, "u8", {5}),  # what a non-saturating vpmaddubsw kernel computes
    (7, "u8", {5}, ["attention.self"]),  # ... on the Q/K/V products only
    (7, "u8", {5}, ["intermediate"]),  # ... on the FFN's first product only
    (7, "u8", {5}, None, 0.5, 0.02),  # u8 everywhere with smoothing and 2% int16 outlier channels
    (7, "u8", {5}, ["attention", "intermediate"], 0.5, 0.03),  # the shipped scheme: all but FFN output
]


# Calibration text for smoothing and outlier channels: a few (prompt, response) pairs of plain
# English unrelated to the docstring pairs scored, standing in for text built into the binary.
CALIBRATION = [
    ("How do I keep bread fresh for longer?", "Store it in a paper bag at room temperature and freeze what you will not eat within two days."),
    ("What causes the seasons on Earth?", "The tilt of the Earth's axis changes how directly sunlight strikes each hemisphere over the year."),
    ("Write a short thank-you note to a colleague.", "Thank you for staying late to help me finish the report; I could not have done it without you."),
    ("Is it safe to run a marathon without training?", "No. Untrained runners risk injury and exhaustion, so build up your distance over several months."),
    ("Summarise the plot of a detective story in two sentences.", "A retired inspector is asked to find a missing painting. She discovers that the owner hid it himself to claim the insurance."),
    ("Why is the sky blue?", "Air molecules scatter short blue wavelengths of sunlight more strongly than red ones, so blue light reaches us from every direction."),
    ("Give me three tips for a job interview.", "Research the company, prepare examples of your past work, and ask thoughtful questions at the end."),
    ("What is 17 times 23?", "17 times 23 is 391."),
    ("Translate 'good morning' into French.", "Bonjour."),
    ("Can you explain recursion to a child?", "Recursion is when a task is solved by doing a smaller copy of the same task until it becomes easy."),
    ("How should I store passwords in a database?", "Hash them with a slow, salted algorithm such as Argon2 or bcrypt, and never store the plain text."),
    ("Tell me a joke about cats.", "Why did the cat sit on the computer? To keep an eye on the mouse."),
    ("What year did the Second World War end?", "It ended in 1945, with Germany surrendering in May and Japan in September."),
    ("Describe the water cycle.", "Water evaporates, condenses into clouds, falls as rain or snow, and flows back to rivers and seas."),
    ("Recommend a book for learning statistics.", "I don't know, maybe just search online for something."),
    ("How do vaccines work?", "They train the immune system to recognise a pathogen by showing it a harmless part or copy of it, so it responds quickly to a real infection."),
]


def rounded_weights(w: torch.Tensor, bits) -> torch.Tensor:
    """Symmetric, one scale per output channel. bits "p8": 8-bit codes with every pair of neighbouring
    inputs (2j, 2j + 1) bounded by |q0| + |q1| <= 128, the excess taken from both, larger first (so
    vpmaddubsw's pair sums stay within 255 * 128 < 32767)."""
    limit = 127 if bits == "p8" else 2 ** (bits - 1) - 1
    scale = w.abs().amax(1, keepdim=True) / limit
    scale[scale == 0] = 1
    q = torch.round(w / scale).clamp(-limit, limit)
    if bits == "p8":
        n, k = q.shape
        padded = torch.nn.functional.pad(q, (0, k % 2)).reshape(n, -1, 2)
        a = padded.abs()
        excess = (a.sum(-1) - 128).clamp(min=0)
        big = (a[..., 0] >= a[..., 1]).long()
        cut_big = torch.ceil(excess / 2)
        cut_small = excess - cut_big
        order = torch.stack([big, 1 - big], -1)  # 1 where that element is the larger
        cuts = torch.where(order == 1, cut_big.unsqueeze(-1), cut_small.unsqueeze(-1))
        padded = torch.sign(padded) * (a - cuts)
        q = padded.reshape(n, -1)[:, :k]
    return q * scale


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


def input_ranges(scorer: Scorer, encodings) -> dict:
    """Each encoder linear layer's per-input-channel max |x| over the calibration encodings, in fp32."""
    ranges, hooks = {}, []
    for module in scorer.bert.encoder.modules():
        if isinstance(module, torch.nn.Linear):
            def hook(m, args, _out):
                seen = args[0].detach().abs().reshape(-1, m.in_features).amax(0)
                ranges[m] = torch.maximum(ranges[m], seen) if m in ranges else seen
            hooks.append(module.register_forward_hook(hook))
    try:
        scores(scorer, encodings)
    finally:
        for h in hooks:
            h.remove()
    return ranges


def split_linear(module, w_bits: int, a_mode: str, alpha, outlier_fraction, x_range):
    """The layer's forward with smoothing (x / s, W * s; s_j = max|x_j|^alpha / max|W_j|^(1-alpha)) and
    the `outlier_fraction` input channels of largest calibrated range kept as int16 codes times 8-bit
    weights (the shipped scheme), the rest in the scheme's own precision."""
    w = module.weight.data
    k = module.in_features
    s = torch.ones(k)
    if alpha is not None:
        s = (x_range.clamp(min=1e-5) ** alpha / w.abs().amax(0).clamp(min=1e-5) ** (1 - alpha))
    count = int(round(outlier_fraction * k)) if outlier_fraction else 0
    outliers = torch.zeros(k, dtype=torch.bool)
    if count:
        outliers[torch.topk(x_range / s, count).indices] = True
    main_w = rounded_weights(w[:, ~outliers] * s[~outliers], w_bits)
    out_w = rounded_weights(w[:, outliers], 8) if count else None

    def forward(x):
        y = torch.nn.functional.linear(rounded_inputs(x[..., ~outliers] / s[~outliers], a_mode, k), main_w, module.bias)
        if count:
            y = y + torch.nn.functional.linear(rounded_inputs(x[..., outliers], "i16", k), out_w)
        return y
    return forward


def simulated(scorer: Scorer, scheme, encodings, ranges=None) -> np.ndarray:
    bits, mode, kept = scheme[:3]
    only = scheme[3] if len(scheme) > 3 else None
    alpha = scheme[4] if len(scheme) > 4 else None
    outlier_fraction = scheme[5] if len(scheme) > 5 else 0
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
            if applies and (alpha is not None or outlier_fraction):
                module.forward = split_linear(module, w_bits, a_mode, alpha, outlier_fraction, ranges[module])
                continue
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
    calibration = [tokenizer.encode(prompt, response) for prompt, response in CALIBRATION]
    for layout in os.environ.get("LAYOUTS", "v1 v2").split():
        scorer = Scorer(layout).eval()
        reference = scores(scorer, encodings)
        ranges = input_ranges(scorer, calibration)
        for scheme in schemes:
            a = agreement(reference, simulated(scorer, scheme, encodings, ranges), groups)
            print(f"{layout} {str(scheme):48} agreement {a['ranking_agreement']:.4f}  spearman {a['spearman']:.5f}  "
                  f"max|d| {a['max_abs_delta']:.4f}", flush=True)


if __name__ == "__main__":
    main()
