#!/usr/bin/env python3
"""Compatibility-route benchmark: throughput of the same pairs through /score and through each
compatibility route that scores (prompt, response) pairs, in one run against one server, rounds
interleaved so that machine noise falls on every route alike. Each request carries one pair, as
OpenRLHF's newer trainers and per-document rerank callers send them; the scores read back are
checked against /score's.

    swift build -c release --product reward-server
    python3 Scripts/bench_compat.py                     # MiniLM-L6 + seeded v2 head, 192 pairs, 8 clients
    python3 Scripts/bench_compat.py --pairs 96 --clients 16 --rounds 5

Stays out of the build and test graph; needs only the standard library (and bench_service.py beside it).
"""
import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_service import ROOT, Server, assemble_minilm, run_clients, workload  # noqa: E402


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# route → (request body for one pair, the raw score read back from the answer)
ROUTES = {
    "/score": (lambda p: {"prompt": p["prompt"], "response": p["response"]}, lambda a: a["score"]),
    "/get_reward": (lambda p: {"query": [p["prompt"] + p["response"]], "prompts": [p["prompt"]]},
                    lambda a: a["rewards"][0]),
    "/v1/score": (lambda p: {"text_1": p["prompt"], "text_2": p["response"], "use_activation": False},
                  lambda a: a["data"][0]["score"]),
    "/rerank (TEI)": (lambda p: {"query": p["prompt"], "texts": [p["response"]], "raw_scores": True},
                      lambda a: a[0]["score"]),
    "/v2/rerank": (lambda p: {"query": p["prompt"], "documents": [p["response"]]},
                   lambda a: a["results"][0]["relevance_score"]),
    "/predict": (lambda p: {"inputs": [p["prompt"], p["response"]], "raw_scores": True}, lambda a: a[0]["score"]),
}


def run(port, route, pairs, clients):
    """Pairs per second through `route`, and the raw scores read back."""
    make, read = ROUTES[route]
    elapsed, _, scores = run_clients(port, pairs, clients, path=route.split(" ")[0], make=make, read=read)
    return len(pairs) / elapsed, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/reward-server"))
    parser.add_argument("--model", help="model directory (default: MiniLM-L6 with the seeded v2 head)")
    parser.add_argument("--pairs", type=int, default=192)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-compat-")
    try:
        model = args.model or assemble_minilm(scratch)
        pairs = workload(args.pairs)
        server = Server(args.binary, model, args.threads, 32, 4096, 4 * args.pairs)
        run(server.port, "/score", pairs[:8], 1)  # warm up
        rates = {route: [] for route in ROUTES}
        reference = None
        worst = 0.0
        for _ in range(args.rounds):
            for route in ROUTES:
                rate, scores = run(server.port, route, pairs, args.clients)
                rates[route].append(rate)
                if reference is None:
                    reference = scores
                worst = max(worst, max(abs(a - b) / max(1, abs(b)) for a, b in zip(scores, reference)))
        status = server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = statistics.median(rates["/score"])
    print(f"model: {args.model or 'MiniLM-L6 (384 wide, 6 layers) + seeded v2 head'}; {args.pairs} single-pair "
          f"requests per route per round, {args.clients} clients, {args.rounds} interleaved rounds, "
          f"engine threads {args.threads}")
    print()
    print("| route | pairs/s (median of rounds) | vs /score | rounds |")
    print("|---|---:|---:|---|")
    for route, values in rates.items():
        median = statistics.median(values)
        print(f"| {route} | {median:.1f} | {median / base:.1%} | {', '.join(f'{v:.1f}' for v in values)} |")
    print()
    print(f"largest score difference from /score's: {worst:.2e} (scaled); server exit status {status}")


if __name__ == "__main__":
    main()
