"""The package's shape: namespace subpackages, one-way dependencies, CLIs that answer."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
ALLOWED = {
    "data": set(),
    "inference": {"data"},
    "evaluation": {"data", "inference"},
    "train": {"data", "inference", "evaluation"},
}


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_dependencies_flow_one_way(folder: str) -> None:
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            for name in names:
                parts = name.split(".")
                assert parts[0] not in ALLOWED, f"{path}: bare import {name}"
                if parts[0] == "hadath" and len(parts) > 1 and parts[1] != folder:
                    assert parts[1] in ALLOWED[folder], f"{path}: hadath.{folder} must not import {name}"


def test_no_folder_named_hadath_and_typed() -> None:
    assert not (ROOT / "hadath").exists()
    import hadath.data
    import hadath.inference

    assert (Path(hadath.data.__file__).parent / "py.typed").exists()
    assert (Path(hadath.inference.__file__).parent / "py.typed").exists()


@pytest.mark.parametrize("module", ["hadath.data", "hadath.train", "hadath.inference", "hadath.evaluation"])
def test_cli_help(module: str) -> None:
    proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "usage" in proc.stdout


def test_data_stats_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "hadath.data", "stats"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "reports   340" in proc.stdout and "reports   60" in proc.stdout
