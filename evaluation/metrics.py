"""All evaluation figures from one pass over gold reports and predictions.

Keys of the result (stable; ``metrics.json`` is this dict):
``spans.{strict,partial}.{micro,macro,per_label}``; ``triggers`` and ``arguments``, each with
``identification`` (span matches a gold span of that kind, any label) and ``classification`` (span and
label); ``sentences`` and ``reports`` (``micro``, ``macro``, ``per_label``, ``subset_accuracy``);
``counts`` (KILLED/INJURED totals per report); ``n_reports``. Every score is
``{precision, recall, f1, support}``; headline F1s carry ``ci95`` from a seeded bootstrap over reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from hadath.data.corpus_io import report_labels
from hadath.data.records import Report
from hadath.data.schema import LabelSchema
from hadath.data.words import split_sentences
from hadath.evaluation.scores import PRF, score_spans
from hadath.inference.numbers import parse_count
from hadath.inference.results import ReportPrediction

HEADLINES = ("spans.strict.micro", "triggers.classification", "arguments.classification", "reports.micro")


def _multilabel(gold: list[set[str]], pred: list[set[str]], labels: Sequence[str]) -> dict[str, Any]:
    if not labels or not gold:
        return {
            "micro": PRF(0, 0, 0, 0).to_dict(),
            "macro": PRF(0, 0, 0, 0).to_dict(),
            "per_label": {},
            "subset_accuracy": 0.0,
        }
    y = np.array([[lab in g for lab in labels] for g in gold], dtype=int)
    p = np.array([[lab in s for lab in labels] for s in pred], dtype=int)
    out: dict[str, Any] = {}
    for avg in ("micro", "macro"):
        pr, rc, f1, _ = precision_recall_fscore_support(y, p, average=avg, zero_division=0)
        out[avg] = PRF(float(pr), float(rc), float(f1), int(y.sum())).to_dict()
    pr, rc, f1, sup = precision_recall_fscore_support(y, p, average=None, zero_division=0)
    out["per_label"] = {
        lab: PRF(float(pr[i]), float(rc[i]), float(f1[i]), int(sup[i])).to_dict() for i, lab in enumerate(labels)
    }
    out["subset_accuracy"] = round(float(accuracy_score(y, p)), 4)
    return out


def _counts(gold: Sequence[Report], pred: Sequence[ReportPrediction], schema: LabelSchema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for role in schema.count_arguments:
        g_tot, p_tot = [], []
        for r, pr in zip(gold, pred, strict=True):
            g = [parse_count(r.text[s.start : s.end]) for s in r.spans if s.label == role]
            p = [parse_count(s.text) for s in pr.spans if s.label == role]
            g_tot.append(sum(x for x in g if x is not None))
            p_tot.append(sum(x for x in p if x is not None))
        ga, pa = np.array(g_tot), np.array(p_tot)
        out[role] = {
            "exact_match": round(float((ga == pa).mean()), 4) if len(ga) else 0.0,
            "mean_abs_error": round(float(np.abs(ga - pa).mean()), 4) if len(ga) else 0.0,
            "gold_total": int(ga.sum()),
            "predicted_total": int(pa.sum()),
        }
    return out


def _per_report_counts(gold_keys: list, pred_keys: list, n: int) -> np.ndarray:
    """[n, 3] true positives, predicted and gold per report, for the bootstrap."""
    c = np.zeros((n, 3))
    gs = set(gold_keys)
    for k in set(pred_keys):
        c[k[0], 1] += 1
        c[k[0], 0] += k in gs
    for k in gold_keys:
        c[k[0], 2] += 1
    return c


def _f1(c: np.ndarray) -> np.ndarray:
    tp, npred, ngold = c[..., 0], c[..., 1], c[..., 2]
    p = np.divide(tp, npred, out=np.zeros_like(tp), where=npred > 0)
    r = np.divide(tp, ngold, out=np.zeros_like(tp), where=ngold > 0)
    return np.divide(2 * p * r, p + r, out=np.zeros_like(tp), where=(p + r) > 0)


def compute_metrics(
    gold: Sequence[Report],
    pred: Sequence[ReportPrediction],
    schema: LabelSchema,
    bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Score predictions against gold reports (same order, same texts)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold reports but {len(pred)} predictions")
    n = len(gold)
    g = [(i, s.start, s.end, s.label) for i, r in enumerate(gold) for s in r.spans]
    p = [(i, s.start, s.end, s.label) for i, r in enumerate(pred) for s in r.spans]
    trig = set(schema.triggers)
    g_t, p_t = [x for x in g if x[3] in trig], [x for x in p if x[3] in trig]
    g_a, p_a = [x for x in g if x[3] not in trig], [x for x in p if x[3] not in trig]

    def ident(keys: list) -> list:
        return [(i, s, e, "*") for i, s, e, _ in keys]

    m: dict[str, Any] = {
        "n_reports": n,
        "spans": {
            "strict": score_spans(g, p, schema.span_labels).to_dict(),
            "partial": score_spans(g, p, schema.span_labels, partial=True).to_dict(),
        },
        "triggers": {
            "identification": score_spans(ident(g_t), ident(p_t)).micro.to_dict(),
            "classification": score_spans(g_t, p_t).micro.to_dict(),
        },
        "arguments": {
            "identification": score_spans(ident(g_a), ident(p_a)).micro.to_dict(),
            "classification": score_spans(g_a, p_a).micro.to_dict(),
        },
    }
    labels = list(schema.sequence_labels)
    gold_rep = [set(report_labels(r, schema)) for r in gold]
    pred_rep = [{x.label for x in pr.labels} for pr in pred]
    m["reports"] = _multilabel(gold_rep, pred_rep, labels)
    gold_sent: list[set[str]] = []
    pred_sent: list[set[str]] = []
    if schema.sequence_source == "derived":
        for r, pr in zip(gold, pred, strict=True):
            predicted = {(s.start, s.end): {x.label for x in s.labels} for s in pr.sentences}
            for s in split_sentences(r.text):
                gold_sent.append({sp.label for sp in r.spans if sp.label in trig and s.start <= sp.start < s.end})
                pred_sent.append(predicted.get((s.start, s.end), set()))
    m["sentences"] = _multilabel(gold_sent, pred_sent, labels)
    m["counts"] = _counts(gold, pred, schema)

    # Bootstrap over reports: resample per-report counts, recompute micro F1.
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(bootstrap, n)) if n else np.zeros((bootstrap, 0), dtype=int)
    rep_keys_g = [(i, 0, 0, lab) for i, ls in enumerate(gold_rep) for lab in ls]
    rep_keys_p = [(i, 0, 0, lab) for i, ls in enumerate(pred_rep) for lab in ls]
    for path, (gk, pk) in zip(HEADLINES, ((g, p), (g_t, p_t), (g_a, p_a), (rep_keys_g, rep_keys_p)), strict=True):
        counts = _per_report_counts(gk, pk, n)
        f1s = _f1(counts[idx].sum(axis=1)) if n else np.zeros(1)
        node = m
        for key in path.split("."):
            node = node[key]
        node["ci95"] = [round(float(np.percentile(f1s, 2.5)), 4), round(float(np.percentile(f1s, 97.5)), 4)]
    return m


def headline_rows(m: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    names = {
        "spans.strict.micro": "Spans (strict, micro)",
        "spans.partial.micro": "Spans (partial, micro)",
        "triggers.identification": "Trigger identification",
        "triggers.classification": "Trigger classification",
        "arguments.identification": "Argument identification",
        "arguments.classification": "Argument classification",
        "sentences.micro": "Sentence event types (micro)",
        "reports.micro": "Report event types (micro)",
    }
    rows = []
    for path, name in names.items():
        node = m
        for key in path.split("."):
            node = node[key]
        rows.append((name, node))
    return rows
