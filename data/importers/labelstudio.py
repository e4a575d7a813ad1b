"""Label Studio JSON exports (span ``labels`` results) to reports, and predictions to pre-annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hadath.data.errors import DataError, Problem
from hadath.data.records import Report, Span


def read_labelstudio(path: str | Path, text_key: str = "text") -> Iterator[Report]:
    """Read a Label Studio JSON export (a list of tasks).

    The latest non-cancelled annotation of each task is used; if a task has none, its first
    prediction. ``labels`` results become spans; ``choices`` results become report labels.
    """
    source = str(path)
    with open(path, encoding="utf-8-sig") as fh:
        try:
            tasks = json.load(fh)
        except json.JSONDecodeError as err:
            raise DataError(Problem(source, err.lineno, f"invalid JSON: {err.msg}")) from None
    if not isinstance(tasks, list):
        raise DataError(Problem(source, None, "a Label Studio export is a JSON list of tasks"))
    for k, task in enumerate(tasks):
        where = f"tasks[{k}]"
        data = task.get("data", {}) if isinstance(task, dict) else {}
        text = data.get(text_key)
        if not isinstance(text, str):
            raise DataError(Problem(source, None, f"no string data.{text_key}; pass text_key=...", field=where))
        annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        chosen = annotations[-1] if annotations else (task.get("predictions") or [{}])[0]
        spans: list[Span] = []
        labels: list[str] = []
        for r, result in enumerate(chosen.get("result", [])):
            value = result.get("value", {})
            if result.get("type") == "labels":
                names = value.get("labels") or []
                if len(names) != 1:
                    raise DataError(
                        Problem(
                            source,
                            None,
                            f"a span needs exactly one label, got {names}",
                            field=f"{where}.result[{r}]",
                        )
                    )
                start, end = value.get("start"), value.get("end")
                if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                    raise DataError(
                        Problem(
                            source,
                            None,
                            f"span [{start}, {end}) is outside the text",
                            field=f"{where}.result[{r}]",
                        )
                    )
                spans.append(Span(start, end, names[0]))
            elif result.get("type") == "choices":
                labels.extend(value.get("choices", []))
        spans.sort(key=lambda s: (s.start, s.end))
        rid = data.get("id", task.get("id", k))
        yield Report(str(rid), text, tuple(spans), tuple(labels) if labels else None, {})


def to_labelstudio_tasks(
    predictions: Iterable[dict[str, Any]],
    model_version: str = "hadath",
    from_name: str = "label",
    to_name: str = "text",
) -> list[dict[str, Any]]:
    """Turn prediction dicts (``id``, ``text``, ``spans`` with ``start/end/label/score``) into tasks
    with pre-annotations that Label Studio shows for correction."""
    tasks = []
    for pred in predictions:
        results = []
        scores = []
        for k, span in enumerate(pred.get("spans", [])):
            score = float(span.get("score", 1.0))
            scores.append(score)
            results.append(
                {
                    "id": f"{pred['id']}-{k}",
                    "from_name": from_name,
                    "to_name": to_name,
                    "type": "labels",
                    "value": {
                        "start": span["start"],
                        "end": span["end"],
                        "text": pred["text"][span["start"] : span["end"]],
                        "labels": [span["label"]],
                    },
                    "score": score,
                }
            )
        tasks.append(
            {
                "data": {"text": pred["text"], "id": pred["id"]},
                "predictions": [
                    {
                        "model_version": model_version,
                        "score": sum(scores) / len(scores) if scores else 0.0,
                        "result": results,
                    }
                ],
            }
        )
    return tasks
