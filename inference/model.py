"""HadathModel: one encoder pass feeding a word-level BIO tagger and a multi-label sequence head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel
from transformers.utils import ModelOutput

from hadath.inference.config import HadathConfig
from hadath.inference.crf import BioCRF


@dataclass
class HadathOutput(ModelOutput):
    """Outputs of :class:`HadathModel`.

    Attributes:
        loss: Weighted sum of the tagging and sequence losses (when labels were given).
        tag_scores: ``[B, W, T]`` per-word tag log-probabilities (or CRF emissions).
        sequence_logits: ``[B, K, L]`` logits of each segment's (sentence's) event types.
    """

    loss: torch.Tensor | None = None
    tag_scores: torch.Tensor | None = None
    sequence_logits: torch.Tensor | None = None


def build_encoder(encoder_config: dict) -> PreTrainedModel:
    cfg = dict(encoder_config)
    model_type = cfg.pop("model_type")
    # Weights are kept in float32 whatever the checkpoint was saved in; mixed precision is accelerate's job.
    cfg.pop("dtype", None)
    cfg.pop("torch_dtype", None)
    config = AutoConfig.for_model(model_type, **cfg)
    # SDPA attention is the fast path on CPU and GPU; eager is only a fallback for old architectures.
    try:
        return AutoModel.from_config(config, add_pooling_layer=False, attn_implementation="sdpa")
    except (TypeError, ValueError):
        return AutoModel.from_config(config)


class HadathModel(PreTrainedModel):
    """The joint tagger. Words are represented by their first sub-token; segments by mean pooling.

    Forward inputs (all produced by :mod:`hadath.inference.windows`):
        input_ids, attention_mask: ``[B, S]`` sub-tokens of each window.
        word_index: ``[B, W]`` position of each word's first sub-token (0 where padded).
        word_mask: ``[B, W]`` True for real words.
        segment_ids: ``[B, S]`` 1-based segment (sentence) of each sub-token, 0 for none; a segment is
            represented by the mean and the max of its sub-token states.
        tag_labels: ``[B, W]`` gold tag ids, -100 where ignored.
        segment_labels: ``[B, K, L]`` gold multi-hot event types per segment; segment_mask ``[B, K]``.
    """

    config_class = HadathConfig
    base_model_prefix = "hadath"
    supports_gradient_checkpointing = True
    _supports_sdpa = True

    def __init__(self, config: HadathConfig):
        super().__init__(config)
        self.encoder: PreTrainedModel = build_encoder(config.encoder)
        hidden: int = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.tagger = nn.Linear(hidden, len(config.tags))
        self.sequence_head = nn.Linear(2 * hidden, max(1, len(config.sequence_labels)))
        self.crf = BioCRF(config.tags, learn_transitions=config.use_crf)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        # BERT's initialisation (normal with the encoder's initializer_range); only modules not loaded
        # from a checkpoint get here, so pretrained encoder weights are untouched. The CRF is left alone:
        # its parameters start at zero in BioCRF.__init__, and transformers calls this hook on it after
        # loading a checkpoint too, which would wipe the learned transitions.
        std = getattr(self.encoder.config, "initializer_range", 0.02) if hasattr(self, "encoder") else 0.02
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        segment_ids: torch.Tensor | None = None,
        tag_labels: torch.Tensor | None = None,
        segment_labels: torch.Tensor | None = None,
        segment_mask: torch.Tensor | None = None,
    ) -> HadathOutput:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden = self.dropout(hidden)
        words = hidden.gather(1, word_index.unsqueeze(-1).expand(-1, -1, hidden.size(-1)))
        emissions = self.tagger(words)
        tag_scores = emissions if self.config.use_crf else F.log_softmax(emissions.float(), dim=-1)

        seq_logits = None
        if segment_ids is not None:
            k = int(segment_ids.max().item()) if segment_ids.numel() else 0
            k = max(k, segment_mask.size(1) if segment_mask is not None else 0, 1)
            ids = torch.arange(1, k + 1, device=segment_ids.device)
            member = segment_ids.unsqueeze(1) == ids.view(1, -1, 1)  # [B, K, S]
            weights = member.to(hidden.dtype)
            mean = weights.bmm(hidden) / weights.sum(-1, keepdim=True).clamp(min=1.0)
            # Max pooling detects "some word of this sentence is a trigger of type X"; mean pooling alone
            # dilutes one trigger word among thirty and the head then learns little beyond the priors.
            peak = torch.stack(
                [
                    hidden.masked_fill(~member[:, k].unsqueeze(-1), torch.finfo(hidden.dtype).min).amax(dim=1)
                    for k in range(k)
                ],
                dim=1,
            )
            peak = torch.where(member.any(-1, keepdim=True), peak, torch.zeros_like(peak))
            seq_logits = self.sequence_head(torch.cat([mean, peak], dim=-1))

        loss = None
        if tag_labels is not None:
            n_words = word_mask.sum().clamp(min=1)
            if self.config.use_crf:
                tag_loss = self.crf.neg_log_likelihood(emissions, tag_labels, word_mask) / n_words
            else:
                tag_loss = F.nll_loss(
                    tag_scores.reshape(-1, tag_scores.size(-1)), tag_labels.reshape(-1), ignore_index=-100
                )
            loss = self.config.token_loss_weight * tag_loss
            if seq_logits is not None and segment_labels is not None and self.config.sequence_labels:
                kk = segment_labels.size(1)
                logits = seq_logits[:, :kk].float()
                pos_weight = torch.full((logits.size(-1),), self.config.sequence_pos_weight, device=logits.device)
                bce = F.binary_cross_entropy_with_logits(
                    logits, segment_labels.float(), reduction="none", pos_weight=pos_weight
                )
                m = segment_mask[:, :kk].float().unsqueeze(-1) if segment_mask is not None else torch.ones_like(bce)
                seq_loss = (bce * m).sum() / (m.sum() * logits.size(-1)).clamp(min=1.0)
                loss = loss + self.config.sequence_loss_weight * seq_loss
        return HadathOutput(loss=loss, tag_scores=tag_scores, sequence_logits=seq_logits)

    def decode_tags(self, tag_scores: torch.Tensor, word_mask: torch.Tensor) -> list[list[int]]:
        """Best valid BIO sequence per window: Viterbi with I- allowed only after B-/I- of its type."""
        return self.crf.decode(tag_scores, word_mask)
