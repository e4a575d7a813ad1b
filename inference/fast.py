"""The CPU fast path: the encoder exported to ONNX (optionally int8), run by ONNX Runtime.

Only the encoder moves to ONNX Runtime: it is nearly all of the arithmetic. The tagger, the sequence head,
the CRF and the window merge stay in PyTorch, so predictions go through exactly the same code as the fp32
path. ``hadath-export MODEL --onnx [--int8]`` writes ``encoder.onnx`` (or ``encoder.int8.onnx``) and
``onnx.json`` into the model folder; ``Predictor.from_pretrained`` then uses it on CPU unless told not to.
``onnx.json`` records a hash of ``model.safetensors`` so an export left behind by an older training run is
ignored with a warning instead of silently predicting with stale weights.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from hadath.data.atomic import atomic_write

MANIFEST = "onnx.json"


def _weights_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    with open(folder / "model.safetensors", "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _EncoderOnly(nn.Module):
    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def export_onnx(model_dir: str | Path, int8: bool = False, opset: int = 17) -> Path:
    """Export a model folder's encoder to ONNX inside the folder; returns the ``.onnx`` path.

    Args:
        model_dir: A folder written by ``hadath-train``.
        int8: Also quantise the Linear layers' weights to int8 (dynamic quantisation: activations are
            quantised per batch at run time). About 2× faster on CPU; check the F1 cost with
            ``benchmarks/bench_inference.py`` before deploying it.
        opset: ONNX opset version.
    """
    from hadath.inference.loading import load_model

    folder = Path(model_dir)
    model, _ = load_model(folder)
    wrapper = _EncoderOnly(model.encoder).eval()
    # An example with padding, so the traced graph keeps the attention-mask path.
    ids = torch.full((2, 12), 5, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    fp32 = folder / "encoder.onnx"
    tmp = folder / ".encoder.onnx.tmp"
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on transformers' Python-side shape checks
        torch.onnx.export(
            wrapper,
            (ids, mask),
            str(tmp),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=opset,
        )
    tmp.replace(fp32)
    target = fp32
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        target = folder / "encoder.int8.onnx"
        tmp8 = folder / ".encoder.int8.onnx.tmp"
        # Per-channel scales and weight-only MatMuls: per-tensor scales, or quantising the attention products
        # too, cost the default model 1.9 points of span F1 on the dev split; this costs 0.1.
        quantize_dynamic(
            str(fp32),
            str(tmp8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            extra_options={"MatMulConstBOnly": True},
        )
        tmp8.replace(target)
    _check_export(wrapper, target, atol=0.5 if int8 else 1e-3)
    with atomic_write(folder / MANIFEST) as fh:
        json.dump({"file": target.name, "int8": int8, "weights_sha256": _weights_hash(folder)}, fh, indent=2)
    return target


def _check_export(wrapper: nn.Module, path: Path, atol: float) -> None:
    """Run the export on an input of another shape than the traced one and compare with PyTorch."""
    ids = torch.randint(5, 50, (3, 31), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)
    mask[0, 20:] = 0
    with torch.inference_mode():
        expected = wrapper(ids, mask)
    got = torch.from_numpy(
        OnnxEncoder(path).session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    )
    diff = float((got - expected)[mask.bool()].abs().max())
    if diff > atol:
        raise RuntimeError(f"{path}: the export differs from PyTorch by {diff:.3g} (> {atol}); please report this")


@dataclass
class _Output:
    last_hidden_state: torch.Tensor


class OnnxEncoder(nn.Module):
    """Stands in for the transformers encoder inside :class:`HadathModel` (inference only)."""

    def __init__(self, path: str | Path, threads: int = 0):
        super().__init__()
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> _Output:
        out = self.session.run(
            None, {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()}
        )[0]
        return _Output(torch.from_numpy(out))


def find_export(folder: Path) -> dict[str, Any] | None:
    """The folder's ONNX export if there is one and it matches the weights; warns about a stale one."""
    manifest = folder / MANIFEST
    if not manifest.exists():
        return None
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
        path = folder / info["file"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        warnings.warn(f"{manifest}: unreadable ({err}); using the PyTorch encoder", stacklevel=3)
        return None
    if not path.exists():
        warnings.warn(f"{path}: listed in {manifest} but missing; using the PyTorch encoder", stacklevel=3)
        return None
    if info.get("weights_sha256") != _weights_hash(folder):
        warnings.warn(
            f"{path}: exported from other weights than {folder / 'model.safetensors'} (retrained since?); "
            f"using the PyTorch encoder. Run hadath-export {folder} --onnx again",
            stacklevel=3,
        )
        return None
    return {**info, "path": path}


def main(argv: list[str] | None = None) -> int:
    """``hadath-export MODEL --onnx [--int8]``."""
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="hadath-export", description="Export a model's encoder for fast CPU inference.")
    p.add_argument("model", help="model folder written by hadath-train")
    p.add_argument("--onnx", action="store_true", required=True, help="export to ONNX (ONNX Runtime on CPU)")
    p.add_argument("--int8", action="store_true", help="quantise weights to int8 (faster; check the F1 cost)")
    args = p.parse_args(argv)
    from hadath.inference.loading import ModelFolderError

    try:
        path = export_onnx(args.model, int8=args.int8)
    except (ModelFolderError, RuntimeError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}; Predictor.from_pretrained({args.model!r}) now uses it on CPU", file=sys.stderr)
    return 0


__all__ = ["OnnxEncoder", "export_onnx", "find_export", "main"]
