"""Training step throughput of the offline e5-small under the options that exist to make CPU training cheap.

Same batches, same process, variants interleaved round by round (A B C D, A B C D, ...); prints the median
seconds per step, sub-tokens per second and the ratio to the default recipe (trimmed vocabulary, CRF).

    python benchmarks/bench_train.py [--steps 8] [--rounds 2] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from hadath.data import Normalizer, load_corpus, load_schema, split_words
from hadath.inference import HadathConfig, HadathModel
from hadath.train.encoders import load_offline_e5, trim_vocabulary
from hadath.train.features import build_examples, collate_examples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    args = ap.parse_args()
    torch.manual_seed(0)
    schema = load_schema("conflict-events")
    reports = load_corpus("conflict-events", "train")
    normalizer = Normalizer()
    words = [[normalizer(r.text[w.start : w.end]) for w in split_words(r.text)] for r in reports]
    words = [[w for w in ws if w] for ws in words]

    full_tok, full_enc = load_offline_e5()
    trim_tok, trim_enc, kept = trim_vocabulary(*load_offline_e5(), words)
    variants = {
        "trimmed + CRF (default)": (trim_tok, trim_enc, True, False),
        "trimmed, no CRF": (trim_tok, trim_enc, False, False),
        "trimmed + CRF + frozen embeddings": (trim_tok, trim_enc, True, True),
        "full 250k vocabulary + CRF": (full_tok, full_enc, True, False),
        "full vocabulary + CRF + frozen embeddings": (full_tok, full_enc, True, True),
    }
    setups = {}
    for name, (tok, enc, crf, frozen) in variants.items():
        config = HadathConfig(
            encoder=enc.config.to_dict(), schema=schema.to_dict(), max_subtokens=160, stride=32, use_crf=crf
        )
        model = HadathModel(config)
        model.encoder.load_state_dict(enc.state_dict())
        if frozen:
            model.encoder.get_input_embeddings().weight.requires_grad_(False)
        model.train()
        examples, _ = build_examples(reports, tok, normalizer, schema, 160, 32)
        # The same windows in the same order for every variant (length-sorted middle slice: typical sizes).
        examples.sort(key=lambda e: len(e.window.input_ids))
        mid = len(examples) // 2
        chosen = examples[mid - args.batch_size * args.steps // 2 : mid + args.batch_size * args.steps // 2]
        batches = [
            collate_examples(chosen[i : i + args.batch_size], tok.pad_token_id, len(schema.sequence_labels))
            for i in range(0, len(chosen), args.batch_size)
        ]
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        setups[name] = (model, opt, batches)
    print(f"vocabulary: full {full_enc.config.vocab_size} pieces, trimmed {kept}; threads {torch.get_num_threads()}")

    times: dict[str, list[float]] = {n: [] for n in setups}
    pieces = {n: sum(int(b["attention_mask"].sum()) for b in setups[n][2]) for n in setups}
    for _ in range(args.rounds):
        for name, (model, opt, batches) in setups.items():
            out = model(**batches[0])  # warm-up step, not timed
            out.loss.backward()
            opt.step()
            opt.zero_grad()
            t = time.perf_counter()
            for b in batches:
                out = model(**b)
                out.loss.backward()
                opt.step()
                opt.zero_grad()
            times[name].append((time.perf_counter() - t) / len(batches))
    base = statistics.median(times["trimmed + CRF (default)"])
    print(f"\n{'variant':<44}{'s/step':>8}{'sub-tok/s':>11}{'vs default':>12}")
    for name in setups:
        s = statistics.median(times[name])
        rate = pieces[name] / len(setups[name][2]) / s
        print(f"{name:<44}{s:>8.3f}{rate:>11.0f}{base / s:>11.2f}x")


if __name__ == "__main__":
    main()
