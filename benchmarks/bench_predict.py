"""Batch prediction throughput and peak memory on generated reports, through the streaming CLI path.

    python benchmarks/bench_predict.py [MODEL] [--n 10000] [--batch-size 32]

Without MODEL, a randomly initialised model with the default architecture (e5-small dimensions, trimmed
vocabulary) is built and saved first: the speed is the same, the predictions are meaningless.
Reports are made by recombining sentences of the embedded corpus, 50-600 words each.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import generated_reports, peak_rss_mb, save_default_architecture


def random_default_model(folder: Path) -> Path:
    from hadath.data import Normalizer, load_corpus, split_words
    from hadath.train.encoders import load_offline_e5, trim_vocabulary

    normalizer = Normalizer()
    words = [
        [w for w in (normalizer(r.text[x.start : x.end]) for x in split_words(r.text)) if w]
        for r in load_corpus("conflict-events", "train")
    ]
    tok, enc, _ = trim_vocabulary(*load_offline_e5(), words)
    return save_default_architecture(tok, enc, folder, load_encoder_weights=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", nargs="?", help="model folder (default: random model, default architecture)")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    from hadath.inference.cli import main as predict_cli

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        model = Path(args.model) if args.model else random_default_model(tmpdir / "model")
        texts = generated_reports(args.n)
        src = tmpdir / "reports.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for i, t in enumerate(texts):
                fh.write(json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) + "\n")
        words = sum(len(t.split()) for t in texts)
        rss_before = peak_rss_mb()
        out = tmpdir / "out.jsonl"
        t0 = time.perf_counter()
        rc = predict_cli([str(model), str(src), "-o", str(out), "--batch-size", str(args.batch_size), "--quiet"])
        seconds = time.perf_counter() - t0
        lines = sum(1 for _ in out.open(encoding="utf-8"))
        assert rc == 0 and lines == args.n, (rc, lines)
    figures = {
        "reports": args.n,
        "words": words,
        "seconds": round(seconds, 1),
        "reports_per_s": round(args.n / seconds, 2),
        "words_per_s": round(words / seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_before_predict_mb": round(rss_before, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
