"""``hadath-evaluate``: score a model (or a predictions file) on gold reports and write a report folder.

    hadath-evaluate MODEL GOLD.jsonl -o REPORT_DIR
    hadath-evaluate --predictions PRED.jsonl GOLD.jsonl -o REPORT_DIR
    hadath-evaluate --compare REPORT_A REPORT_B

GOLD may be a JSONL file, an embedded corpus split such as ``conflict-events/dev``, or a public dataset's
split read by its registered reader (``cleananercorp/test``, from ``--data-root``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from hadath.data.atomic import atomic_write
from hadath.data.corpus_io import CORPORA, load_corpus
from hadath.data.errors import DataError
from hadath.data.jsonl import iter_jsonl_objects, read_reports
from hadath.data.records import Report
from hadath.data.schema import LabelSchema, load_schema
from hadath.evaluation.metrics import compute_metrics, headline_rows
from hadath.evaluation.report import headline_table, render_html, render_markdown
from hadath.inference.results import ReportPrediction, prediction_from_dict

DATA_ROOT = "../shared/external"


def _fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def load_gold(spec: str, schema: LabelSchema, data_root: str = DATA_ROOT) -> tuple[list[Report], str]:
    """Gold reports from a JSONL file, an embedded split (``conflict-events/dev``) or a registered public
    dataset's split (``cleananercorp/test``, read from ``data_root``)."""
    import hadath.data.datasets  # noqa: F401  (registers the public-dataset readers)
    from hadath.data.sources import DATASET_READERS, read_source

    name, _, split = spec.partition("/")
    if name in CORPORA and split and not Path(spec).exists():
        from hadath.data.corpus import packaged_file

        return load_corpus(name, split), _fingerprint(packaged_file(f"{split}.jsonl"))
    if name in DATASET_READERS and split and not Path(spec).exists():
        reports = read_source("dataset", name=name, split=split, root=data_root, schema=schema)
        digest = hashlib.sha256()
        for r in reports:
            digest.update(json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8"))
        return reports, digest.hexdigest()[:16]
    return list(read_reports(spec, schema)), _fingerprint(Path(spec))


def evaluate(
    gold_spec: str,
    out_dir: str | Path,
    model: str | Path | None = None,
    predictions: str | Path | None = None,
    schema_name: str | None = None,
    batch_size: int = 32,
    seed: int = 0,
    device: str | None = None,
    data_root: str = DATA_ROOT,
) -> dict[str, Any]:
    """Score and write ``metrics.json``, ``report.md``, ``report.html`` and ``predictions.jsonl``.

    Returns the metrics dict (the content of ``metrics.json``).
    """
    out = Path(out_dir)
    fingerprints: dict[str, str] = {}
    if model is not None:
        from hadath.inference.predictor import Predictor

        predictor = Predictor.from_pretrained(model, device=device)
        schema = predictor.schema
        gold, fingerprints["data"] = load_gold(gold_spec, schema, data_root)
        preds: list[ReportPrediction] = predictor.predict(gold, batch_size=batch_size, progress=True)
        fingerprints["model"] = _fingerprint(Path(model) / "model.safetensors")
    else:
        if predictions is None:
            raise ValueError("give a MODEL or --predictions PRED.jsonl")
        schema = load_schema(schema_name or "conflict-events")
        gold, fingerprints["data"] = load_gold(gold_spec, schema, data_root)
        by_id: dict[str, ReportPrediction] = {}
        for line, obj in iter_jsonl_objects(predictions):
            if isinstance(obj, DataError):
                raise obj
            if "error" in obj:
                raise ValueError(f"{predictions}:{line}: prediction failed: {obj['error']}")
            by_id[str(obj["id"])] = prediction_from_dict(obj)
        missing = [r.id for r in gold if r.id not in by_id]
        if missing:
            raise ValueError(f"{predictions}: no prediction for {len(missing)} gold ids, e.g. {missing[:5]}")
        preds = [by_id[r.id] for r in gold]
        for r, p in zip(gold, preds, strict=True):
            for s in p.spans:
                if r.text[s.start : s.end] != s.text:
                    raise ValueError(
                        f"{predictions}: id={r.id}: span text {s.text!r} does not match the gold text "
                        f"at [{s.start}, {s.end}); were the predictions made on another version?"
                    )
        fingerprints["predictions"] = _fingerprint(Path(predictions))
    metrics = compute_metrics(gold, preds, schema, seed=seed)
    metrics["fingerprints"] = fingerprints
    metrics["schema"] = schema.name
    out.mkdir(parents=True, exist_ok=True)
    title = f"hadath evaluation: {gold_spec}"
    with atomic_write(out / "metrics.json") as fh:
        json.dump(metrics, fh, indent=2, ensure_ascii=False)
    with atomic_write(out / "report.md") as fh:
        fh.write(render_markdown(metrics, gold, preds, schema, title))
    with atomic_write(out / "report.html") as fh:
        fh.write(render_html(metrics, gold, preds, schema, title))
    with atomic_write(out / "predictions.jsonl") as fh:
        for r, p in zip(gold, preds, strict=True):
            fh.write(json.dumps({"id": r.id, "text": r.text, **p.to_dict()}, ensure_ascii=False) + "\n")
    return metrics


def compare(a: str | Path, b: str | Path) -> str:
    """Table of headline F1s of two report folders and their difference (B - A), in points."""
    ma = json.loads((Path(a) / "metrics.json").read_text(encoding="utf-8"))
    mb = json.loads((Path(b) / "metrics.json").read_text(encoding="utf-8"))
    lines = ["| metric | A F1 | B F1 | B - A |", "|---|---:|---:|---:|"]
    for (name, sa), (_, sb) in zip(headline_rows(ma), headline_rows(mb), strict=True):
        lines.append(f"| {name} | {100 * sa['f1']:.1f} | {100 * sb['f1']:.1f} | {100 * (sb['f1'] - sa['f1']):+.1f} |")
    return f"A = {a}\nB = {b}\n\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="hadath-evaluate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("paths", nargs="*", help="MODEL GOLD, or GOLD with --predictions")
    p.add_argument("-o", "--output", help="report folder")
    p.add_argument("--predictions", help="score this predictions JSONL instead of running a model")
    p.add_argument("--schema", help="schema for --predictions (default conflict-events)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two report folders")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default=None)
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--data-root", default=DATA_ROOT, help="folder of the public datasets (GOLD = NAME/SPLIT)")
    args = p.parse_args(argv)
    try:
        if args.compare:
            print(compare(*args.compare))
            return 0
        if not args.output:
            p.error("-o REPORT_DIR is required")
        if args.predictions:
            if len(args.paths) != 1:
                p.error("with --predictions give exactly one GOLD path")
            m = evaluate(
                args.paths[0],
                args.output,
                predictions=args.predictions,
                schema_name=args.schema,
                seed=args.seed,
                data_root=args.data_root,
            )
        else:
            if len(args.paths) != 2:
                p.error("give MODEL and GOLD")
            m = evaluate(
                args.paths[1],
                args.output,
                model=args.paths[0],
                batch_size=args.batch_size,
                seed=args.seed,
                device=args.device,
                data_root=args.data_root,
            )
    except (DataError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(headline_table(m))
    print(f"\nreport: {Path(args.output) / 'report.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
