"""``hadath-predict MODEL INPUT -o OUTPUT.jsonl``: one output line per input report, in input order.

The output is streamed into ``OUTPUT.partial`` in chunks (each chunk written and flushed as whole
lines) and renamed to ``OUTPUT`` when the run completes. After an interruption, ``--resume`` cuts the
partial file back to its last whole chunk, checks that the ids already written match the input, and
continues. Under ``accelerate launch`` each process predicts every ``world``-th chunk into its own part
(``OUTPUT.shards/``, each resumable) and the first process merges the parts back into input order.
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


def _done_lines(partial: Path) -> Iterator[tuple[str, int]]:
    """``(id, byte offset after the line)`` of each complete line of a partial output, streamed."""
    if not partial.exists():
        return
    offset = 0
    with open(partial, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                return  # a half-written last line: dropped by the caller's truncation
            offset += len(line)
            yield json.loads(line)["id"], offset


def _resume(partial: Path, mine: Iterator[list[Item]]) -> tuple[int, Iterator[list[Item]]]:
    """Skip the chunks ``partial`` already holds; cut it back to the last whole chunk.

    Cutting back to a chunk boundary (not just the last whole line) means every chunk is predicted in
    one piece, with the same batches as an uninterrupted run, so the output is byte-identical.
    """
    done = _done_lines(partial)
    kept, keep_bytes = 0, 0
    for chunk in mine:
        ids = list(itertools.islice(done, len(chunk)))
        for (rid, _, _), (done_id, _) in zip(chunk, ids, strict=False):
            if rid != done_id:
                raise ValueError(
                    f"{partial} line {kept + 1 + [c[0] for c in chunk].index(rid)} has id {done_id!r} but the "
                    f"input has {rid!r} there; remove {partial} or drop --resume"
                )
        if len(ids) < len(chunk):
            mine = itertools.chain([chunk], mine)
            break
        kept += len(chunk)
        keep_bytes = ids[-1][1]
    if partial.exists():
        with open(partial, "r+b") as fh:
            fh.truncate(keep_bytes)
    return kept, mine


def _unique_ids(items: Iterator[Item]) -> Iterator[Item]:
    """A repeated id becomes an error line: outputs are joined back to inputs by id."""
    first: dict[str, int] = {}
    for n, (rid, fields, err) in enumerate(items, start=1):
        if err is None and rid in first:
            err = f"duplicate id {rid!r} (first used by report {first[rid]}); give every report its own id"
        first.setdefault(rid, n)
        yield rid, fields, err


def _predict_chunk(predictor, chunk: list[Item], args: argparse.Namespace) -> tuple[list[str], int]:
    good = [(k, fields["text"]) for k, (_, fields, err) in enumerate(chunk) if err is None]
    preds = predictor.predict([t for _, t in good], batch_size=args.batch_size, threshold=args.threshold)
    by_pos = dict(zip([k for k, _ in good], preds, strict=True))
    lines = []
    failed = 0
    for k, (rid, fields, err) in enumerate(chunk):
        if err is not None:
            failed += 1
            print(f"{args.input}: id={rid}: {err}", file=sys.stderr)
            record = {"id": rid, "error": err}
        else:
            record = {"id": rid, **{f: v for f, v in fields.items() if f != "id"}, **by_pos[k].to_dict()}
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines, failed


def run(args: argparse.Namespace) -> int:
    from hadath.inference.predictor import Predictor, default_threads
    from hadath.inference.sharding import current_shard, merge_parts, my_chunks, part_path, shard_dir

    out = Path(args.output)
    shard = current_shard(args.device)
    main = shard.rank == 0
    final_partial = out.with_name(out.name + ".partial")
    if shard.world == 1:
        partial = final_partial
        done_part = None
    else:
        done_part = part_path(out, shard)
        partial = done_part.with_name(done_part.name + ".partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
    items = _unique_ids(
        read_inputs(args.input, args.input_format, text_column=args.text_column, line_per_report=args.line_per_report)
    )
    mine = my_chunks(items, args.chunk_size, shard)
    written = 0
    if done_part is not None and done_part.exists() and args.resume:
        mine = iter(())  # this shard finished before the interruption
    elif args.resume:
        written, mine = _resume(partial, mine)
        if written:
            print(f"resuming after {written} reports already in {partial}", file=sys.stderr)
    else:
        partial.unlink(missing_ok=True)
        if done_part is not None:
            done_part.unlink(missing_ok=True)
    device = args.device
    if shard.world > 1 and device == "auto" and shard.state is not None:
        device = str(shard.state.device)
    if shard.world > 1:
        # Processes on one machine share its cores; more threads than cores only thrash.
        torch_threads = max(1, default_threads() // shard.local_world)
        import torch

        torch.set_num_threads(torch_threads)
    predictor = Predictor.from_pretrained(args.model, device=device, backend=args.backend, precision=args.precision)
    failed = 0
    t0 = time.perf_counter()
    bar = None
    if not args.quiet and main:
        from tqdm import tqdm

        bar = tqdm(unit="report", desc="predict", initial=written, file=sys.stderr, disable=None)
    with open(partial, "a", encoding="utf-8") as fh:
        for chunk in mine:
            lines, bad = _predict_chunk(predictor, chunk, args)
            failed += bad
            # One write per chunk, then flush + fsync: an interruption leaves whole lines behind.
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            written += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    if done_part is not None:
        os.replace(partial, done_part)
        shard.barrier()  # every part is complete before the merge reads them
        if main:
            written = merge_parts(out, shard.world, args.chunk_size, final_partial)
        shard.barrier()
        failed = shard.total(failed)
    if main:
        if args.format == "labelstudio":
            from hadath.data.atomic import atomic_write
            from hadath.data.importers import to_labelstudio_tasks

            with open(final_partial, encoding="utf-8") as src:
                tasks = [r for r in map(json.loads, src) if "error" not in r]
            with atomic_write(out) as fh2:
                json.dump(to_labelstudio_tasks(tasks), fh2, ensure_ascii=False)
            final_partial.unlink()
        else:
            os.replace(final_partial, out)
        if done_part is not None:
            import shutil

            shutil.rmtree(shard_dir(out))
        seconds = time.perf_counter() - t0
        where = f" ({shard.world} processes)" if shard.world > 1 else ""
        print(f"{written} reports ({failed} failed) -> {out} in {seconds:.1f}s{where}", file=sys.stderr)
    shard.barrier()
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hadath-predict", description="Predict event spans, types and events.")
    p.add_argument("model", help="model folder written by hadath-train (e.g. runs/default/model-best)")
    p.add_argument("input", help=".jsonl, .txt, .csv, .tsv or - for stdin (JSONL)")
    p.add_argument("-o", "--output", required=True, help="output JSONL (or JSON with --format labelstudio)")
    p.add_argument(
        "--input-format", choices=["jsonl", "txt", "csv", "tsv", "arrow", "parquet"], help="override the suffix"
    )
    p.add_argument("--text-column", default="text", help="text field/column (JSONL, CSV, TSV)")
    p.add_argument("--line-per-report", action="store_true", help=".txt: one report per line, not per block")
    p.add_argument("--format", choices=["jsonl", "labelstudio"], default="jsonl")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    p.add_argument(
        "--backend",
        choices=["auto", "torch", "onnx"],
        default="auto",
        help="auto: the folder's ONNX export (hadath-export) on CPU when there is one, else PyTorch",
    )
    p.add_argument(
        "--precision",
        choices=["fp32", "bf16"],
        default="fp32",
        help="bf16: bfloat16 matmuls in the PyTorch encoder (fast on CPUs with AMX/AVX512-BF16 and on GPUs)",
    )
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
