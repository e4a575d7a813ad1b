"""Readers for public Arabic corpora in their upstream formats, registered by name.

A training config names one as ``data: {train: {format: dataset, name: cleananercorp, split: train,
root: ../shared/external}}``; the schema of the same name ships with hadath (``schema: cleananercorp``).
The files themselves are never copied into the project: ``root`` points at a folder holding them.

Every reader states what it changes on the way in (Wojood's nested layers, IDRISI's relatedness-only
event) in the ``DatasetLog`` it fills, so benchmarks can print it instead of hiding it.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hadath.data.errors import DataError, Problem
from hadath.data.importers.conll import decode_tags, read_conll
from hadath.data.records import Report, Span
from hadath.data.sources import register_dataset
from hadath.data.words import split_words


@dataclass
class DatasetLog:
    """What a reader read and what it had to change; printed by benchmarks beside the scores."""

    reports: int = 0
    spans: int = 0
    notes: list[str] = field(default_factory=list)


LAST_LOG: dict[str, DatasetLog] = {}  # dataset/split -> log of the latest read


def _folder(root: Path, name: str) -> Path:
    folder = root / name
    if not folder.is_dir():
        raise DataError(
            Problem(str(folder), None, f"dataset folder not found; set data.*.root to the folder that holds {name}/")
        )
    return folder


def _split_name(split: str, allowed: dict[str, str], dataset: str) -> str:
    if split not in allowed:
        raise DataError(Problem(dataset, None, f"unknown split {split!r}; use one of {sorted(allowed)}", field="split"))
    return allowed[split]


# --- CLEANANERCorp -----------------------------------------------------------------------------------------------

# The CAMeL split has train and test only. ``train``/``dev`` hold out every tenth training report so a run can
# pick its epoch without looking at the test set; ``train-full`` is the whole training file (as published).
_CLEANANER = {"train": "TRAIN", "dev": "TRAIN", "train-full": "TRAIN", "test": "TEST"}


@register_dataset("cleananercorp")
def read_cleananercorp(root: Path, split: str) -> Iterator[Report]:
    """CLEANANERCorp (IOB2 ``token TAG``; PERS/LOC/ORG/MISC).

    ``split`` is ``train``, ``dev``, ``train-full`` or ``test``, optionally ``:N`` to join N consecutive
    sentences (in file order, which follows the articles) into one report, so each sentence is tagged with
    its neighbours as context. Entities and their scoring are the same either way.
    """
    split, _, group = split.partition(":")
    per_report = int(group) if group.isdigit() and int(group) > 0 else None
    if group and per_report is None:
        raise DataError(Problem("cleananercorp", None, f"':{group}' must be a positive number of sentences"))
    part = _split_name(split, _CLEANANER, "cleananercorp")
    path = _folder(root, "cleananercorp") / f"cleananercorp_{part}.txt"
    log = DatasetLog()
    LAST_LOG[f"cleananercorp/{split}"] = log
    reports = read_conll(path, "IOB2", sentences_per_report=per_report or 1, id_prefix=f"cleananercorp-{part.lower()}")
    for i, report in enumerate(reports):
        if split in ("train", "dev") and (split == "dev") != (i % 10 == 9):
            continue
        log.reports += 1
        log.spans += len(report.spans)
        yield report


# --- Wojood (sample) ---------------------------------------------------------------------------------------------

_WOJOOD = {"train": "train.txt", "dev": "val.txt", "val": "val.txt", "test": "test.txt"}


@register_dataset("wojood")
def read_wojood(root: Path, split: str) -> Iterator[Report]:
    """Wojood sample: outer (first) tag layer only; ``$#$`` lines end a segment.

    Nested entities in the extra columns are dropped (counted in the log); a segment cut by the file's end
    is kept as it is (an entity open at the cut ends at the last token).
    """
    path = _folder(root, "wojood_sample") / _split_name(split, _WOJOOD, "wojood")
    log = DatasetLog()
    LAST_LOG[f"wojood/{split}"] = log
    nested_total = nested_dropped = 0
    sentences = list(_wojood_layers(path))
    for _tokens, layers in sentences:
        kept = {(a, b, lab) for a, b, lab in decode_tags(layers[0], "IOB2")[0]}
        for inner in layers[1:]:
            chunks = decode_tags(inner, "IOB2")[0]
            nested_total += len(chunks)
            nested_dropped += sum(1 for c in chunks if c not in kept)
    for report in read_conll(path, "IOB2", tag_column=1, boundary_tokens=("$#$",), id_prefix=f"wojood-{split}"):
        log.reports += 1
        log.spans += len(report.spans)
        yield report
    log.notes.append(
        f"{path.name}: flattened to the outer layer; dropped {nested_dropped} of {nested_total} nested-layer "
        f"entities ({log.spans} outer entities kept)"
    )
    if sentences and sentences[-1][1][0] and sentences[-1][1][0][-1] != "O":
        log.notes.append(f"{path.name}: last segment is cut by the file's end inside an entity; kept as is")


def _wojood_layers(path: Path) -> Iterator[tuple[list[str], list[list[str]]]]:
    """Segments with every tag column: ``(tokens, [outer_tags, layer2_tags, ...])``."""
    tokens: list[str] = []
    rows: list[list[str]] = []
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            cols = line.split()
            if not cols or cols[0] == "$#$":
                if tokens:
                    yield tokens, _layers(rows)
                tokens, rows = [], []
                continue
            tokens.append(cols[0])
            rows.append(cols[1:])
    if tokens:
        yield tokens, _layers(rows)


def _layers(rows: list[list[str]]) -> list[list[str]]:
    depth = max(len(r) for r in rows)
    return [[r[k] if k < len(r) else "O" for r in rows] for k in range(depth)]


# --- IDRISI-RA ---------------------------------------------------------------------------------------------------

# covid_2019's tweet label is relatedness ("relevant"), not an information type: mixing it in would teach the
# sequence head that a covid tweet has no information type. It is read only when asked for by name.
IDRISI_EVENTS = ("dragon_storms_2020", "hafr_albatin_floods_2019", "jordan_floods_2018", "kuwait_floods_2018")
_IDRISI = {"train": "train", "dev": "dev"}


@register_dataset("idrisi")
def read_idrisi(root: Path, split: str) -> Iterator[Report]:
    """IDRISI-RA JSON: location-mention spans (character offsets) and the tweet's information classes.

    ``split`` is ``train`` or ``dev`` (the public test split does not exist), optionally ``split:event``
    to read one event (``dev:covid_2019``).
    """
    split, _, only = split.partition(":")
    part = _split_name(split, _IDRISI, "idrisi")
    folder = _folder(root, "idrisi_ra") / "json"
    events = (only,) if only else IDRISI_EVENTS
    log = DatasetLog()
    LAST_LOG[f"idrisi/{split}"] = log
    nested = 0
    for event in events:
        path = folder / event / f"{part}.jsonl"
        if not path.exists():
            raise DataError(Problem(str(path), None, f"no such IDRISI event file; events: {IDRISI_EVENTS}"))
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                report = _idrisi_record(line, str(path), number, event)
                report, dropped = _flatten(report)
                nested += dropped
                log.reports += 1
                log.spans += len(report.spans)
                yield report
    log.notes.append(
        f"{nested} location mentions nested inside a longer one or sharing a word with it dropped (tagging is flat)"
    )
    if not only:
        log.notes.append("covid_2019 left out: its tweet label is relatedness, not an information class")


def _idrisi_record(line: str, source: str, number: int, event: str) -> Report:
    try:
        raw = json.loads(line)
        text = raw["text"]
        spans = []
        for m in raw["location_mentions"]:
            start, end = int(m["startIdx"]), int(m["endIdx"])
            if text[start:end] != m["text"]:
                raise DataError(
                    Problem(source, number, f"offsets {start}:{end} give {text[start:end]!r}, not {m['text']!r}")
                )
            spans.append(Span(start, end, m["type"]))
        labels = tuple(sorted({c.strip() for c in raw["info_class"].split(",") if c.strip()}))
        return Report(
            f"idrisi-{raw['tweet_id']}",
            text,
            tuple(sorted(spans, key=lambda s: (s.start, s.end))),
            labels,
            {"event": event},
        )
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(Problem(source, number, f"not an IDRISI record: {err!r}")) from None


def _flatten(report: Report) -> tuple[Report, int]:
    """Keep the longest of overlapping spans (the outer mention: ``منطقة #الاحمدي التعليمية`` over its parts).

    Spans are compared on the words they touch, since tagging is per word: two places inside one hashtag
    (``#سيول_الكويت_الفحيحيل``) share a word, and only the longer mention can be kept.
    """
    words = split_words(report.text)

    def extent(span: Span) -> tuple[int, int]:
        touched = [w for w in words if w.start < span.end and w.end > span.start]
        return (touched[0].start, touched[-1].end) if touched else (span.start, span.end)

    kept: list[tuple[Span, tuple[int, int]]] = []
    for span in sorted(report.spans, key=lambda s: (s.start - s.end, s.start)):
        a, b = extent(span)
        if all(b <= ka or a >= kb for _, (ka, kb) in kept):
            kept.append((span, (a, b)))
    if len(kept) == len(report.spans):
        return report, 0
    spans = tuple(sorted((s for s, _ in kept), key=lambda s: s.start))
    return Report(report.id, report.text, spans, report.labels, report.meta), len(report.spans) - len(kept)


# --- ASND --------------------------------------------------------------------------------------------------------

_ASND = {"train": "trn", "dev": "dev", "test": "tst"}


@register_dataset("asnd")
def read_asnd(root: Path, split: str) -> Iterator[Report]:
    """ASND CSV (columns found by header name: their order differs between files); one class per post."""
    path = _folder(root, "asnd") / f"sm_news_ar_{_split_name(split, _ASND, 'asnd')}.csv"
    log = DatasetLog()
    LAST_LOG[f"asnd/{split}"] = log
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"Class", "Content", "ID"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(Problem(str(path), 1, f"header lacks columns {sorted(missing)}", field="header"))
        seen: set[str] = set()
        for row in reader:
            number = reader.line_num
            rid, text, label = row["ID"], row["Content"], row["Class"]
            if not label or text is None:
                raise DataError(Problem(str(path), number, "row has no Class or Content", field="Class"))
            # A few posts share an ID across platforms; keep both, with a suffix, rather than drop one.
            uid = rid if rid not in seen else f"{rid}#{number}"
            seen.add(uid)
            log.reports += 1
            yield Report(f"asnd-{uid}", text, (), (label.strip(),), {"platform": row.get("Platform", "")})


def print_logs(file=sys.stderr) -> None:
    for key, log in LAST_LOG.items():
        print(f"{key}: {log.reports} reports, {log.spans} spans", file=file)
        for note in log.notes:
            print(f"  {note}", file=file)


__all__ = [
    "IDRISI_EVENTS",
    "LAST_LOG",
    "DatasetLog",
    "print_logs",
    "read_asnd",
    "read_cleananercorp",
    "read_idrisi",
    "read_wojood",
]
