#!/usr/bin/env python3
"""Reference CPU throughput for the Swift engine benchmark: PyTorch eager and ONNX Runtime.

Model: bert-base shape (12 layers, hidden 768, 12 heads, intermediate 3072, vocab 28996,
512 positions) with random weights (torch seed 0) and the v2 reward head
(BertForSequenceClassification, 1 label), fp32. Segment ids are all zero, as the service
feeds them.

Engines (run one after the other, never concurrently):
  torch  PyTorch eager under torch.inference_mode() (no autograd; implies no_grad), default
         attention implementation, torch.set_num_threads(THREADS).
  ort    ONNX Runtime, CPUExecutionProvider, intra_op_num_threads=THREADS,
         ORT_ENABLE_ALL. The model is exported once with torch.onnx.export (dynamic batch and
         sequence axes) and cached under .cache/bench/ (gitignored).
  ort-int8  the same ONNX model after onnxruntime.quantization.quantize_dynamic (int8 weights,
         per channel, activations quantised at run time), same session options; only when
         --engines names it (the int8 rows of Scripts/bench.sh).
Both get the same length-sorted batches of at most 16 sequences, padded to the longest in
the batch with an attention mask.

Workloads (sequence lengths include [CLS] and [SEP]):
  fixed32, fixed128, fixed512  N sequences of that length (N sized to ~2k tokens)
  mixed                        N sequences whose lengths come from this 64-bit LCG, which
                               the Swift benchmark reproduces:
                                   x = seed                      (default 42)
                                   repeat N times:
                                     x = (x * 6364136223846793005 + 1442695040888963407) mod 2^64
                                     length = 24 + (x >> 33) % 361     (uniform in 24...384)
Throughput = real tokens (sum of true lengths, padding excluded) / wall time of the whole
workload; the median of --repeats timed runs after a warm-up (two rows of the widest
batch). Latency = one 128-token sequence, batch size 1, median of --latency-runs.
The first run exports the ONNX model (~10 s more).

Usage:
  python3 Scripts/bench_reference.py                # full run, ~3 minutes on 2 cores
  python3 Scripts/bench_reference.py --quick        # smaller workloads, ~35 s
  python3 Scripts/bench_reference.py --engines ort --workloads mixed --mixed-count 48
  python3 Scripts/bench_reference.py --json /tmp/reference.json   (JSON to a file)
  python3 Scripts/bench_reference.py --print-lengths               (the mixed lengths only)
Without --json the JSON object goes to stdout after the table (the table goes to stderr).
Pinned versions: Scripts/requirements-fixtures.txt.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
import transformers
from transformers import BertConfig, BertForSequenceClassification

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / ".cache" / "bench"

BERT_BASE = dict(vocab_size=28996, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2,
                 layer_norm_eps=1e-12, hidden_act="gelu", num_labels=1)
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
MODEL_SEED = 0
OPSET = 17
BATCH = 16

LCG_MUL, LCG_ADD, MASK64 = 6364136223846793005, 1442695040888963407, (1 << 64) - 1
MIXED_MIN, MIXED_SPAN = 24, 361

FULL = dict(fixed32=64, fixed128=16, fixed512=4, mixed=32, repeats=3, latency_runs=10)
QUICK = dict(fixed32=16, fixed128=4, fixed512=1, mixed=6, repeats=3, latency_runs=5)
WORKLOADS = ("fixed32", "fixed128", "fixed512", "mixed")
ENGINES = ("torch", "ort", "ort-int8")


_T0 = time.perf_counter()


def log(*args) -> None:
    print(f"[{time.perf_counter() - _T0:5.1f}s]", *args, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------
# Workloads
# ----------------------------------------------------------------------------------------

def mixed_lengths(count: int, seed: int) -> list[int]:
    x, lengths = seed, []
    for _ in range(count):
        x = (x * LCG_MUL + LCG_ADD) & MASK64
        lengths.append(MIXED_MIN + (x >> 33) % MIXED_SPAN)
    return lengths


def workload_lengths(name: str, sizes: dict, seed: int) -> list[int]:
    if name == "mixed":
        return mixed_lengths(sizes["mixed"], seed)
    return [int(name.removeprefix("fixed"))] * sizes[name]


def make_sequences(lengths: list[int], vocab_size: int) -> list[np.ndarray]:
    gen = torch.Generator().manual_seed(1234)
    seqs = []
    for n in lengths:
        ids = torch.randint(1000, vocab_size, (n,), generator=gen)
        ids[0], ids[-1] = CLS_ID, SEP_ID
        seqs.append(ids.numpy().astype(np.int64))
    return seqs


def padded_batches(seqs: list[np.ndarray], batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Length-sorted batches padded to their longest sequence, with attention masks."""
    ordered = sorted(seqs, key=len)
    batches = []
    for start in range(0, len(ordered), batch):
        group = ordered[start:start + batch]
        width = max(len(s) for s in group)
        ids = np.full((len(group), width), PAD_ID, dtype=np.int64)
        mask = np.zeros((len(group), width), dtype=np.int64)
        for row, s in enumerate(group):
            ids[row, :len(s)] = s
            mask[row, :len(s)] = 1
        batches.append((ids, mask))
    return batches


# ----------------------------------------------------------------------------------------
# Model and engines
# ----------------------------------------------------------------------------------------

class RewardLogits(torch.nn.Module):
    """(input_ids, attention_mask) -> logits [batch, 1], segment ids all zero."""

    def __init__(self, model: BertForSequenceClassification):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=torch.zeros_like(input_ids)).logits


def build_model() -> RewardLogits:
    torch.manual_seed(MODEL_SEED)
    model = BertForSequenceClassification(BertConfig(**BERT_BASE)).eval()
    return RewardLogits(model).eval()


def onnx_path() -> Path:
    return CACHE_DIR / f"bert-base-v2-seed{MODEL_SEED}-torch{torch.__version__}-opset{OPSET}.onnx"


def export_onnx(model: RewardLogits, path: Path) -> None:
    # Export a copy: the TorchScript-based exporter leaves the traced module computing
    # different numbers in eager mode afterwards.
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    tmp = path.with_suffix(".tmp")
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(copy.deepcopy(model), (ids, mask), str(tmp),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                    "logits": {0: "batch"}},
                      opset_version=OPSET, dynamo=False)
    tmp.rename(path)


def quantized_onnx(path: Path) -> Path:
    """ORT's dynamic quantisation of the exported model (int8 weights per channel), cached beside it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    out = path.with_name(path.stem + "-int8-per-channel.onnx")
    if not out.exists():
        log(f"quantising {path.name} with quantize_dynamic ...")
        quantize_dynamic(str(path), str(out), per_channel=True, weight_type=QuantType.QInt8)
    return out


class TorchEngine:
    name = "torch"

    def __init__(self, model: RewardLogits):
        self.model = model

    def run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()


class OrtEngine:
    name = "ort"

    def __init__(self, path: Path, threads: int, name: str = "ort"):
        self.name = name
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]


def check_parity(engines: list, vocab_size: int) -> float:
    """Both engines must compute the same function (padding included)."""
    seqs = make_sequences([40, 23, 9], vocab_size)
    ids, mask = padded_batches(seqs, BATCH)[0]
    outputs = [e.run(ids, mask) for e in engines]
    worst = max(float(np.abs(o - outputs[0]).max()) for o in outputs)
    scale = float(np.abs(outputs[0]).max())
    if worst > 1e-3 * max(1.0, scale):
        raise SystemExit(f"engines disagree: max |diff| {worst:.3g} (outputs ~{scale:.3g})")
    return worst


# ----------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------

def time_workload(engine, batches, real_tokens: int, repeats: int) -> dict:
    ids, mask = batches[-1]
    engine.run(ids[:2], mask[:2])  # warm-up: two rows of the widest batch
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for ids, mask in batches:
            engine.run(ids, mask)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {"median_s": median, "times_s": times, "tokens_per_s": real_tokens / median}


def time_latency(engine, vocab_size: int, runs: int) -> dict:
    ids, mask = padded_batches(make_sequences([128], vocab_size), 1)[0]
    engine.run(ids, mask)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        engine.run(ids, mask)
        times.append(time.perf_counter() - start)
    return {"median_ms": 1000 * statistics.median(times), "times_ms": [1000 * t for t in times]}


# ----------------------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------------------

def environment(threads: int) -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "threads": threads,
            "loadavg_start": list(os.getloadavg()),
            "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "onnxruntime": ort.__version__,
            "numpy": np.__version__}


def table(result: dict) -> str:
    rows = ["workload   engine  seqs  real tok  padded tok  median s   tokens/s  vs torch",
            "---------  ------  ----  --------  ----------  --------  ---------  --------"]
    for name, w in result["workloads"].items():
        base = w["engines"].get("torch", {}).get("tokens_per_s")
        for engine, r in w["engines"].items():
            ratio = f"{r['tokens_per_s'] / base:7.2f}x" if base else "       -"
            rows.append(f"{name:9s}  {engine:6s}  {len(w['lengths']):4d}  {w['real_tokens']:8d}  "
                        f"{w['padded_tokens']:10d}  {r['median_s']:8.3f}  "
                        f"{r['tokens_per_s']:9.1f}  {ratio}")
    for engine, r in result["latency_128"].items():
        rows.append(f"latency, 1 x 128 tokens, {engine}: {r['median_ms']:.1f} ms (median)")
    return "\n".join(rows)


# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--engines", default="torch,ort", help="comma list of: torch, ort, ort-int8")
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help="comma list of: " + ", ".join(WORKLOADS))
    p.add_argument("--quick", action="store_true", help="small workloads (~40 s)")
    p.add_argument("--repeats", type=int, help="timed runs per workload (median; >= 3)")
    p.add_argument("--latency-runs", type=int, help="runs for the 128-token latency")
    p.add_argument("--mixed-count", type=int, help="sequences in the mixed workload")
    p.add_argument("--seed", type=int, default=42, help="LCG seed of the mixed lengths")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path, help="write the JSON result here instead of stdout")
    p.add_argument("--print-lengths", action="store_true",
                   help="print the mixed workload's lengths and exit")
    args = p.parse_args()
    args.engines = [e for e in args.engines.split(",") if e]
    args.workloads = [w for w in args.workloads.split(",") if w]
    for e in args.engines:
        if e not in ENGINES:
            p.error(f"unknown engine {e}")
    for w in args.workloads:
        if w not in WORKLOADS:
            p.error(f"unknown workload {w}")
    sizes = dict(QUICK if args.quick else FULL)
    for key, value in (("repeats", args.repeats), ("latency_runs", args.latency_runs),
                       ("mixed", args.mixed_count)):
        if value is not None:
            sizes[key] = value
    if sizes["repeats"] < 1:
        p.error("--repeats must be >= 1")
    args.sizes = sizes
    return args


def make_engines(names: list[str], threads: int) -> list:
    model = build_model()
    engines = []
    for name in names:
        if name == "torch":
            engines.append(TorchEngine(model))
        else:
            path = onnx_path()
            if not path.exists():
                log(f"exporting ONNX model to {path} ...")
                export_onnx(model, path)
            if name == "ort-int8":
                path = quantized_onnx(path)
            engines.append(OrtEngine(path, threads, name))
    return engines


def main() -> None:
    args = parse_args()
    if args.print_lengths:
        print(json.dumps(mixed_lengths(args.sizes["mixed"], args.seed)))
        return
    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    started = time.perf_counter()
    log("building the model ...")
    engines = make_engines(args.engines, args.threads)
    exact = [e for e in engines if e.name != "ort-int8"]
    parity = check_parity(exact, BERT_BASE["vocab_size"]) if len(exact) > 1 else None
    log(f"engines ready; parity max |diff| = {parity}")

    result = {"model": {**BERT_BASE, "seed": MODEL_SEED, "dtype": "float32", "head": "v2"},
              "environment": environment(args.threads),
              "settings": {"batch": BATCH, "quick": args.quick, **args.sizes,
                           "mixed_seed": args.seed,
                           "mixed_lcg": "x = (x * 6364136223846793005 + 1442695040888963407) "
                                        "mod 2^64; length = 24 + (x >> 33) % 361"},
              "parity_max_abs_diff": parity, "workloads": {}, "latency_128": {}}
    for name in args.workloads:
        lengths = workload_lengths(name, args.sizes, args.seed)
        batches = padded_batches(make_sequences(lengths, BERT_BASE["vocab_size"]), BATCH)
        entry = {"lengths": lengths, "real_tokens": sum(lengths),
                 "padded_tokens": sum(ids.size for ids, _ in batches),
                 "batches": len(batches), "engines": {}}
        for engine in engines:
            log(f"{name}: {engine.name} ...")
            entry["engines"][engine.name] = time_workload(engine, batches, entry["real_tokens"],
                                                          args.sizes["repeats"])
        result["workloads"][name] = entry
    for engine in engines:
        log(f"latency: {engine.name} ...")
        result["latency_128"][engine.name] = time_latency(engine, BERT_BASE["vocab_size"],
                                                          args.sizes["latency_runs"])
    result["wall_s"] = time.perf_counter() - started
    result["environment"]["loadavg_end"] = list(os.getloadavg())

    load = result["environment"]
    log(f"done in {result['wall_s']:.0f} s; load average {load['loadavg_start'][0]:.1f} at start, "
        f"{load['loadavg_end'][0]:.1f} at end (> {args.threads} means another process "
        f"competed for the cores)\n" + table(result))
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
