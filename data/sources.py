"""Read reports from a named source: the embedded corpus, a file in a generic format, or a dataset
reader registered by name (public corpora in their upstream formats)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from hadath.data.corpus_io import load_corpus
from hadath.data.errors import DataError, Problem
from hadath.data.importers import read_brat, read_conll, read_labelstudio
from hadath.data.jsonl import check_report, read_reports
from hadath.data.records import Report
from hadath.data.schema import LabelSchema

# name -> reader(root, split) yielding reports; public dataset readers register here.
DATASET_READERS: dict[str, Callable[[Path, str], Iterator[Report]]] = {}


def register_dataset(name: str) -> Callable:
    def wrap(fn: Callable[[Path, str], Iterator[Report]]) -> Callable[[Path, str], Iterator[Report]]:
        DATASET_READERS[name] = fn
        return fn

    return wrap


def read_source(
    fmt: str,
    *,
    name: str = "",
    split: str = "",
    path: str = "",
    root: str = "",
    scheme: str = "",
    schema: LabelSchema | None = None,
    strict: bool = True,
) -> list[Report]:
    """Load and validate the reports of one source.

    Args:
        fmt: ``corpus`` (embedded, by ``name``/``split``), ``jsonl``, ``conll``, ``brat``, ``labelstudio``
            (by ``path``), or ``dataset`` (a registered reader ``name`` with ``root`` and ``split``).
        schema: Span labels must belong to it; records that break it are errors (or, when not
            ``strict``, skipped with a report on stderr).
    """
    if fmt == "corpus":
        return load_corpus(name, split)
    if fmt == "jsonl":
        return list(read_reports(path, schema, strict=strict))
    if fmt == "dataset":
        import hadath.data.datasets  # noqa: F401  (registers the public-corpus readers)

        if name not in DATASET_READERS:
            raise DataError(Problem(name, None, f"unknown dataset; registered: {sorted(DATASET_READERS)}"))
        reports: Iterator[Report] = DATASET_READERS[name](Path(root), split)
    elif fmt == "conll":
        reports = read_conll(path, scheme or None)  # type: ignore[arg-type]
    elif fmt == "brat":
        reports = read_brat(path)
    elif fmt == "labelstudio":
        reports = read_labelstudio(path)
    else:
        raise DataError(
            Problem(fmt, None, "unknown data format; use corpus, jsonl, conll, brat, labelstudio or dataset")
        )
    out = []
    skipped = []
    for report in reports:
        problems = check_report(report, schema, path or root or name, None)
        if problems:
            if strict:
                raise DataError(problems)
            skipped.extend(problems)
            continue
        out.append(report)
    if skipped:
        import sys

        print(
            f"{path or name}: skipped {len(skipped)} problems:\n" + "\n".join(f"  {p}" for p in skipped[:20]),
            file=sys.stderr,
        )
    return out
