"""Reading reports to predict from JSONL, plain text, CSV/TSV or stdin, one item per report.

Each item is ``(id, fields, error)``: ``fields`` holds the input record (``text`` included) to pass
through; ``error`` is a message when the record is unusable. Bad records are never skipped: they become
error lines in the output, so the output has exactly one line per input report.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Item = tuple[str, dict[str, Any], str | None]


def _open_text(path: str) -> io.TextIOBase:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="strict", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_jsonl(path: str, text_field: str = "text") -> Iterator[Item]:
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            fallback_id = f"line-{number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield fallback_id, {}, f"line {number}: not valid UTF-8 (byte {err.start}); re-save as UTF-8"
                continue
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                yield fallback_id, {}, f"line {number}: invalid JSON at column {err.colno}: {err.msg}"
                continue
            if not isinstance(obj, dict):
                yield fallback_id, {}, f"line {number}: expected a JSON object with a '{text_field}' field"
                continue
            rid = obj.get("id", fallback_id)
            rid = str(rid) if isinstance(rid, str | int) and not isinstance(rid, bool) else fallback_id
            if text_field not in obj:
                yield rid, obj, f"line {number}: missing field '{text_field}'"
            elif not isinstance(obj[text_field], str):
                yield (
                    rid,
                    obj,
                    f"line {number}: field '{text_field}' must be a string, got {type(obj[text_field]).__name__}",
                )
            elif "\x00" in obj[text_field]:
                yield rid, obj, f"line {number}: field '{text_field}' contains NUL characters"
            else:
                if text_field != "text":
                    obj = {**obj, "text": obj[text_field]}
                yield rid, obj, None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def read_txt(path: str, line_per_report: bool = False) -> Iterator[Item]:
    with _open_text(path) as fh:
        n = 0
        block: list[str] = []
        for line in fh:
            line = line.rstrip("\r\n")
            if line_per_report:
                if line.strip():
                    n += 1
                    yield str(n), {"text": line}, None
                continue
            if line.strip():
                block.append(line)
            elif block:
                n += 1
                yield str(n), {"text": "\n".join(block)}, None
                block = []
        if block:
            n += 1
            yield str(n), {"text": "\n".join(block)}, None


def read_table(path: str, delimiter: str, text_column: str = "text", id_column: str = "id") -> Iterator[Item]:
    with _open_text(path) as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        if reader.fieldnames is None or text_column not in reader.fieldnames:
            raise ValueError(
                f"{path}: no column {text_column!r} (columns: {reader.fieldnames}); pass --text-column NAME"
            )
        for n, row in enumerate(reader, start=1):
            rid = row.get(id_column) or str(n)
            text = row.get(text_column)
            if text is None:
                yield rid, dict(row), f"row {n}: missing {text_column!r} (short row)"
            else:
                yield rid, {**row, "text": text}, None


def read_dataset(path: str, kind: str, text_column: str = "text", id_column: str = "id") -> Iterator[Item]:
    """Stream rows of a Parquet/Arrow file (or a ``save_to_disk`` folder) through 🤗 datasets.

    Rows are read batch by batch from disk (streaming or memory-mapped), never loaded whole, so inputs far
    larger than memory work.
    """
    import datasets

    datasets.disable_progress_bars()
    source = Path(path)
    if source.is_dir():
        rows: Any = datasets.load_from_disk(str(source))  # memory-mapped Arrow
        if isinstance(rows, datasets.DatasetDict):
            raise ValueError(f"{path}: holds splits {list(rows)}; pass the folder of one split")
    elif source.exists():
        rows = datasets.load_dataset(kind, data_files=str(source), split="train", streaming=True)
    else:
        raise FileNotFoundError(f"{path}: no such file or folder")
    columns = rows.column_names if rows.column_names is not None else list(rows.features or {})
    if text_column not in columns:
        raise ValueError(f"{path}: no column {text_column!r} (columns: {columns}); pass --text-column NAME")
    for n, row in enumerate(rows, start=1):
        rid = row.get(id_column)
        rid = str(rid) if isinstance(rid, str | int) and not isinstance(rid, bool) else f"row-{n}"
        text = row[text_column]
        if not isinstance(text, str):
            yield rid, {k: v for k, v in row.items() if _jsonable(v)}, f"row {n}: {text_column!r} is not a string"
        elif "\x00" in text:
            yield rid, {}, f"row {n}: {text_column!r} contains NUL characters"
        else:
            yield rid, {**{k: v for k, v in row.items() if _jsonable(v)}, "text": text}, None


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def read_inputs(
    path: str, fmt: str | None = None, *, text_column: str = "text", line_per_report: bool = False
) -> Iterator[Item]:
    """Stream input reports from ``path`` (``-`` for stdin), choosing the reader by suffix or ``fmt``."""
    suffixes = {".jsonl": "jsonl", ".json": "jsonl", ".txt": "txt", ".csv": "csv", ".tsv": "tsv"}
    suffixes |= {".parquet": "parquet", ".arrow": "arrow"}
    kind = fmt or suffixes.get(Path(path).suffix.lower(), "arrow" if Path(path).is_dir() else "jsonl")
    if kind == "jsonl":
        return read_jsonl(path, text_column)
    if kind == "txt":
        return read_txt(path, line_per_report)
    if kind in ("csv", "tsv"):
        return read_table(path, "," if kind == "csv" else "\t", text_column)
    if kind in ("arrow", "parquet"):
        return read_dataset(path, kind, text_column)
    raise ValueError(f"unknown input format {kind!r}; use jsonl, txt, csv, tsv, arrow or parquet")
