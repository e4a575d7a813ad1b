"""Training configuration: YAML → frozen dataclasses, validated strictly before any work starts.

Unknown keys and wrong types fail with the key's path (``train.lr: expected a number, got 'fast'``).
PyYAML reads ``1e-5`` as a string, so numbers are coerced explicitly. Dotted command-line overrides
(``--train.epochs 2``) are applied to the raw mapping before validation.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from hadath.data.normalize import NormalizerConfig


class ConfigError(ValueError):
    """A configuration problem; the message starts with the key path."""


@dataclass(frozen=True)
class DataSource:
    """Where reports come from.

    ``format``: ``corpus`` (embedded, ``name`` + ``split``), ``jsonl`` / ``brat`` / ``labelstudio`` /
    ``conll`` (``path``), or a registered dataset reader name (``root`` + ``split``).
    """

    format: str = "corpus"  # corpus | jsonl | conll | brat | labelstudio | dataset
    name: str = "conflict-events"
    split: str = "train"
    path: str = ""
    root: str = ""
    scheme: str = ""  # CoNLL tag scheme; detected when empty


@dataclass(frozen=True)
class DataConfig:
    train: DataSource = field(default_factory=DataSource)
    dev: DataSource | None = field(default_factory=lambda: DataSource(split="dev"))
    schema: str = "conflict-events"
    strict: bool = True  # False: skip bad records (each reported) instead of stopping


@dataclass(frozen=True)
class ModelConfig:
    encoder: str = "offline:multilingual-e5-small"
    max_length: int = 160
    stride: int = 32
    use_crf: bool = False
    trim_vocabulary: bool = True
    freeze_embeddings: bool = False
    random_vocab_size: int = 4000
    dropout: float = 0.1
    token_loss_weight: float = 1.0
    sequence_loss_weight: float = 0.5
    sequence_pos_weight: float = 2.0
    sequence_threshold: float = 0.5
    normalizer: NormalizerConfig = field(default_factory=NormalizerConfig)


@dataclass(frozen=True)
class TrainSection:
    epochs: int = 8
    batch_size: int = 8
    lr: float = 1.5e-4
    head_lr: float = 3e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    grad_accumulation: int = 1
    max_grad_norm: float = 1.0
    seed: int = 42
    patience: int = 0  # epochs without dev improvement before stopping; 0 = never stop early
    device: Literal["auto", "cpu", "cuda"] = "auto"
    mixed_precision: Literal["no", "fp16", "bf16"] = "no"
    threads: int = 0  # torch CPU threads; 0 = all cores
    checkpoint_every_steps: int = 0  # 0 = at the end of each epoch only
    eval_batch_size: int = 32


@dataclass(frozen=True)
class OutputConfig:
    dir: str = "runs/default"
    save_last: bool = True


@dataclass(frozen=True)
class Config:
    """The whole training run. ``train(config)`` needs nothing else."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainSection = field(default_factory=TrainSection)
    output: OutputConfig = field(default_factory=OutputConfig)

    def to_dict(self) -> dict[str, Any]:
        # Relative paths in a config are relative to the working directory, as on the command line.
        return dataclasses.asdict(self)


def _coerce(value: Any, hint: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for opt in options:
            if opt is type(None):
                continue
            try:
                return _coerce(value, opt, path)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError(errors[0] if errors else f"{path}: invalid value {value!r}")
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ConfigError(f"{path}: must be one of {list(allowed)}, got {value!r}")
        return value
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path)
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{path}: expected true or false, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ConfigError(f"{path}: expected an integer, got {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)  # YAML 1.1 reads 1e-5 as a string
            except ValueError:
                pass
        raise ConfigError(f"{path}: expected a number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{path}: expected a string, got {value!r}")
    raise ConfigError(f"{path}: unsupported type {hint}")


def _build(cls: Any, raw: Any, path: str) -> Any:
    if raw is None:
        raw = {}
    if cls is DataSource and isinstance(raw, str):
        raw = _source_from_string(raw)
    if cls is DataSource and isinstance(raw, dict) and "format" not in raw and "root" in raw:
        raw = {"format": "dataset", **raw}  # {name, split, root} names a registered public-corpus reader
    if not isinstance(raw, dict):
        raise ConfigError(f"{path or 'config'}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        where = f"{path}." if path else ""
        raise ConfigError(f"{where}{unknown[0]}: unknown key; allowed here: {sorted(names)}")
    kwargs = {k: _coerce(v, hints[k], f"{path}.{k}" if path else k) for k, v in raw.items()}
    return cls(**kwargs)


def _source_from_string(value: str) -> dict[str, str]:
    """``conflict-events/train`` → the embedded corpus; anything else is a file path by its suffix."""
    if "/" in value and not Path(value).suffix and value.split("/")[0] in ("conflict-events",):
        name, split = value.split("/", 1)
        return {"format": "corpus", "name": name, "split": split}
    suffix = Path(value).suffix.lower()
    fmt = {
        ".jsonl": "jsonl",
        ".json": "labelstudio",
        ".txt": "conll",
        ".conll": "conll",
        ".bio": "conll",
    }.get(suffix, "brat" if Path(value).is_dir() else "jsonl")
    return {"format": fmt, "path": value}


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``--section.key value`` pairs (values parsed as YAML) to a raw config mapping."""
    raw = dict(raw)
    if len(overrides) % 2:
        raise ConfigError(f"override {overrides[-1]!r} has no value; use --section.key VALUE")
    for flag, value in zip(overrides[::2], overrides[1::2], strict=True):
        if not flag.startswith("--") or "." not in flag:
            raise ConfigError(f"{flag}: overrides look like --train.epochs 2")
        keys = flag[2:].split(".")
        node = raw
        for key in keys[:-1]:
            child = node.get(key)
            child = dict(child) if isinstance(child, dict) else {}
            node[key] = child
            node = child
        node[keys[-1]] = yaml.safe_load(value)
    return raw


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a training config.

    >>> load_config(None, ["--train.lr", "1e-5"]).train.lr
    1e-05
    """
    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"{path}: config file not found")
        with path.open(encoding="utf-8") as fh:
            loaded = yaml.safe_load(fh)
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a config is a mapping with data/model/train/output sections")
        raw = loaded or {}
    raw = apply_overrides(raw, overrides or [])
    config: Config = _build(Config, raw, "")
    return config


def dump_config(config: Config) -> str:
    return yaml.safe_dump(config.to_dict(), allow_unicode=True, sort_keys=False)
