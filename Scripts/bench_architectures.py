#!/usr/bin/env python3
"""RoBERTa-base- and DeBERTa-v3-base-shaped classifiers: our engine against ONNX Runtime fp32, side by
side in one run on one machine, one after the other (never concurrently), the same threads each.

    python3 Scripts/bench_architectures.py            # ~10 minutes on 2 quiet cores, the first run longer
    python3 Scripts/bench_architectures.py --quick    # 6 mixed sequences instead of 32

Models (random weights, torch seed 0, one label), made once into .cache/bench/architectures/<name>/
(config.json + model.safetensors, what the engine loads) with the ONNX export beside them:
  roberta-base      RobertaForSequenceClassification: 12 x 768, 12 heads, intermediate 3072,
                    vocab 50265, 514 positions (padding_idx 1), one token type.
  deberta-v3-base   DebertaV2ForSequenceClassification with microsoft/deberta-v3-base's settings: 12 x 768,
                    vocab 128100, relative attention with pos_att_type p2c|c2p, position_buckets 256,
                    share_att_key, norm_rel_ebd layer_norm, no absolute positions, no token types.
Workload: "mixed" of Scripts/bench_reference.py (32 sequences of 24..384 tokens from the same LCG), in
batches of 16: ONNX Runtime gets length-sorted batches padded to their longest, ours packs each batch
without padding. tok/s = real tokens per second, median of 3 passes after a warm-up; efficiency as in
Scripts/bench.sh (our achieved GFLOP/s over OpenBLAS sgemm's on the same layer shapes, DeBERTa's
position products counted). Also 1 x 128 latency. Needs Scripts/requirements-fixtures.txt's packages
and a release build of engine-bench (this script builds it). JSON: .cache/bench/architectures.json.
"""
from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import warnings
from pathlib import Path

import torch
import transformers
from safetensors.torch import save_file
from transformers import (DebertaV2Config, DebertaV2ForSequenceClassification, RobertaConfig,
                          RobertaForSequenceClassification)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_reference as ref  # noqa: E402

OUT = ref.CACHE_DIR / "architectures"
BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072, num_labels=1)
MODELS = {
    "roberta-base": (RobertaForSequenceClassification, lambda: RobertaConfig(
        vocab_size=50265, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, layer_norm_eps=1e-5, **BASE)),
    "deberta-v3-base": (DebertaV2ForSequenceClassification, lambda: DebertaV2Config(
        vocab_size=128100, max_position_embeddings=512, type_vocab_size=0, relative_attention=True,
        pos_att_type=["p2c", "c2p"], position_buckets=256, max_relative_positions=-1, norm_rel_ebd="layer_norm",
        share_att_key=True, position_biased_input=False, layer_norm_eps=1e-7, pooler_hidden_act="gelu",
        pad_token_id=0, **BASE)),
}
STAMP = "COMPLETE"


class Logits(torch.nn.Module):
    """(input_ids, attention_mask) -> logits, token types all zero."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def prepare(name: str) -> Path:
    """The model directory and its ONNX export, made once."""
    directory = OUT / name
    if (directory / STAMP).exists():
        return directory
    cls, make_config = MODELS[name]
    torch.manual_seed(ref.MODEL_SEED)
    model = cls(make_config()).eval()
    directory.mkdir(parents=True, exist_ok=True)
    model.config.architectures = [cls.__name__]
    model.config.save_pretrained(directory)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(directory / "model.safetensors"))
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(copy.deepcopy(Logits(model)).eval(), (ids, mask), str(directory / "model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
                      opset_version=ref.OPSET, dynamo=False)
    # The export must compute what transformers does, padding included.
    ort_engine = ref.OrtEngine(directory / "model.onnx", 2)
    seqs = ref.make_sequences([40, 23, 9], model.config.vocab_size)
    batch_ids, batch_mask = ref.padded_batches(seqs, ref.BATCH)[0]
    with torch.inference_mode():
        expected = Logits(model)(torch.from_numpy(batch_ids), torch.from_numpy(batch_mask)).numpy()
    got = ort_engine.run(batch_ids, batch_mask)
    if abs(got - expected).max() > 1e-3 * max(1.0, abs(expected).max()):
        raise SystemExit(f"{name}: the ONNX export disagrees with transformers: {got} vs {expected}")
    (directory / STAMP).write_text("seed 0\n")
    return directory


def ort_side(directory: Path, vocab: int, sizes: dict, threads: int, seed: int) -> dict:
    engine = ref.OrtEngine(directory / "model.onnx", threads)
    seqs = ref.make_sequences(ref.workload_lengths("mixed", sizes, seed), vocab)
    real = sum(len(s) for s in seqs)
    result = ref.time_workload(engine, ref.padded_batches(seqs, ref.BATCH), real, sizes["repeats"])
    result["latency_128"] = ref.time_latency(engine, vocab, sizes["latency_runs"])
    return result


def swift_side(directory: Path, args, binary: Path) -> dict:
    command = [str(binary), "--model", str(directory), "--workloads", "mixed", "--threads", str(args.threads),
               "--repeats", str(args.sizes["repeats"]), "--mixed-count", str(args.sizes["mixed"])]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--scratch-path", default=".build")
    args = p.parse_args()
    args.sizes = dict(ref.QUICK if args.quick else ref.FULL)
    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", args.scratch_path, "--product",
                    "engine-bench"], check=True, cwd=ref.REPO, stdout=subprocess.DEVNULL)
    binary = ref.REPO / args.scratch_path / "release" / "engine-bench"
    rows, results = [], {}
    for name in args.models.split(","):
        directory = prepare(name)
        vocab = json.loads((directory / "config.json").read_text())["vocab_size"]
        ours = swift_side(directory, args, binary)
        theirs = ort_side(directory, vocab, args.sizes, args.threads, args.seed)
        mixed = ours["workloads"]["mixed"]
        results[name] = {"swift": ours, "ort": theirs}
        rows.append((name, mixed["tokens_per_s"], theirs["tokens_per_s"], mixed["efficiency"],
                     ours["latency_128"]["median_ms"], theirs["latency_128"]["median_ms"]))
    (OUT.parent / "architectures.json").write_text(json.dumps(results, indent=1))
    print(f"threads {args.threads}, mixed workload ({args.sizes['mixed']} sequences, 24..384 tokens), fp32")
    print(f"{'model':<18}{'ours tok/s':>12}{'ORT tok/s':>12}{'vs ORT':>9}{'efficiency':>12}"
          f"{'1x128 ms ours':>15}{'ORT':>8}")
    for name, ours, theirs, efficiency, latency, ort_latency in rows:
        print(f"{name:<18}{ours:>12.0f}{theirs:>12.0f}{ours / theirs:>8.2f}x{efficiency:>11.0%}"
              f"{latency:>15.1f}{ort_latency:>8.1f}")


if __name__ == "__main__":
    main()
