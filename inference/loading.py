"""Save and load model folders: safetensors + tokenizer + config + model card. Nothing pickled."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer

from hadath.data.normalize import NormalizerConfig
from hadath.inference.config import PACKAGE_VERSION, HadathConfig
from hadath.inference.model import HadathModel

REQUIRED = ("config.json", "model.safetensors")


class ModelFolderError(OSError):
    """A model folder is missing a file or holds a corrupt one; the message names it."""


def check_folder(path: Path) -> None:
    if not path.is_dir():
        raise ModelFolderError(f"{path}: not a model folder (expected a folder written by hadath-train)")
    for name in REQUIRED:
        if not (path / name).is_file():
            raise ModelFolderError(f"{path / name}: missing; the model folder is incomplete (copy it again or retrain)")
    if not any((path / n).is_file() for n in ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model")):
        raise ModelFolderError(f"{path / 'tokenizer.json'}: missing; the tokenizer must be saved with the model")
    try:
        raw = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFolderError(f"{path / 'config.json'}: corrupt ({err})") from err
    if raw.get("model_type") != "hadath":
        raise ModelFolderError(
            f"{path / 'config.json'}: model_type is {raw.get('model_type')!r}, not 'hadath'; "
            "this folder was not written by hadath-train"
        )


def load_model(path: str | Path) -> tuple[HadathModel, Any]:
    """Load ``(model, tokenizer)`` from a folder, with errors that name the broken file."""
    path = Path(path)
    check_folder(path)
    config = HadathConfig.from_pretrained(path)
    if config.hadath_version != PACKAGE_VERSION:
        warnings.warn(
            f"{path}: trained with hadath {config.hadath_version}, running {PACKAGE_VERSION}; "
            "predictions may differ slightly",
            stacklevel=2,
        )
    defaults = NormalizerConfig().to_dict()
    if set(config.normalizer) != set(defaults):
        warnings.warn(
            f"{path}: normaliser settings {sorted(config.normalizer)} come from another hadath "
            "version; check predictions",
            stacklevel=2,
        )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # one model folder loads in a blink; the bar is noise in logs
    try:
        model = HadathModel.from_pretrained(path, config=config)
    except Exception as err:  # safetensors raises several types for a damaged file
        raise ModelFolderError(f"{path / 'model.safetensors'}: cannot be read ({type(err).__name__}: {err})") from err
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except Exception as err:
        raise ModelFolderError(f"{path / 'tokenizer.json'}: cannot be read ({type(err).__name__}: {err})") from err
    model.eval()
    return model, tokenizer


def save_model(model: HadathModel, tokenizer, path: str | Path, card: str | None = None) -> Path:
    """Write a model folder (safetensors, tokenizer, config and README.md model card)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    if card is not None:
        (path / "README.md").write_text(card, encoding="utf-8")
    return path
