import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hadath.data import load_corpus
from hadath.inference import Predictor
from hadath.inference.windows import encode_reports, make_windows


def hard_inputs() -> list[str]:
    dev = load_corpus("conflict-events", "dev")
    base = dev[0].text
    long_report = "\n".join(r.text for r in dev) * 3  # > 5,000 words, many windows
    return [
        base,
        base.replace("ا", "اَ").replace("ل", "لـــ"),  # tashkeel and tatweel
        base.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        "😀 " + base + " 🔥🔥",
        "Reuters reported clashes in Aleppo. " + base,
        base.replace("\n", "\r\n"),
        "\u200f" + base.replace(" ", " \u200e"),
        "",
        "   ",
        "ـــ َ",
        long_report,
    ]


def test_offsets_are_exact_on_hard_inputs(tiny_model: Path) -> None:
    texts = hard_inputs()
    assert len(texts[-1].split()) > 5000
    preds = Predictor.from_pretrained(tiny_model, device="cpu").predict(texts, batch_size=8)
    assert len(preds) == len(texts)
    n_spans = 0
    for text, pred in zip(texts, preds, strict=True):
        for span in pred.spans:
            assert text[span.start : span.end] == span.text
            assert span.text == span.text.strip() and span.text
            n_spans += 1
        for event in pred.events:
            assert text[event.trigger.start : event.trigger.end] == event.trigger.text
            for arg in event.arguments:
                assert text[arg.start : arg.end] == arg.text
        for s in pred.sentences:
            assert 0 <= s.start < s.end <= len(text)
    assert n_spans > 50
    assert preds[7].spans == () and preds[8].spans == ()


def test_windows_cover_every_word_and_respect_max_length(tiny_model: Path) -> None:
    predictor = Predictor.from_pretrained(tiny_model, device="cpu")
    tok = predictor.tokenizer
    text = hard_inputs()[-1]
    enc = encode_reports([text], tok, predictor.normalizer)[0]
    windows = make_windows(enc, 0, 64, 16, tok.cls_token_id, tok.sep_token_id)
    assert len(windows) > 50
    seen = set()
    for w in windows:
        assert len(w.input_ids) <= 64
        seen.update(range(w.first_word, w.last_word))
    assert seen == set(range(len(enc.words)))
    assert any(a.last_word > b.first_word for a, b in itertools.pairwise(windows)), "no overlap"


def test_results_keep_input_order_and_batch_size_does_not_matter(tiny_model: Path) -> None:
    texts = [r.text for r in load_corpus("conflict-events", "dev")[:20]]
    texts.insert(5, "")
    p = Predictor.from_pretrained(tiny_model, device="cpu")
    a = [x.to_dict() for x in p.predict(texts, batch_size=1)]
    b = [x.to_dict() for x in p.predict(texts, batch_size=16)]
    assert a == b
    assert a[5]["spans"] == []
    single = p.predict([texts[3]])[0].to_dict()
    assert single == a[3]


def test_cli_matches_api_and_keeps_bad_lines(tiny_model: Path, tmp_path: Path) -> None:
    reports = load_corpus("conflict-events", "dev")[:6]
    lines = [json.dumps({"id": r.id, "text": r.text, "source": "dev"}, ensure_ascii=False) for r in reports]
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({"id": "no-text"}))
    lines.append(json.dumps({"text": "بلا معرف"}, ensure_ascii=False))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hadath.inference",
            str(tiny_model),
            str(src),
            "-o",
            str(out),
            "--quiet",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr  # some lines failed
    assert "2 failed" in proc.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(lines)
    assert rows[2]["error"].startswith("line 3: invalid JSON") and rows[4]["id"] == "no-text"
    assert rows[-1]["id"] == f"line-{len(lines)}"
    api = Predictor.from_pretrained(tiny_model, device="cpu").predict(reports)
    good = [r for r in rows if "error" not in r][: len(reports)]
    for row, pred, report in zip(good, api, reports, strict=True):
        assert row["id"] == report.id and row["source"] == "dev"
        assert {k: row[k] for k in ("spans", "sentences", "labels", "events")} == pred.to_dict()


def test_cli_resume_after_interruption(tiny_model: Path, tmp_path: Path) -> None:
    reports = load_corpus("conflict-events", "dev")[:30]
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps({"id": r.id, "text": r.text}, ensure_ascii=False) + "\n" for r in reports),
        encoding="utf-8",
    )
    full = tmp_path / "full.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "hadath.inference",
        str(tiny_model),
        str(src),
        "--quiet",
        "--chunk-size",
        "7",
    ]
    assert subprocess.run([*cmd, "-o", str(full)], capture_output=True).returncode == 0
    # Simulate an interrupted run: two whole chunks and half a line in the partial output.
    out = tmp_path / "out.jsonl"
    done = full.read_text(encoding="utf-8").splitlines(keepends=True)
    partial = out.with_name("out.jsonl.partial")
    partial.write_text("".join(done[:14]) + done[14][:40], encoding="utf-8")
    proc = subprocess.run([*cmd, "-o", str(out), "--resume"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == full.read_bytes()
    assert not partial.exists()
    # A partial output from another input is refused, not silently mixed.
    partial.write_text(done[1], encoding="utf-8")
    proc = subprocess.run([*cmd, "-o", str(out), "--resume"], capture_output=True, text=True)
    assert proc.returncode == 2 and "line 1 has id" in proc.stderr


@pytest.mark.parametrize("fmt", ["txt", "csv", "tsv"])
def test_cli_other_input_formats(tiny_model: Path, tmp_path: Path, fmt: str) -> None:
    texts = ["اندلعت اشتباكات في حلب.", "قتل ثلاثة مدنيين في غارة جوية."]
    if fmt == "txt":
        src = tmp_path / "in.txt"
        src.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    else:
        sep = "," if fmt == "csv" else "\t"
        src = tmp_path / f"in.{fmt}"
        src.write_text(f"id{sep}body\n" + "".join(f"r{i}{sep}{t}\n" for i, t in enumerate(texts)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "hadath.inference", str(tiny_model), str(src), "-o", str(out), "--quiet"]
    if fmt != "txt":
        cmd += ["--text-column", "body"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == texts


def test_labelstudio_output(tiny_model: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("اندلعت اشتباكات في حلب.\n", encoding="utf-8")
    out = tmp_path / "tasks.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hadath.inference",
            str(tiny_model),
            str(src),
            "-o",
            str(out),
            "--quiet",
            "--format",
            "labelstudio",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert tasks[0]["data"]["text"] == "اندلعت اشتباكات في حلب."
    for r in tasks[0]["predictions"][0]["result"]:
        v = r["value"]
        assert tasks[0]["data"]["text"][v["start"] : v["end"]] == v["text"]


def test_broken_model_folder_names_the_file(tiny_model: Path, tmp_path: Path) -> None:
    import shutil

    from hadath.inference.loading import ModelFolderError

    copy = tmp_path / "m"
    shutil.copytree(tiny_model, copy)
    (copy / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelFolderError, match=r"model.safetensors"):
        Predictor.from_pretrained(copy)
    (copy / "config.json").unlink()
    with pytest.raises(ModelFolderError, match=r"config.json: missing"):
        Predictor.from_pretrained(copy)


def test_cli_reads_stdin(tiny_model: Path, tmp_path: Path) -> None:
    lines = "".join(
        json.dumps({"id": f"s{i}", "text": t}, ensure_ascii=False) + "\n"
        for i, t in enumerate(["اندلعت اشتباكات في حلب.", "هدوء حذر."])
    )
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "hadath.inference", str(tiny_model), "-", "-o", str(out), "--quiet"],
        input=lines.encode(),
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["s0", "s1"]


def test_version_warnings(tiny_model: Path, tmp_path: Path) -> None:
    import shutil
    import warnings

    from hadath.inference.loading import load_model

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(folder)  # as trained: no warning
    raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    raw["normalizer_version"] = 0
    raw["schema"]["version"] = 0
    (folder / "config.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        load_model(folder)
    messages = " ".join(str(w.message) for w in caught)
    assert "normaliser version 0" in messages and "retrain" in messages
    assert "schema 'conflict-events' version 0" in messages
