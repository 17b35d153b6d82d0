#!/usr/bin/env bash
# Instruction ceilings (peak.c), the int8 product alone (kbench.c) and the u8 × s7 product against it
# (ubench.c) on this machine.
#   bash Benchmarks/Int8/run.sh [rows=128]
# peak runs on core 0 alone, then on cores 0 and 1 at once: on a virtual machine whose two vCPUs share
# one physical core, each then gets about half of the single-core figures.
set -euo pipefail
cd "$(dirname "$0")"
out="${TMPDIR:-/tmp}/int8-bench"
mkdir -p "$out"
clang -O2 -mavx2 -mfma peak.c -o "$out/peak"
# The loops must hold the instructions they claim to time.
echo "vpmaddwd / vpmaddubsw / vfmadd231ps in the binary: $(objdump -d "$out/peak" | grep -c vpmaddwd)" \
    "/ $(objdump -d "$out/peak" | grep -c vpmaddubsw) / $(objdump -d "$out/peak" | grep -c vfmadd231ps)"
clang -O3 -I../../Sources/CKernels/include kbench.c ../../Sources/CKernels/int8.c -o "$out/kbench" -lpthread
clang -O3 -I../../Sources/CKernels/include ubench.c ../../Sources/CKernels/int8.c ../../Sources/CKernels/u8.c \
    -o "$out/ubench" -lpthread -lm
echo "== one core"
taskset -c 0 "$out/peak"
echo "== both cores at once (core 0 | core 1)"
taskset -c 0 "$out/peak" > "$out/core0.txt" &
taskset -c 1 "$out/peak" > "$out/core1.txt"
wait
paste "$out/core0.txt" "$out/core1.txt"
echo "== rk_q8_gemm alone, ${1:-128} rows"
"$out/kbench" "${1:-128}" 1 100
"$out/kbench" "${1:-128}" 2 100
echo "== rk_u8_gemm against rk_q8_gemm, ${1:-128} rows, best ISA"
"$out/ubench" "${1:-128}" 1 100
"$out/ubench" "${1:-128}" 2 100
