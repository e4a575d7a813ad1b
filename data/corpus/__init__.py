"""The embedded annotated report corpus (synthetic, written for hadath) and the schemas shipped with it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def packaged_file(name: str) -> Path:
    """Path of a file shipped in this folder (corpus splits, the card, schemas)."""
    return Path(str(resources.files(__name__).joinpath(name)))
