#!/usr/bin/env python3
"""Make the architecture parity fixtures: tiny random sequence classifiers of every non-BERT family the
engine supports, each with golden logits for a set of pairs given as token ids (no tokenizer needed).

Everything lands under Tests/Fixtures/architectures/<name>/:

  config.json          saved by transformers from a config that mirrors a published model of the family
  model.safetensors    float32 weights (random, seeded)
  goldens.jsonl        one pair per line: {"ids": [...], "type_ids": [...], "logits": [...]}

Each pair is scored alone (batch of one, attention mask all ones), as transformers does it in fp32.
Token ids are random over the whole vocabulary (special and padding ids included, which exercises
RoBERTa's position rule), framed by the family's first and last special tokens; type ids are what the
family's tokenizer returns for a pair (0 … 0 1 … 1 where the model has token types, else zeros).
Lengths run from 1 to the model's maximum, including the lengths where relative-position buckets and
vector widths change.

Seeded: rerunning with the versions in Scripts/requirements-fixtures.txt gives identical files.
Run from the repository root: python3 Scripts/make_architecture_fixtures.py (a few seconds).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import torch
from transformers import (DebertaV2Config, DebertaV2ForSequenceClassification, DistilBertConfig,
                          DistilBertForSequenceClassification, ElectraConfig, ElectraForSequenceClassification,
                          RobertaConfig, RobertaForSequenceClassification, XLMRobertaConfig,
                          XLMRobertaForSequenceClassification)

OUT = Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "architectures"
# A wide initialisation, so logits reach magnitude ~1 and a wrong term cannot hide under the tolerance.
TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, initializer_range=0.2)


def labels(names):
    return dict(num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})


# name: (model class, config, first id, last id, max sequence length, whether pairs get type ids 0…0 1…1)
MODELS = {
    # roberta-base-like: positions offset by padding_idx + 1, one token type, dense + tanh + out_proj head.
    "roberta": (RobertaForSequenceClassification, RobertaConfig(
        vocab_size=500, max_position_embeddings=130, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, layer_norm_eps=1e-5, **TINY, **labels(["LABEL_0"])), 0, 2, 128, False),
    # xlm-roberta-like toxicity / sentiment classifier with three labels.
    "xlm-roberta-3-labels": (XLMRobertaForSequenceClassification, XLMRobertaConfig(
        vocab_size=700, max_position_embeddings=130, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, layer_norm_eps=1e-5, problem_type="single_label_classification",
        **TINY, **labels(["negative", "neutral", "positive"])), 0, 2, 128, False),
    # OpenAssistant reward-model-deberta-v3-*-v2-like: the DeBERTa-v3 attention settings, one label.
    "deberta-v3": (DebertaV2ForSequenceClassification, DebertaV2Config(
        vocab_size=600, max_position_embeddings=512, type_vocab_size=0, relative_attention=True,
        pos_att_type=["p2c", "c2p"], position_buckets=256, max_relative_positions=-1, norm_rel_ebd="layer_norm",
        share_att_key=True, position_biased_input=False, layer_norm_eps=1e-7, pooler_hidden_act="gelu",
        pad_token_id=0, **TINY, **labels(["LABEL_0"])), 1, 2, 512, True),
    # DeBERTa-v2-style variant: separate position projections, no buckets, absolute positions too, token
    # types and a factorised embedding; a multi-label head.
    "deberta-v2-multi-label": (DebertaV2ForSequenceClassification, DebertaV2Config(
        vocab_size=400, max_position_embeddings=96, type_vocab_size=2, relative_attention=True,
        pos_att_type="c2p|p2c", position_buckets=-1, max_relative_positions=24, norm_rel_ebd="none",
        share_att_key=False, position_biased_input=True, embedding_size=16, layer_norm_eps=1e-7,
        pooler_hidden_act="gelu", problem_type="multi_label_classification", pad_token_id=0,
        **TINY, **labels(["helpful", "harmless", "honest", "verbose"])), 1, 2, 96, True),
    # distilbert-base-uncased-finetuned-sst-2-like, sinusoidal positions, multi-label.
    "distilbert-multi-label": (DistilBertForSequenceClassification, DistilBertConfig(
        vocab_size=500, max_position_embeddings=128, sinusoidal_pos_embds=True, dim=32, n_layers=2, n_heads=4,
        hidden_dim=64, activation="gelu", initializer_range=0.2, problem_type="multi_label_classification", pad_token_id=0,
        **labels(["toxic", "insult", "threat"])), 101 % 500, 102 % 500, 128, False),
    # electra-small-discriminator-like: embedding_size below hidden (embeddings_project), one label.
    "electra": (ElectraForSequenceClassification, ElectraConfig(
        vocab_size=500, embedding_size=16, max_position_embeddings=128, type_vocab_size=2, pad_token_id=0,
        **TINY, **labels(["LABEL_0"])), 101 % 500, 102 % 500, 128, True),
}


def lengths_for(limit: int) -> list[int]:
    """1 … limit, with the vector-width and bucket edges and the maximum itself."""
    wanted = [1, 2, 3, 7, 8, 9, 16, 17, 31, 33, 64, 65, limit - 1, limit]
    if limit >= 512:
        wanted += [127, 128, 129, 130, 200, 255, 256, 257, 384]
    return sorted({n for n in wanted if 1 <= n <= limit})


def pair(rng: random.Random, vocab: int, length: int, first: int, last: int, typed: bool):
    ids = [rng.randrange(vocab) for _ in range(length)]
    if length >= 2:
        ids[0], ids[-1] = first, last
    split = rng.randint(1, length) if length >= 2 else length
    type_ids = [0] * split + [1] * (length - split) if typed else [0] * length
    return ids, type_ids


def main() -> None:
    torch.manual_seed(0)
    rng = random.Random(12)
    for name, (cls, config, first, last, limit, typed) in MODELS.items():
        torch.manual_seed(sum(map(ord, name)))
        model = cls(config).eval()
        # Biases and LayerNorm parameters start at 0 and 1; randomise them so every term is checked.
        with torch.no_grad():
            for key, tensor in model.state_dict().items():
                if tensor.is_floating_point() and (key.endswith(".bias") or "LayerNorm" in key or "layer_norm" in key):
                    tensor.add_(torch.randn_like(tensor) * 0.1)
        directory = OUT / name
        directory.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(directory, safe_serialization=True)
        rows = []
        for length in lengths_for(limit):
            for _ in range(2 if length < limit else 1):
                ids, type_ids = pair(rng, config.vocab_size, length, first, last, typed)
                if name.startswith("roberta") and length > 10:
                    ids[length // 2] = config.pad_token_id  # a padding id inside the text shifts positions
                inputs = dict(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, length, dtype=torch.long))
                if typed:
                    inputs["token_type_ids"] = torch.tensor([type_ids])
                with torch.no_grad():
                    logits = model(**inputs).logits[0].tolist()
                rows.append(dict(ids=ids, type_ids=type_ids, logits=logits))
        with open(directory / "goldens.jsonl", "w") as f:
            for row in rows:
                f.write(json.dumps(row, separators=(",", ":")) + "\n")
        magnitudes = [abs(v) for row in rows for v in row["logits"]]
        print(f"{name}: {len(rows)} pairs, |logit| max {max(magnitudes):.3f}")


if __name__ == "__main__":
    main()
