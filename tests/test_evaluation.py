import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2

from hadath.data import Report, load_corpus, load_schema, split_words
from hadath.evaluation import compute_metrics, score_spans
from hadath.inference import PredictedSpan, ReportPrediction


def _tags(report_text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    words = split_words(report_text)
    tags = ["O"] * len(words)
    for s, e, lab in spans:
        inside = [k for k, w in enumerate(words) if w.start >= s and w.end <= e]
        tags[inside[0]] = f"B-{lab}"
        for k in inside[1:]:
            tags[k] = f"I-{lab}"
    return tags


def _noisy_predictions() -> tuple[list[Report], list[ReportPrediction]]:
    """Gold dev spans with deterministic damage: drops, label swaps, shifted ends, spurious spans."""
    gold = load_corpus("conflict-events", "dev")
    preds = []
    for i, r in enumerate(gold):
        out = []
        for k, s in enumerate(r.spans):
            if (i + k) % 7 == 0:
                continue  # missed
            label = "ACTOR" if (i + k) % 11 == 0 and s.label != "ACTOR" else s.label
            start, end = s.start, s.end
            if (i + k) % 13 == 0:
                words = [w for w in split_words(r.text) if w.start >= end]
                if words and not any(o.start < words[0].end and words[0].start < o.end for o in r.spans):
                    end = words[0].end  # boundary error into a free word
            out.append(PredictedSpan(start, end, label, r.text[start:end], 0.9))
        preds.append(ReportPrediction(tuple(out), (), (), {}, ()))
    return gold, preds


def test_strict_scores_match_seqeval() -> None:
    gold, preds = _noisy_predictions()
    y_true = [_tags(r.text, [(s.start, s.end, s.label) for s in r.spans]) for r in gold]
    y_pred = [_tags(r.text, [(s.start, s.end, s.label) for s in p.spans]) for r, p in zip(gold, preds, strict=True)]
    ours = score_spans(
        [(i, s.start, s.end, s.label) for i, r in enumerate(gold) for s in r.spans],
        [(i, s.start, s.end, s.label) for i, p in enumerate(preds) for s in p.spans],
    )
    assert ours.micro.f1 == pytest.approx(f1_score(y_true, y_pred, mode="strict", scheme=IOB2), abs=1e-9)
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True)
    for label, prf in ours.per_label.items():
        assert prf.f1 == pytest.approx(report[label]["f1-score"], abs=1e-9), label
        assert prf.support == report[label]["support"]
    assert 0.5 < ours.micro.f1 < 0.99


def test_metrics_keys_bootstrap_and_partial() -> None:
    schema = load_schema("conflict-events")
    gold, preds = _noisy_predictions()
    a = compute_metrics(gold, preds, schema, bootstrap=200, seed=3)
    b = compute_metrics(gold, preds, schema, bootstrap=200, seed=3)
    assert a == b
    for key in ("spans", "triggers", "arguments", "sentences", "reports", "counts", "n_reports"):
        assert key in a
    assert set(a["spans"]) == {"strict", "partial"}
    assert set(a["triggers"]) == {"identification", "classification"}
    lo, hi = a["spans"]["strict"]["micro"]["ci95"]
    assert lo <= a["spans"]["strict"]["micro"]["f1"] <= hi
    assert a["spans"]["partial"]["micro"]["f1"] >= a["spans"]["strict"]["micro"]["f1"]
    assert a["triggers"]["identification"]["f1"] >= a["triggers"]["classification"]["f1"]


def test_perfect_predictions_score_one() -> None:
    schema = load_schema("conflict-events")
    gold = load_corpus("conflict-events", "dev")[:10]
    preds = [
        ReportPrediction(
            tuple(PredictedSpan(s.start, s.end, s.label, r.text[s.start : s.end], 1.0) for s in r.spans), (), (), {}, ()
        )
        for r in gold
    ]
    m = compute_metrics(gold, preds, schema, bootstrap=50)
    assert m["spans"]["strict"]["micro"]["f1"] == 1.0
    assert m["counts"]["KILLED"]["exact_match"] == 1.0


def test_evaluate_cli_writes_report_and_compares(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    cmd = [sys.executable, "-m", "hadath.evaluation", str(tiny_model), "conflict-events/dev", "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in ("metrics.json", "report.md", "report.html", "predictions.jsonl"):
        assert (out / name).exists()
    m = json.loads((out / "metrics.json").read_text())
    assert m["n_reports"] == 60 and "model" in m["fingerprints"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in html and "<svg" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the report must load nothing from the network"
    # Scoring the written predictions without the model gives the same figures.
    again = tmp_path / "rep2"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hadath.evaluation",
            "--predictions",
            str(out / "predictions.jsonl"),
            "conflict-events/dev",
            "-o",
            str(again),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    m2 = json.loads((again / "metrics.json").read_text())
    assert m2["spans"] == m["spans"] and m2["triggers"] == m["triggers"]
    proc = subprocess.run(
        [sys.executable, "-m", "hadath.evaluation", "--compare", str(out), str(again)], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "+0.0" in proc.stdout


@pytest.mark.skipif(
    __import__("hadath.evaluation.browser", fromlist=["x"]).find_browser() is None, reason="no Chromium on this machine"
)
def test_report_renders_right_to_left_in_a_real_browser(tmp_path: Path) -> None:
    from hadath.evaluation.browser import check_report
    from hadath.evaluation.report import render_html

    schema = load_schema("conflict-events")
    gold, preds = _noisy_predictions()
    page = tmp_path / "report.html"
    page.write_text(
        render_html(compute_metrics(gold, preds, schema, bootstrap=20), gold, preds, schema, "t"), encoding="utf-8"
    )
    result = check_report(page)
    assert result["rtl_blocks"] == 40 and result["rtl_ok"] == 40  # 20 examples, gold and predicted
    assert result["glyphs_right_to_left"] == result["rtl_blocks"]
    assert result["svgs"] >= 2 and result["svgs_drawn"] == result["svgs"]
    assert result["external"] == []
