#!/usr/bin/env python3
"""The int8 rows of `bash Scripts/bench.sh`: ours at --precision int8 (best kernel, and the AVX2 kernel
forced with REWARD_SERVER_INT8_KERNEL=avx2) beside ONNX Runtime's dynamic int8 and our fp32, all from
the same bench.sh run (2 threads each unless --threads), plus start-up and memory of the int8 server.

    python3 Scripts/bench_int8_table.py .cache/bench

Reads swift.json, swift-int8.json, swift-int8-avx2.json, reference-int8.json, startup.json and
startup-int8.json from that folder. Ratios: our int8 tokens/s over theirs (above 1x: ours is faster);
latency: their ms over ours.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(folder: Path, name: str) -> dict | None:
    path = folder / name
    return json.loads(path.read_text()) if path.exists() else None


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".cache/bench")
    fp32, int8, avx2 = (load(folder, n) for n in ("swift.json", "swift-int8.json", "swift-int8-avx2.json"))
    ort = load(folder, "reference-int8.json")
    kernel = int8["int8_kernel"] if int8 else "?"
    print(f"int8 ({kernel} kernel{', AVX2 forced beside it' if avx2 else ''}) vs ONNX Runtime int8 "
          f"(quantize_dynamic, per channel) and our fp32, threads {int8['threads'] if int8 else '?'}")
    print("workload   fp32 tok/s  int8 tok/s  int8 AVX2  ORT int8   int8/ORT int8  int8/fp32  AVX2/ORT int8")
    for name in ("fixed32", "fixed128", "fixed512", "mixed"):
        ours = int8["workloads"][name]["tokens_per_s"]
        base = fp32["workloads"][name]["tokens_per_s"] if fp32 else float("nan")
        forced = avx2["workloads"][name]["tokens_per_s"] if avx2 else float("nan")
        theirs = ort["workloads"][name]["engines"]["ort-int8"]["tokens_per_s"] if ort else float("nan")
        print(f"{name:9s}  {base:10.1f}  {ours:10.1f}  {forced:9.1f}  {theirs:8.1f}  {ours / theirs:12.2f}x "
              f"{ours / base:9.2f}x  {forced / theirs:12.2f}x")
    ours_ms = int8["latency_128"]["median_ms"]
    theirs_ms = ort["latency_128"]["ort-int8"]["median_ms"] if ort else float("nan")
    base_ms = fp32["latency_128"]["median_ms"] if fp32 else float("nan")
    avx2_ms = avx2["latency_128"]["median_ms"] if avx2 else float("nan")
    print(f"1 x 128, ms  fp32 {base_ms:.1f}  int8 {ours_ms:.1f}  int8 AVX2 {avx2_ms:.1f}  ORT int8 {theirs_ms:.1f}"
          f"  (ORT int8 / int8: {theirs_ms / ours_ms:.2f}x)")
    start_fp32, start_int8 = load(folder, "startup.json"), load(folder, "startup-int8.json")
    if start_fp32 and start_int8:
        for fmt, r8 in start_int8["formats"].items():
            r32 = start_fp32["formats"][fmt]
            rss32 = r32["memory_served_kb"]["VmRSS"] / 1000
            rss8 = r8["memory_served_kb"]["VmRSS"] / 1000
            print(f"server {fmt:12s} start-up fp32 {r32['median_ready_s']:.2f} s, int8 {r8['median_ready_s']:.2f} s "
                  f"(load incl. quantisation {r8['median_load_s']:.2f} s); RSS after serving fp32 {rss32:.0f} MB, "
                  f"int8 {rss8:.0f} MB ({rss8 / rss32:.2f}x)")


if __name__ == "__main__":
    main()
