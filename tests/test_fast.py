"""The ONNX fast path: export, transparent loading, equality with PyTorch, stale exports ignored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")

from hadath.inference import Predictor
from hadath.inference.fast import export_onnx
from hadath.inference.fast import main as export_main


@pytest.fixture(scope="module")
def exported(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fast") / "model"
    shutil.copytree(tiny_model, folder)
    assert export_main([str(folder), "--onnx"]) == 0
    return folder


def _texts() -> list[str]:
    from hadath.data import load_corpus

    return [r.text for r in load_corpus("conflict-events", "dev")[:40]]


def _key(preds) -> list:
    return [[(s.start, s.end, s.label) for s in p.spans] for p in preds]


def test_the_export_is_used_on_cpu_and_predicts_like_pytorch(exported: Path) -> None:
    fast = Predictor.from_pretrained(exported, device="cpu")
    slow = Predictor.from_pretrained(exported, device="cpu", backend="torch")
    assert fast.backend == "onnx:encoder.onnx" and slow.backend == "torch"
    texts = _texts()
    a, b = fast.predict(texts), slow.predict(texts)
    assert _key(a) == _key(b)
    for x, y in zip(a, b, strict=True):
        for s, t in zip(x.spans, y.spans, strict=True):
            assert abs(s.score - t.score) < 1e-3


def test_int8_export_keeps_nearly_all_spans(exported: Path, tmp_path: Path) -> None:
    folder = tmp_path / "int8"
    shutil.copytree(exported, folder)
    path = export_onnx(folder, int8=True)
    assert path.name == "encoder.int8.onnx"
    fast = Predictor.from_pretrained(folder, device="cpu")
    assert fast.backend == "onnx:encoder.int8.onnx"
    texts = _texts()
    a = {(i, *s) for i, spans in enumerate(_key(fast.predict(texts))) for s in spans}
    b = {
        (i, *s)
        for i, spans in enumerate(_key(Predictor.from_pretrained(folder, backend="torch").predict(texts)))
        for s in spans
    }
    assert len(a & b) >= 0.9 * len(b)  # a random tiny model is the worst case for int8; trained ones: bench


def test_a_stale_export_is_ignored_with_a_warning(exported: Path, tmp_path: Path) -> None:
    folder = tmp_path / "retrained"
    shutil.copytree(exported, folder)
    with open(folder / "model.safetensors", "ab") as fh:
        fh.write(b"\0")  # any change of the weights file stands for a retraining
    with pytest.warns(UserWarning, match="exported from other weights"):
        predictor = _load_stale(folder)
    assert predictor == "torch"


def _load_stale(folder: Path) -> str:
    from hadath.inference.fast import find_export

    return "onnx" if find_export(folder) is not None else "torch"


def test_backend_onnx_without_an_export_names_the_fix(tiny_model: Path) -> None:
    from hadath.inference.loading import ModelFolderError

    with pytest.raises(ModelFolderError, match="hadath-export"):
        Predictor.from_pretrained(tiny_model, backend="onnx")


def test_manifest_records_the_export(exported: Path) -> None:
    info = json.loads((exported / "onnx.json").read_text(encoding="utf-8"))
    assert info["file"] == "encoder.onnx" and info["int8"] is False and len(info["weights_sha256"]) == 64


def test_bf16_precision_predicts_valid_spans(tiny_model: Path) -> None:
    fp32 = Predictor.from_pretrained(tiny_model, device="cpu", backend="torch")
    bf16 = Predictor.from_pretrained(tiny_model, device="cpu", backend="torch", precision="bf16")
    texts = _texts()[:10]
    a, b = bf16.predict(texts), fp32.predict(texts)
    for text, pred in zip(texts, a, strict=True):
        for span in pred.spans:
            assert text[span.start : span.end] == span.text
    same = sum(x == y for x, y in zip(_key(a), _key(b), strict=True))
    assert same >= 7  # bfloat16 keeps 8 bits of mantissa: a few borderline spans may flip on a tiny model


def test_unknown_precision_is_refused(tiny_model: Path) -> None:
    with pytest.raises(ValueError, match="precision"):
        Predictor.from_pretrained(tiny_model, precision="fp8")
