"""A linear-chain CRF whose transitions forbid invalid BIO sequences.

The same hard constraints also drive decoding without a CRF (zero learned transitions), so every
decoded sequence is valid BIO: an ``I-X`` only ever follows ``B-X`` or ``I-X``.
"""

from __future__ import annotations

import torch
from torch import nn

_NEG = -1e4  # large enough to never win, small enough to stay finite in fp16 sums


def bio_constraints(tags: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(allowed[T, T], allowed_start[T])`` boolean masks for BIO tags."""
    n = len(tags)
    allowed = torch.ones(n, n, dtype=torch.bool)
    start = torch.ones(n, dtype=torch.bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            start[j] = False
            label = tag[2:]
            for i, prev in enumerate(tags):
                allowed[i, j] = prev in (f"B-{label}", f"I-{label}")
    return allowed, start


class BioCRF(nn.Module):
    """CRF over word-level tag scores with BIO constraints."""

    def __init__(self, tags: list[str], learn_transitions: bool = True):
        super().__init__()
        # The constraint masks derive from the tags and are built on first use: as buffers they would be
        # left uninitialised when transformers builds the model on the meta device in from_pretrained.
        self.tags = list(tags)
        self._masks: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}
        n = len(tags)
        self.learn_transitions = learn_transitions
        self.transitions = nn.Parameter(torch.zeros(n, n), requires_grad=learn_transitions)
        self.start = nn.Parameter(torch.zeros(n), requires_grad=learn_transitions)
        self.end = nn.Parameter(torch.zeros(n), requires_grad=learn_transitions)

    def _trans(self) -> tuple[torch.Tensor, torch.Tensor]:
        device = self.transitions.device
        if device not in self._masks:
            allowed, allowed_start = bio_constraints(self.tags)
            self._masks[device] = (allowed.to(device), allowed_start.to(device))
        allowed, allowed_start = self._masks[device]
        trans = self.transitions.masked_fill(~allowed, _NEG)
        start = self.start.masked_fill(~allowed_start, _NEG)
        return trans, start

    def neg_log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood of ``tags`` [B, W] (mask [B, W], left-aligned, ≥1 word)."""
        emissions = emissions.float()
        trans, start = self._trans()
        _B, W, _ = emissions.shape
        mask_f = mask.float()
        tags = tags.clamp(min=0)
        # Score of the gold path.
        score = start[tags[:, 0]] + emissions[:, 0].gather(1, tags[:, :1]).squeeze(1)
        for t in range(1, W):
            step = trans[tags[:, t - 1], tags[:, t]] + emissions[:, t].gather(1, tags[:, t : t + 1]).squeeze(1)
            score = score + step * mask_f[:, t]
        lengths = mask.long().sum(1)
        last = tags.gather(1, (lengths - 1).clamp(min=0).unsqueeze(1)).squeeze(1)
        score = score + self.end[last]
        # Partition function.
        alpha = start.unsqueeze(0) + emissions[:, 0]
        for t in range(1, W):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + trans.unsqueeze(0), dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], nxt, alpha)
        log_z = torch.logsumexp(alpha + self.end.unsqueeze(0), dim=1)
        has_words = lengths > 0
        return ((log_z - score) * has_words.float()).sum()

    @torch.no_grad()
    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Posterior probability of every tag at every word, ``[B, W, T]`` (forward-backward).

        Scaled forward-backward in probability space (float64, each step renormalised): one small matrix
        product per word instead of a log-sum-exp over ``[B, T, T]``, about twice as fast on long reports.
        """
        trans, start = self._trans()
        B, W, T = emissions.shape
        if W == 0:
            return emissions.float()
        em = emissions.double()
        probs = (em - em.amax(dim=2, keepdim=True)).exp()  # per-word scaling cancels in the normalisation
        step = trans.double().exp()  # forbidden transitions become exactly 0
        first = start.double().exp()
        end = self.end.double().exp().unsqueeze(0).expand(B, T)
        tiny = torch.finfo(torch.float64).tiny
        alphas = [first.unsqueeze(0) * probs[:, 0]]
        alphas[0] = alphas[0] / alphas[0].sum(1, keepdim=True).clamp(min=tiny)
        for t in range(1, W):
            nxt = (alphas[-1] @ step) * probs[:, t]
            nxt = nxt / nxt.sum(1, keepdim=True).clamp(min=tiny)
            alphas.append(torch.where(mask[:, t : t + 1], nxt, alphas[-1]))
        betas = [end / end.sum(1, keepdim=True)]
        for t in range(W - 2, -1, -1):
            nxt = (probs[:, t + 1] * betas[-1]) @ step.T
            nxt = nxt / nxt.sum(1, keepdim=True).clamp(min=tiny)
            betas.append(torch.where(mask[:, t + 1 : t + 2], nxt, end))
        joint = torch.stack(alphas, dim=1) * torch.stack(betas[::-1], dim=1)
        return (joint / joint.sum(2, keepdim=True).clamp(min=tiny)).float()

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Best valid tag sequence per row (Viterbi)."""
        emissions = emissions.float()
        trans, start = self._trans()
        B, W, T = emissions.shape
        if W == 0:
            return [[] for _ in range(B)]
        score = start.unsqueeze(0) + emissions[:, 0]
        history = []
        for t in range(1, W):
            best, idx = (score.unsqueeze(2) + trans.unsqueeze(0)).max(dim=1)
            nxt = best + emissions[:, t]
            score = torch.where(mask[:, t : t + 1], nxt, score)
            history.append(torch.where(mask[:, t : t + 1], idx, torch.arange(T, device=idx.device).expand(B, T)))
        score = score + self.end.unsqueeze(0)
        lengths = mask.long().sum(1).tolist()
        best_last = score.argmax(dim=1).tolist()
        hist = torch.stack(history, dim=1).tolist() if history else []
        out: list[list[int]] = []
        for b in range(B):
            n = lengths[b]
            if n == 0:
                out.append([])
                continue
            path = [best_last[b]]
            for t in range(n - 2, -1, -1):
                path.append(hist[b][t][path[-1]])
            out.append(path[::-1])
        return out
