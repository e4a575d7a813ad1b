"""Label schemas as data: which span labels exist, which are triggers, how sequence labels arise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from hadath.data.errors import DataError, Problem

SequenceSource = Literal["derived", "given", "none"]

_KEYS = {"name", "version", "triggers", "arguments", "count_arguments", "sequence_labels", "labels_field"}
_SEQ_KEYS = {"source", "labels"}


@dataclass(frozen=True)
class LabelSchema:
    """The span and sequence labels a model predicts.

    Attributes:
        name: Short name, saved with every model.
        triggers: Span labels that are event triggers; each is also an event type.
        arguments: Span labels that are event arguments (or plain entity types for NER schemas).
        count_arguments: Arguments whose text is a casualty count (normalised to an integer).
        sequence_source: ``derived`` (event types = trigger labels present in a sentence/report),
            ``given`` (read from each record's labels) or ``none`` (no sequence head targets).
        given_labels: The sequence labels when ``sequence_source == "given"``.
        labels_field: The JSON field holding report-level labels in this schema's files.
    """

    name: str
    triggers: tuple[str, ...] = ()
    arguments: tuple[str, ...] = ()
    count_arguments: tuple[str, ...] = ()
    sequence_source: SequenceSource = "derived"
    given_labels: tuple[str, ...] = ()
    labels_field: str = "labels"
    version: int = 1

    def __post_init__(self) -> None:
        labels = self.span_labels
        dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
        if dupes:
            raise ValueError(f"schema {self.name!r}: labels listed twice: {dupes}")
        for lab in labels:
            if not lab or lab == "O" or lab.startswith(("B-", "I-")) or any(c.isspace() for c in lab):
                raise ValueError(f"schema {self.name!r}: invalid span label {lab!r} (no 'O', BIO prefixes or spaces)")
        unknown = set(self.count_arguments) - set(self.arguments)
        if unknown:
            raise ValueError(f"schema {self.name!r}: count_arguments {sorted(unknown)} are not arguments")
        if self.sequence_source == "given" and not self.given_labels:
            raise ValueError(f"schema {self.name!r}: sequence_labels.source is 'given' but no labels are listed")

    @property
    def span_labels(self) -> tuple[str, ...]:
        return self.triggers + self.arguments

    @property
    def sequence_labels(self) -> tuple[str, ...]:
        """Labels of the sequence head, in a fixed order."""
        if self.sequence_source == "derived":
            return self.triggers
        if self.sequence_source == "given":
            return self.given_labels
        return ()

    @property
    def bio_tags(self) -> tuple[str, ...]:
        """``O`` then ``B-X``/``I-X`` for every span label, in schema order."""
        tags = ["O"]
        for lab in self.span_labels:
            tags += [f"B-{lab}", f"I-{lab}"]
        return tuple(tags)

    def is_trigger(self, label: str) -> bool:
        return label in self.triggers

    def to_dict(self) -> dict[str, Any]:
        seq: dict[str, Any] = {"source": self.sequence_source}
        if self.sequence_source == "given":
            seq["labels"] = list(self.given_labels)
        return {
            "name": self.name,
            "version": self.version,
            "triggers": list(self.triggers),
            "arguments": list(self.arguments),
            "count_arguments": list(self.count_arguments),
            "sequence_labels": seq,
            "labels_field": self.labels_field,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "<schema>") -> LabelSchema:
        """Build a schema from its YAML/JSON form, rejecting unknown keys."""

        def fail(msg: str, key: str | None = None) -> DataError:
            return DataError(Problem(source, None, msg, field=key))

        if not isinstance(raw, dict):
            raise fail("a schema is a mapping with 'name', 'triggers' and/or 'arguments'")
        unknown = set(raw) - _KEYS
        if unknown:
            raise fail(f"unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")

        def str_list(key: str, value: Any) -> tuple[str, ...]:
            if value is None:
                return ()
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail("must be a list of strings", key)
            return tuple(value)

        seq = raw.get("sequence_labels") or {"source": "derived"}
        if not isinstance(seq, dict) or set(seq) - _SEQ_KEYS:
            raise fail(f"must be a mapping with keys {sorted(_SEQ_KEYS)}", "sequence_labels")
        source_kind = seq.get("source", "derived")
        if source_kind not in ("derived", "given", "none"):
            raise fail("must be one of derived, given, none", "sequence_labels.source")
        if "name" not in raw or not isinstance(raw["name"], str):
            raise fail("a schema needs a string 'name'", "name")
        try:
            return cls(
                name=raw["name"],
                version=int(raw.get("version", 1)),
                triggers=str_list("triggers", raw.get("triggers")),
                arguments=str_list("arguments", raw.get("arguments")),
                count_arguments=str_list("count_arguments", raw.get("count_arguments")),
                sequence_source=source_kind,
                given_labels=str_list("sequence_labels.labels", seq.get("labels")),
                labels_field=str(raw.get("labels_field", "labels")),
            )
        except ValueError as err:
            if isinstance(err, DataError):
                raise
            raise fail(str(err)) from err


def load_schema(path_or_name: str | Path) -> LabelSchema:
    """Load a schema from a YAML file, or by name for the schemas shipped with hadath.

    >>> load_schema("conflict-events").triggers[:2]
    ('CLASH', 'AIRSTRIKE')
    """
    path = Path(path_or_name)
    if not path.suffix and not path.exists():
        from hadath.data.corpus import packaged_file

        path = packaged_file(f"{path_or_name}.yaml")
    if not path.exists():
        raise DataError(Problem(str(path), None, "schema file not found; give a YAML path or 'conflict-events'"))
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return LabelSchema.from_dict(raw, source=str(path))
