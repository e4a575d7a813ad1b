"""The headline figures training reports each epoch: spans, triggers, arguments, report event types."""

from __future__ import annotations

from collections.abc import Sequence

from hadath.data.corpus_io import report_labels
from hadath.data.records import Report
from hadath.data.schema import LabelSchema
from hadath.evaluation.scores import PRF, score_spans
from hadath.inference.results import ReportPrediction


def headline(gold: Sequence[Report], pred: Sequence[ReportPrediction], schema: LabelSchema) -> dict[str, float]:
    """Strict micro F1 of all spans, trigger classification, argument classification and report labels."""
    g = [(i, s.start, s.end, s.label) for i, r in enumerate(gold) for s in r.spans]
    p = [(i, s.start, s.end, s.label) for i, r in enumerate(pred) for s in r.spans]
    trig = set(schema.triggers)
    out = {
        "span_f1": score_spans(g, p).micro.f1,
        "trigger_f1": score_spans([x for x in g if x[3] in trig], [x for x in p if x[3] in trig]).micro.f1,
        "argument_f1": score_spans([x for x in g if x[3] not in trig], [x for x in p if x[3] not in trig]).micro.f1,
    }
    if schema.sequence_labels:
        tp = n_pred = n_gold = 0
        for r, pr in zip(gold, pred, strict=True):
            gl = set(report_labels(r, schema))
            pl = {x.label for x in pr.labels}
            tp += len(gl & pl)
            n_pred += len(pl)
            n_gold += len(gl)
        out["report_f1"] = PRF.from_counts(tp, n_pred, n_gold).f1
    return out
