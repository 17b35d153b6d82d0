#!/usr/bin/env bash
# Side-by-side wrk load check: HTTPBenchServer (this package) against a Hummingbird 2
# hello-world built elsewhere (never a dependency of the product).
#   Benchmarks/HTTP/compare-with-hummingbird.sh /path/to/HBHello [runs]
# Each run is `wrk -t2 -c64 -d10s` on GET /health, alternating servers; prints requests/s,
# errors and the server's RSS after every run, then the ratio of the mean requests/s.
set -euo pipefail

hb="${1:?usage: $0 /path/to/hummingbird-hello-binary [runs]}"
runs="${2:-3}"
here="$(cd "$(dirname "$0")" && pwd)"
ours_port="${OURS_PORT:-18080}"
hb_port="${HB_PORT:-18081}"

swift build -c release --package-path "$here" --scratch-path "$here/.build"
ours="$here/.build/release/HTTPBenchServer"

"$ours" "$ours_port" > /dev/null &
ours_pid=$!
"$hb" "$hb_port" > /dev/null 2>&1 &
hb_pid=$!
trap 'kill -TERM $ours_pid $hb_pid 2>/dev/null || true' EXIT

for port in "$ours_port" "$hb_port"; do
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.2; done
done

run() {  # name pid port
    local out rps errors rss
    out="$(wrk -t2 -c64 -d10s "http://127.0.0.1:$3/health")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<< "$out")"
    errors="$( (grep -E 'Socket errors|Non-2xx' <<< "$out" || true) | tr '\n' ' ')"
    rss="$(ps -o rss= -p "$2" | tr -d ' ')"
    printf '%-12s run %d  %10s req/s  rss %6s KiB  %s\n' "$1" "$i" "$rps" "$rss" "${errors:-no errors}"
    echo "$rps" >> "$tmp/$1"
}

tmp="$(mktemp -d)"
for i in $(seq "$runs"); do
    run ours "$ours_pid" "$ours_port"
    run hummingbird "$hb_pid" "$hb_port"
done
mean() { awk '{s += $1} END {printf "%.0f", s / NR}' "$1"; }
o="$(mean "$tmp/ours")"
h="$(mean "$tmp/hummingbird")"
echo "mean: ours $o req/s, hummingbird $h req/s, ratio $(awk -v o="$o" -v h="$h" 'BEGIN {printf "%.2f", o / h}')"
