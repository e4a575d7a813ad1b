"""Importers from the formats annotated Arabic text comes in, and an exporter to Label Studio."""

from hadath.data.importers.brat import read_brat
from hadath.data.importers.conll import decode_tags, detect_scheme, read_conll
from hadath.data.importers.labelstudio import read_labelstudio, to_labelstudio_tasks

__all__ = [
    "decode_tags",
    "detect_scheme",
    "read_brat",
    "read_conll",
    "read_labelstudio",
    "to_labelstudio_tasks",
]
