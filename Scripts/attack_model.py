#!/usr/bin/env python3
"""The bert-base-shaped uncased model that Scripts/attack.py serves for its large-request case.

    python3 Scripts/attack_model.py            # prints the directory, making it if needed

Directory: .cache/attack/bert-base-uncased/ (gitignored). Model: a random
BertForSequenceClassification with one label (12 layers, hidden 768, 12 heads, intermediate 3072,
512 positions, vocab 30522; torch seed 0), ~110 M parameters saved as f32 model.safetensors +
config.json. Tokenizer: the files of the uncased test fixture Tests/Fixtures/models/tiny-v2-uncased-bin
(the real bert-base-uncased vocabulary of 30522 pieces), copied as they are. The scores mean nothing;
only the shape (and so the engine's cost per token) matters.
A STAMP file marks the directory complete, so an interrupted run is redone; a complete one is reused.
Needs torch, transformers and safetensors.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / ".cache" / "attack" / "bert-base-uncased"
TOKENIZER_SOURCE = REPO / "Tests" / "Fixtures" / "models" / "tiny-v2-uncased-bin"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
SEED = 0
VOCAB_SIZE = 30522  # bert-base-uncased; the fixture's vocab.txt has exactly this many lines
BERT_BASE = dict(
    vocab_size=VOCAB_SIZE, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
    intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2,
    num_labels=1, id2label={0: "REWARD"}, label2id={"REWARD": 0},
)
STAMP = "COMPLETE"
STAMP_TEXT = f"bert-base v2 uncased, torch seed {SEED}, vocab {VOCAB_SIZE}, f32 safetensors\n"


def is_complete(directory: Path = MODEL_DIR) -> bool:
    stamp = directory / STAMP
    return stamp.exists() and stamp.read_text() == STAMP_TEXT


def make(directory: Path = MODEL_DIR) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertForSequenceClassification

    lines = (TOKENIZER_SOURCE / "vocab.txt").read_text(encoding="utf-8").splitlines()
    if len(lines) != VOCAB_SIZE:
        raise SystemExit(f"{TOKENIZER_SOURCE}/vocab.txt has {len(lines)} pieces, expected {VOCAB_SIZE}")
    print(f"making {directory} ...", file=sys.stderr, flush=True)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    torch.manual_seed(SEED)
    model = BertForSequenceClassification(BertConfig(**BERT_BASE)).eval()
    model.config.architectures = ["BertForSequenceClassification"]
    model.config.save_pretrained(directory)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / "model.safetensors"), metadata={"format": "pt"})
    (directory / "model.safetensors").chmod(0o644)  # save_file leaves it private to the owner
    for name in TOKENIZER_FILES:
        if (TOKENIZER_SOURCE / name).exists():
            shutil.copyfile(TOKENIZER_SOURCE / name, directory / name)
    (directory / STAMP).write_text(STAMP_TEXT)


def ensure() -> Path:
    """The model directory, made first if missing or incomplete."""
    if not is_complete():
        make()
    return MODEL_DIR


if __name__ == "__main__":
    print(ensure())
