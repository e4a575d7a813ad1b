"""Precision, recall and F1 over sets of (report, start, end, label) spans, strict and partial.

Spans are compared at the character offsets of whole words, which is the word-level scoring seqeval
does on IOB2 tags (tested against seqeval). Partial matching follows SemEval-2013: a predicted span
counts as correct if it overlaps a gold span of the same label (each gold span matched at most once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SpanKey = tuple[int, int, int, str]  # (report index, start, end, label)


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int
    tp: int = 0
    n_pred: int = 0

    @classmethod
    def from_counts(cls, tp: int, n_pred: int, n_gold: int) -> PRF:
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(p, r, f, n_gold, tp, n_pred)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
        }


@dataclass(frozen=True)
class SpanScores:
    micro: PRF
    macro: PRF
    per_label: dict[str, PRF]

    def to_dict(self) -> dict[str, Any]:
        return {
            "micro": self.micro.to_dict(),
            "macro": self.macro.to_dict(),
            "per_label": {k: v.to_dict() for k, v in sorted(self.per_label.items())},
        }


def _aggregate(tp: Counter[str], pred: Counter[str], gold: Counter[str], labels: Iterable[str]) -> SpanScores:
    labels = sorted(set(labels) | set(gold) | set(pred))
    per = {lab: PRF.from_counts(tp[lab], pred[lab], gold[lab]) for lab in labels}
    micro = PRF.from_counts(sum(tp.values()), sum(pred.values()), sum(gold.values()))
    scored = [per[lab] for lab in labels if gold[lab] or pred[lab]]
    n = max(len(scored), 1)
    macro = PRF(
        sum(x.precision for x in scored) / n,
        sum(x.recall for x in scored) / n,
        sum(x.f1 for x in scored) / n,
        sum(gold.values()),
    )
    return SpanScores(micro, macro, per)


def score_spans(
    gold: Iterable[SpanKey], pred: Iterable[SpanKey], labels: Iterable[str] = (), partial: bool = False
) -> SpanScores:
    """Score predicted spans against gold spans.

    >>> score_spans([(0, 0, 3, "LOC")], [(0, 0, 3, "LOC"), (0, 5, 8, "PER")]).micro.precision
    0.5
    """
    gold_list = list(gold)
    pred_list = list(pred)
    gold_n = Counter(k[3] for k in gold_list)
    pred_n = Counter(k[3] for k in pred_list)
    tp: Counter[str] = Counter()
    if not partial:
        gold_set = set(gold_list)
        for key in set(pred_list):
            if key in gold_set:
                tp[key[3]] += 1
    else:
        by_report: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for r, s, e, lab in gold_list:
            by_report.setdefault((r, lab), []).append((s, e))
        used: set[tuple[int, str, int, int]] = set()
        for r, s, e, lab in sorted(pred_list):
            for gs, ge in by_report.get((r, lab), []):
                if gs < e and s < ge and (r, lab, gs, ge) not in used:
                    used.add((r, lab, gs, ge))
                    tp[lab] += 1
                    break
    return _aggregate(tp, pred_n, gold_n, labels)
