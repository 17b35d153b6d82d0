#!/usr/bin/env bash
# The test command: fetches the real-weights test model if needed, then runs every test.
# Needs OpenBLAS (apt: libopenblas-dev); .ci/run installs it on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/fetch-test-weights.sh
swift test "$@"
