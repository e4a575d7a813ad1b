"""Importers on the real public datasets in ../shared/external (skipped when the folder is absent).

Only the generic importers are exercised here; every report must validate and every span's text must be
its tokens joined by spaces.
"""

from pathlib import Path

import pytest

from hadath.data import LabelSchema, check_report
from hadath.data.importers import read_conll
from hadath.data.importers.conll import ConllLog, iter_conll_sentences

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "external"
pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"{EXTERNAL} is absent"),
]


def _check(path: Path, labels: set[str], **kwargs) -> tuple[int, int]:
    log = ConllLog()
    reports = list(read_conll(path, log=log, **kwargs))
    schema = LabelSchema(name="x", arguments=tuple(sorted(labels)), sequence_source="none")
    sentences = list(
        iter_conll_sentences(path, kwargs.get("tag_column", -1), kwargs.get("boundary_tokens", ("-DOCSTART-",)))
    )
    assert len(reports) == len(sentences) == log.sentences
    n_spans = 0
    for report, (_, tokens, _) in zip(reports, sentences, strict=True):
        assert report.text == " ".join(tokens)
        assert not check_report(report, schema, str(path), None)
        for s in report.spans:
            piece = report.text[s.start : s.end]
            assert piece == piece.strip() and piece
        n_spans += len(report.spans)
    return len(reports), n_spans


@pytest.mark.parametrize("split", ["TRAIN", "TEST"])
def test_cleananercorp(split: str) -> None:
    path = EXTERNAL / "cleananercorp" / f"cleananercorp_{split}.txt"
    n, spans = _check(path, {"PERS", "LOC", "ORG", "MISC"})
    assert n > 900 and spans > 1000


def test_wojood_outer_layer_and_segment_markers() -> None:
    labels = {
        line.split()[1][2:]
        for line in (EXTERNAL / "wojood_sample" / "train.txt").read_text(encoding="utf-8").splitlines()
        if len(line.split()) > 1 and line.split()[1] != "O"
    }
    n, spans = _check(EXTERNAL / "wojood_sample" / "train.txt", labels, tag_column=1, boundary_tokens=("$#$",))
    assert n > 1000 and spans > 2000


def test_idrisi_bilou() -> None:
    path = EXTERNAL / "idrisi_ra" / "bilou" / "covid_2019" / "dev.txt"
    tags = [t for _, _, ts in iter_conll_sentences(path) for t in ts]
    labels = {t.split("-", 1)[1] for t in tags if t != "O"}
    n, spans = _check(path, labels, scheme="BILOU")
    assert n > 10 and spans > 10
