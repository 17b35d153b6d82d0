#!/usr/bin/env python3
"""int8 against fp32 and ONNX Runtime's int8 in alternating rounds, for machines too noisy for one run.

Each round runs, one after the other: engine-bench at fp32, engine-bench at --precision int8, and
Scripts/bench_reference.py with ONNX Runtime's dynamic int8 (the same engines, workloads and model as
`bash Scripts/bench.sh`). Alternating spreads a busy neighbour's load over all three instead of one, and
the medians over the rounds are what to compare. Prints every round, then the medians and their ratios,
and in how many rounds our one-pair latency was at or under ONNX Runtime int8's.

    python3 Scripts/bench_int8_rounds.py                       # 4 rounds, --quick workloads
    python3 Scripts/bench_int8_rounds.py --rounds 6 --workloads mixed

Needs a release build of engine-bench (swift build -c release --product engine-bench) and the Python
packages of Scripts/requirements-fixtures.txt; about a minute per round on 2 quiet cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_json(command: list[str], env: dict | None = None) -> dict:
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout)


def ours(binary: Path, precision: str, workloads: list[str], threads: int) -> dict:
    result = run_json([str(binary), "--quick", "--precision", precision, "--workloads", ",".join(workloads),
                       "--threads", str(threads)])
    rates = {name: result["workloads"][name]["tokens_per_s"] for name in workloads}
    return {"tokens_per_s": rates, "latency_ms": result["latency_128"]["median_ms"]}


def onnx_int8(workloads: list[str], threads: int) -> dict:
    result = run_json([sys.executable, "Scripts/bench_reference.py", "--quick", "--engines", "ort-int8",
                       "--workloads", ",".join(workloads), "--threads", str(threads)])
    rates = {name: result["workloads"][name]["engines"]["ort-int8"]["tokens_per_s"] for name in workloads}
    return {"tokens_per_s": rates, "latency_ms": result["latency_128"]["ort-int8"]["median_ms"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", default="mixed,fixed32", help="comma list of fixed32, fixed128, fixed512, mixed")
    parser.add_argument("--binary", type=Path, default=REPO / ".build/release/engine-bench")
    args = parser.parse_args()
    workloads = args.workloads.split(",")
    engines = {"fp32": [], "int8": [], "ort-int8": []}
    for round_number in range(1, args.rounds + 1):
        engines["fp32"].append(ours(args.binary, "fp32", workloads, args.threads))
        engines["int8"].append(ours(args.binary, "int8", workloads, args.threads))
        engines["ort-int8"].append(onnx_int8(workloads, args.threads))
        for name, runs in engines.items():
            rates = "  ".join(f"{w} {runs[-1]['tokens_per_s'][w]:7.0f} tok/s" for w in workloads)
            print(f"round {round_number}  {name:8}  {rates}  1 x 128 {runs[-1]['latency_ms']:6.1f} ms", flush=True)

    def median(name: str, key: str, workload: str | None = None) -> float:
        values = [run[key][workload] if workload else run[key] for run in engines[name]]
        return statistics.median(values)

    print(f"\nmedians over {args.rounds} rounds, {args.threads} threads each")
    print(f"{'workload':10} {'fp32':>8} {'int8':>8} {'ORT int8':>9} {'int8/fp32':>10} {'int8/ORT int8':>14}")
    for w in workloads:
        fp32, int8, ort = (median(name, "tokens_per_s", w) for name in ("fp32", "int8", "ort-int8"))
        print(f"{w:10} {fp32:8.0f} {int8:8.0f} {ort:9.0f} {int8 / fp32:9.2f}x {int8 / ort:13.2f}x")
    fp32, int8, ort = (median(name, "latency_ms") for name in ("fp32", "int8", "ort-int8"))
    wins = sum(a["latency_ms"] <= b["latency_ms"] for a, b in zip(engines["int8"], engines["ort-int8"]))
    print(f"1 x 128 ms {fp32:8.1f} {int8:8.1f} {ort:9.1f}   ORT int8 / int8 {ort / int8:.2f}x; "
          f"int8 at or under ORT int8 in {wins} of {args.rounds} rounds")


if __name__ == "__main__":
    main()
