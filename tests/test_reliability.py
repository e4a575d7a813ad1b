"""Bad input, killed runs and odd text: every input gets a clear error or an output line, never a traceback.

The bad-input corpus in ``fixtures/bad_inputs/`` was written for these tests (one quirk per file); the 2 MB
report is generated here rather than committed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hadath.data import DataError, load_schema
from hadath.data.jsonl import read_reports
from hadath.inference.cli import main as predict_main

BAD = Path(__file__).parent / "fixtures" / "bad_inputs"
CONFIGS = Path(__file__).parents[1] / "configs"

# file -> (reports read, or the words the error must contain)
TRAINING_READ = {
    "bom.jsonl": 1,
    "crlf.jsonl": 2,
    "empty_text.jsonl": 1,
    "whitespace_only.jsonl": 1,
    "latin_only.jsonl": 1,
    "emoji_only.jsonl": 1,
    "rtl_marks.jsonl": 1,
    "invalid_json.jsonl": ["invalid_json.jsonl:2", "invalid JSON", "fix the JSON"],
    "truncated_last_line.jsonl": ["truncated_last_line.jsonl:2", "cut short"],
    "nul_bytes.jsonl": ["nul_bytes.jsonl:2", "id='nul'", "field 'text'", "NUL"],
    "non_utf8.jsonl": ["non_utf8.jsonl:2", "UTF-8", "byte"],
    "span_out_of_range.jsonl": ["span_out_of_range.jsonl:1", "spans[0]", "outside the text"],
    "overlapping_spans.jsonl": ["overlapping_spans.jsonl:1", "spans[1]", "overlaps"],
    "unknown_label.jsonl": ["unknown_label.jsonl:1", "spans[0].label", "'CITY'", "add it to the schema"],
    "duplicate_ids.jsonl": ["duplicate_ids.jsonl:2", "duplicate id", "first on line 1"],
}


def test_the_corpus_covers_every_case() -> None:
    assert sorted(p.name for p in BAD.glob("*.jsonl")) == sorted(TRAINING_READ)


@pytest.mark.parametrize("name", sorted(TRAINING_READ))
def test_training_reader_on_bad_input(name: str) -> None:
    expected = TRAINING_READ[name]
    schema = load_schema("conflict-events")
    if isinstance(expected, int):
        reports = list(read_reports(BAD / name, schema))
        assert len(reports) == expected
        for r in reports:
            for span in r.spans:  # offsets still point into the original text (marks, BOM, CRLF kept out)
                assert r.text[span.start : span.end].strip() == r.text[span.start : span.end]
        return
    with pytest.raises(DataError) as err:
        list(read_reports(BAD / name, schema))
    for words in expected:
        assert words in str(err.value)


def test_rtl_marks_stay_in_the_text_and_offsets() -> None:
    (report,) = read_reports(BAD / "rtl_marks.jsonl", load_schema("conflict-events"))
    assert report.text[0] == "\u200f"
    assert [report.text[s.start : s.end] for s in report.spans] == ["قصفت", "حلب"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# file -> ids of the output lines, and which of them are error records
PREDICT = {
    "invalid_json.jsonl": (["ok-1", "line-2", "ok-2"], {"line-2"}),
    "truncated_last_line.jsonl": (["ok-1", "line-2"], {"line-2"}),
    "bom.jsonl": (["ok-1"], set()),
    "crlf.jsonl": (["ok-1", "ok-2"], set()),
    "nul_bytes.jsonl": (["ok-1", "nul"], {"nul"}),
    "non_utf8.jsonl": (["ok-1", "line-2"], {"line-2"}),
    "empty_text.jsonl": (["empty"], set()),
    "whitespace_only.jsonl": (["ws"], set()),
    "latin_only.jsonl": (["latin"], set()),
    "emoji_only.jsonl": (["emoji"], set()),
    "rtl_marks.jsonl": (["marks"], set()),
    # Gold spans in a file to predict are not read: prediction replaces them.
    "span_out_of_range.jsonl": (["oor"], set()),
    "overlapping_spans.jsonl": (["overlap"], set()),
    "unknown_label.jsonl": (["unknown"], set()),
    "duplicate_ids.jsonl": (["ok-1", "ok-1"], {"ok-1#2"}),
}


@pytest.mark.parametrize("name", sorted(PREDICT))
def test_prediction_on_bad_input(
    name: str, tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids, errors = PREDICT[name]
    out = tmp_path / "out.jsonl"
    code = predict_main([str(tiny_model), str(BAD / name), "-o", str(out), "--quiet"])
    rows = _lines(out)
    assert [r["id"] for r in rows] == ids  # one line per input report, in order: nothing dropped
    got_errors = {key for key, r in zip(_keys(rows), rows, strict=True) if "error" in r}
    assert got_errors == errors
    assert code == (1 if errors else 0)
    stderr = capsys.readouterr().err
    for r in rows:
        if "error" in r:
            assert r["error"] in stderr  # said on stderr too, with the input's name
            assert "line" in r["error"] or "duplicate id" in r["error"]
        else:
            for span in r["spans"]:
                assert r["text"][span["start"] : span["end"]] == span["text"]
    assert "Traceback" not in stderr


def _keys(rows: list[dict]) -> list[str]:
    seen: set[str] = set()
    out = []
    for r in rows:
        out.append(r["id"] if r["id"] not in seen else f"{r['id']}#2")
        seen.add(r["id"])
    return out


@pytest.mark.slow
def test_a_two_megabyte_report_is_windowed_not_cut(tiny_model: Path, tmp_path: Path) -> None:
    from hadath.inference import Predictor

    sentence = "قصفت طائرات حربية مدينة حلب صباح اليوم وقتل 12 مدنيا. "
    text = sentence * (2_000_000 // len(sentence.encode("utf-8")) + 1)
    assert len(text.encode("utf-8")) > 2_000_000
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": "big", "text": text, "spans": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    (report,) = read_reports(path, load_schema("conflict-events"))
    (pred,) = Predictor.from_pretrained(tiny_model).predict([report.text], batch_size=64)
    assert pred.sentences[-1].end == len(text.rstrip())  # the last sentence is there: nothing was cut
    assert len(pred.sentences) == text.count(".")
    for span in pred.spans:
        assert text[span.start : span.end] == span.text


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> None:
    start = time.monotonic()
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended (code {proc.returncode}) before it could be interrupted")
        if time.monotonic() - start > timeout:
            proc.kill()
            raise AssertionError("timed out waiting for the run to make progress")
        time.sleep(0.05)


def _line_count(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def test_killed_prediction_resumes_to_identical_output(tiny_model: Path, tmp_path: Path) -> None:
    from hadath.data.corpus_io import load_corpus

    reports = load_corpus("conflict-events", "dev")
    path = tmp_path / "in.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(4):  # ~450 reports: long enough to interrupt, short enough for the default suite
            for r in reports:
                fh.write(json.dumps({"id": f"{r.id}-{k}", "text": r.text}, ensure_ascii=False) + "\n")
    n_in = 4 * len(reports)
    args = ["--chunk-size", "16", "--batch-size", "8", "--quiet"]
    whole = tmp_path / "whole.jsonl"
    assert predict_main([str(tiny_model), str(path), "-o", str(whole), *args]) == 0

    cut = tmp_path / "cut.jsonl"
    partial = cut.with_name(cut.name + ".partial")
    cmd = [sys.executable, "-m", "hadath.inference", str(tiny_model), str(path), "-o", str(cut), *args]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    _wait_for(lambda: _line_count(partial) >= 40, 120, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not cut.exists() and 40 <= _line_count(partial) < n_in
    assert predict_main([str(tiny_model), str(path), "-o", str(cut), *args, "--resume"]) == 0
    assert cut.read_bytes() == whole.read_bytes()
    ids = [r["id"] for r in _lines(cut)]
    assert len(ids) == len(set(ids)) == n_in


def test_resume_refuses_a_partial_from_another_input(tiny_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "غارة على حلب"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.with_name("out.jsonl.partial").write_text('{"id": "zzz", "spans": []}\n', encoding="utf-8")
    assert predict_main([str(tiny_model), str(src), "-o", str(out), "--resume", "--chunk-size", "1"]) == 2


def test_killed_training_resumes_to_the_same_metrics(tmp_path: Path) -> None:
    overrides = ["--train.epochs", "2", "--train.checkpoint_every_steps", "5"]
    base = [sys.executable, "-m", "hadath.train", str(CONFIGS / "tiny.yaml"), *overrides]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.run([*base, "--output.dir", str(tmp_path / "whole")], check=True, env=env, capture_output=True)

    run = tmp_path / "cut"
    state = run / "checkpoint" / "state.json"

    def mid_second_epoch() -> bool:
        try:
            s = json.loads(state.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return False
        return s["epoch"] == 1 and s["batch_in_epoch"] >= 5

    proc = subprocess.Popen([*base, "--output.dir", str(run)], env=env, stderr=subprocess.DEVNULL)
    _wait_for(mid_second_epoch, 300, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run / "model-last").exists()  # really cut short
    subprocess.run([*base, "--output.dir", str(run), "--resume"], check=True, env=env, capture_output=True)

    def dev(path: Path) -> list[dict]:
        return [{k: v for k, v in r.items() if k.startswith("dev_")} for r in _lines(path / "metrics.jsonl")]

    assert dev(run) == dev(tmp_path / "whole")
    assert len(dev(run)) == 2
