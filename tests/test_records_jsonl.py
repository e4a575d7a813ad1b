import json
from pathlib import Path

import pytest

from hadath.data import DataError, load_corpus, load_schema, read_reports, write_reports
from hadath.data.corpus import packaged_file
from hadath.data.jsonl import ReadLog

SCHEMA = load_schema("conflict-events")


def test_corpus_round_trip_is_byte_identical(tmp_path: Path) -> None:
    for split in ("train", "dev"):
        src = packaged_file(f"{split}.jsonl")
        reports = list(read_reports(src, SCHEMA))
        out = tmp_path / f"{split}.jsonl"
        write_reports(out, reports, labels_field="events")
        assert out.read_bytes() == src.read_bytes()
        assert all(r.text[s.start : s.end].strip() == r.text[s.start : s.end] for r in reports for s in r.spans)


def test_load_corpus_by_name() -> None:
    assert len(load_corpus("conflict-events", "train")) == 340
    assert len(load_corpus("conflict-events", "dev")) == 60
    with pytest.raises(ValueError, match="unknown corpus"):
        load_corpus("nope")


def _write(tmp_path: Path, lines: list[str | bytes]) -> Path:
    p = tmp_path / "bad.jsonl"
    p.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return p


GOOD = {"id": "r1", "text": "قتل ثلاثة في حلب", "spans": [{"start": 13, "end": 16, "label": "LOCATION"}]}


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        ({**GOOD, "spans": [{"start": 13, "end": 40, "label": "LOCATION"}]}, "spans[0]", "outside the text"),
        ({**GOOD, "spans": [{"start": 13, "end": 13, "label": "LOCATION"}]}, "spans[0]", "must be smaller"),
        (
            {
                **GOOD,
                "spans": [
                    {"start": 0, "end": 9, "label": "ACTOR"},
                    {"start": 4, "end": 9, "label": "KILLED"},
                ],
            },
            "spans[1]",
            "overlaps",
        ),
        ({**GOOD, "spans": [{"start": 13, "end": 16, "label": "CITY"}]}, "spans[0].label", "not in schema"),
        ({**GOOD, "spans": [{"start": 12, "end": 16, "label": "LOCATION"}]}, "spans[0]", "whitespace"),
        ({"id": "r1", "spans": []}, "text", "missing"),
        ({**GOOD, "text": 3}, "text", "must be a string"),
    ],
)
def test_bad_records_name_file_line_and_field(tmp_path: Path, record: dict, field: str, words: str) -> None:
    p = _write(
        tmp_path,
        [json.dumps(GOOD | {"id": "ok"}, ensure_ascii=False), json.dumps(record, ensure_ascii=False)],
    )
    with pytest.raises(DataError) as info:
        list(read_reports(p, SCHEMA))
    msg = str(info.value)
    assert f"{p}:2" in msg and f"field {field!r}" in msg and words in msg


def test_invalid_json_non_utf8_and_duplicate_ids(tmp_path: Path) -> None:
    good = json.dumps(GOOD, ensure_ascii=False)
    for lines, words in (
        ([good, "{not json"], "invalid JSON"),
        ([good, b"\xff\xfe{}"], "not valid UTF-8"),
        ([good, good], "duplicate id"),
    ):
        p = _write(tmp_path, lines)
        with pytest.raises(DataError, match=words) as info:
            list(read_reports(p, SCHEMA))
        assert f"{p}:2" in str(info.value)


def test_lenient_read_skips_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = json.dumps(GOOD, ensure_ascii=False)
    p = _write(tmp_path, [b"\xef\xbb\xbf" + good.encode(), "{broken", good.replace("r1", "r2") + "\r"])
    log = ReadLog(str(p))
    reports = list(read_reports(p, SCHEMA, strict=False, log=log))
    assert [r.id for r in reports] == ["r1", "r2"]
    assert log.read == 2 and len(log.skipped) == 1
    assert "1 problems" in capsys.readouterr().err
