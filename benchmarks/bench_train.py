"""Training throughput: hadath's loop against an HF ``Trainer`` run_ner-style baseline, then the CPU options.

Part 1, one epoch each on the embedded corpus' training split, same encoder (offline multilingual-e5-small),
same batch size and learning rate, one after the other in this process:

- ``HF Trainer``: ``AutoModelForTokenClassification`` on the encoder, words tokenised with
  ``is_split_into_words`` and labelled on their first sub-token, truncated at the same max length (what
  run_ner does), ``DataCollatorForTokenClassification``, default random batches.
- ``hadath``: ``hadath.train.loop.train`` with ``configs/default.yaml`` (trimmed vocabulary, CRF, sequence
  head, sentence-aligned windows instead of truncation, length-grouped batches).

Sub-tokens/s counts the real (unpadded) sub-tokens a run pushed through the model per second of training.

Part 2: step cost of the options (CRF, vocabulary trimming, frozen embeddings) on the same batches, variants
interleaved round by round (A B C D, A B C D, ...), median seconds per step.

    python benchmarks/bench_train.py [--steps 8] [--rounds 2] [--batch-size 8] [--skip-trainer]
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


def hf_trainer_epoch(batch_size: int, lr: float, max_length: int) -> tuple[float, int]:
    """One epoch of an HF Trainer token-classification run; returns (seconds, real sub-tokens seen)."""
    import tempfile

    from datasets import Dataset
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
    )

    schema = load_schema("conflict-events")
    tags = list(schema.bio_tags)
    tok, enc = load_offline_e5()
    rows = {"input_ids": [], "attention_mask": [], "labels": []}
    for r in load_corpus("conflict-events", "train"):
        words = split_words(r.text)
        word_tags = ["O"] * len(words)
        for span in r.spans:
            inside = [k for k, w in enumerate(words) if w.start >= span.start and w.end <= span.end]
            for j, k in enumerate(inside):
                word_tags[k] = ("B-" if j == 0 else "I-") + span.label
        enc_words = tok(
            [r.text[w.start : w.end] for w in words], is_split_into_words=True, truncation=True, max_length=max_length
        )
        labels, previous = [], None
        for wid in enc_words.word_ids():
            labels.append(-100 if wid is None or wid == previous else tags.index(word_tags[wid]))
            previous = wid
        rows["input_ids"].append(enc_words["input_ids"])
        rows["attention_mask"].append(enc_words["attention_mask"])
        rows["labels"].append(labels)
    data = Dataset.from_dict(rows)
    config = enc.config
    config.id2label = dict(enumerate(tags))
    config.label2id = {t: i for i, t in enumerate(tags)}
    model = AutoModelForTokenClassification.from_config(config)
    getattr(model, model.base_model_prefix).load_state_dict(enc.state_dict(), strict=False)
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out,
            per_device_train_batch_size=batch_size,
            num_train_epochs=1,
            learning_rate=lr,
            warmup_steps=int(0.1 * -(-len(data) // batch_size)),  # 10% of the epoch, as hadath's default
            weight_decay=0.01,
            save_strategy="no",
            logging_strategy="no",
            report_to=[],
            use_cpu=True,
            disable_tqdm=True,
            seed=42,
        )
        trainer = Trainer(
            model=model, args=args, train_dataset=data, data_collator=DataCollatorForTokenClassification(tok)
        )
        result = trainer.train()
    return float(result.metrics["train_runtime"]), sum(sum(m) for m in rows["attention_mask"])


def hadath_epoch() -> tuple[float, int, float]:
    """One epoch of hadath's loop with the default recipe; returns (seconds, sub-tokens/s, setup seconds)."""
    import json
    import tempfile
    import time
    from pathlib import Path

    from hadath.train.config import load_config
    from hadath.train.loop import train

    config = load_config(
        Path(__file__).parents[1] / "configs" / "default.yaml", ["--train.epochs", "1", "--data.dev", "null"]
    )
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        run = train(config, out)
        total = time.perf_counter() - t
        record = json.loads((run / "metrics.jsonl").read_text().splitlines()[0])
    return record["seconds"], record["subtokens_per_s"], total - record["seconds"]


def compare_with_trainer(batch_size: int) -> None:
    lr = 1.5e-4  # configs/default.yaml
    trainer_s, trainer_pieces = hf_trainer_epoch(batch_size, lr, 160)
    ours_s, ours_rate, setup = hadath_epoch()
    trainer_rate = trainer_pieces / trainer_s
    print(f"\none epoch of the embedded training split, batch {batch_size}, lr {lr}, {torch.get_num_threads()} threads")
    print(f"{'run':<52}{'s/epoch':>9}{'sub-tok/s':>11}{'vs Trainer':>12}")
    print(f"{'HF Trainer + AutoModelForTokenClassification':<52}{trainer_s:>9.1f}{trainer_rate:>11.0f}{1:>11.2f}x")
    print(f"{'hadath loop (default recipe)':<52}{ours_s:>9.1f}{ours_rate:>11.0f}{ours_rate / trainer_rate:>11.2f}x")
    print(
        f"(hadath setup before the first step, incl. vocabulary trimming: {setup:.1f} s; the Trainer truncates "
        f"reports at 160 sub-tokens and sees {trainer_pieces} sub-tokens, hadath windows them all)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--skip-trainer", action="store_true", help="only part 2 (the options)")
    args = ap.parse_args()
    if not args.skip_trainer:
        compare_with_trainer(args.batch_size)
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
