"""brat standoff (``.txt`` + ``.ann``) to reports. Only text-bound annotations (T lines) become spans."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from hadath.data.errors import DataError, Problem
from hadath.data.records import Report, Span


def read_brat_document(txt_path: str | Path, ann_path: str | Path | None = None) -> tuple[Report, Counter[str]]:
    """Read one brat document; returns the report and a count of annotation lines not turned into spans.

    Discontinuous spans (``start end;start end``) cannot be flat spans and are an error naming the line.
    """
    txt_path = Path(txt_path)
    ann = Path(ann_path) if ann_path else txt_path.with_suffix(".ann")
    # brat offsets count characters of the file as read with universal newlines off.
    text = txt_path.read_bytes().decode("utf-8")
    spans: list[Span] = []
    ignored: Counter[str] = Counter()
    source = str(ann)
    with open(ann, encoding="utf-8", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            kind = line[0]
            if kind != "T":
                ignored[kind] += 1
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise DataError(Problem(source, number, "a T line is 'T1<TAB>LABEL START END<TAB>text'"))
            label, _, offsets = parts[1].partition(" ")
            if ";" in offsets:
                raise DataError(
                    Problem(
                        source,
                        number,
                        f"discontinuous span {offsets!r} cannot be a flat span; split it into separate annotations",
                        record_id=parts[0],
                    )
                )
            try:
                start, end = (int(x) for x in offsets.split())
            except ValueError:
                raise DataError(
                    Problem(source, number, f"offsets {offsets!r} are not 'START END'", record_id=parts[0])
                ) from None
            if not 0 <= start < end <= len(text):
                raise DataError(
                    Problem(
                        source,
                        number,
                        f"span [{start}, {end}) is outside {txt_path.name} ({len(text)} characters)",
                        record_id=parts[0],
                    )
                )
            if len(parts) > 2 and parts[2] != text[start:end]:
                raise DataError(
                    Problem(
                        source,
                        number,
                        f"annotated text {parts[2]!r} differs from the .txt "
                        f"{text[start:end]!r}; the .txt and .ann are out of sync",
                        record_id=parts[0],
                    )
                )
            spans.append(Span(start, end, label))
    spans.sort(key=lambda s: (s.start, s.end))
    return Report(txt_path.stem, text, tuple(spans), None, {"source": str(txt_path)}), ignored


def read_brat(folder: str | Path) -> Iterator[Report]:
    """Read every ``*.txt`` with a sibling ``.ann`` in a folder (sorted by name)."""
    folder = Path(folder)
    txts = sorted(folder.glob("*.txt"))
    if not txts:
        raise DataError(Problem(str(folder), None, "no .txt files found; brat folders hold doc.txt + doc.ann pairs"))
    for txt in txts:
        if not txt.with_suffix(".ann").exists():
            raise DataError(Problem(str(txt), None, "has no .ann file beside it"))
        report, _ = read_brat_document(txt)
        yield report
