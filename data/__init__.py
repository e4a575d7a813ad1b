"""hadath.data: reports, label schemas, Arabic normalisation with offset maps, readers and writers."""

from hadath.data.atomic import atomic_write
from hadath.data.corpus_io import corpus_stats, load_corpus, report_labels
from hadath.data.errors import DataError, Problem
from hadath.data.jsonl import ReadLog, check_report, read_reports, write_reports
from hadath.data.normalize import Normalized, Normalizer, NormalizerConfig
from hadath.data.records import Report, Span
from hadath.data.schema import LabelSchema, load_schema
from hadath.data.words import Sentence, Word, split_sentences, split_words

__all__ = [
    "DataError",
    "LabelSchema",
    "Normalized",
    "Normalizer",
    "NormalizerConfig",
    "Problem",
    "ReadLog",
    "Report",
    "Sentence",
    "Span",
    "Word",
    "atomic_write",
    "check_report",
    "corpus_stats",
    "load_corpus",
    "load_schema",
    "read_reports",
    "report_labels",
    "split_sentences",
    "split_words",
    "write_reports",
]
