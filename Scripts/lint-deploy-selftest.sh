#!/usr/bin/env bash
# Shows that Scripts/lint-deploy.sh catches what it is for: each case copies Dockerfile, .hadolint.yaml,
# Deploy/ and compose.yaml, breaks one thing, and expects lint-deploy to exit non-zero with the finding named
# in its output; the untouched copy must pass. About 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PASSED=0
FAILED=0

# expect_finding LABEL EXPECTED-OUTPUT EDIT: EDIT runs (bash) in the copy; EXPECTED-OUTPUT is a fixed string.
expect_finding() {
    local label=$1 expected=$2 edit=$3 copy output status=0
    copy=$(mktemp -d)
    cp -r Dockerfile .hadolint.yaml Deploy compose.yaml "$copy/"
    (cd "$copy" && bash -c "$edit")
    output=$(DEPLOY_ROOT=$copy bash Scripts/lint-deploy.sh 2>&1) || status=$?
    rm -rf "$copy"
    local passed=false
    if [[ -z "$expected" ]]; then
        [[ $status -eq 0 ]] && passed=true
    elif [[ $status -ne 0 ]] && grep -qF -- "$expected" <<<"$output"; then
        passed=true
    fi
    if $passed; then
        echo "ok: $label"
        PASSED=$((PASSED + 1))
    else
        echo "FAILED: $label (exit $status, expected ${expected:-a clean run})"
        echo "$output" | sed 's/^/    /'
        FAILED=$((FAILED + 1))
    fi
}

expect_finding "the untouched files pass" "" "true"
expect_finding "an unknown field in the Deployment" "'pathh' was unexpected" \
    "sed -i 's|path: /health|pathh: /health|' Deploy/deployment.yaml"
expect_finding "a field of the wrong type" "is not of type 'integer'" \
    "sed -i 's|containerPort: 8080|containerPort: \"8080x\"|' Deploy/deployment.yaml"
expect_finding "an apiVersion without a schema (kubernetes-validate only warns)" "Couldn't find schema" \
    "sed -i 's|autoscaling/v2|autoscaling/v3|' Deploy/horizontalpodautoscaler.yaml"
expect_finding "a hadolint warning in the Dockerfile" "DL3007" \
    "sed -i 's|FROM debian:bookworm-slim|FROM debian:latest|' Dockerfile"
expect_finding "a manifest the kustomization does not list" "does not list extra.yaml" \
    "cp Deploy/service.yaml Deploy/extra.yaml"
expect_finding "a kustomization entry with no file" "lists absent.yaml, which is not in Deploy" \
    "sed -i 's|^  - service.yaml|  - service.yaml\n  - absent.yaml|' Deploy/kustomization.yaml"
expect_finding "a grace period shorter than preStop + drain" "is not longer than preStop 10 s + drain 25 s" \
    "sed -i 's|terminationGracePeriodSeconds: 45|terminationGracePeriodSeconds: 30|' Deploy/deployment.yaml"
expect_finding "a Service port aimed at no container port" "targetPort 'htp' is no container port name" \
    "sed -i 's|targetPort: http|targetPort: htp|' Deploy/service.yaml"
expect_finding "a CPU request below its limit" "cpu request '1' is not its limit '2'" \
    "sed -i '0,/cpu: \"2\"/s//cpu: \"1\"/' Deploy/deployment.yaml"
expect_finding "a misspelt compose key" "unknown key 'healtcheck'" \
    "sed -i 's|    healthcheck:|    healtcheck:|' compose.yaml"
expect_finding "a compose stop grace period within the drain" "stop_grace_period 20 s is not longer than the drain" \
    "sed -i 's|stop_grace_period: 35s|stop_grace_period: 20s|' compose.yaml"
expect_finding "a compose volume that is not declared" "volume 'modelcache' is not declared" \
    "sed -i 's|- model-cache:/data|- modelcache:/data|' compose.yaml"

echo "lint-deploy-selftest: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
