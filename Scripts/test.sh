#!/usr/bin/env bash
# The test command: fetches the real-weights test model if needed, then runs every test, in parallel
# (swift test's default). Loopback servers run their handlers on their own threads and the tests wait
# on events, so suites do not disturb each other. Needs OpenBLAS (apt: libopenblas-dev); .ci/run
# installs it on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/fetch-test-weights.sh
swift test "$@"
