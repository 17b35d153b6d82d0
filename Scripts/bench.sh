#!/usr/bin/env bash
# One command, one machine, one run: our engine, ONNX Runtime and PyTorch eager on the same
# bert-base-shaped model (12 x 768, intermediate 3072, vocab 28996, random weights), one after the
# other, never concurrently, 2 threads each; then the service's start-up and memory. Prints one table.
#   bash Scripts/bench.sh            # full run (~4.5 minutes on 2 quiet cores)
#   bash Scripts/bench.sh --quick    # smaller workloads, 3 start-ups per format (~1.5 minutes quiet)
# Other arguments go to engine-bench and Scripts/bench_reference.py (e.g. --threads 4, --repeats 5).
# SWIFT_SCRATCH_PATH picks the build folder (default .build). Needs the Python packages of
# Scripts/requirements-fixtures.txt (torch, transformers, safetensors, onnxruntime); the first run also
# exports the ONNX model and writes the start-up models (~1.5 GB) into .cache/bench/, once.
#
# What the numbers mean:
#   tok/s        real tokens (padding excluded) per second of wall time over the whole workload, the
#                median of 3 timed passes after a warm-up. Workloads: 64 x 32, 16 x 128, 4 x 512 tokens,
#                and "mixed", 32 sequences of 24..384 tokens (an LCG both sides reproduce). ORT and
#                PyTorch get length-sorted batches of 16 padded to the longest; ours packs each batch of 16
#                without padding. ORT: fp32, CPU provider, all graph optimisations; PyTorch: eager,
#                inference_mode.
#   vs ORT, vs PyTorch   our tokens/s / theirs (above 1x: ours is faster). Latency row: their ms / ours.
#   1 x 128, ms  one 128-token sequence alone, median of 10 runs (latency).
#   efficiency   our forward pass's achieved GFLOP/s / OpenBLAS cblas_sgemm's GFLOP/s at the same shapes.
#                FLOPs are counted exactly (a multiply-add is 2): per layer, 2·M·K·N for each of the six
#                linear products over the batch's M real tokens, plus attention Q·Kᵀ and P·V, 2·2·L²·768
#                per sequence of length L; plus the pooler and classifier. The FLOPs counted are those the
#                engine performs: its last layer runs the query, output and feed-forward products and the
#                attention only for each sequence's [CLS] row (the heads read nothing else). The sgemm rate is measured in
#                the same engine-bench run: one layer's six products (K×N = 768×768 four times, 768×3072,
#                3072×768) with M = each batch's real tokens, OpenBLAS's own threads = --threads, median
#                of 5 timings; the workload's sgemm rate is its linear FLOPs over their summed times.
#   sgemm ceiling  our tokens/s at 100% efficiency: every FLOP of the forward pass at the sgemm rate.
#   start-up     process spawn -> first 200 from GET /ready, `reward-server serve --port 0`, for the model
#                as model.safetensors (f32) and as pytorch_model.bin (f32); median of 5 launches after an
#                untimed one, warm page cache. Where it goes: "first log line" = spawn -> the server's first
#                log line (process start, flag parsing); "load" = the server's own loadSeconds (config,
#                weights, tokenizer, warm-up), "warm-up" = its warmUpSeconds (one forward pass); the rest is
#                listening and the /ready poll. Targets: <= 1 s safetensors, <= 3 s .bin.
#   memory       VmRSS / VmHWM (peak) of the serving process from /proc after /ready and after serving 64
#                mixed-length pairs (8 with --quick) from 32 concurrent clients; heap = RssAnon, mapped =
#                RssFile (weights pages). Target: peak <= weights file size + 150 MB. MB = 10^6 bytes.
#   int8 rows    the same engine at --precision int8 (best kernel, and AVX2 forced), ONNX Runtime's dynamic int8
#                (quantize_dynamic, per channel) and the int8 server's start-up and memory; Scripts/bench_int8_table.py.
# The JSON behind every figure stays in .cache/bench/ (swift.json, reference.json, startup.json).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/bench
build="${SWIFT_SCRATCH_PATH:-.build}"
mkdir -p "$out"
swift build -c release --scratch-path "$build" --product engine-bench >/dev/null
swift build -c release --scratch-path "$build" --product reward-server >/dev/null
python3 Scripts/bench_models.py >/dev/null
"$build/release/engine-bench" "$@" > "$out/swift.json"
python3 Scripts/bench_reference.py "$@" --json "$out/reference.json" 2>"$out/reference.log"
python3 Scripts/bench_startup.py "$@" --binary "$build/release/reward-server" --json "$out/startup.json" \
    2>"$out/startup.log"
python3 Scripts/bench_table.py "$out/swift.json" "$out/reference.json" "$out/startup.json"
# int8 rows (--precision int8): ours, the AVX2 kernel forced, ONNX Runtime's dynamic int8, the int8 server.
"$build/release/engine-bench" "$@" --precision int8 > "$out/swift-int8.json"
REWARD_SERVER_INT8_KERNEL=avx2 "$build/release/engine-bench" "$@" --precision int8 > "$out/swift-int8-avx2.json"
python3 Scripts/bench_reference.py "$@" --engines ort-int8 --json "$out/reference-int8.json" 2>>"$out/reference.log"
REWARD_SERVER_PRECISION=int8 python3 Scripts/bench_startup.py "$@" --binary "$build/release/reward-server" \
    --json "$out/startup-int8.json" 2>>"$out/startup.log"
python3 Scripts/bench_int8_table.py "$out"
