"""HadathConfig: everything a saved model needs to predict exactly as it was trained."""

from __future__ import annotations

from typing import Any

from transformers import AutoConfig, PretrainedConfig

from hadath.data.normalize import NORMALIZER_VERSION, NormalizerConfig
from hadath.data.schema import LabelSchema

PACKAGE_VERSION = "0.1.0"


class HadathConfig(PretrainedConfig):
    """Configuration of the joint tagger: encoder, both heads' labels and the preprocessing.

    Attributes:
        encoder: The encoder's own config as a dict (``model_type`` included), e.g. a BERT config.
        schema: The :class:`LabelSchema` as a dict; the BIO tags and sequence labels derive from it.
        normalizer: :class:`NormalizerConfig` settings applied before tokenising.
        max_subtokens: Sub-tokens per window, special tokens included (not ``max_length``, which
            transformers reserves for generation).
        stride: Sub-tokens of context shared by consecutive windows.
        use_crf: Decode and train with a BIO-constrained CRF.
        token_loss_weight, sequence_loss_weight: Weights of the two losses.
        sequence_pos_weight: BCE weight of positive sequence labels (event types are sparse).
        sequence_threshold: Probability above which an event type is predicted.
        classifier_dropout: Dropout before both heads.
        hadath_version: Package version that trained the model (checked at load).
        normalizer_version: :data:`NORMALIZER_VERSION` at training time (checked at load).
    """

    model_type = "hadath"

    def __init__(
        self,
        encoder: dict[str, Any] | None = None,
        schema: dict[str, Any] | None = None,
        normalizer: dict[str, Any] | None = None,
        max_subtokens: int = 256,
        stride: int = 64,
        use_crf: bool = False,
        token_loss_weight: float = 1.0,
        sequence_loss_weight: float = 0.5,
        sequence_pos_weight: float = 2.0,
        sequence_threshold: float = 0.5,
        classifier_dropout: float = 0.1,
        hadath_version: str = PACKAGE_VERSION,
        normalizer_version: int = NORMALIZER_VERSION,
        **kwargs: Any,
    ):
        self.encoder = encoder or {}
        self.schema = schema or {"name": "empty", "arguments": []}
        self.normalizer = NormalizerConfig.from_dict(normalizer).to_dict()
        if max_subtokens < 8:
            raise ValueError(f"max_subtokens={max_subtokens} is too small for a window")
        if not 0 <= stride < max_subtokens // 2:
            raise ValueError(f"stride={stride} must be in [0, max_subtokens/2)")
        self.max_subtokens = max_subtokens
        self.stride = stride
        self.use_crf = use_crf
        self.token_loss_weight = float(token_loss_weight)
        self.sequence_loss_weight = float(sequence_loss_weight)
        self.sequence_pos_weight = float(sequence_pos_weight)
        self.sequence_threshold = float(sequence_threshold)
        self.classifier_dropout = float(classifier_dropout)
        self.hadath_version = hadath_version
        self.normalizer_version = int(normalizer_version)
        label_schema = self.label_schema
        tags = list(label_schema.bio_tags)
        kwargs.pop("id2label", None)
        kwargs.pop("label2id", None)
        kwargs.pop("num_labels", None)
        super().__init__(id2label=dict(enumerate(tags)), label2id={t: i for i, t in enumerate(tags)}, **kwargs)
        if self.tags[0] != "O":
            raise ValueError("tag 0 must be 'O'")
        self.sequence_labels = list(label_schema.sequence_labels)

    @property
    def label_schema(self) -> LabelSchema:
        return LabelSchema.from_dict(self.schema, source="config.json schema")

    @property
    def normalizer_config(self) -> NormalizerConfig:
        return NormalizerConfig.from_dict(self.normalizer)

    @property
    def tags(self) -> list[str]:
        id2label: dict[int, str] = self.id2label  # type: ignore[assignment]
        return [id2label[i] for i in range(len(id2label))]


# Registered so that transformers' Auto* helpers (e.g. AutoTokenizer reading config.json) know the type.
AutoConfig.register("hadath", HadathConfig, exist_ok=True)
