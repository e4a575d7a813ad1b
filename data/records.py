"""The annotated report: the one record every part of hadath reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled character span ``text[start:end]`` (end exclusive) of a report."""

    start: int
    end: int
    label: str

    def to_dict(self) -> dict[str, Any]:
        # Key order matches the corpus files so a read/write round trip is byte-identical.
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass(frozen=True, slots=True)
class Report:
    """One report: its text, flat spans, optional report-level sequence labels and free metadata.

    Attributes:
        id: Unique identifier within a file.
        text: The original text; offsets always refer to it, never to a normalised copy.
        spans: Flat, non-overlapping spans sorted by start.
        labels: Report-level sequence labels (event types), or ``None`` when the record has none.
        meta: Anything else the record carried; written back unchanged.
    """

    id: str
    text: str
    spans: tuple[Span, ...] = ()
    labels: tuple[str, ...] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def span_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.spans]

    def to_dict(self, labels_field: str = "labels") -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text, "spans": [s.to_dict() for s in self.spans]}
        if self.labels is not None:
            out[labels_field] = list(self.labels)
        if self.meta:
            out["meta"] = self.meta
        return out
