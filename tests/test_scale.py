"""Sharded prediction across processes, large-input formats, and the offset invariant under fuzzed text."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hadath.inference import sharding
from hadath.inference.cli import main as predict_main


def _write_inputs(path: Path, n: int) -> None:
    from hadath.data.corpus_io import load_corpus

    reports = load_corpus("conflict-events", "dev")
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = rng.choice(reports).text
            cut = rng.randint(0, len(text))
            fh.write(json.dumps({"id": f"r{i}", "text": text[:cut]}, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "in.jsonl"
    _write_inputs(path, 2000)
    return path


@pytest.fixture(scope="module")
def one_process(tiny_model: Path, inputs: Path) -> Path:
    out = inputs.with_name("one.jsonl")
    assert predict_main([str(tiny_model), str(inputs), "-o", str(out), "--quiet", "--chunk-size", "64"]) == 0
    return out


def test_two_processes_give_byte_identical_output(tiny_model: Path, inputs: Path, one_process: Path) -> None:
    accelerate = shutil.which("accelerate") or str(Path(sys.executable).parent / "accelerate")
    out = inputs.with_name("two.jsonl")
    launch = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1"]
    launch += ["--mixed_precision", "no", "--dynamo_backend", "no"]
    predict_args = ["--quiet", "--chunk-size", "64", "--device", "cpu"]
    done = subprocess.run(
        [*launch, "-m", "hadath.inference", str(tiny_model), str(inputs), "-o", str(out), *predict_args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2000 reports (0 failed)" in done.stderr and "(2 processes)" in done.stderr
    assert out.read_bytes() == one_process.read_bytes()
    assert not sharding.shard_dir(out).exists()  # parts are removed once merged


def test_each_shard_resumes_on_its_own(
    tiny_model: Path, inputs: Path, one_process: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranks run one after the other in this process (the barrier is a no-op without a process group)."""
    small = tmp_path / "in.jsonl"  # 8 whole chunks of 64, batched exactly as in the 2,000-report run
    small.write_text("".join(inputs.read_text(encoding="utf-8").splitlines(True)[:512]), encoding="utf-8")
    expected = "".join(one_process.read_text(encoding="utf-8").splitlines(True)[:512])
    out = tmp_path / "out.jsonl"
    args = [str(tiny_model), str(small), "-o", str(out), "--quiet", "--chunk-size", "64"]
    monkeypatch.setattr(sharding, "current_shard", lambda device: sharding.Shard(1, 2))
    assert predict_main(args) == 0  # rank 1 writes its part and leaves the merge to rank 0
    part1 = sharding.part_path(out, sharding.Shard(1, 2))
    assert part1.exists() and not out.exists()

    monkeypatch.setattr(sharding, "current_shard", lambda device: sharding.Shard(0, 2))
    part0 = sharding.part_path(out, sharding.Shard(0, 2))
    partial0 = part0.with_name(part0.name + ".partial")
    partial0.parent.mkdir(parents=True, exist_ok=True)
    # Rank 0 was interrupted after 150 of its lines, the last one half-written.
    mine = [line for k, line in enumerate(expected.splitlines(True)) if k // 64 % 2 == 0]
    partial0.write_text("".join(mine[:150]) + mine[150][:40], encoding="utf-8")
    assert predict_main([*args, "--resume"]) == 0
    assert out.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_arrow_and_parquet_inputs_stream_through_datasets(
    fmt: str, tiny_model: Path, inputs: Path, one_process: Path, tmp_path: Path
) -> None:
    import datasets

    # 256 rows = 4 whole chunks of 64, batched exactly as in the 2,000-report run.
    rows = [json.loads(line) for line in inputs.read_text(encoding="utf-8").splitlines()][:256]
    table = datasets.Dataset.from_list(rows)
    if fmt == "parquet":
        source = tmp_path / "in.parquet"
        table.to_parquet(str(source))
    else:
        source = tmp_path / "in-arrow"
        table.save_to_disk(str(source))
    out = tmp_path / "out.jsonl"
    assert predict_main([str(tiny_model), str(source), "-o", str(out), "--quiet", "--chunk-size", "64"]) == 0
    expected = one_process.read_text(encoding="utf-8").splitlines(True)[:256]
    assert out.read_text(encoding="utf-8").splitlines(True) == expected


def test_a_missing_text_column_in_parquet_names_the_columns(tiny_model: Path, tmp_path: Path) -> None:
    import datasets

    source = tmp_path / "in.parquet"
    datasets.Dataset.from_list([{"id": "a", "body": "غارة"}]).to_parquet(str(source))
    out = tmp_path / "out.jsonl"
    assert predict_main([str(tiny_model), str(source), "-o", str(out), "--quiet"]) == 2


# Text the way reports arrive: Arabic with marks and tatweel, digits of both kinds, Latin, emoji, odd spaces
# and bidi controls, punctuation of both scripts, line breaks.
_ALPHABET = st.sampled_from(
    [
        *"قصفتطائراتحربيةمدينةحلبصباحاليومأإآىةؤئء",
        *["\u064b", "\u0651", "\u0640", "\u200f", "\u200e", "\u202b", "\u202c", "\u200d", "\u00a0", "\u3000"],
        *"٠١٢٣0123456789 ،؛؟.!,\n\t-\"'()",
        *"abcXYZ",
        *["🔥", "🇸🇾", "👍🏽", "\ufeff", "\u0301"],
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_ALPHABET, max_size=300).map("".join), min_size=1, max_size=6))
def test_fuzzed_text_keeps_offsets_and_one_output_per_input(tiny_predictor, texts: list[str]) -> None:
    preds = tiny_predictor.predict(texts, batch_size=4)
    assert len(preds) == len(texts)
    for text, pred in zip(texts, preds, strict=True):
        for span in pred.spans:
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text
            assert span.text == span.text.strip()
        for sentence in pred.sentences:
            assert 0 <= sentence.start < sentence.end <= len(text)
        for event in pred.events:
            assert text[event.trigger.start : event.trigger.end] == event.trigger.text


@pytest.fixture(scope="module")
def tiny_predictor(tiny_model: Path):
    from hadath.inference import Predictor

    return Predictor.from_pretrained(tiny_model, device="cpu")
