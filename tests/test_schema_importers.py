import json
from pathlib import Path

import pytest

from hadath.data import DataError, LabelSchema, check_report, load_schema
from hadath.data.importers import decode_tags, detect_scheme, read_brat, read_conll, read_labelstudio
from hadath.data.importers.labelstudio import to_labelstudio_tasks

FIX = Path(__file__).parent / "fixtures"
NER = LabelSchema(name="ner", arguments=("PERS", "LOC", "ORG", "MISC"), sequence_source="none")


def test_schema_is_data() -> None:
    s = load_schema("conflict-events")
    assert len(s.triggers) == 16 and len(s.arguments) == 6
    assert s.bio_tags[:3] == ("O", "B-CLASH", "I-CLASH")
    assert NER.sequence_labels == ()
    with pytest.raises(DataError, match="unknown keys"):
        LabelSchema.from_dict({"name": "x", "labelz": []})


@pytest.mark.parametrize(
    ("tags", "scheme", "chunks"),
    [
        (["B-LOC", "I-LOC", "O", "B-PER"], "IOB2", [(0, 2, "LOC"), (3, 4, "PER")]),
        (["I-LOC", "I-LOC", "B-LOC", "O"], "IOB1", [(0, 2, "LOC"), (2, 3, "LOC")]),
        (["B-LOC", "E-LOC", "S-PER", "O"], "BIOES", [(0, 2, "LOC"), (2, 3, "PER")]),
        (["B-LOC", "L-LOC", "U-PER", "U-PER"], "BILOU", [(0, 2, "LOC"), (2, 3, "PER"), (3, 4, "PER")]),
    ],
)
def test_tag_schemes(tags: list[str], scheme: str, chunks: list) -> None:
    assert detect_scheme(tags) == scheme
    assert decode_tags(tags, scheme)[0] == chunks  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["iob2.conll", "bilou.conll", "iob1.conll"])
def test_conll_fixture_offsets(name: str) -> None:
    reports = list(read_conll(FIX / name))
    assert reports
    blocks = (FIX / name).read_text(encoding="utf-8").split("\n\n")
    lines = [b for b in blocks if not b.startswith("-DOCSTART-")]
    for report, block in zip(reports, lines, strict=False):
        tokens = [ln.split()[0] for ln in block.strip().splitlines()]
        assert report.text == " ".join(tokens)
        assert not check_report(report, NER, name, None)
    texts = {r.text[s.start : s.end]: s.label for r in reports for s in r.spans}
    assert texts["محمد علي"] == "PERS" and texts["القاهرة"] == "LOC"


def test_conll_bad_tag_names_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.conll"
    p.write_text("محمد B-PERS\nفي X-LOC\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.conll:2"):
        list(read_conll(p))


def test_brat_fixture() -> None:
    reports = list(read_brat(FIX / "brat"))
    assert len(reports) == 1
    r = reports[0]
    assert [(r.text[s.start : s.end], s.label) for s in r.spans] == [
        ("اشتباكات", "CLASH"),
        ("حلب", "LOCATION"),
    ]
    assert not check_report(r, load_schema("conflict-events"), "brat", None)


def test_brat_discontinuous_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("قصف مدفعي على حلب", encoding="utf-8")
    (tmp_path / "d.ann").write_text("T1\tSHELLING 0 3;4 9\tقصف مدفعي\n", encoding="utf-8")
    with pytest.raises(DataError, match="discontinuous"):
        list(read_brat(tmp_path))


def test_labelstudio_round_trip(tmp_path: Path) -> None:
    reports = list(read_labelstudio(FIX / "labelstudio.json"))
    r = reports[0]
    assert [(r.text[s.start : s.end], s.label) for s in r.spans] == [
        ("اشتباكات", "CLASH"),
        ("حلب", "LOCATION"),
    ]
    assert r.labels == ("CLASH",)
    preds = [{"id": r.id, "text": r.text, "spans": [s.to_dict() | {"score": 0.9} for s in r.spans]}]
    tasks = to_labelstudio_tasks(preds)
    p = tmp_path / "tasks.json"
    p.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    again = list(read_labelstudio(p))
    assert again[0].spans == r.spans and again[0].text == r.text


def test_registered_dataset_reader_is_read_by_name(tmp_path: Path) -> None:
    from hadath.data.records import Report, Span
    from hadath.data.sources import DATASET_READERS, read_source, register_dataset

    @register_dataset("toy-test")
    def toy(root: Path, split: str):
        yield Report(f"{split}-1", "محمد في القاهرة", (Span(8, 15, "LOC"),))

    try:
        reports = read_source("dataset", name="toy-test", split="dev", root=str(tmp_path), schema=NER)
        assert [r.id for r in reports] == ["dev-1"]
        with pytest.raises(DataError, match="unknown dataset"):
            read_source("dataset", name="nope", schema=NER)
    finally:
        DATASET_READERS.pop("toy-test")
