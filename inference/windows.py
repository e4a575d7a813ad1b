"""From report text to model windows, shared by training and inference so both see the same input.

Pipeline: original text → words (original offsets) → each word normalised → sub-token pieces →
sentence-aligned windows of at most ``max_length`` sub-tokens. Nothing is cut: a report longer than a
window becomes several overlapping windows, and every word is in at least one of them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from hadath.data.normalize import Normalizer
from hadath.data.words import Word, split_sentences, split_words


@dataclass(frozen=True, slots=True)
class EncodedReport:
    """A report as the model sees it.

    Attributes:
        text: The original text.
        words: Words with original offsets (words that normalise to nothing, such as a lone tatweel,
            are left out: they carry no content and no span can start or end on them).
        pieces: Sub-token ids of each word.
        sentences: ``(first_word, last_word)`` ranges over ``words``, plus character offsets.
    """

    text: str
    words: list[Word]
    pieces: list[list[int]]
    sentences: list[tuple[int, int, int, int]]  # (first_word, last_word, start_char, end_char)
    empty_pieces: int = 0  # words the tokenizer gave no piece (filled with <unk>)


@dataclass(frozen=True, slots=True)
class Window:
    """A window ``[first_word, last_word)`` of one report, ready for the model."""

    report: int
    first_word: int
    last_word: int
    input_ids: list[int]
    word_positions: list[int]
    segment_ids: list[int]
    segments: list[int]  # report sentence index of each 1-based segment id
    pieces_cut: int = 0  # sub-tokens past the window budget inside single huge words (words kept)


@dataclass
class WindowStats:
    reports: int = 0
    words: int = 0
    pieces: int = 0
    windows: int = 0
    long_reports: int = 0
    split_sentences: int = 0
    words_with_cut_pieces: int = 0
    empty_words: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        ratio = self.pieces / max(self.words, 1)
        return (
            f"{self.reports} reports, {self.words} words, {self.pieces} sub-tokens "
            f"({ratio:.2f} per word), {self.windows} windows; {self.long_reports} reports needed "
            f"several windows, {self.split_sentences} sentences longer than a window were split at "
            f"word boundaries, {self.words_with_cut_pieces} single words exceeded a window "
            f"(represented by their first pieces), {self.empty_words} words had no sub-token"
        )


def encode_reports(texts: Sequence[str], tokenizer, normalizer: Normalizer) -> list[EncodedReport]:
    """Split, normalise and tokenise reports in one batched tokenizer call."""
    split: list[list[Word]] = []  # every word, as split (sentences are found on these)
    all_words: list[list[Word]] = []  # the words kept for the model
    all_norm: list[list[str]] = []
    for text in texts:
        kept: list[Word] = []
        norm: list[str] = []
        split.append(split_words(text))
        for w in split[-1]:
            nw = normalizer(text[w.start : w.end]).strip()
            if nw:
                kept.append(w)
                norm.append(nw)
        all_words.append(kept)
        all_norm.append(norm)
    non_empty = [i for i, n in enumerate(all_norm) if n]
    enc = (
        # Whole reports are tokenised, then windowed: verbose=False drops the "longer than the maximum
        # sequence length" warning, which does not apply since no window exceeds it.
        tokenizer([all_norm[i] for i in non_empty], is_split_into_words=True, add_special_tokens=False, verbose=False)
        if non_empty
        else None
    )
    unk = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else 0
    out: list[EncodedReport] = []
    pos = {i: k for k, i in enumerate(non_empty)}
    for i, text in enumerate(texts):
        words = all_words[i]
        pieces: list[list[int]] = [[] for _ in words]
        if i in pos:
            assert enc is not None
            ids = enc["input_ids"][pos[i]]
            for tok_id, wid in zip(ids, enc.word_ids(pos[i]), strict=True):
                if wid is not None:
                    pieces[wid].append(tok_id)
        empty = 0
        for p in pieces:
            if not p:
                p.append(unk)
                empty += 1
        sentences = []
        # Sentences are computed on all words, then re-indexed over the kept ones.
        all_w = split[i]
        kept_index = {w.start: k for k, w in enumerate(words)}
        for s in split_sentences(text, all_w):
            members = [kept_index[w.start] for w in all_w[s.first_word : s.last_word] if w.start in kept_index]
            if members:
                sentences.append((members[0], members[-1] + 1, s.start, s.end))
        out.append(EncodedReport(text, words, pieces, sentences, empty))
    return out


def make_windows(
    report: EncodedReport,
    index: int,
    max_length: int,
    stride: int,
    cls_id: int,
    sep_id: int,
    sequence_mode: str = "derived",
) -> list[Window]:
    """Cut one encoded report into sentence-aligned windows.

    A window packs whole sentences while they fit ``max_length`` (special tokens included); a sentence
    longer than that is cut at word boundaries. Consecutive windows share trailing sentences (or words,
    inside a split sentence) worth up to ``stride`` sub-tokens, so each word also appears with context.
    """
    budget = max_length - 2
    n = len(report.words)
    if n == 0:
        return []
    lengths = [min(len(p), budget) for p in report.pieces]
    sent_of = [0] * n
    sentence_starts = set()
    for k, (a, b, _, _) in enumerate(report.sentences):
        sentence_starts.add(a)
        for w in range(a, b):
            sent_of[w] = k
    boundaries = sorted(sentence_starts | {n})
    prefix = [0]
    for length in lengths:
        prefix.append(prefix[-1] + length)
    windows: list[Window] = []
    start = 0
    while True:
        # Furthest end whose pieces fit the budget; every word fits alone since lengths are capped.
        end = bisect.bisect_right(prefix, prefix[start] + budget) - 1
        end = max(end, start + 1)
        if end < n:
            k = bisect.bisect_right(boundaries, end) - 1
            if k >= 0 and boundaries[k] > start:
                end = boundaries[k]
        windows.append(_window(report, index, start, end, budget, cls_id, sep_id, sent_of, sequence_mode))
        if end >= n:
            break
        nxt = end
        if stride > 0:
            # Overlap: step back over whole sentences first, else (inside a split sentence) over words.
            lo = bisect.bisect_left(prefix, prefix[end] - stride, lo=start + 1, hi=end)
            k = bisect.bisect_left(boundaries, lo)
            if k < len(boundaries) and boundaries[k] < end:
                nxt = boundaries[k]
            elif end not in sentence_starts:
                nxt = lo
        start = max(nxt, start + 1)
    return windows


def _window(
    report: EncodedReport,
    index: int,
    a: int,
    b: int,
    budget: int,
    cls_id: int,
    sep_id: int,
    sent_of: list[int],
    sequence_mode: str,
) -> Window:
    ids = [cls_id]
    positions: list[int] = []
    seg_ids = [0]
    segments: list[int] = []
    cut = 0
    for w in range(a, b):
        pieces = report.pieces[w]
        if len(pieces) > budget:
            cut += len(pieces) - budget
            pieces = pieces[:budget]
        if sequence_mode == "derived":
            if not segments or segments[-1] != sent_of[w]:
                segments.append(sent_of[w])
            seg = len(segments)
        else:
            if not segments:
                segments.append(sent_of[w])
            seg = 1
        positions.append(len(ids))
        ids.extend(pieces)
        seg_ids.extend([seg] * len(pieces))
    ids.append(sep_id)
    seg_ids.append(0)
    return Window(index, a, b, ids, positions, seg_ids, segments, cut)


def collate(windows: Sequence[Window], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad windows into model inputs (dynamic padding to the longest in the batch)."""
    B = len(windows)
    S = max(len(w.input_ids) for w in windows)
    W = max(max(len(w.word_positions) for w in windows), 1)
    input_ids = torch.full((B, S), pad_id, dtype=torch.long)
    attention = torch.zeros((B, S), dtype=torch.long)
    word_index = torch.zeros((B, W), dtype=torch.long)
    word_mask = torch.zeros((B, W), dtype=torch.bool)
    segment_ids = torch.zeros((B, S), dtype=torch.long)
    for i, w in enumerate(windows):
        n = len(w.input_ids)
        input_ids[i, :n] = torch.tensor(w.input_ids)
        attention[i, :n] = 1
        m = len(w.word_positions)
        word_index[i, :m] = torch.tensor(w.word_positions)
        word_mask[i, :m] = True
        segment_ids[i, :n] = torch.tensor(w.segment_ids)
    return {
        "input_ids": input_ids,
        "attention_mask": attention,
        "word_index": word_index,
        "word_mask": word_mask,
        "segment_ids": segment_ids,
    }
