#!/usr/bin/env bash
# One command, one machine, one run: our engine, PyTorch eager and ONNX Runtime on the same
# bert-base-shaped workloads, printed side by side with ratios.
#   bash Scripts/bench.sh            # full run (~5 minutes on 2 cores)
#   bash Scripts/bench.sh --quick    # smaller workloads (~1.5 minutes)
# Needs the Python packages of Scripts/requirements-fixtures.txt (torch, transformers, onnxruntime).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/bench
mkdir -p "$out"
swift build -c release --product engine-bench >/dev/null
# One after the other, never concurrently, so each gets the whole machine.
.build/release/engine-bench "$@" > "$out/swift.json"
python3 Scripts/bench_reference.py "$@" --json "$out/reference.json" 2>"$out/reference.log"
python3 Scripts/bench_table.py "$out/swift.json" "$out/reference.json"
