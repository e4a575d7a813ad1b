"""Human-readable reports: ``report.md`` and a self-contained ``report.html`` (inline SVG, no network)."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import Any

from hadath.data.records import Report
from hadath.data.schema import LabelSchema
from hadath.evaluation.metrics import headline_rows
from hadath.inference.results import ReportPrediction


def _fmt(x: float) -> str:
    return f"{100 * x:.1f}"


def headline_table(m: dict[str, Any]) -> str:
    lines = ["| metric | P | R | F1 | 95% CI (F1) | support |", "|---|---:|---:|---:|---:|---:|"]
    for name, s in headline_rows(m):
        ci = f"{_fmt(s['ci95'][0])}–{_fmt(s['ci95'][1])}" if "ci95" in s else ""
        lines.append(
            f"| {name} | {_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} | {ci} | {s['support']} |"
        )
    return "\n".join(lines)


def per_label_table(m: dict[str, Any], schema: LabelSchema) -> str:
    lines = [
        "| label | kind | P | R | F1 (strict) | F1 (partial) | support |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    strict, partial = m["spans"]["strict"]["per_label"], m["spans"]["partial"]["per_label"]
    for lab in schema.span_labels:
        s = strict.get(lab)
        if s is None:
            continue
        kind = "trigger" if schema.is_trigger(lab) else "argument"
        lines.append(
            f"| {lab} | {kind} | {_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} | "
            f"{_fmt(partial[lab]['f1'])} | {s['support']} |"
        )
    return "\n".join(lines)


def confusion(gold: Sequence[Report], pred: Sequence[ReportPrediction]) -> Counter[tuple[str, str]]:
    """(gold label, predicted label) counts for spans with the same offsets; MISSED/SPURIOUS otherwise."""
    c: Counter[tuple[str, str]] = Counter()
    for r, p in zip(gold, pred, strict=True):
        by_offsets = {(s.start, s.end): s.label for s in p.spans}
        gold_offsets = {(s.start, s.end) for s in r.spans}
        for g in r.spans:
            c[(g.label, by_offsets.get((g.start, g.end), "MISSED"))] += 1
        for q in p.spans:
            if (q.start, q.end) not in gold_offsets:
                c[("SPURIOUS", q.label)] += 1
    return c


def calibration(
    gold: Sequence[Report], pred: Sequence[ReportPrediction], schema: LabelSchema, bins: int = 10
) -> list[tuple[float, float, int]]:
    """(mean predicted probability, observed frequency, count) per probability bin, report level."""
    from hadath.data.corpus_io import report_labels

    acc = [[0.0, 0.0, 0] for _ in range(bins)]
    for r, p in zip(gold, pred, strict=True):
        gl = set(report_labels(r, schema))
        for lab in schema.sequence_labels:
            prob = p.probabilities.get(lab, 0.0)
            b = min(int(prob * bins), bins - 1)
            acc[b][0] += prob
            acc[b][1] += lab in gl
            acc[b][2] += 1
    return [(s / n, o / n, int(n)) for s, o, n in acc if n]


def error_examples(gold: Sequence[Report], pred: Sequence[ReportPrediction], k: int = 20) -> list[int]:
    """Indices of the reports with the most span errors (ties: input order)."""
    errors = []
    for i, (r, p) in enumerate(zip(gold, pred, strict=True)):
        g = {(s.start, s.end, s.label) for s in r.spans}
        q = {(s.start, s.end, s.label) for s in p.spans}
        errors.append((len(g ^ q), i))
    return [i for e, i in sorted(errors, key=lambda x: (-x[0], x[1])) if e][:k]


def render_markdown(
    m: dict[str, Any],
    gold: Sequence[Report],
    pred: Sequence[ReportPrediction],
    schema: LabelSchema,
    title: str,
) -> str:
    counts = "\n".join(
        f"- {role}: exact total per report {_fmt(v['exact_match'])}%, mean absolute error "
        f"{v['mean_abs_error']:.2f} (gold total {v['gold_total']}, predicted {v['predicted_total']})"
        for role, v in m["counts"].items()
    )
    parts = [
        f"# {title}",
        "",
        f"{m['n_reports']} reports. Scores in percent; strict = same start, end and label, at word level.",
        "",
        "## Headline",
        "",
        headline_table(m),
        "",
        "## Per label",
        "",
        per_label_table(m, schema),
        "",
        "## Casualty counts",
        "",
        counts or "(no count arguments)",
        "",
        "## Errors",
        "",
    ]
    for i in error_examples(gold, pred, 20):
        r, p = gold[i], pred[i]
        g = {(s.start, s.end, s.label) for s in r.spans}
        q = {(s.start, s.end, s.label) for s in p.spans}
        missed = ", ".join(f"{r.text[s:e]} [{lab}]" for s, e, lab in sorted(g - q)) or "-"
        spurious = ", ".join(f"{r.text[s:e]} [{lab}]" for s, e, lab in sorted(q - g)) or "-"
        parts += [f"### {r.id}", "", f"- missed: {missed}", f"- spurious: {spurious}", ""]
    return "\n".join(parts) + "\n"


def _bar_chart(values: list[tuple[str, float]]) -> str:
    h = 22 * len(values) + 10
    rows = []
    for k, (lab, v) in enumerate(values):
        y = 5 + 22 * k
        rows.append(
            f'<text x="110" y="{y + 15}" text-anchor="end">{html.escape(lab)}</text>'
            f'<rect x="115" y="{y}" width="{300 * v:.1f}" height="18" fill="#3b7dd8"/>'
            f'<text x="{120 + 300 * v:.1f}" y="{y + 15}">{_fmt(v)}</text>'
        )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="480" height="{h}" font-size="12">{"".join(rows)}</svg>'


def _calibration_svg(points: list[tuple[float, float, int]]) -> str:
    size = 260
    dots = "".join(
        f'<circle cx="{30 + p * size:.1f}" cy="{10 + (1 - o) * size:.1f}" r="{min(3 + n**0.5 / 3, 12):.1f}" '
        f'fill="#d8603b" opacity="0.8"><title>p={p:.2f} observed={o:.2f} n={n}</title></circle>'
        for p, o, n in points
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 50}" height="{size + 40}" font-size="11">'
        f'<rect x="30" y="10" width="{size}" height="{size}" fill="none" stroke="#999"/>'
        f'<line x1="30" y1="{10 + size}" x2="{30 + size}" y2="10" stroke="#999" stroke-dasharray="4"/>{dots}'
        f'<text x="30" y="{size + 30}">predicted probability →</text></svg>'
    )


def _highlight(text: str, spans: list[tuple[int, int, str]], cls: str) -> str:
    out, pos = [], 0
    for s, e, lab in sorted(spans):
        out.append(html.escape(text[pos:s]))
        out.append(
            f'<mark class="{cls}" title="{html.escape(lab)}">{html.escape(text[s:e])}'
            f"<sub>{html.escape(lab)}</sub></mark>"
        )
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(
    m: dict[str, Any],
    gold: Sequence[Report],
    pred: Sequence[ReportPrediction],
    schema: LabelSchema,
    title: str,
) -> str:
    """A single self-contained page: tables, inline SVG charts, error examples rendered right-to-left."""
    head_rows = [
        [
            name,
            _fmt(s["precision"]),
            _fmt(s["recall"]),
            _fmt(s["f1"]),
            f"{_fmt(s['ci95'][0])}–{_fmt(s['ci95'][1])}" if "ci95" in s else "",
            str(s["support"]),
        ]
        for name, s in headline_rows(m)
    ]
    strict = m["spans"]["strict"]["per_label"]
    label_rows = [
        [
            lab,
            "trigger" if schema.is_trigger(lab) else "argument",
            _fmt(strict[lab]["precision"]),
            _fmt(strict[lab]["recall"]),
            _fmt(strict[lab]["f1"]),
            str(strict[lab]["support"]),
        ]
        for lab in schema.span_labels
        if lab in strict
    ]
    bars = _bar_chart([(lab, strict[lab]["f1"]) for lab in schema.span_labels if lab in strict])
    conf = confusion(gold, pred)
    gold_labels = [lab for lab in schema.span_labels if any(k[0] == lab for k in conf)] + ["SPURIOUS"]
    pred_labels = [lab for lab in schema.span_labels if any(k[1] == lab for k in conf)] + ["MISSED"]
    conf_rows = [[g] + [str(conf.get((g, q), "")) for q in pred_labels] for g in gold_labels]
    calib = (
        _calibration_svg(calibration(gold, pred, schema)) if schema.sequence_labels else "<p>No sequence labels.</p>"
    )
    examples = []
    for i in error_examples(gold, pred, 20):
        r, p = gold[i], pred[i]
        examples.append(
            f"<section><h3>{html.escape(r.id)}</h3>"
            f'<p class="tag">gold</p><div class="text" dir="rtl" lang="ar">'
            f"{_highlight(r.text, [(s.start, s.end, s.label) for s in r.spans], 'gold')}</div>"
            f'<p class="tag">predicted</p><div class="text" dir="rtl" lang="ar">'
            f"{_highlight(r.text, [(s.start, s.end, s.label) for s in p.spans], 'pred')}</div></section>"
        )
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        ".text{white-space:pre-wrap;line-height:2;font-size:1.1em;border:1px solid #eee;padding:.5em;text-align:right}"
        "mark.gold{background:#cfe8cf}mark.pred{background:#f8d9b0}sub{font-size:.6em;color:#555}.tag{margin:.2em 0;"
        "color:#777}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{style}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{m["n_reports"]} reports. Scores in percent; strict = same start, end and label, at word level.</p>
<h2>Headline</h2>{_table(["metric", "P", "R", "F1", "95% CI (F1)", "support"], head_rows)}
<h2>Per label (strict)</h2>{_table(["label", "kind", "P", "R", "F1", "support"], label_rows)}
<h2>F1 per label</h2><figure id="f1-chart">{bars}</figure>
<h2>Confusion of span labels (rows gold, columns predicted; same offsets)</h2>
{_table(["gold / predicted", *pred_labels], conf_rows)}
<h2>Calibration of report event-type probabilities</h2><figure id="calibration">{calib}</figure>
<h2>Error examples</h2>{"".join(examples) or "<p>No errors.</p>"}
</body></html>
"""
