"""The public-dataset readers on small fixtures written for these tests (``fixtures/datasets/``), one per
upstream format quirk; the real files are exercised in test_external.py and benchmarks/real_data.py."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from hadath.data import DataError, load_schema
from hadath.data.datasets import LAST_LOG
from hadath.data.sources import read_source

SOURCES = Path(__file__).parent / "fixtures" / "datasets"
# Fixture files are stored under neutral names (they are written for these tests, not copies of the upstream
# datasets) and laid out under the upstream file names the readers expect, in a temporary folder.
UPSTREAM_NAMES = {
    "asnd/trn.csv": "asnd/sm_news_ar_trn.csv",
    "asnd/dev.csv": "asnd/sm_news_ar_dev.csv",
    "asnd/tst.csv": "asnd/sm_news_ar_tst.csv",
    "cleananercorp/train.txt": "cleananercorp/cleananercorp_TRAIN.txt",
    "cleananercorp/test.txt": "cleananercorp/cleananercorp_TEST.txt",
}


def _layout() -> Path:
    root = Path(tempfile.mkdtemp(prefix="hadath-datasets-"))
    atexit.register(shutil.rmtree, root, True)
    for src in SOURCES.rglob("*"):
        if src.is_file():
            rel = src.relative_to(SOURCES).as_posix()
            dst = root / UPSTREAM_NAMES.get(rel, rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    return root


ROOT = _layout()


def read(name: str, split: str, root: Path = ROOT) -> list:
    return read_source("dataset", name=name, split=split, root=str(root), schema=load_schema(name))


def texts(report) -> list[tuple[str, str]]:
    return [(report.text[s.start : s.end], s.label) for s in report.spans]


def test_cleananercorp_splits_hold_out_every_tenth_training_sentence() -> None:
    full = read("cleananercorp", "train-full")
    train, dev = read("cleananercorp", "train"), read("cleananercorp", "dev")
    assert len(full) == 12 and len(dev) == 1 and len(train) == 11
    assert {r.id for r in train} | {r.id for r in dev} == {r.id for r in full}
    assert dev[0].id == full[9].id
    assert texts(full[0]) == [("وزير الخارجية الفرنسي", "PERS"), ("باريس", "LOC")]
    assert texts(full[2])[-1] == ("كأس العالم", "MISC")
    assert len(read("cleananercorp", "test")) == 2


def test_cleananercorp_joins_consecutive_sentences_for_context() -> None:
    single = read("cleananercorp", "train-full")
    grouped = read("cleananercorp", "train-full:4")
    assert len(grouped) == 3
    assert grouped[0].text == "\n".join(r.text for r in single[:4])
    assert sum(len(r.spans) for r in grouped) == sum(len(r.spans) for r in single)
    assert [t for r in grouped for t in texts(r)] == [t for r in single for t in texts(r)]
    with pytest.raises(DataError, match="positive number"):
        read("cleananercorp", "test:x")


def test_wojood_takes_the_outer_layer_and_counts_what_it_drops() -> None:
    reports = read("wojood", "train")
    assert len(reports) == 3  # the "$#$" line ends a segment and is not text
    assert "$#$" not in reports[0].text
    assert texts(reports[0]) == [("الأسد", "PERS"), ("اللجنة القومية", "ORG"), ("نابلس", "GPE")]
    # The last segment is cut inside an entity by the file's end: kept, the entity ends at the last token.
    assert texts(reports[2])[-1] == ("يوم", "DATE")
    notes = " ".join(LAST_LOG["wojood/train"].notes)
    assert "dropped 2 of 2 nested-layer entities" in notes
    assert "cut by the file's end" in notes


def test_idrisi_reads_spans_and_multilabel_classes_and_flattens_nested_mentions() -> None:
    reports = read("idrisi", "train")
    assert len(reports) == 12  # 3 tweets x the 4 disaster events; covid_2019 is left out
    first = reports[0]
    assert texts(first) == [("منطقة #الاحمدي التعليمية", "DIST")]  # the nested "#الاحمدي" is dropped
    assert first.labels == ("caution_advice_and_crisis_updates",)
    assert reports[1].labels == ("affected_individuals_and_help", "infrastructure_and_utilities_damage")
    assert reports[2].spans == () and reports[2].labels
    assert "4 location mentions nested" in " ".join(LAST_LOG["idrisi/train"].notes)
    covid = read_source("dataset", name="idrisi", split="dev:covid_2019", root=str(ROOT))
    assert covid[0].labels == ("relevant",)


def test_idrisi_offsets_that_do_not_match_the_mention_text_name_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "idrisi_ra" / "json" / "kuwait_floods_2018"
    folder.mkdir(parents=True)
    bad = {"tweet_id": "1", "text": "سيول في الكويت", "info_class": "relevant", "location_mentions": []}
    bad["location_mentions"] = [{"text": "الكويت", "type": "CTRY", "startIdx": 0, "endIdx": 6}]
    (folder / "train.jsonl").write_text(json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"train.jsonl:1: .*offsets 0:6"):
        read_source("dataset", name="idrisi", split="train:kuwait_floods_2018", root=str(tmp_path))


def test_asnd_reads_columns_by_name_multiline_posts_and_repeated_ids() -> None:
    train = read("asnd", "train")
    assert [r.labels for r in train] == [("sports",), ("politics",), ("crime-war-conflict",)]
    assert train[0].text == "فاز المنتخب في المباراة\n#الجزيرة"  # a quoted post spanning two lines
    assert train[2].text == 'قصف على "حلب" اليوم'
    assert len({r.id for r in train}) == 3  # the repeated ID 2 is kept, with a suffix
    dev = read("asnd", "dev")  # columns in another order
    assert (dev[0].text, dev[0].labels) == ("عاجل | اجتماع مجلس الأمن", ("politics",))
    assert all(r.spans == () for r in train + dev)


@pytest.mark.parametrize(
    ("name", "split", "message"),
    [
        ("cleananercorp", "validation", "unknown split"),
        ("nosuchset", "train", "unknown dataset"),
    ],
)
def test_bad_names_say_what_exists(name: str, split: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_source("dataset", name=name, split=split, root=str(ROOT))


def test_a_missing_dataset_folder_says_how_to_point_at_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"set data\.\*\.root"):
        read_source("dataset", name="asnd", split="train", root=str(tmp_path))


def test_a_config_names_a_dataset_by_name_split_and_root() -> None:
    from hadath.train.config import load_config

    config = load_config(Path(__file__).parents[1] / "configs" / "benchmarks" / "cleananercorp.yaml")
    assert config.data.train.format == "dataset"
    assert (config.data.train.name, config.data.train.split) == ("cleananercorp", "train-full:4")
    assert load_schema(config.data.schema).arguments == ("PERS", "LOC", "ORG", "MISC")


def test_every_benchmark_config_loads() -> None:
    from hadath.train.config import load_config

    for path in (Path(__file__).parents[1] / "configs" / "benchmarks").glob("*.yaml"):
        config = load_config(path)
        load_schema(config.data.schema)


def test_training_on_a_sequence_only_schema_and_on_both_heads(tmp_path: Path) -> None:
    """ASND has no span labels at all; IDRISI uses both heads with given labels: both train and predict."""
    from hadath.inference import Predictor
    from hadath.train.config import load_config
    from hadath.train.loop import train

    for name in ("asnd", "idrisi"):
        overrides = [
            "--data.train",
            json.dumps({"name": name, "split": "train", "root": str(ROOT)}),
            "--data.dev",
            json.dumps({"name": name, "split": "dev", "root": str(ROOT)}),
            "--data.schema",
            name,
            "--train.epochs",
            "1",
        ]
        config = load_config(Path(__file__).parents[1] / "configs" / "tiny.yaml", overrides)
        run = train(config, tmp_path / name)
        predictor = Predictor.from_pretrained(run / "model-best")
        preds = predictor.predict(["قصف على حلب اليوم", ""])
        assert len(preds) == 2
        if name == "asnd":
            assert all(p.spans == [] or p.spans == () for p in preds)


def test_evaluate_reads_a_dataset_split_as_gold() -> None:
    from hadath.evaluation.cli import load_gold

    gold, fingerprint = load_gold("wojood/test", load_schema("wojood"), str(ROOT))
    assert len(gold) == 3 and len(fingerprint) == 16
