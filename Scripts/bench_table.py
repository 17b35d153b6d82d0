#!/usr/bin/env python3
"""Prints the one table of Scripts/bench.sh from the JSON results it collected in .cache/bench/:
engine-bench's (swift.json), Scripts/bench_reference.py's (reference.json) and, when given,
Scripts/bench_startup.py's (startup.json). What every number means is in Scripts/bench.sh's header.

    python3 Scripts/bench_table.py .cache/bench/swift.json .cache/bench/reference.json [.cache/bench/startup.json]
"""
from __future__ import annotations

import json
import sys

MB = 1e6
STARTUP_TARGETS = {"safetensors": 1.0, "bin": 3.0}  # seconds, issue "Faster than ONNX Runtime"
RSS_HEADROOM = 150 * MB  # RSS target: weights file + 150 MB
LABELS = {"fixed32": "64 x 32", "fixed128": "16 x 128", "fixed512": "4 x 512", "mixed": "mixed 24-384"}


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def ratio(ours: float, theirs: float | None) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def throughput_rows(swift: dict, reference: dict) -> list[str]:
    header = (f"{'workload':<14} {'ours tok/s':>10} {'ORT':>7} {'PyTorch':>8} {'vs ORT':>7} {'vs PyTorch':>10} "
              f"{'efficiency':>10} {'sgemm ceiling':>13}")
    rows = [header, "-" * len(header)]
    for name, entry in reference["workloads"].items():
        ours = swift["workloads"][name]
        if ours["real_tokens"] != entry["real_tokens"]:
            raise SystemExit(f"{name}: the engines timed different workloads (re-run both with the same flags)")
        ort = entry["engines"].get("ort", {}).get("tokens_per_s")
        torch = entry["engines"].get("torch", {}).get("tokens_per_s")
        rate = ours["tokens_per_s"]
        rows.append(f"{LABELS.get(name, name):<14} {rate:>10.0f} {ort or 0:>7.0f} {torch or 0:>8.0f} "
                    f"{ratio(rate, ort):>7} {ratio(rate, torch):>10} {100 * ours['efficiency']:>9.0f}% "
                    f"{ours['ceiling_tokens_per_s']:>9.0f} tok/s")
    ours = swift["latency_128"]
    ort = reference["latency_128"].get("ort", {}).get("median_ms")
    torch = reference["latency_128"].get("torch", {}).get("median_ms")
    ms = ours["median_ms"]
    ceiling_ms = 1000 * 128 / ours["ceiling_tokens_per_s"]
    rows.append(f"{'1 x 128, ms':<14} {ms:>10.1f} {ort or 0:>7.1f} {torch or 0:>8.1f} "
                f"{ratio(ort or 0, ms) if ort else '-':>7} {ratio(torch or 0, ms) if torch else '-':>10} "
                f"{100 * ours['efficiency']:>9.0f}% {ceiling_ms:>12.1f} ms")
    return rows


def startup_rows(startup: dict) -> list[str]:
    settings = startup["settings"]
    rows = [f"start-up, process spawn -> GET /ready 200, median of {settings['runs']} (warm page cache, "
            f"--threads {settings['threads']}):"]
    for fmt, entry in startup["formats"].items():
        target = STARTUP_TARGETS.get(fmt)
        seconds = entry["median_ready_s"]
        mark = f"target <= {target:.0f} s: {verdict(seconds <= target)}" if target else ""
        rows.append(f"  {entry['weights_file']:<18} {seconds:6.2f} s   (first log line {entry['median_first_log_s']:.2f} s; "
                    f"server log: load {entry['median_load_s']:.2f} s, of which warm-up {entry['median_warm_up_s']:.2f} s)   {mark}")
    rows.append("memory of the serving process (VmRSS now / VmHWM peak; heap = RssAnon, mapped = RssFile):")
    for fmt, entry in startup["formats"].items():
        weights = entry["weights_bytes"]
        ready, served = entry["memory_ready_kb"], entry["memory_served_kb"]
        peak = max(ready["VmHWM"], served["VmHWM"]) * 1024
        limit = weights + RSS_HEADROOM
        rows.append(f"  {entry['weights_file']:<18} peak {peak / MB:4.0f} MB, weights {weights / MB:.0f} MB   "
                    f"target peak <= {limit / MB:.0f} MB: {verdict(peak <= limit)}")
        rows.append(f"  {'':<18} after /ready {ready['VmRSS'] * 1024 / MB:.0f} MB (heap {ready['RssAnon'] * 1024 / MB:.0f}, "
                    f"mapped {ready['RssFile'] * 1024 / MB:.0f}); after {entry['served']['pairs']} pairs "
                    f"{served['VmRSS'] * 1024 / MB:.0f} MB (heap {served['RssAnon'] * 1024 / MB:.0f}, "
                    f"mapped {served['RssFile'] * 1024 / MB:.0f})")
    return rows


def load_note(swift: dict, env: dict, startup_settings: dict | None) -> str:
    """The 1-minute load average around each part; our own threads count towards it."""
    loads = {"engine-bench": (swift["loadavg_start"], swift["loadavg_end"]),
             "references": (env["loadavg_start"][0], env["loadavg_end"][0])}
    if startup_settings:
        loads["start-up"] = (startup_settings["loadavg_start"][0], startup_settings["loadavg_end"][0])
    text = "load average at start -> end: " + ", ".join(f"{part} {a:.1f} -> {b:.1f}" for part, (a, b) in loads.items())
    if max(max(pair) for pair in loads.values()) > env["threads"] + 0.5:
        text += f" (above {env['threads']}: other processes competed for the {env['cores']} cores; figures are noisy)"
    return text


def main(swift_path: str, reference_path: str, startup_path: str | None = None) -> None:
    swift = json.load(open(swift_path))
    reference = json.load(open(reference_path))
    env = reference["environment"]
    sgemm = swift["sgemm"]
    print(f"cpu: {env['cpu']}, {env['threads']} threads for every engine; torch {env['torch']}, "
          f"onnxruntime {env['onnxruntime']}; ORT and PyTorch get length-sorted padded batches of "
          f"{reference['settings']['batch']}, ours packed batches of {swift['batch']}")
    print("ratios: ours / theirs in tokens/s (latency: their time / ours), so above 1x means ours is faster; "
          "efficiency = our GFLOP/s / OpenBLAS sgemm GFLOP/s at the same shapes; "
          "sgemm ceiling = our tokens/s at 100% efficiency")
    for row in throughput_rows(swift, reference):
        print(row)
    by_rows = sorted(sgemm["layer_by_rows"].items(), key=lambda kv: int(kv[0]))
    print(f"sgemm (OpenBLAS {sgemm['openblas_core']}, {sgemm['openblas_threads']} threads), one layer's six products: "
          + ", ".join(f"{rows} rows {m['gflops_per_s']:.0f} GFLOP/s" for rows, m in by_rows))
    if startup_path:
        for row in startup_rows(json.load(open(startup_path))):
            print(row)
    print(load_note(swift, env, json.load(open(startup_path))["settings"] if startup_path else None))

if __name__ == "__main__":
    main(*sys.argv[1:4])
