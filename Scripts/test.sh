#!/usr/bin/env bash
# The test command: fetches the real-weights test model if needed, then runs every test.
# Needs OpenBLAS (apt: libopenblas-dev); .ci/run installs it on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/fetch-test-weights.sh
# One test at a time: several suites time real servers and clients (slowloris, 100-continue,
# deadlines), and on a 2-core machine other suites' engine work would skew them.
swift test --no-parallel "$@"
