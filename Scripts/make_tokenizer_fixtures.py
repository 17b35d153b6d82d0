#!/usr/bin/env python3
"""Make the tokenizer.json fixtures and token-id goldens for the BPE and Unigram tokenizers.

Everything lands under Tests/Fixtures/tokenizers/ (see README.md there):

  roberta-bpe/tokenizer.json     byte-level BPE trained with `tokenizers` (RoBERTa layout:
                                 <s> <pad> </s> <unk> <mask>, RobertaProcessing, <mask> lstrip).
  deberta-unigram/tokenizer.json SentencePiece Unigram trained with the `sentencepiece` trainer,
                                 converted by transformers' DebertaV2Converter (Precompiled
                                 normalizer, Metaspace, TemplateProcessing [CLS] A [SEP] B [SEP]).
  xlmr-unigram/tokenizer.json    the same trainer with a small custom normalisation rule set,
                                 converted by XLMRobertaConverter (fairseq id offset,
                                 <s> A </s></s> B </s>).
  corpus.jsonl                   {"category", "first", "second", "max_length", "truncation_side"}
  suffix-bpe/tokenizer.json      character-level BPE with "##" prefix, "</w>" suffix, fused <unk>,
                                 byte fallback; Replace, Lowercase, Strip, WhitespaceSplit +
                                 Whitespace; BertProcessing.
  <name>/goldens.jsonl           {"ids", "type_ids"} (type_ids omitted when all 0) for each corpus line
                                 (suffix-bpe: every fourth line, {} for the others), in order, from the bare
                                 `tokenizers` library (truncation longest_first; an empty second
                                 text is passed as absent, as transformers does).

The corpus is Scripts/make_fixtures.py's adversarial tokenizer corpus plus one category per
Unicode general category ("scalar_class_Lu", ...), sampled from every plane. Everything is
seeded: rerunning gives identical bytes.

How to run (from the repository root; versions pinned in Scripts/requirements-fixtures.txt):

    python3 -m venv --system-site-packages .cache/tok-venv
    .cache/tok-venv/bin/pip install -r Scripts/requirements-fixtures.txt
    .cache/tok-venv/bin/python Scripts/make_tokenizer_fixtures.py
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import unicodedata
from pathlib import Path

import sentencepiece as spm
from tokenizers import (AddedToken, ByteLevelBPETokenizer, Tokenizer, models, normalizers, pre_tokenizers,
                        processors, trainers)
from transformers.convert_slow_tokenizer import DebertaV2Converter, XLMRobertaConverter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import TokCorpus, TextSource, json_line, quiet  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "Tests" / "Fixtures" / "tokenizers"

BPE_VOCAB_SIZE = 1200
UNIGRAM_VOCAB_SIZE = 1000
# Long truncation cases (130 and 560 words) make the goldens large; the shorter budgets cover the rule.
DROPPED_CATEGORIES = {"truncation_512", "truncation_128"}
SCALARS_PER_CLASS = 24
# A small custom SentencePiece normalisation (source code points -> target code points) for the
# XLM-R-style tokenizer: the real nmt_nfkc charsmap is ~250 kB (the DeBERTa one has it), and these
# rules still give the trie one-, two- and three-scalar keys, shared prefixes, deletions and
# expansions.
XLMR_NORMALIZATION_RULES = "".join(f"{source}\t{target}\n" for source, target in [
    ("FF21", "41"), ("FF22", "42"), ("FF41", "61"), ("FF10", "30"), ("FF11", "31"),
    ("FB01", "66 69"), ("FB02", "66 6C"), ("2460", "31"), ("00A0", "20"), ("3000", "20"),
    ("2003", "20"), ("0009", "20"), ("000A", "20"), ("200B", ""), ("00AD", ""),
    ("0065 0301", "E9"), ("0061 0300", "E0"), ("0061 0300 0301", "78 79 7A"),
    ("FF8A FF9F", "30D1"), ("FF8A", "30CF"), ("2026", "2E 2E 2E"), ("00BD", "31 2044 32"),
    ("1E9E", "73 73"), ("212B", "C5"), ("2126", "3A9"), ("3392", "4D 48 7A"),
])


def training_lines(seed: int, count: int) -> list[str]:
    source = TextSource(seed)
    return [source.sentence() for _ in range(count)]


# ----------------------------------------------------------------------------------------
# Tokenizers
# ----------------------------------------------------------------------------------------

def make_roberta_bpe(lines: list[str]) -> Tokenizer:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    bpe.train_from_iterator(lines, vocab_size=BPE_VOCAB_SIZE, min_frequency=2, special_tokens=specials,
                            show_progress=False)
    tok = Tokenizer.from_str(bpe._tokenizer.to_str())
    # As roberta-base: <mask> swallows the space before it.
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), trim_offsets=True,
        add_prefix_space=False)
    return tok


def make_suffix_bpe(lines: list[str]) -> Tokenizer:
    """A character-level BPE with the options byte-level BPE leaves unused: continuing-subword
    prefix, end-of-word suffix, a fused unknown token and byte fallback (`<0xAB>` pieces appended
    to the trained vocabulary), behind literal Replace, Lowercase, Strip, WhitespaceSplit and
    Whitespace, with BertProcessing."""
    bpe = models.BPE(unk_token="<unk>", continuing_subword_prefix="##", end_of_word_suffix="</w>", fuse_unk=True)
    tok = Tokenizer(bpe)
    tok.normalizer = normalizers.Sequence([normalizers.Replace("``", '"'), normalizers.Lowercase(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Whitespace()])
    trainer = trainers.BpeTrainer(vocab_size=500, min_frequency=2, special_tokens=["<unk>", "[CLS]", "[SEP]"],
                                  continuing_subword_prefix="##", end_of_word_suffix="</w>", limit_alphabet=120,
                                  show_progress=False)
    tok.train_from_iterator(lines, trainer)
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    first_byte_id = max(vocab.values()) + 1
    vocab.update({f"<0x{byte:02X}>": first_byte_id + byte for byte in range(256)})
    spec["model"]["byte_fallback"] = True
    spec["post_processor"] = {"type": "BertProcessing", "sep": ["[SEP]", vocab["[SEP]"]],
                              "cls": ["[CLS]", vocab["[CLS]"]]}
    return Tokenizer.from_str(json.dumps(spec))


def train_sentencepiece(lines: list[str], **extra) -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="unigram",
        vocab_size=UNIGRAM_VOCAB_SIZE, character_coverage=0.995, num_threads=1,
        shuffle_input_sentence=False, input_sentence_size=0, minloglevel=2, **extra)
    return model.getvalue()


class SentencePieceSource:
    """The attributes transformers' converters read from a slow SentencePiece tokenizer."""

    def __init__(self, model_file: Path, vocab: dict[str, int], **flags):
        self.vocab_file = str(model_file)
        self._vocab = vocab
        self.do_lower_case = False
        self.split_by_punct = False
        self.legacy = True
        self.add_prefix_space = True
        self.__dict__.update(flags)

    def convert_tokens_to_ids(self, token: str) -> int:
        return self._vocab[token]


def sentencepiece_vocab(model_bytes: bytes, offset_specials: bool) -> dict[str, int]:
    processor = spm.SentencePieceProcessor(model_proto=model_bytes)
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    if offset_specials:  # XLM-R: <s> <pad> </s> <unk>, then the pieces after the first three
        pieces = ["<s>", "<pad>", "</s>", "<unk>"] + pieces[3:] + ["<mask>"]
    return {piece: i for i, piece in enumerate(pieces)}


def make_deberta_unigram(lines: list[str], scratch: Path) -> Tokenizer:
    model = train_sentencepiece(
        lines, pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="[PAD]", bos_piece="[CLS]",
        eos_piece="[SEP]", unk_piece="[UNK]", user_defined_symbols=["[MASK]"])
    path = scratch / "deberta.model"
    path.write_bytes(model)
    source = SentencePieceSource(path, sentencepiece_vocab(model, offset_specials=False))
    tok = DebertaV2Converter(source).converted()
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True)
                            for t in ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"]])
    return tok


def make_xlmr_unigram(lines: list[str], scratch: Path) -> Tokenizer:
    rules = scratch / "rules.tsv"
    rules.write_text(XLMR_NORMALIZATION_RULES, encoding="utf-8")
    model = train_sentencepiece(lines, unk_id=0, bos_id=1, eos_id=2, normalization_rule_tsv=str(rules))
    path = scratch / "xlmr.model"
    path.write_bytes(model)
    source = SentencePieceSource(path, sentencepiece_vocab(model, offset_specials=True))
    tok = XLMRobertaConverter(source).converted()
    tok.add_special_tokens([AddedToken("<s>", special=True, normalized=False),
                            AddedToken("<pad>", special=True, normalized=False),
                            AddedToken("</s>", special=True, normalized=False),
                            AddedToken("<unk>", special=True, normalized=False),
                            AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    return tok


# ----------------------------------------------------------------------------------------
# Corpus and goldens
# ----------------------------------------------------------------------------------------

def scalars_by_category() -> dict[str, list[int]]:
    classes: dict[str, list[int]] = {}
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        classes.setdefault(unicodedata.category(chr(code)), []).append(code)
    return classes


def scalar_class_cases(seed: int) -> list[tuple[str, str, str | None]]:
    """Per general category: its scalars between spaces, and between letters in a pair."""
    rng = random.Random(seed)
    cases = []
    for category, codes in sorted(scalars_by_category().items()):
        picked = [chr(c) for c in (rng.sample(codes, SCALARS_PER_CLASS) if len(codes) > SCALARS_PER_CLASS else codes)]
        name = f"scalar_class_{category}"
        for start in range(0, len(picked), 8):
            chunk = picked[start:start + 8]
            cases.append((name, " ".join(chunk), None))
            cases.append((name, "a" + "b".join(chunk) + "c", " x".join(chunk)))
    return cases


def encode_row(tok: Tokenizer, case: dict) -> dict:
    if case["max_length"] is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(case["max_length"], strategy="longest_first", direction=case["truncation_side"])
    enc = tok.encode(case["first"], case["second"] or None)  # transformers drops an empty second text
    row = {"ids": enc.ids}
    if any(enc.type_ids):  # omitted when all zero, to keep the files small
        row["type_ids"] = enc.type_ids
    return row


# The fixtures' own special tokens in text (each tokenizer also sees the others' as plain text),
# with the spacing that lstrip (<mask>) and the Metaspace prefix are sensitive to.
SPECIAL_TEXTS = [
    "a <mask> b", "a<mask>b", "  <mask>  ", "<mask>", "x <mask><mask> y", "<s>x</s>", "<s> x </s></s> y </s>",
    "<pad><unk>", "< s>", "<s >", "<MASK>", "[CLS] a [SEP] b", "[MASK]", "x[MASK]y", " [SEP] ", "[PAD][UNK]",
    "\u2581 <mask>", "\u2581\u2581a", "\u2581", "a \u2581 b", "<mask>\n\n", "\t<mask>\tb", "[CLS]", "ab[SEP]",
]


def corpus(seed: int) -> list[dict]:
    cases = [{"category": c.category, "first": c.first, "second": c.second, "max_length": c.max_length,
              "truncation_side": c.side}
             for c in TokCorpus(seed).build() if c.category not in DROPPED_CATEGORIES]
    cases += [{"category": category, "first": first, "second": second, "max_length": None,
               "truncation_side": "right"} for category, first, second in scalar_class_cases(seed)]
    for index, text in enumerate(SPECIAL_TEXTS):
        other = SPECIAL_TEXTS[(index * 7 + 3) % len(SPECIAL_TEXTS)]
        for first, second in [(text, None), (text, other), (other, text)]:
            cases.append({"category": "special_tokens_of_the_fixtures", "first": first, "second": second,
                          "max_length": None, "truncation_side": "right"})
    return cases


def write_tokenizer(out: Path, name: str, tok: Tokenizer) -> Tokenizer:
    directory = out / name
    directory.mkdir(parents=True, exist_ok=True)
    tok.no_truncation()
    tok.no_padding()
    text = json.dumps(json.loads(tok.to_str()), ensure_ascii=False, separators=(",", ":"))
    (directory / "tokenizer.json").write_text(text + "\n", encoding="utf-8")
    return Tokenizer.from_file(str(directory / "tokenizer.json"))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json_line(row) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    quiet()
    lines = training_lines(seed=17, count=4000)
    cases = corpus(seed=401)
    write_jsonl(args.out / "corpus.jsonl", cases)
    with tempfile.TemporaryDirectory() as scratch:
        made = [("roberta-bpe", make_roberta_bpe(lines)),
                ("deberta-unigram", make_deberta_unigram(lines, Path(scratch))),
                ("xlmr-unigram", make_xlmr_unigram(lines, Path(scratch))),
                ("suffix-bpe", make_suffix_bpe(lines[:3000]))]
        for name, tok in made:
            reloaded = write_tokenizer(args.out, name, tok)
            # Byte fallback spells most non-Latin scalars as ~10 byte pieces: that tokenizer's
            # goldens cover every fourth line only ({} elsewhere) to keep the file small.
            stride = 4 if name == "suffix-bpe" else 1
            rows = [encode_row(reloaded, case) if index % stride == 0 else {} for index, case in enumerate(cases)]
            write_jsonl(args.out / name / "goldens.jsonl", rows)
            print(f"{name}: vocabulary {reloaded.get_vocab_size()}, {sum(bool(r) for r in rows)} goldens, "
                  f"{sum(len(r.get('ids', [])) for r in rows)} tokens")


if __name__ == "__main__":
    main()
