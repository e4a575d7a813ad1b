"""Save and load model folders: safetensors + tokenizer + config + model card. Nothing pickled."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer

from hadath.data.errors import DataError
from hadath.data.normalize import NORMALIZER_VERSION
from hadath.data.schema import load_schema
from hadath.inference.config import PACKAGE_VERSION, HadathConfig
from hadath.inference.model import HadathModel

REQUIRED = ("config.json", "model.safetensors")
SHIPPED_SCHEMAS = ("conflict-events", "cleananercorp", "wojood", "idrisi", "asnd")


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


def version_warnings(config: HadathConfig, path: Path) -> list[str]:
    """What differs between how the model was trained and what this hadath would do; empty when nothing."""
    out = []
    if config.normalizer_version != NORMALIZER_VERSION:
        out.append(
            f"{path}: trained with normaliser version {config.normalizer_version}, this hadath normalises with "
            f"version {NORMALIZER_VERSION}: input text is prepared differently than in training; retrain, or "
            f"predict with the hadath version that trained it ({config.hadath_version})"
        )
    schema = config.label_schema
    try:
        shipped = load_schema(schema.name) if schema.name in SHIPPED_SCHEMAS else None
    except DataError:
        shipped = None
    if shipped is not None and (shipped.version, shipped.span_labels) != (schema.version, schema.span_labels):
        out.append(
            f"{path}: trained with schema {schema.name!r} version {schema.version} "
            f"({len(schema.span_labels)} span labels); hadath ships version {shipped.version} "
            f"({len(shipped.span_labels)} span labels): predictions use the model's labels; "
            "retrain to get the new schema"
        )
    return out


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
    for message in version_warnings(config, path):
        warnings.warn(message, stacklevel=2)
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
