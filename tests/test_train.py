import json
from pathlib import Path

import pytest

from hadath.data import DataError, load_corpus
from hadath.inference import Predictor, load_model, save_model
from hadath.train.config import ConfigError, load_config
from hadath.train.loop import train

CONFIGS = Path(__file__).parents[1] / "configs"


def test_run_folder_describes_itself(tiny_run: Path) -> None:
    for name in (
        "config.yaml",
        "metrics.jsonl",
        "model-best/config.json",
        "model-best/model.safetensors",
        "model-best/README.md",
        "model-last/tokenizer.json",
    ):
        assert (tiny_run / name).exists(), name
    rows = [json.loads(x) for x in (tiny_run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert all("dev_span_f1" in r and "dev_report_f1" in r for r in rows)
    card = (tiny_run / "model-best" / "README.md").read_text()
    assert "SYNTHETIC" in card
    for folder in ("model-best", "model-last"):  # model folders hold no pickles (checkpoints may)
        assert not list((tiny_run / folder).rglob("*.bin")) and not list((tiny_run / folder).rglob("*.pkl"))


def test_save_load_gives_identical_predictions(tiny_model: Path, tmp_path: Path) -> None:
    reports = load_corpus("conflict-events", "dev")[:12]
    first = Predictor.from_pretrained(tiny_model, device="cpu").predict(reports)
    model, tok = load_model(tiny_model)
    save_model(model, tok, tmp_path / "copy")
    second = Predictor.from_pretrained(tmp_path / "copy", device="cpu").predict(reports)
    assert [p.to_dict() for p in first] == [p.to_dict() for p in second]
    assert any(p.spans for p in first), "the tiny model should predict some spans"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        (["--train.lrr", "1"], "train.lrr: unknown key"),
        (["--train.epochs", "many"], "train.epochs: expected an integer"),
        (["--model.use_crf", "maybe"], "model.use_crf: expected true or false"),
        (["--train.device", "tpu"], "train.device: must be one of"),
    ],
)
def test_bad_config_names_the_key(overrides: list[str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_config(CONFIGS / "tiny.yaml", overrides)


def test_numbers_are_coerced() -> None:
    config = load_config(CONFIGS / "tiny.yaml", ["--train.lr", "1e-5"])
    assert config.train.lr == pytest.approx(1e-5)


def test_bad_data_fails_before_training(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(
            {"id": "x", "text": "قتل في حلب", "spans": [{"start": 7, "end": 10, "label": "CITY"}]},
            ensure_ascii=False,
        )
        + "\n"
    )
    config = load_config(CONFIGS / "tiny.yaml", ["--data.train", str(bad)])
    with pytest.raises(DataError, match=r"bad.jsonl:1.*CITY"):
        train(config, tmp_path / "run")
    assert not (tmp_path / "run" / "model-best").exists()
    config = load_config(CONFIGS / "tiny.yaml", ["--data.train", str(tmp_path / "missing.jsonl")])
    with pytest.raises(ConfigError, match=r"data\.train\.path: .*missing.jsonl does not exist"):
        train(config, tmp_path / "run2")


def test_hub_encoder_unreachable_names_alternatives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hadath.train.encoders import EncoderUnavailable, load_encoder

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderUnavailable, match=r"(?s)local folder.*offline:multilingual-e5-small"):
        load_encoder(str(tmp_path / "no-such-arabert"))
    with pytest.raises(EncoderUnavailable, match="aubmindlab/bert-base-arabertv02"):
        load_encoder("aubmindlab/bert-base-arabertv02")


def test_crf_variant_trains(tmp_path: Path) -> None:
    config = load_config(CONFIGS / "tiny.yaml", ["--model.use_crf", "true", "--train.epochs", "1"])
    run = train(config, tmp_path / "crf")
    preds = Predictor.from_pretrained(run / "model-last", device="cpu").predict(["اندلعت اشتباكات في حلب."])
    assert len(preds) == 1


def test_interrupted_run_resumes_to_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overrides = ["--train.epochs", "2", "--train.checkpoint_every_steps", "10"]
    full = train(load_config(CONFIGS / "tiny.yaml", overrides), tmp_path / "full")
    expected = (full / "metrics.jsonl").read_text().splitlines()

    import hadath.train.loop as loop

    real = loop.collate_examples
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 75:  # second epoch, after the checkpoint at its 10th batch
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "collate_examples", crashing)
    with pytest.raises(KeyboardInterrupt):
        train(load_config(CONFIGS / "tiny.yaml", overrides), tmp_path / "cut")
    monkeypatch.setattr(loop, "collate_examples", real)
    train(load_config(CONFIGS / "tiny.yaml", overrides), tmp_path / "cut", resume=True)
    got = (tmp_path / "cut" / "metrics.jsonl").read_text().splitlines()

    def strip(rows: list[str]) -> list[dict]:
        return [
            {k: v for k, v in json.loads(r).items() if k not in ("seconds", "subtokens_per_s", "train_loss")}
            for r in rows
        ]

    assert strip(got) == strip(expected)


def test_every_weight_survives_save_and_load(tmp_path: Path) -> None:
    import torch

    from hadath.data import load_schema
    from hadath.inference import HadathConfig, HadathModel
    from hadath.train.encoders import random_encoder

    tok, encoder = random_encoder("tiny", ["اشتباكات في حلب", "غارة جوية"], 200, seed=0)
    config = HadathConfig(
        encoder=encoder.config.to_dict(),
        schema=load_schema("conflict-events").to_dict(),
        use_crf=True,
        max_subtokens=64,
        stride=8,
    )
    model = HadathModel(config)
    with torch.no_grad():  # stand-ins for trained values, so a reset to the initial zeros would show
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    save_model(model, tok, tmp_path / "m")
    loaded, _ = load_model(tmp_path / "m")
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    texts = [r.text for r in load_corpus("conflict-events", "dev")[:5]]
    before = Predictor(model.eval(), tok).predict(texts)
    after = Predictor.from_pretrained(tmp_path / "m", device="cpu").predict(texts)
    assert [p.to_dict() for p in before] == [p.to_dict() for p in after]


def test_local_bert_folder_is_a_first_class_encoder(tmp_path: Path) -> None:
    """The AraBERT path: a BERT folder on disk (WordPiece vocabulary), vocabulary trimming included."""
    from hadath.train.encoders import random_encoder

    texts = [r.text for r in load_corpus("conflict-events", "train")[:50]]
    tok, encoder = random_encoder("tiny", texts, 800, seed=0)
    folder = tmp_path / "bert-folder"
    encoder.save_pretrained(folder)
    tok.save_pretrained(folder)
    config = load_config(
        CONFIGS / "tiny.yaml",
        ["--model.encoder", str(folder), "--model.trim_vocabulary", "true", "--train.epochs", "1"],
    )
    run = train(config, tmp_path / "run")
    model, _ = load_model(run / "model-last")
    assert model.encoder.config.vocab_size < 800
    assert Predictor(model, load_model(run / "model-last")[1]).predict(["اندلعت اشتباكات في حلب."])


FIXTURES = Path(__file__).parent / "fixtures"


def test_ner_schema_from_conll_trains_without_code_changes(tmp_path: Path) -> None:
    conll = str(FIXTURES / "iob2.conll")
    config = load_config(
        CONFIGS / "tiny.yaml",
        [
            "--data.schema",
            str(FIXTURES / "ner-schema.yaml"),
            "--data.train",
            conll,
            "--data.dev",
            conll,
            "--train.epochs",
            "1",
        ],
    )
    run = train(config, tmp_path / "ner")
    predictor = Predictor.from_pretrained(run / "model-last", device="cpu")
    assert predictor.config.sequence_labels == []
    assert set(predictor.config.tags) == {"O"} | {f"{p}-{x}" for p in "BI" for x in ("PERS", "LOC", "ORG", "MISC")}
    pred = predictor.predict(["وصل محمد علي إلى القاهرة ."])[0]
    assert pred.labels == () and pred.events == ()


def test_given_sequence_labels_train(tmp_path: Path) -> None:
    from hadath.data.corpus import packaged_file

    config = load_config(
        CONFIGS / "tiny.yaml",
        [
            "--data.schema",
            str(FIXTURES / "given-schema.yaml"),
            "--data.train",
            str(packaged_file("train.jsonl")),
            "--data.dev",
            str(packaged_file("dev.jsonl")),
            "--train.epochs",
            "1",
        ],
    )
    run = train(config, tmp_path / "given")
    row = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert "dev_report_f1" in row
    predictor = Predictor.from_pretrained(run / "model-last", device="cpu")
    assert predictor.schema.sequence_source == "given"
    pred = predictor.predict([load_corpus("conflict-events", "dev")[0].text])[0]
    assert set(pred.probabilities) == set(predictor.config.sequence_labels)
