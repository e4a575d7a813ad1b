"""Train and score hadath on the public Arabic datasets in ../shared/external; print a table.

For each dataset: ``python -m hadath.train configs/benchmarks/NAME.yaml`` (a subprocess, so each run starts
with a clean memory), then ``hadath-evaluate`` of ``model-best`` on the held-out split, written to
``reports/benchmarks/NAME/`` (metrics.json, report.md, report.html). A dataset whose folder is absent is
skipped with a message. Published figures for the same data are in docs/results.md.

    python benchmarks/real_data.py [--only cleananercorp,wojood] [--root ../shared/external] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from hadath.data.atomic import atomic_write
from hadath.data.datasets import LAST_LOG
from hadath.data.schema import load_schema
from hadath.evaluation.cli import evaluate, load_gold
from hadath.train.config import load_config

# name -> (folder under the root, split scored, what the published work scores on it)
DATASETS = {
    "cleananercorp": ("cleananercorp", "test:4", "CAMeL split test"),
    "wojood": ("wojood_sample", "test", "sample test file"),
    "idrisi": ("idrisi_ra", "dev", "public dev (test not released)"),
    "asnd": ("asnd", "test", "test"),
}


def run_one(name: str, root: str, reuse: bool) -> dict | None:
    folder, split, note = DATASETS[name]
    if not (Path(root) / folder).is_dir():
        print(f"skip {name}: {Path(root) / folder} is absent", file=sys.stderr)
        return None
    config_path = Path("configs/benchmarks") / f"{name}.yaml"
    config = load_config(config_path)
    run = Path(config.output.dir)
    t0 = time.perf_counter()
    if not (reuse and (run / "model-best").exists()):
        cmd = [sys.executable, "-m", "hadath.train", str(config_path), "--data.train.root", root]
        if config.data.dev is not None:
            cmd += ["--data.dev.root", root]
        print(f"== {name}: {' '.join(cmd)}", file=sys.stderr)
        subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t0
    epochs = [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    train_minutes = sum(e["seconds"] for e in epochs) / 60
    out = Path("reports/benchmarks") / name
    m = evaluate(f"{name}/{split}", out, model=run / "model-best", data_root=root)
    gold, _ = load_gold(f"{name}/{split}", load_schema(config.data.schema), root)
    seqeval = seqeval_f1(out / "predictions.jsonl", gold) if m["spans"]["strict"]["micro"]["support"] else None
    notes = [n for key, log in LAST_LOG.items() if key.startswith(name) for n in log.notes]
    row = {
        "dataset": name,
        "split": f"{split} ({note})",
        "reports": m["n_reports"],
        "encoder": config.model.encoder,
        "epochs": len(epochs),
        "train_minutes": round(train_minutes, 1),
        "wall_minutes": round(wall / 60, 1) if wall > 5 else None,
        "span_f1": m["spans"]["strict"]["micro"]["f1"] if m["spans"]["strict"]["micro"]["support"] else None,
        "span_ci95": m["spans"]["strict"]["micro"].get("ci95"),
        "span_f1_seqeval": seqeval,
        "report_micro_f1": m["reports"]["micro"]["f1"] if has_sequence_labels(m) else None,
        "report_macro_f1": m["reports"]["macro"]["f1"] if has_sequence_labels(m) else None,
        "notes": sorted(set(notes)),
        "report": str(out / "report.html"),
    }
    return row


def seqeval_f1(predictions: Path, gold: list) -> float | None:
    """The same predictions scored by seqeval (strict IOB2) over whitespace tokens, as a cross-check."""
    try:
        from seqeval.metrics import f1_score
        from seqeval.scheme import IOB2
    except ImportError:
        return None

    def tags(text: str, spans: list[dict]) -> list[str]:
        bounds, pos = [], 0
        for token in text.replace("\n", " ").split(" "):
            bounds.append((pos, pos + len(token)))
            pos += len(token) + 1
        out = ["O"] * len(bounds)
        for s in spans:
            inside = [k for k, (a, b) in enumerate(bounds) if a >= s["start"] and b <= s["end"]]
            for j, k in enumerate(inside):
                out[k] = ("B-" if j == 0 else "I-") + s["label"]
        return out

    with open(predictions, encoding="utf-8") as fh:
        pred = [tags(p["text"], p["spans"]) for p in map(json.loads, fh)]
    true = [tags(r.text, [s.to_dict() for s in r.spans]) for r in gold]
    return float(f1_score(true, pred, mode="strict", scheme=IOB2))


def has_sequence_labels(m: dict) -> bool:
    return bool(m["reports"]["per_label"])


def fmt(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated subset of " + ",".join(DATASETS))
    ap.add_argument("--root", default="../shared/external", help="folder holding the dataset folders")
    ap.add_argument("--reuse", action="store_true", help="score an existing runs/benchmarks/NAME/model-best")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(DATASETS)
    unknown = set(names) - set(DATASETS)
    if unknown:
        sys.exit(f"unknown datasets {sorted(unknown)}; choose from {list(DATASETS)}")
    rows = [r for r in (run_one(n, args.root, args.reuse) for n in names) if r is not None]
    print(
        "\n| dataset | scored split | reports | epochs | train min | span F1 (strict micro) | seqeval | labels F1 µ/M |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        labels = "–" if r["report_micro_f1"] is None else f"{fmt(r['report_micro_f1'])} / {fmt(r['report_macro_f1'])}"
        ci95 = r["span_ci95"] if r["span_f1"] is not None else None
        ci = f" [{fmt(ci95[0])}–{fmt(ci95[1])}]" if ci95 else ""
        print(
            f"| {r['dataset']} | {r['split']} | {r['reports']} | {r['epochs']} | {r['train_minutes']} | "
            f"{fmt(r['span_f1'])}{ci} | {fmt(r['span_f1_seqeval'])} | {labels} |"
        )
    for r in rows:
        for note in r["notes"]:
            print(f"- {r['dataset']}: {note}")
    Path("reports/benchmarks").mkdir(parents=True, exist_ok=True)
    with atomic_write("reports/benchmarks/summary.json") as fh:
        json.dump(rows, fh, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
