"""Multi-process training through accelerate (slow: two extra process launches)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).parents[1] / "configs" / "tiny.yaml"


def _last(run: Path) -> dict:
    return json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])


@pytest.mark.slow
def test_two_cpu_processes_match_one(tmp_path: Path) -> None:
    accelerate = shutil.which("accelerate") or str(Path(sys.executable).parent / "accelerate")
    common = ["--train.device", "cpu", "--train.epochs", "4"]
    one = subprocess.run(
        [
            sys.executable,
            "-m",
            "hadath.train",
            str(CONFIG),
            "-o",
            str(tmp_path / "one"),
            *common,
            "--train.batch_size",
            "16",
        ],
        capture_output=True,
        text=True,
    )
    assert one.returncode == 0, one.stderr[-2000:]
    # Same effective batch: 2 processes x 8 windows. accelerate's torchrun launcher is --multi_gpu even on CPU.
    two = subprocess.run(
        [
            accelerate,
            "launch",
            "--multi_gpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "hadath.train",
            str(CONFIG),
            "-o",
            str(tmp_path / "two"),
            *common,
            "--train.batch_size",
            "8",
        ],
        capture_output=True,
        text=True,
    )
    assert two.returncode == 0, two.stderr[-2000:]
    assert "2 process(es)" in two.stderr
    a, b = _last(tmp_path / "one"), _last(tmp_path / "two")
    for key in ("dev_span_f1", "dev_trigger_f1", "dev_argument_f1"):
        assert abs(a[key] - b[key]) < 0.03, (key, a[key], b[key])
