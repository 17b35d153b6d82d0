#!/usr/bin/env python3
"""Prints the side-by-side table of Scripts/bench.sh from the two JSON results it collected."""
import json
import sys


def main(swift_path: str, reference_path: str) -> None:
    swift = json.load(open(swift_path))
    reference = json.load(open(reference_path))
    env = reference["environment"]
    print(f"cpu: {env['cpu']}, {env['threads']} threads for every engine; torch {env['torch']}, "
          f"onnxruntime {env['onnxruntime']}; batches of {reference['settings']['batch']}")
    print(f"{'workload':<10} {'swift tok/s':>12} {'torch tok/s':>12} {'ort tok/s':>10} "
          f"{'vs torch':>9} {'vs ort':>7}")
    for name, entry in reference["workloads"].items():
        ours = swift["workloads"][name]["tokens_per_s"]
        assert swift["workloads"][name]["real_tokens"] == entry["real_tokens"], f"{name}: workloads differ"
        torch = entry["engines"].get("torch", {}).get("tokens_per_s")
        ort = entry["engines"].get("ort", {}).get("tokens_per_s")
        print(f"{name:<10} {ours:>12.0f} {torch or 0:>12.0f} {ort or 0:>10.0f} "
              f"{ours / torch if torch else 0:>8.2f}x {ours / ort if ort else 0:>6.2f}x")
    ours = swift["latency_128"]["median_ms"]
    torch = reference["latency_128"].get("torch", {}).get("median_ms")
    ort = reference["latency_128"].get("ort", {}).get("median_ms")
    print(f"{'latency128':<10} {ours:>10.1f}ms {torch or 0:>10.1f}ms {ort or 0:>8.1f}ms "
          f"{torch / ours if torch else 0:>8.2f}x {ort / ours if ort else 0:>6.2f}x  (ratios: their time / ours)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
