#!/usr/bin/env python3
"""Make end-to-end fixtures for reward models of the non-BERT families: a tiny random one-label
RoBERTa and DeBERTa-v3 classifier, each with the matching tokenizer.json from
Tests/Fixtures/tokenizers/ (byte-level BPE, SentencePiece Unigram with the Precompiled normalizer),
and reference scores computed the way a user of transformers scores a pair:

    tokenizer(prompt, response, truncation=True, max_length=N) -> model(**encoded).logits[0, 0] * alpha

Outputs, in the format of the BERT fixtures (Tests/Fixtures/goldens/README.md):

  Tests/Fixtures/models/tiny-<family>-st/       config.json, model.safetensors, tokenizer.json
  Tests/Fixtures/goldens/scores-tiny-<family>-st.jsonl

and two N-label classifiers with the same tokenizers (a 3-label softmax RoBERTa, a 4-label multi-label
DeBERTa-v3), whose goldens hold each label's logit and probability (softmax, or sigmoid per label for
multi-label) of model(**tokenizer(text, text_pair, truncation=True, max_length=N)).logits:

  Tests/Fixtures/models/tiny-<family>-<kind>/   config.json, model.safetensors, tokenizer.json
  Tests/Fixtures/goldens/labels-tiny-<family>-<kind>.jsonl

Pairs are the corpus pairs of the tokenizer fixtures (every Unicode class and the adversarial texts)
plus a few longer than the model's limit, so truncation is exercised. Seeded: rerunning with the
versions in Scripts/requirements-fixtures.txt gives identical files. Needs the tokenizer fixtures
(Scripts/make_tokenizer_fixtures.py) first. Run from the repository root.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import (DebertaV2Config, DebertaV2ForSequenceClassification, PreTrainedTokenizerFast,
                          RobertaConfig, RobertaForSequenceClassification)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
# A wide initialisation, so scores reach magnitude ~1 and a wrong term cannot hide under the tolerance.
TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, initializer_range=0.2,
            num_labels=1)

MODELS = {
    "roberta": ("roberta-bpe", RobertaForSequenceClassification, RobertaConfig(
        vocab_size=1200, max_position_embeddings=130, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, layer_norm_eps=1e-5, **TINY), 128),
    "deberta-v3": ("deberta-unigram", DebertaV2ForSequenceClassification, DebertaV2Config(
        vocab_size=1000, max_position_embeddings=512, type_vocab_size=0, relative_attention=True,
        pos_att_type=["p2c", "c2p"], position_buckets=256, max_relative_positions=-1, norm_rel_ebd="layer_norm",
        share_att_key=True, position_biased_input=False, layer_norm_eps=1e-7, pooler_hidden_act="gelu",
        pad_token_id=0, **TINY), 512),
}


# The classifiers: (base model entry, fixture name, labels, problem_type).
CLASSIFIERS = [
    ("roberta", "tiny-roberta-3-labels", ["negative", "neutral", "positive"], "single_label_classification"),
    ("deberta-v3", "tiny-deberta-v3-multi-label", ["toxic", "obscene", "insult", "threat"],
     "multi_label_classification"),
]


def pairs(rng: random.Random) -> list[tuple[str, str]]:
    corpus = [json.loads(line) for line in (FIXTURES / "tokenizers" / "corpus.jsonl").read_text().splitlines()]
    both = [(c["first"], c["second"]) for c in corpus if c["second"] is not None]
    chosen = rng.sample(both, 40)
    words = [w for first, _ in both for w in first.split()]
    # Longer than either model's limit: truncation, longest first.
    for _ in range(4):
        chosen.append((" ".join(rng.choices(words, k=400)), " ".join(rng.choices(words, k=rng.randint(5, 300)))))
    return chosen


def write_model(name: str, tokenizer_name: str, model_class, config):
    """The model directory: the family's tokenizer.json, config.json naming the class, seeded weights."""
    out = FIXTURES / "models" / name
    out.mkdir(parents=True, exist_ok=True)
    tokenizer_file = FIXTURES / "tokenizers" / tokenizer_name / "tokenizer.json"
    shutil.copyfile(tokenizer_file, out / "tokenizer.json")
    model = model_class(config).eval()
    config.architectures = [model_class.__name__]
    config.save_pretrained(out)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out / "model.safetensors")
    return PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_file)), model


def main() -> None:
    for family, (tokenizer_name, model_class, config, max_length) in MODELS.items():
        torch.manual_seed(20261203)
        rng = random.Random(family)
        name = f"tiny-{family}-st"
        tokenizer, model = write_model(name, tokenizer_name, model_class, config)
        lines = []
        for i, (prompt, response) in enumerate(pairs(rng)):
            alpha = [1.0, 2.5, -1.0][i % 3]
            encoded = tokenizer(prompt, response or None, truncation=True, max_length=max_length,
                                return_tensors="pt", return_token_type_ids=False)
            with torch.no_grad():
                raw = model(**encoded).logits[0, 0]
            score = (raw * torch.tensor(alpha, dtype=torch.float32)).item()
            lines.append(json.dumps({"prompt": prompt, "response": response, "alpha": alpha,
                                     "ids": encoded["input_ids"][0].tolist(), "score": score},
                                    ensure_ascii=False))
        (FIXTURES / "goldens" / f"scores-{name}.jsonl").write_text("\n".join(lines) + "\n")
        print(name, len(lines), "pairs")


def classifier_inputs(rng: random.Random) -> list[tuple[str, str]]:
    """Pairs and single texts (empty second text: no text_pair), one over the model's limit."""
    chosen = pairs(rng)
    return chosen[:10] + [(first, "") for first, _ in chosen[10:16]] + chosen[-1:]


def make_classifiers() -> None:
    for family, name, labels, problem_type in CLASSIFIERS:
        tokenizer_name, model_class, base, max_length = MODELS[family]
        torch.manual_seed(20261204)
        rng = random.Random(name)
        config = base.__class__.from_dict(base.to_dict())
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {label: i for i, label in enumerate(labels)}
        config.problem_type = problem_type
        tokenizer, model = write_model(name, tokenizer_name, model_class, config)
        lines = []
        for text, text_pair in classifier_inputs(rng):
            encoded = tokenizer(text, text_pair or None, truncation=True, max_length=max_length,
                                return_tensors="pt", return_token_type_ids=False)
            with torch.no_grad():
                logits = model(**encoded).logits[0]
            probs = torch.sigmoid(logits) if problem_type == "multi_label_classification" else torch.softmax(logits, -1)
            lines.append(json.dumps({"prompt": text, "response": text_pair, "ids": encoded["input_ids"][0].tolist(),
                                     "logits": logits.tolist(), "probs": probs.tolist()}, ensure_ascii=False))
        (FIXTURES / "goldens" / f"labels-{name}.jsonl").write_text("\n".join(lines) + "\n")
        print(name, len(lines), "inputs")


if __name__ == "__main__":
    main()
    make_classifiers()
