#!/usr/bin/env python3
"""The bert-base-shaped model directories the start-up and memory benchmark serves.

    python3 Scripts/bench_models.py            # prints the two directories, making them if needed

Two directories under .cache/bench/ (gitignored), identical but for the weights file:
  bert-base-v2-safetensors/model.safetensors   f32, safetensors.torch.save_file
  bert-base-v2-bin/pytorch_model.bin           f32, torch.save of the state dict (zip format)
Model: BertForSequenceClassification with one label ("REWARD"), the shape and seed of
Scripts/bench_reference.py (12 layers, hidden 768, 12 heads, intermediate 3072, vocab 28996,
512 positions; torch seed 0; random weights), so ~108 M parameters, ~433 MB of f32.
Tokenizer: a cased WordPiece vocabulary of exactly 28996 pieces built by Scripts/make_fixtures.py's
deterministic builder (the tiny test models use the first 3000 of the same list), saved as
tokenizer.json + vocab.txt + tokenizer_config.json + special_tokens_map.json.
Each directory is made once; a STAMP file marks it complete, so an interrupted run is redone.
Needs the Python packages of Scripts/requirements-fixtures.txt.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / ".cache" / "bench"
FORMATS = {"safetensors": "model.safetensors", "bin": "pytorch_model.bin"}
STAMP = "COMPLETE"
STAMP_TEXT = "bert-base v2, torch seed 0, vocab 28996 cased, f32, architectures set\n"


def model_dir(fmt: str) -> Path:
    return CACHE_DIR / f"bert-base-v2-{fmt}"


def is_complete(directory: Path) -> bool:
    stamp = directory / STAMP
    return stamp.exists() and stamp.read_text() == STAMP_TEXT


def make(directories: dict[str, Path]) -> None:
    """Builds the model and tokenizer once and writes one directory per format."""
    sys.path.insert(0, str(REPO / "Scripts"))
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertForSequenceClassification

    import bench_reference
    import make_fixtures

    shape = dict(bench_reference.BERT_BASE, id2label={0: "REWARD"}, label2id={"REWARD": 0})
    torch.manual_seed(bench_reference.MODEL_SEED)
    model = BertForSequenceClassification(BertConfig(**shape)).eval()
    model.config.architectures = ["BertForSequenceClassification"]
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    vocab = make_fixtures.build_cased_vocab(make_fixtures.cased_training_corpus(), size=shape["vocab_size"])

    for fmt, directory in directories.items():
        print(f"making {directory} ...", file=sys.stderr, flush=True)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        model.config.save_pretrained(directory)
        make_fixtures.write_cased_tokenizer(directory, vocab, with_json=True)
        pieces = len(json.loads((directory / "tokenizer.json").read_text())["model"]["vocab"])
        if pieces != shape["vocab_size"]:
            raise SystemExit(f"tokenizer has {pieces} pieces, expected {shape['vocab_size']}")
        weights = directory / FORMATS[fmt]
        if fmt == "safetensors":
            save_file(state, str(weights), metadata={"format": "pt"})
        else:
            torch.save(state, weights)
        weights.chmod(0o644)
        (directory / STAMP).write_text(STAMP_TEXT)


def ensure() -> dict[str, Path]:
    """The directory of every format, made first if missing or incomplete."""
    directories = {fmt: model_dir(fmt) for fmt in FORMATS}
    missing = {fmt: d for fmt, d in directories.items() if not is_complete(d)}
    if missing:
        make(missing)
    return directories


def main() -> None:
    for directory in ensure().values():
        print(directory)


if __name__ == "__main__":
    main()
