#!/usr/bin/env bash
# Checks the live service against its own OpenAPI document: openapi-spec-validator on
# /openapi.json, then schemathesis (every check, coverage + fuzzing phases) against a server on an
# ephemeral port serving the tiny fixture model. Fails on any 5xx, schema mismatch, wrong status,
# or a server that does not exit 0 on SIGTERM afterwards.
#
#   bash Scripts/schemathesis.sh                  # CI: 50 examples per operation (~5 s of fuzzing)
#   MAX_EXAMPLES=200 bash Scripts/schemathesis.sh  # locally: ~600 generated cases
#
# Env: MAX_EXAMPLES (default 50), REWARD_SERVER (a built binary; default: `swift build` the debug
# one in .build), VENV (default .cache/schemathesis-venv), PYTHON (default: a Python 3.12+
# on PATH or under pyenv, else python3). Python 3.11's ast.parse can fail with "AST constructor recursion
# depth mismatch" inside hypothesis while schemathesis builds cases, an error of the tool, not of
# the server; 3.12 and later do not.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MAX_EXAMPLES=${MAX_EXAMPLES:-50}
VENV=${VENV:-$ROOT/.cache/schemathesis-venv}
MODEL=$ROOT/Tests/Fixtures/models/tiny-v2-cased-st

if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=python3
    for candidate in python3.13 python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
        if "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then PYTHON=$candidate; break; fi
    done
fi
if [[ ! -x "$VENV/bin/schemathesis" || ! -x "$VENV/bin/openapi-spec-validator" ]]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"
fi

if [[ -z "${REWARD_SERVER:-}" ]]; then
    # The default build directory, so after `swift test` this is an incremental no-op.
    swift build --product reward-server >&2
    REWARD_SERVER=$(swift build --show-bin-path)/reward-server
fi

WORK=$(mktemp -d)
LOG=$WORK/server.log
"$REWARD_SERVER" serve --model "$MODEL" --port 0 --threads 1 2>"$LOG" &
SERVER=$!
cleanup() {
    if kill -0 "$SERVER" 2>/dev/null; then kill "$SERVER"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=""
for _ in $(seq 1 200); do
    PORT=$(sed -n 's/.* port=\([0-9]*\) .* ready$/\1/p' "$LOG" | head -1)
    [[ -n "$PORT" ]] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; echo "server exited during start-up" >&2; exit 1; }
    sleep 0.05
done
[[ -n "$PORT" ]] || { cat "$LOG" >&2; echo "server never became ready" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT

python3 -c "import urllib.request,sys; sys.stdout.buffer.write(urllib.request.urlopen('$BASE/openapi.json').read())" \
    >"$WORK/openapi.json"
"$VENV/bin/openapi-spec-validator" "$WORK/openapi.json"

START=$(date +%s)
(cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$ROOT/Scripts/schemathesis.toml" run "$BASE/openapi.json" --checks all --max-examples "$MAX_EXAMPLES" \
    --workers 2 --seed 1 --phases coverage,fuzzing --no-color)
echo "schemathesis: $(( $(date +%s) - START )) s" >&2

kill -TERM "$SERVER"
STATUS=0
wait "$SERVER" || STATUS=$?
trap - EXIT
if grep -q " error " "$LOG"; then
    grep " error " "$LOG" >&2
    echo "the server logged errors during the run" >&2
    STATUS=1
fi
rm -rf "$WORK"
[[ $STATUS -eq 0 ]] || { echo "reward-server exited with $STATUS" >&2; exit 1; }
echo "schemathesis: passed; reward-server drained and exited 0" >&2
