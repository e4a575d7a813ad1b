"""The training run: config → run folder with ``model-best/``, ``model-last/`` and ``metrics.jsonl``.

Runs on accelerate, so the same code trains on a CPU, one GPU or several processes started with
``accelerate launch``. Batches group windows of similar length (less padding) in a seeded order that
depends only on (seed, epoch), which is what makes ``--resume`` reproduce an uninterrupted run.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator
from torch.utils.data import DataLoader
from tqdm import tqdm
from transformers import get_linear_schedule_with_warmup

from hadath.data.atomic import atomic_write
from hadath.data.normalize import Normalizer
from hadath.data.schema import load_schema
from hadath.data.sources import read_source
from hadath.data.words import split_words
from hadath.evaluation.quick import headline
from hadath.inference.config import HadathConfig
from hadath.inference.loading import load_model, save_model
from hadath.inference.model import HadathModel
from hadath.inference.predictor import Predictor, default_threads
from hadath.train.card import model_card
from hadath.train.config import Config, ConfigError, DataSource, dump_config
from hadath.train.encoders import load_encoder, trim_vocabulary
from hadath.train.features import Example, build_examples, collate_examples


def log(msg: str) -> None:
    print(f"[hadath-train] {msg}", file=sys.stderr, flush=True)


def _load(source: DataSource, schema, strict: bool, key: str):
    if source.path and not Path(source.path).exists():
        raise ConfigError(f"{key}.path: {source.path} does not exist (paths are relative to the working directory)")
    return read_source(
        source.format,
        name=source.name,
        split=source.split,
        path=source.path,
        root=source.root,
        scheme=source.scheme,
        schema=schema,
        strict=strict,
    )


def epoch_batches(examples: list[Example], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Length-grouped batches in an order fixed by (seed, epoch)."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(examples)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda k: len(examples[k].window.input_ids))
        batches += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(config: Config, out_dir: str | Path | None = None, resume: bool = False) -> Path:
    """Train a model; returns the run folder (``model-best/`` and ``model-last/`` inside).

    Everything that can be checked (data, labels, schema, encoder) is checked before the first step.
    """
    run = Path(out_dir or config.output.dir)
    tc = config.train
    if tc.threads:
        torch.set_num_threads(tc.threads)
    else:
        # Processes launched together on one machine share its cores; more threads only thrash.
        local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
        torch.set_num_threads(max(1, default_threads() // local))
    cpu = tc.device == "cpu" or (tc.device == "auto" and not torch.cuda.is_available())
    accelerator = Accelerator(
        cpu=cpu,
        mixed_precision="no" if cpu else tc.mixed_precision,
        gradient_accumulation_steps=tc.grad_accumulation,
    )
    main = accelerator.is_main_process
    seed_everything(tc.seed)

    schema = load_schema(config.data.schema)
    train_reports = _load(config.data.train, schema, config.data.strict, "data.train")
    dev_reports = _load(config.data.dev, schema, config.data.strict, "data.dev") if config.data.dev else []
    if not train_reports:
        raise ValueError("data.train holds no reports")
    norm_cfg = config.model.normalizer
    normalizer = Normalizer(norm_cfg)
    state_file = run / "checkpoint" / "state.json"
    _recover_checkpoint(run)
    resuming = resume and state_file.exists()
    if resume and not resuming and main:
        log(f"--resume: no checkpoint in {run}, starting from scratch")
    if not resuming and main:
        # A fresh run must not inherit the metrics or checkpoint of an earlier run in the same folder.
        (run / "metrics.jsonl").unlink(missing_ok=True)
        for stale in ("checkpoint", ".checkpoint.old", ".checkpoint.tmp"):
            shutil.rmtree(run / stale, ignore_errors=True)

    if resuming:
        model, tokenizer = load_model(run / "checkpoint" / "model")
        log(f"resuming from {run / 'checkpoint'}")
    else:
        words = [[normalizer(r.text[w.start : w.end]) for w in split_words(r.text)] for r in train_reports]
        words = [[w for w in ws if w] for ws in words]
        tokenizer, encoder = load_encoder(
            config.model.encoder, (" ".join(ws) for ws in words), config.model.random_vocab_size, tc.seed
        )
        if config.model.trim_vocabulary and not config.model.encoder.startswith("random:"):
            dev_words = [[normalizer(r.text[w.start : w.end]) for w in split_words(r.text)] for r in dev_reports]
            before = encoder.config.vocab_size
            tokenizer, encoder, kept = trim_vocabulary(
                tokenizer, encoder, words + [[w for w in ws if w] for ws in dev_words]
            )
            log(f"vocabulary trimmed from {before} to {kept} pieces (pieces the data uses + all single characters)")
        tokenizer = _as_saved(tokenizer)
        mc = config.model
        hconfig = HadathConfig(
            encoder=encoder.config.to_dict(),
            schema=schema.to_dict(),
            normalizer=norm_cfg.to_dict(),
            max_subtokens=mc.max_length,
            stride=mc.stride,
            use_crf=mc.use_crf,
            token_loss_weight=mc.token_loss_weight,
            sequence_loss_weight=mc.sequence_loss_weight,
            sequence_pos_weight=mc.sequence_pos_weight,
            sequence_threshold=mc.sequence_threshold,
            classifier_dropout=mc.dropout,
        )
        torch.manual_seed(tc.seed)
        model = HadathModel(hconfig)
        model.encoder.load_state_dict(encoder.state_dict(), strict=False)
        del encoder
    if not model.config.use_crf:
        # Without a CRF its transitions stay zero (decoding only applies the BIO constraints). Loading a
        # checkpoint turns requires_grad back on, so set it here for fresh and resumed runs alike.
        model.crf.requires_grad_(False)
    if config.model.freeze_embeddings:
        embeddings: torch.nn.Embedding = model.encoder.get_input_embeddings()  # type: ignore[assignment]
        embeddings.weight.requires_grad_(False)

    examples, stats = build_examples(
        train_reports, tokenizer, normalizer, schema, model.config.max_subtokens, model.config.stride
    )
    if main:
        log(f"{accelerator.num_processes} process(es) on {accelerator.device}, seed {tc.seed}")
        log(f"train: {stats.describe()}")
        run.mkdir(parents=True, exist_ok=True)
        with atomic_write(run / "config.yaml") as fh:
            fh.write(dump_config(config))

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    enc_decay = [
        p
        for n, p in model.named_parameters()
        if n.startswith("encoder.") and p.requires_grad and not n.endswith(no_decay)
    ]
    enc_plain = [
        p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad and n.endswith(no_decay)
    ]
    optimizer = torch.optim.AdamW(
        [
            {"params": enc_decay, "lr": tc.lr, "weight_decay": tc.weight_decay},
            {"params": enc_plain, "lr": tc.lr, "weight_decay": 0.0},
            {"params": head_params, "lr": tc.head_lr, "weight_decay": 0.0},
        ],
        # One fused kernel for the whole update instead of a handful of ops per tensor: the optimizer step
        # is a large share of a CPU training step for a small encoder (benchmarks/README.md).
        fused=True,
    )
    n_proc = accelerator.num_processes
    # Sized in single-process steps: accelerate steps a prepared scheduler once per process per optimizer
    # step, so with N processes it still ends exactly at the end of training.
    total = math.ceil(math.ceil(len(examples) / tc.batch_size) / tc.grad_accumulation) * tc.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_ratio * total), total)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)

    state: dict[str, Any] = {"epoch": 0, "batch_in_epoch": 0, "best": -1.0, "best_epoch": -1, "bad_epochs": 0}
    if resuming:
        accelerator.load_state(str(run / "checkpoint" / "accelerate"))
        state = json.loads(state_file.read_text())
        if main:
            _keep_metrics(run / "metrics.jsonl", state["epoch"])

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    n_labels = len(schema.sequence_labels)

    def save_checkpoint() -> None:
        # Written whole into a fresh folder, then swapped in by renames: a kill at any moment leaves either
        # the previous checkpoint or this one, never optimizer state from one step with the position of another.
        tmp = run / ".checkpoint.tmp"
        if main:
            shutil.rmtree(tmp, ignore_errors=True)
        accelerator.wait_for_everyone()
        accelerator.save_state(str(tmp / "accelerate"))
        if main:
            save_model(accelerator.unwrap_model(model), tokenizer, tmp / "model")
            with atomic_write(tmp / "state.json") as fh:
                json.dump(state, fh)
            _swap_in(tmp, run / "checkpoint")
        accelerator.wait_for_everyone()

    stop = False
    while state["epoch"] < tc.epochs and not stop:
        epoch = state["epoch"]
        batches = epoch_batches(examples, tc.batch_size, tc.seed, epoch)
        loader: Any = DataLoader(
            examples,  # type: ignore[arg-type]
            batch_sampler=batches,  # type: ignore[arg-type]
            collate_fn=lambda b: collate_examples(b, pad_id, n_labels),
            # Starting an iterator draws a seed from the loader's generator; with the global one, a run resumed
            # mid-epoch (a new iterator after the RNG state was restored) would shift every later dropout mask.
            generator=torch.Generator().manual_seed(tc.seed * 1000 + epoch),
        )
        loader = accelerator.prepare_data_loader(loader)
        skip = state["batch_in_epoch"]
        if skip:
            loader = accelerator.skip_first_batches(loader, skip)
        model.train()
        bar = tqdm(
            total=len(batches) // n_proc,
            initial=skip,
            desc=f"epoch {epoch + 1}/{tc.epochs}",
            disable=True if not main else None,  # None: shown on a terminal, quiet in logs
            unit="batch",
            file=sys.stderr,
        )
        t0 = time.perf_counter()
        losses = []
        pieces = 0
        for batch in loader:
            with accelerator.accumulate(model):
                out = model(**batch)
                accelerator.backward(out.loss)
                if accelerator.sync_gradients and tc.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(model.parameters(), tc.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            losses.append(out.loss.item())
            pieces += int(batch["attention_mask"].sum())
            state["batch_in_epoch"] += 1
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
            if tc.checkpoint_every_steps and state["batch_in_epoch"] % tc.checkpoint_every_steps == 0:
                save_checkpoint()
        bar.close()
        seconds = time.perf_counter() - t0
        state["epoch"] += 1
        state["batch_in_epoch"] = 0
        record = {
            "epoch": epoch + 1,
            "train_loss": float(np.mean(losses)) if losses else None,
            "seconds": round(seconds, 1),
            "subtokens_per_s": round(pieces / max(seconds, 1e-9), 1),
        }
        unwrapped = accelerator.unwrap_model(model)
        if dev_reports:
            predictor = Predictor(unwrapped, tokenizer)
            preds = predictor.predict(dev_reports, batch_size=tc.eval_batch_size)
            metrics = headline(dev_reports, preds, schema)
            model.train()
            record |= {f"dev_{k}": round(v, 4) for k, v in metrics.items()}
            score = float(np.mean([metrics["span_f1"], metrics.get("report_f1", metrics["span_f1"])]))
            record["dev_score"] = round(score, 4)
            improved = score > state["best"]
            if improved:
                state["best"], state["best_epoch"], state["bad_epochs"] = score, epoch + 1, 0
            else:
                state["bad_epochs"] += 1
            if tc.patience and state["bad_epochs"] >= tc.patience:
                stop = True
                log(f"early stop: no dev improvement for {tc.patience} epochs")
        else:
            improved = True
        if main:
            log(" ".join(f"{k}={v}" for k, v in record.items()))
            with open(run / "metrics.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")
            if improved:
                _save(unwrapped, tokenizer, run / "model-best", config, record, stats.describe())
        save_checkpoint()

    if main and config.output.save_last:
        final = {"epoch": state["epoch"], "best_epoch": state["best_epoch"], "dev_score_best": state["best"]}
        _save(accelerator.unwrap_model(model), tokenizer, run / "model-last", config, final, stats.describe())
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return run


def _swap_in(new: Path, current: Path) -> None:
    old = current.with_name(".checkpoint.old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        current.rename(old)
    new.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def _recover_checkpoint(run: Path) -> None:
    """A kill between the two renames of ``_swap_in`` leaves the previous checkpoint as ``.checkpoint.old``."""
    old = run / ".checkpoint.old"
    if not (run / "checkpoint").exists() and old.exists():
        old.rename(run / "checkpoint")


def _keep_metrics(path: Path, epochs: int) -> None:
    """Drop metrics lines of epochs the checkpoint does not include (killed after logging, before saving)."""
    if not path.exists():
        return
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    kept = [line for line in lines if json.loads(line).get("epoch", 0) <= epochs]
    if len(kept) != len(lines):
        with atomic_write(path) as fh:
            fh.write("".join(f"{line}\n" for line in kept))


def _as_saved(tokenizer: Any) -> Any:
    """The tokenizer exactly as a model folder will load it, so training and prediction tokenise alike."""
    import tempfile

    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer.save_pretrained(tmp)
        return AutoTokenizer.from_pretrained(tmp)


def _save(model: HadathModel, tokenizer, path: Path, config: Config, metrics: dict, data_stats: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    save_model(model, tokenizer, tmp, model_card(config, metrics, data_stats))
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        if old.exists():
            shutil.rmtree(old)
        path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old)
    else:
        tmp.rename(path)


__all__ = ["epoch_batches", "train"]
