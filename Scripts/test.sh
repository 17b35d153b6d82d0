#!/usr/bin/env bash
# The test command: fetches the real-weights test model if needed, installs the Python clients the tests
# drive into a virtual environment under .cache/ if they are missing (never globally), then runs every
# test, in parallel (swift test's default). Loopback servers run their handlers on their own threads and
# the tests wait on events, so suites do not disturb each other. Needs OpenBLAS (apt: libopenblas-dev)
# and curl; .ci/run installs them on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/fetch-test-weights.sh
venv=.cache/test-venv
if ! "$venv/bin/python3" -c 'import requests, huggingface_hub, cohere, openai, haystack, llama_index.postprocessor.tei_rerank
from haystack_integrations.components.rankers.huggingface_api import HuggingFaceTEIRanker' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check -r Scripts/requirements-test-clients.txt
fi
# The tests run `python3` from PATH: this one, with exactly the pinned clients.
export PATH="$PWD/$venv/bin:$PATH"
if [[ $# -gt 0 ]]; then
    exec swift test "$@"
fi
# The int8 accuracy check keeps both cores busy for minutes (thousands of real-weights pairs at two
# precisions); run beside the rest it would starve the suites that wait on the live service's
# deadlines. So: everything else in parallel, then it on its own.
swift test --skip int8RanksDocstringPairsLikeFp32
swift test --skip-build --filter int8RanksDocstringPairsLikeFp32
