#!/usr/bin/env bash
# Builds the HTTP parser fuzz target with libFuzzer and runs it.
#   Scripts/fuzz-http-parser.sh [seconds]   (default 60)
# The target is compiled from the parser's source files with `swiftc -sanitize=fuzzer,address`,
# outside SwiftPM, so it never enters the package's build graph. The seed corpus in
# Fuzz/HTTPParser/corpus is copied to a scratch corpus; crashes land in .build-fuzz/artifacts.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz"
mkdir -p "$out/corpus" "$out/artifacts"

sources=(
    HTTPTypes.swift HTTPLimits.swift HTTPParseError.swift
    HTTPParser.swift HTTPParser+Head.swift HTTPParser+Body.swift
)
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    "${sources[@]/#/$root/Sources/HTTPServer/}" \
    "$root/Fuzz/HTTPParser/FuzzTarget.swift" \
    -o "$out/http-parser-fuzzer"

cp -n "$root"/Fuzz/HTTPParser/corpus/* "$out/corpus/" 2>/dev/null || true
"$out/http-parser-fuzzer" "$out/corpus" \
    -dict="$root/Fuzz/HTTPParser/http.dict" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1
