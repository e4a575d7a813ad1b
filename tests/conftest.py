"""Shared fixtures: a tiny trained model (random encoder, seconds) reused across tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hadath.train.config import load_config
    from hadath.train.loop import train

    config = load_config(Path(__file__).parents[1] / "configs" / "tiny.yaml")
    return train(config, tmp_path_factory.mktemp("tiny-run"))


@pytest.fixture(scope="session")
def tiny_model(tiny_run: Path) -> Path:
    return tiny_run / "model-best"
