"""``hadath-predict MODEL INPUT -o OUTPUT.jsonl``: one output line per input report, in input order.

The output is streamed into ``OUTPUT.partial`` in chunks (each chunk written and flushed as whole
lines) and renamed to ``OUTPUT`` when the run completes. After an interruption, ``--resume`` drops a
trailing half-written line, checks that the ids already written match the input, and continues.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from hadath.inference.inputs import Item, read_inputs


def _completed(partial: Path) -> Iterator[str]:
    """Ids of the complete lines of a partial output, streamed; a trailing half-written line is cut off."""
    if not partial.exists():
        return
    good = 0
    with open(partial, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            good += len(line)
            if line.strip():
                yield json.loads(line)["id"]
    if good < partial.stat().st_size:
        with open(partial, "r+b") as fh:
            fh.truncate(good)


def run(args: argparse.Namespace) -> int:
    from hadath.inference.predictor import Predictor

    out = Path(args.output)
    partial = out.with_name(out.name + ".partial")
    items = read_inputs(
        args.input, args.input_format, text_column=args.text_column, line_per_report=args.line_per_report
    )
    if not args.resume and partial.exists():
        partial.unlink()
    written = 0
    if args.resume:
        # Walk the finished ids and the input together, one at a time: memory stays flat however long.
        for done_id in _completed(partial):
            item = next(items, None)
            if item is None or item[0] != done_id:
                found = repr(item[0]) if item else "no more reports"
                print(
                    f"error: {partial} line {written + 1} has id {done_id!r} but the input has {found}; "
                    "remove it or drop --resume",
                    file=sys.stderr,
                )
                return 2
            written += 1
        if written:
            print(f"resuming after {written} reports already in {partial}", file=sys.stderr)
    predictor = Predictor.from_pretrained(args.model, device=args.device)
    failed = 0
    tasks = []
    t0 = time.perf_counter()
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(unit="report", desc="predict", initial=written, file=sys.stderr, disable=None)
    with open(partial, "a", encoding="utf-8") as fh:
        while True:
            chunk: list[Item] = list(itertools.islice(items, args.chunk_size))
            if not chunk:
                break
            good = [(k, fields["text"]) for k, (_, fields, err) in enumerate(chunk) if err is None]
            preds = predictor.predict([t for _, t in good], batch_size=args.batch_size, threshold=args.threshold)
            by_pos = dict(zip([k for k, _ in good], preds, strict=True))
            lines = []
            for k, (rid, fields, err) in enumerate(chunk):
                if err is not None:
                    failed += 1
                    print(f"{args.input}: id={rid}: {err}", file=sys.stderr)
                    record = {"id": rid, "error": err}
                else:
                    record = {
                        "id": rid,
                        **{f: v for f, v in fields.items() if f != "id"},
                        **by_pos[k].to_dict(),
                    }
                    if args.format == "labelstudio":
                        tasks.append(record)
                lines.append(json.dumps(record, ensure_ascii=False))
            # One write per chunk, then flush + fsync: an interruption leaves whole lines behind.
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            written += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    if args.format == "labelstudio":
        from hadath.data.atomic import atomic_write
        from hadath.data.importers import to_labelstudio_tasks

        with atomic_write(out) as fh2:
            json.dump(to_labelstudio_tasks(tasks), fh2, ensure_ascii=False)
        partial.unlink()
    else:
        os.replace(partial, out)
    seconds = time.perf_counter() - t0
    print(f"{written} reports ({failed} failed) -> {out} in {seconds:.1f}s", file=sys.stderr)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hadath-predict", description="Predict event spans, types and events.")
    p.add_argument("model", help="model folder written by hadath-train (e.g. runs/default/model-best)")
    p.add_argument("input", help=".jsonl, .txt, .csv, .tsv or - for stdin (JSONL)")
    p.add_argument("-o", "--output", required=True, help="output JSONL (or JSON with --format labelstudio)")
    p.add_argument("--input-format", choices=["jsonl", "txt", "csv", "tsv"], help="override the suffix")
    p.add_argument("--text-column", default="text", help="text field/column (JSONL, CSV, TSV)")
    p.add_argument("--line-per-report", action="store_true", help=".txt: one report per line, not per block")
    p.add_argument("--format", choices=["jsonl", "labelstudio"], default="jsonl")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--chunk-size", type=int, default=512, help="reports read, predicted and written at a time")
    p.add_argument("--threshold", type=float, help="event-type probability threshold (default: the model's)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from hadath.inference.loading import ModelFolderError

    try:
        return run(args)
    except (ModelFolderError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
