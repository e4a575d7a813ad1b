"""Streaming JSONL reading and writing of reports, with validation that names file, line and field."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hadath.data.atomic import atomic_write
from hadath.data.errors import DataError, Problem
from hadath.data.records import Report, Span
from hadath.data.schema import LabelSchema


def check_report(report: Report, schema: LabelSchema | None, source: str, line: int | None) -> list[Problem]:
    """Return every problem of one report's spans and labels (empty when valid)."""
    problems: list[Problem] = []

    def add(msg: str, fld: str) -> None:
        problems.append(Problem(source, line, msg, record_id=report.id, field=fld))

    n = len(report.text)
    if "\x00" in report.text:
        add("text contains NUL characters (binary data or a broken export); remove them", "text")
    allowed = set(schema.span_labels) if schema is not None else None
    prev: tuple[int, Span] | None = None
    for k, span in enumerate(report.spans):
        fld = f"spans[{k}]"
        if span.start < 0 or span.end > n:
            add(
                f"span [{span.start}, {span.end}) is outside the text of length {n}; fix the offsets "
                "(Python string indices into 'text', end exclusive)",
                fld,
            )
            continue
        if span.start >= span.end:
            add(f"start={span.start} must be smaller than end={span.end}", fld)
            continue
        piece = report.text[span.start : span.end]
        if piece != piece.strip():
            add(f"span text {piece!r} starts or ends with whitespace; move the offsets onto the word", fld)
        if allowed is not None and span.label not in allowed:
            add(
                f"label {span.label!r} is not in schema {schema.name!r} "  # type: ignore[union-attr]
                f"(known: {', '.join(sorted(allowed))}); fix the label or add it to the schema",
                fld + ".label",
            )
        if prev is not None and span.start < prev[1].end:
            add(
                f"span [{span.start}, {span.end}) overlaps spans[{prev[0]}] [{prev[1].start}, {prev[1].end}); "
                "tagging is flat: keep one of them",
                fld,
            )
        prev = (k, span)
    if schema is not None and report.labels is not None and schema.sequence_source == "given":
        unknown = sorted(set(report.labels) - set(schema.given_labels))
        if unknown:
            add(
                f"labels {unknown} are not in schema {schema.name!r}; fix them or add them to the schema",
                schema.labels_field,
            )
    return problems


def _parse(obj: Any, source: str, line: int, labels_field: str) -> Report:
    def bad(msg: str, fld: str | None = None) -> DataError:
        rid = obj.get("id") if isinstance(obj, dict) else None
        return DataError(Problem(source, line, msg, record_id=str(rid) if rid is not None else None, field=fld))

    if not isinstance(obj, dict):
        raise bad('each line must be a JSON object like {"id": ..., "text": ..., "spans": [...]}')
    if "text" not in obj:
        raise bad("missing; every report needs its text", "text")
    if not isinstance(obj["text"], str):
        raise bad(f"must be a string, got {type(obj['text']).__name__}", "text")
    rid = obj.get("id")
    if rid is None:
        raise bad("missing; give every report a unique id", "id")
    if not isinstance(rid, str | int) or isinstance(rid, bool):
        raise bad("must be a string or an integer", "id")
    raw_spans = obj.get("spans", [])
    if not isinstance(raw_spans, list):
        raise bad("must be a list of {start, end, label} objects", "spans")
    spans = []
    for k, s in enumerate(raw_spans):
        if not isinstance(s, dict):
            raise bad("must be an object {start, end, label}", f"spans[{k}]")
        for key, typ in (("start", int), ("end", int), ("label", str)):
            if key not in s:
                raise bad("missing", f"spans[{k}].{key}")
            if not isinstance(s[key], typ) or isinstance(s[key], bool):
                raise bad(
                    f"must be {'an integer' if typ is int else 'a string'}, got {s[key]!r}",
                    f"spans[{k}].{key}",
                )
        extra = set(s) - {"start", "end", "label"}
        if extra:
            raise bad(f"unknown keys {sorted(extra)}; a span is {{start, end, label}}", f"spans[{k}]")
        spans.append(Span(s["start"], s["end"], s["label"]))
    labels = obj.get(labels_field)
    if labels is not None and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)):
        raise bad("must be a list of strings", labels_field)
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise bad("must be an object", "meta")
    extra = set(obj) - {"id", "text", "spans", labels_field, "meta"}
    if extra:
        # Unknown top-level fields are kept, not dropped: they travel in meta under their own names.
        meta = {**meta, **{k: obj[k] for k in obj if k in extra}}
    sorted_spans = tuple(sorted(spans, key=lambda sp: (sp.start, sp.end)))
    return Report(str(rid), obj["text"], sorted_spans, tuple(labels) if labels is not None else None, meta)


@dataclass
class ReadLog:
    """What a lenient read skipped, so nothing disappears without a word."""

    source: str
    read: int = 0
    skipped: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        if not self.skipped:
            return f"{self.source}: {self.read} reports, none skipped"
        lines = [f"{self.source}: {self.read} reports read, {len(self.skipped)} problems in skipped records:"]
        lines += [f"  {p}" for p in self.skipped[:20]]
        if len(self.skipped) > 20:
            lines.append(f"  ... and {len(self.skipped) - 20} more")
        return "\n".join(lines)


def iter_jsonl_objects(path: str | Path) -> Iterator[tuple[int, Any | DataError]]:
    """Yield ``(line_number, parsed_object_or_error)`` for each non-empty line, streaming.

    Errors (bad UTF-8, invalid JSON) are yielded, not raised, so callers decide to stop or go on.
    A UTF-8 byte-order mark and CRLF line ends are accepted.
    """
    source = str(path)
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield (
                    number,
                    DataError(
                        Problem(source, number, f"not valid UTF-8 (byte {err.start}); re-save the file as UTF-8")
                    ),
                )
                continue
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as err:
                cut = not line.rstrip().endswith("}")
                hint = "the line is cut short (interrupted write?)" if cut else "fix the JSON"
                yield (
                    number,
                    DataError(Problem(source, number, f"invalid JSON at column {err.colno}: {err.msg}; {hint}")),
                )


def read_reports(
    path: str | Path,
    schema: LabelSchema | None = None,
    *,
    strict: bool = True,
    labels_field: str | None = None,
    log: ReadLog | None = None,
) -> Iterator[Report]:
    """Stream validated reports from a JSONL file.

    Args:
        path: The JSONL file, one report object per line.
        schema: When given, span labels (and given sequence labels) must belong to it.
        strict: Raise :class:`DataError` at the first bad record. When False, skip bad records and
            record each problem in ``log`` (print ``log.summary()`` at the end).
        labels_field: JSON field of the report-level labels; defaults to the schema's, else ``labels``.
        log: Collects counts and problems; pass one to see what a lenient read skipped.

    Yields:
        Reports in file order.
    """
    source = str(path)
    log = log if log is not None else ReadLog(source)
    field_name = labels_field or (schema.labels_field if schema is not None else "labels")
    seen: dict[str, int] = {}
    for number, obj in iter_jsonl_objects(path):
        problems: list[Problem]
        report: Report | None = None
        if isinstance(obj, DataError):
            problems = obj.problems
        else:
            try:
                report = _parse(obj, source, number, field_name)
                problems = check_report(report, schema, source, number)
            except DataError as err:
                problems = err.problems
        if report is not None and report.id in seen:
            problems.append(
                Problem(
                    source,
                    number,
                    f"duplicate id (first on line {seen[report.id]}); ids must be unique",
                    record_id=report.id,
                    field="id",
                )
            )
        if problems:
            if strict:
                raise DataError(problems)
            log.skipped.extend(problems)
            continue
        assert report is not None
        seen[report.id] = number
        log.read += 1
        yield report
    if log.skipped and not strict:
        print(log.summary(), file=sys.stderr)


def report_line(report: Report, labels_field: str = "labels") -> str:
    return json.dumps(report.to_dict(labels_field), ensure_ascii=False)


def write_reports(path: str | Path, reports: Iterable[Report], labels_field: str = "labels") -> int:
    """Write reports as JSONL atomically; returns how many were written."""
    count = 0
    with atomic_write(path) as fh:
        for report in reports:
            fh.write(report_line(report, labels_field) + "\n")
            count += 1
    return count
