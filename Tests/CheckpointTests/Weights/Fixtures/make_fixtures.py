"""Writes the small checkpoint fixtures the weight-reader tests read.

Run from this folder with torch (CPU wheel is enough) and safetensors installed:
    python3 make_fixtures.py
Pinned by the versions it was last run with: torch 2.13.0+cpu, safetensors 0.8.0.
Every value is a simple formula of its index (exactly representable in f16 and bf16), so the Swift
tests recompute the expectations instead of storing them.
"""

import collections
import io
import zipfile

import torch
from safetensors.torch import save_file


def ramp(count, dtype):
    """0.25 * i - 1 for i in 0..<count: exact in every float type we read."""
    return (torch.arange(count, dtype=torch.float64) * 0.25 - 1).to(dtype)


def tensors_state_dict():
    state = collections.OrderedDict()
    state["f32"] = ramp(6, torch.float32).reshape(2, 3)
    state["f16"] = ramp(5, torch.float16)
    state["bf16"] = ramp(4, torch.bfloat16).reshape(2, 2)
    state["f64"] = ramp(3, torch.float64)
    state["i64"] = torch.arange(7, dtype=torch.int64).reshape(1, 7)
    base = ramp(12, torch.float32).reshape(3, 4)
    state["shared.base"] = base
    state["shared.row"] = base[1]  # same storage, offset 4
    state["shared.transposed"] = base.t()  # same storage, strides (1, 4)
    state["transposed.f16"] = ramp(6, torch.float16).reshape(2, 3).t()
    state["scalar"] = torch.tensor(2.5)
    state["empty"] = torch.zeros(0, 3)
    state["parameter"] = torch.nn.Parameter(ramp(3, torch.float32))
    return state


def write_torch_fixtures():
    torch.save(tensors_state_dict(), "tensors.bin")
    # A real module state dict: an OrderedDict carrying a `_metadata` attribute (pickled with BUILD).
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    with torch.no_grad():
        module[0].weight.copy_(ramp(6, torch.float32).reshape(2, 3))
        module[0].bias.copy_(ramp(2, torch.float32))
    torch.save(module.state_dict(), "module_state.bin")
    # The same dtype coverage saved as an f16 model would be.
    torch.save({"w": ramp(8, torch.float16).reshape(2, 4), "pos": torch.arange(4)}, "half_model.bin")


def rewrite_archive(source, target, data_pkl=None, compress=False):
    """Copies a torch checkpoint's entries into a zipfile-written archive, optionally swapping data.pkl."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            payload = original.read(info.filename)
            if data_pkl is not None and info.filename.endswith("/data.pkl"):
                payload = data_pkl
            method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            copy.writestr(info.filename, payload, compress_type=method)


def write_hostile_fixtures():
    # data.pkl that would run `os.system('echo hi')` if unpickled by Python.
    os_system = b"\x80\x02cos\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."
    rewrite_archive("tensors.bin", "malicious_os_system.bin", data_pkl=os_system)
    # Same tensors re-packed by Python's zipfile: no 64-byte alignment, no ZIP64 end record.
    rewrite_archive("tensors.bin", "tensors_zipfile.bin")
    # Same tensors, but every entry deflated.
    rewrite_archive("tensors.bin", "compressed.bin", compress=True)


def write_safetensors_fixture():
    tensors = {
        "f32": ramp(6, torch.float32).reshape(2, 3),
        "f16": ramp(5, torch.float16),
        "bf16": ramp(4, torch.bfloat16).reshape(2, 2),
        "f64": ramp(3, torch.float64),
        "i64": torch.arange(7, dtype=torch.int64).reshape(1, 7),
        "scalar": torch.tensor(2.5),
    }
    save_file(tensors, "small.safetensors", metadata={"format": "pt"})


if __name__ == "__main__":
    write_torch_fixtures()
    write_hostile_fixtures()
    write_safetensors_fixture()
    for name in ["tensors.bin", "module_state.bin", "half_model.bin"]:
        print(name, {key: tuple(value.shape) for key, value in torch.load(name).items()})
