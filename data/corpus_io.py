"""Load the embedded corpus by name and describe any set of reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from hadath.data.corpus import packaged_file
from hadath.data.jsonl import read_reports
from hadath.data.records import Report
from hadath.data.schema import LabelSchema, load_schema
from hadath.data.words import split_sentences, split_words

CORPORA = {"conflict-events": ("conflict-events", ("train", "dev"))}


def load_corpus(name: str = "conflict-events", split: str = "train") -> list[Report]:
    """Load a split of a corpus shipped with hadath, validated against its schema.

    >>> len(load_corpus("conflict-events", "dev"))
    60
    """
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; shipped corpora: {sorted(CORPORA)}")
    schema_name, splits = CORPORA[name]
    if split not in splits:
        raise ValueError(f"corpus {name!r} has splits {list(splits)}, not {split!r}")
    schema = load_schema(schema_name)
    return list(read_reports(packaged_file(f"{split}.jsonl"), schema))


def report_labels(report: Report, schema: LabelSchema) -> tuple[str, ...]:
    """Report-level sequence labels: given ones, or the trigger types present (in schema order)."""
    if schema.sequence_source == "given":
        return tuple(report.labels or ())
    if schema.sequence_source == "derived":
        present = {s.label for s in report.spans if schema.is_trigger(s.label)}
        return tuple(lab for lab in schema.triggers if lab in present)
    return ()


@dataclass
class CorpusStats:
    reports: int = 0
    words: int = 0
    sentences: int = 0
    chars: int = 0
    spans: Counter[str] = field(default_factory=Counter)
    report_labels: Counter[str] = field(default_factory=Counter)

    def table(self) -> str:
        lines = [
            f"reports   {self.reports}",
            f"sentences {self.sentences}",
            f"words     {self.words}",
            f"spans     {sum(self.spans.values())}",
            "",
            f"{'label':<14}{'spans':>7}{'reports':>9}",
        ]
        for label, count in self.spans.most_common():
            lines.append(f"{label:<14}{count:>7}{self.report_labels.get(label, 0):>9}")
        return "\n".join(lines)


def corpus_stats(reports: Iterable[Report], schema: LabelSchema | None = None) -> CorpusStats:
    """Count reports, sentences, words and spans per label."""
    stats = CorpusStats()
    for r in reports:
        words = split_words(r.text)
        stats.reports += 1
        stats.words += sum(1 for w in words if any(ch.isalnum() for ch in r.text[w.start : w.end]))
        stats.sentences += len(split_sentences(r.text, words))
        stats.chars += len(r.text)
        stats.spans.update(s.label for s in r.spans)
        labels = report_labels(r, schema) if schema is not None else (r.labels or ())
        stats.report_labels.update(labels)
    return stats
