#!/usr/bin/env python3
"""Writes the int8 accuracy pairs: real English text from the Python standard library's docstrings.

Each prompt asks what one documented function or class does; its responses are the first
sentences of that object's docstring and of docstrings of other objects in the same module (so a
prompt has several responses of different relevance, and the ranking among them is what the
int8 check compares with fp32). Deterministic for a given Python version: modules, names and
responses are taken in sorted order, and the only randomness is a seeded `random.Random`.

Output: JSON lines {"prompt": ..., "response": ..., "group": <prompt index>}, RESPONSES lines per
prompt. The data is not committed; tests and `reward-server compare` generate it with this script.
Usage: python3 Scripts/make_int8_pairs.py [--prompts 400] [--responses 6] > pairs.jsonl
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import random
import re
import sys
import warnings

MODULES = [
    "argparse", "base64", "bisect", "calendar", "collections", "colorsys", "configparser", "contextlib",
    "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "email.utils", "enum", "fnmatch",
    "fractions", "functools", "getopt", "gettext", "glob", "gzip", "hashlib", "heapq", "hmac", "html",
    "http.client", "imaplib", "inspect", "ipaddress", "itertools", "json", "locale", "logging", "mailbox",
    "math", "mimetypes", "ntpath", "operator", "os", "pathlib", "pickle", "pkgutil", "platform",
    "plistlib", "poplib", "pprint", "queue", "quopri", "random", "re", "sched", "secrets", "shlex",
    "shutil", "smtplib", "socket", "statistics", "string", "struct", "subprocess", "tarfile",
    "tempfile", "textwrap", "threading", "timeit", "tokenize", "traceback", "typing", "unittest",
    "urllib.parse", "urllib.request", "uuid", "warnings", "wave", "weakref", "xml.dom.minidom",
    "zipfile", "zlib",
]

MAX_WORDS = 40
TEMPLATES = [
    "What does {name} in the {module} module do?",
    "Explain the purpose of {module}.{name}.",
    "I am reading Python code that calls {name} from {module}. What is it for?",
    "Describe {module}.{name} in one or two sentences.",
]


def first_sentences(doc: str) -> str | None:
    """The docstring's first paragraph, whitespace collapsed, cut to MAX_WORDS words; None if unusable."""
    paragraph = doc.strip().split("\n\n")[0]
    text = re.sub(r"\s+", " ", paragraph).strip()
    words = text.split(" ")
    if len(words) < 5 or not re.search(r"[a-z]{3}", text):
        return None
    return " ".join(words[:MAX_WORDS])


def documented(module_name: str) -> list[tuple[str, str]]:
    """(name, first sentences) of the module's public functions and classes, sorted by name."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = importlib.import_module(module_name)
    except ImportError:
        return []
    found = []
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj)):
            continue
        text = first_sentences(inspect.getdoc(obj) or "")
        if text:
            found.append((name, text))
    # One entry per distinct text (aliases share docstrings).
    seen, unique = set(), []
    for name, text in found:
        if text not in seen:
            seen.add(text)
            unique.append((name, text))
    return unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=400)
    parser.add_argument("--responses", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = [(m, documented(m)) for m in MODULES]
    pool = [(m, entries) for m, entries in pool if len(entries) >= args.responses]
    candidates = [(m, i) for m, entries in pool for i in range(len(entries))]
    rng.shuffle(candidates)
    by_module = dict(pool)
    written = 0
    for group, (module, index) in enumerate(candidates[: args.prompts]):
        entries = by_module[module]
        name, answer = entries[index]
        others = [e for j, e in enumerate(entries) if j != index]
        responses = [answer] + [text for _, text in rng.sample(others, args.responses - 1)]
        prompt = rng.choice(TEMPLATES).format(name=name, module=module)
        for response in responses:
            print(json.dumps({"prompt": prompt, "response": response, "group": group}))
            written += 1
    if written < args.prompts * args.responses:
        sys.exit(f"only {written} pairs could be made from this Python's standard library")


if __name__ == "__main__":
    main()
