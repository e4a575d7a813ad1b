"""Shared helpers for the benchmark scripts (not part of the package)."""

from __future__ import annotations

import random
import resource
import sys

from hadath.data import load_corpus, split_sentences


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def generated_reports(n: int, seed: int = 0, min_words: int = 50, max_words: int = 600) -> list[str]:
    """Realistic reports made by recombining sentences of the embedded corpus (50-600 words each)."""
    sentences = [
        r.text[s.start : s.end] for r in load_corpus("conflict-events", "train") for s in split_sentences(r.text)
    ]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        target = rng.randint(min_words, max_words)
        parts: list[str] = []
        words = 0
        while words < target:
            s = rng.choice(sentences)
            parts.append(s)
            words += len(s.split())
        out.append("\n".join(parts))
    return out


def save_default_architecture(tokenizer, encoder, folder, load_encoder_weights: bool):
    """An untrained model folder with the default config's architecture (e5-small shape, CRF, 160/32)."""
    from hadath.data import load_schema
    from hadath.inference import HadathConfig, HadathModel
    from hadath.inference.loading import save_model

    config = HadathConfig(
        encoder=encoder.config.to_dict(),
        schema=load_schema("conflict-events").to_dict(),
        max_subtokens=160,
        stride=32,
        use_crf=True,
    )
    model = HadathModel(config)
    if load_encoder_weights:
        model.encoder.load_state_dict(encoder.state_dict())
    return save_model(model, tokenizer, folder)
