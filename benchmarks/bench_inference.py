"""CPU inference speed of hadath versus the transformers pipeline a user would run instead, in one process.

Same model, same reports, variants alternated round by round (A B C, A B C, ...), median of the rounds:

- ``pipeline``: ``transformers.pipeline("token-classification", aggregation_strategy="simple")`` over the
  same encoder and tagging layer (as an ``AutoModelForTokenClassification``), windows of the model's
  ``max_subtokens`` with the same stride so it sees the whole text, batch size 1 (its default).
- ``hadath fp32``: ``Predictor`` with PyTorch (length-sorted batches under a token budget, SDPA attention,
  ``inference_mode``), at the best of a few batch sizes (the sweep is printed).
- ``hadath fast`` candidates: the same ``Predictor`` with the encoder exported by ``hadath-export --onnx
  --int8`` (ONNX Runtime, int8 per-channel weights; portable), and, on CPUs with bfloat16 units (AMX or
  AVX512-BF16), ``precision="bf16"``. A candidate counts only if its span F1 on the dev split is at most
  0.5 points below fp32 (printed); the fastest one that counts is the fast path.

Also printed: sub-tokens/s, achieved GFLOP/s of the fp32 path as a share of this machine's fp32 GEMM peak
(a 2048x2048 matmul timed in the same run), peak RSS.

    python benchmarks/bench_inference.py [MODEL] [--n 96] [--rounds 3] [--json results.json]

Without MODEL: ``runs/default/model-best`` if it exists, else a random model with the default architecture
(offline e5-small shape; the F1 check is then meaningless and says so).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import generated_reports, peak_rss_mb, save_default_architecture

from hadath.data import Normalizer, load_corpus
from hadath.evaluation.quick import headline
from hadath.inference import Predictor
from hadath.inference.fast import export_onnx
from hadath.inference.loading import load_model
from hadath.inference.predictor import bf16_hardware
from hadath.inference.windows import encode_reports, make_windows

DEFAULT_MODEL = Path("runs/default/model-best")


def gemm_peak_gflops(n: int = 2048, reps: int = 5) -> float:
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def random_default_model(folder: Path) -> Path:
    """A model with the default config's architecture and tokenizer, random weights (no training needed)."""
    from hadath.train.encoders import load_offline_e5

    torch.manual_seed(0)
    return save_default_architecture(*load_offline_e5(), folder, load_encoder_weights=True)


def encoder_flops(model_dir: Path, texts: list[str]) -> tuple[float, int]:
    """Multiply-add FLOPs of the encoder over the real (unpadded) sub-tokens hadath's windows hold."""
    model, tok = load_model(model_dir)
    cfg = model.config
    enc = model.encoder.config
    d, ff, layers = enc.hidden_size, enc.intermediate_size, enc.num_hidden_layers
    flops = 0.0
    pieces = 0
    for i, er in enumerate(encode_reports(texts, tok, Normalizer(cfg.normalizer_config))):
        pieces += sum(len(p) for p in er.pieces)
        for w in make_windows(er, i, cfg.max_subtokens, cfg.stride, tok.cls_token_id, tok.sep_token_id, "derived"):
            s = len(w.input_ids)
            flops += layers * (2 * s * (4 * d * d + 2 * d * ff) + 4 * s * s * d)
    return flops, pieces


def pipeline_baseline(model_dir: Path):
    """The same encoder + tagging layer as a transformers token-classification pipeline."""
    from transformers import AutoModelForTokenClassification, pipeline

    model, tok = load_model(model_dir)
    tags = model.config.tags
    import copy

    config = copy.deepcopy(model.encoder.config)
    config.id2label = dict(enumerate(tags))
    config.label2id = {t: i for i, t in enumerate(tags)}
    tc = AutoModelForTokenClassification.from_config(config)
    getattr(tc, tc.base_model_prefix).load_state_dict(model.encoder.state_dict(), strict=False)
    tc.classifier.load_state_dict(model.tagger.state_dict())
    tc.eval()
    tok.model_max_length = model.config.max_subtokens
    return pipeline(
        "token-classification",
        model=tc,
        tokenizer=tok,
        aggregation_strategy="simple",
        stride=model.config.stride,
        device=-1,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", help="model folder (default: runs/default/model-best, else random)")
    ap.add_argument("--n", type=int, default=96, help="reports per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch-sizes", default="8,16,32,64", help="fp32 batch sizes to sweep")
    ap.add_argument("--json", help="also write the figures as JSON here")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hadath-bench-"))
    trained = True
    source = Path(args.model) if args.model else DEFAULT_MODEL
    if source.exists():
        work = tmp / "model"
        shutil.copytree(source, work)  # the exports go into a copy, never into the user's folder
    else:
        if args.model:
            sys.exit(f"{source}: no such model folder")
        print(f"{source} not found: using a random model with the default architecture", file=sys.stderr)
        work = random_default_model(tmp / "model")
        trained = False
    for stale in ("onnx.json", "encoder.onnx", "encoder.int8.onnx"):
        (work / stale).unlink(missing_ok=True)

    texts = generated_reports(args.n, seed=1)
    flops, pieces = encoder_flops(work, texts)
    words = sum(len(t.split()) for t in texts)
    print(
        f"{args.n} reports, {words} words, {pieces} sub-tokens; torch threads {torch.get_num_threads()}",
        file=sys.stderr,
    )

    fp32 = Predictor.from_pretrained(work, device="cpu", backend="torch")
    pipe = pipeline_baseline(work)
    int8_dir = tmp / "int8"
    shutil.copytree(work, int8_dir)
    export_onnx(int8_dir, int8=True)
    candidates = {"onnx int8": Predictor.from_pretrained(int8_dir, device="cpu", backend="onnx")}
    if bf16_hardware():
        candidates["bf16"] = Predictor.from_pretrained(work, device="cpu", backend="torch", precision="bf16")
    else:
        print("no bfloat16 units on this CPU: the bf16 candidate is not run", file=sys.stderr)

    # The F1 check on the dev split, before timing: decides which candidates may be the fast path.
    gold = load_corpus("conflict-events", "dev")
    schema = fp32.schema
    f1_fp32 = headline(gold, fp32.predict(gold), schema)["span_f1"] * 100
    f1 = {name: headline(gold, p.predict(gold), schema)["span_f1"] * 100 for name, p in candidates.items()}
    allowed = [name for name in candidates if f1_fp32 - f1[name] <= 0.5]
    checks = ", ".join(f"{n} {f1[n]:.2f} (drop {f1_fp32 - f1[n]:+.2f})" for n in candidates)
    print(
        f"dev span F1: fp32 {f1_fp32:.2f}, {checks}; within 0.5 points: {allowed or 'none'}"
        f"{'' if trained else '  [random model: F1 is meaningless]'}",
        file=sys.stderr,
    )

    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    variants = {"pipeline (batch 1)": lambda: pipe(texts)}
    for b in batch_sizes:
        variants[f"hadath fp32 (batch {b})"] = lambda b=b: fp32.predict(texts, batch_size=b)
    for name, predictor in candidates.items():
        variants[f"hadath {name} (batch 16)"] = lambda p=predictor: p.predict(texts, batch_size=16)
    # Warm-up: first calls pay one-off costs (allocations, ONNX Runtime's graph preparation, oneDNN kernels).
    pipe(texts[:4])
    for predictor in (fp32, *candidates.values()):
        predictor.predict(texts[:8])
    times: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(args.rounds):
        for name, run in variants.items():
            t = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    med = {k: statistics.median(v) for k, v in times.items()}
    peak = gemm_peak_gflops()
    base = med["pipeline (batch 1)"]
    best_fp32 = min((k for k in med if k.startswith("hadath fp32")), key=lambda k: med[k])
    fast_key = min((f"hadath {n} (batch 16)" for n in allowed), key=lambda k: med[k], default=best_fp32)
    fast_name = fast_key.removeprefix("hadath ").removesuffix(" (batch 16)")
    print(f"\nfp32 GEMM peak (2048x2048 matmul, {torch.get_num_threads()} threads): {peak:.1f} GFLOP/s")
    print(f"\n{'variant':<40}{'s':>8}{'reports/s':>11}{'sub-tok/s':>11}{'GFLOP/s':>9}{'vs pipeline':>13}")
    for name, s in med.items():
        gf = flops / s / 1e9 if name.startswith("hadath fp32") else float("nan")  # fp32 FLOPs only
        print(f"{name:<40}{s:>8.2f}{args.n / s:>11.2f}{pieces / s:>11.0f}{gf:>9.1f}{base / s:>12.2f}x")
    share = flops / med[best_fp32] / 1e9 / peak
    result = {
        "reports": args.n,
        "words": words,
        "subtokens": pieces,
        "rounds": args.rounds,
        "threads": torch.get_num_threads(),
        "trained_model": trained,
        "seconds_median": med,
        "best_fp32": best_fp32,
        "fast_path": fast_name,
        "gemm_peak_gflops": round(peak, 1),
        "ratio_fp32_vs_pipeline": round(base / med[best_fp32], 3),
        "ratio_fast_vs_pipeline": round(base / med[fast_key], 3),
        "fp32_share_of_gemm_peak": round(share, 3),
        "f1_fp32": round(f1_fp32, 2),
        "f1_candidates": {n: round(v, 2) for n, v in f1.items()},
        "f1_fast": round(f1.get(fast_name, f1_fp32), 2),
        "f1_drop_fast": round(f1_fp32 - f1.get(fast_name, f1_fp32), 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(
        f"\nhadath fp32 / pipeline: {result['ratio_fp32_vs_pipeline']:.2f}x   "
        f"fast ({fast_name}) / pipeline: {result['ratio_fast_vs_pipeline']:.2f}x   "
        f"fp32 at {share:.0%} of GEMM peak   fast-path F1 drop {result['f1_drop_fast']:+.2f} points   "
        f"peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    if args.json:
        from hadath.data.atomic import atomic_write

        with atomic_write(args.json) as fh:
            json.dump(result, fh, indent=2)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
