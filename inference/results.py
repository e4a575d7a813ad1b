"""Typed prediction results. ``to_dict`` gives the JSON written by ``hadath-predict``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PredictedSpan:
    """A predicted trigger or argument; ``text == input[start:end]`` on the original input, always."""

    start: int
    end: int
    label: str
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class LabelScore:
    label: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "probability": round(self.probability, 4)}


@dataclass(frozen=True, slots=True)
class SentencePrediction:
    """A sentence's offsets and its event types above the threshold."""

    start: int
    end: int
    labels: tuple[LabelScore, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "labels": [x.to_dict() for x in self.labels]}


@dataclass(frozen=True, slots=True)
class Argument:
    role: str
    start: int
    end: int
    text: str
    score: float
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """A trigger with the arguments that belong to it."""

    type: str
    trigger: PredictedSpan
    arguments: tuple[Argument, ...]

    def to_dict(self) -> dict[str, Any]:
        t = self.trigger
        return {
            "type": self.type,
            "trigger": {"start": t.start, "end": t.end, "text": t.text, "score": round(t.score, 4)},
            "arguments": [a.to_dict() for a in self.arguments],
        }


@dataclass(frozen=True, slots=True)
class ReportPrediction:
    """Everything predicted for one report.

    Attributes:
        spans: Triggers and arguments in text order.
        sentences: Each sentence with its event types.
        labels: Report-level event types above the threshold.
        probabilities: Probability of every sequence label for the report.
        events: Triggers with their arguments.
    """

    spans: tuple[PredictedSpan, ...]
    sentences: tuple[SentencePrediction, ...]
    labels: tuple[LabelScore, ...]
    probabilities: dict[str, float]
    events: tuple[Event, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "spans": [s.to_dict() for s in self.spans],
            "sentences": [s.to_dict() for s in self.sentences],
            "labels": [x.to_dict() for x in self.labels],
            "events": [e.to_dict() for e in self.events],
        }


def prediction_from_dict(raw: dict[str, Any]) -> ReportPrediction:
    """Rebuild a prediction from its JSON (as written by ``hadath-predict``)."""
    spans = tuple(
        PredictedSpan(s["start"], s["end"], s["label"], s["text"], float(s.get("score", 1.0)))
        for s in raw.get("spans", [])
    )
    sentences = tuple(
        SentencePrediction(
            s["start"], s["end"], tuple(LabelScore(x["label"], x["probability"]) for x in s.get("labels", []))
        )
        for s in raw.get("sentences", [])
    )
    labels = tuple(LabelScore(x["label"], x["probability"]) for x in raw.get("labels", []))
    events = tuple(
        Event(
            e["type"],
            PredictedSpan(
                e["trigger"]["start"],
                e["trigger"]["end"],
                e["type"],
                e["trigger"]["text"],
                e["trigger"].get("score", 1.0),
            ),
            tuple(
                Argument(a["role"], a["start"], a["end"], a["text"], a.get("score", 1.0), a.get("count"))
                for a in e.get("arguments", [])
            ),
        )
        for e in raw.get("events", [])
    )
    # Only labels above the threshold are written, so their probabilities are all that is known.
    return ReportPrediction(spans, sentences, labels, {x.label: x.probability for x in labels}, events)
