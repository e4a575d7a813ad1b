"""Training examples: windows with word-level BIO tags and per-segment event-type targets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from hadath.data.corpus_io import report_labels
from hadath.data.errors import DataError, Problem
from hadath.data.normalize import Normalizer
from hadath.data.records import Report
from hadath.data.schema import LabelSchema
from hadath.inference.windows import EncodedReport, Window, WindowStats, collate, encode_reports, make_windows


@dataclass(frozen=True)
class Example:
    window: Window
    tags: list[int]
    segment_targets: list[list[int]]  # multi-hot per segment


@dataclass
class FeatureStats:
    windows: WindowStats = field(default_factory=WindowStats)
    spans: Counter[str] = field(default_factory=Counter)
    spans_widened: int = 0  # span edges inside a word, widened to whole words
    spans_cut_by_windows: int = 0  # spans split by a window edge inside an over-long sentence (kept whole elsewhere)

    def describe(self) -> str:
        per_label = ", ".join(f"{k} {v}" for k, v in self.spans.most_common())
        return (
            f"{self.windows.describe()}\nspans per label: {per_label}\n"
            f"{self.spans_widened} span edges fell inside a word and were widened to whole words; "
            f"{self.spans_cut_by_windows} window starts fell inside a span (over-long sentences)"
        )


def word_tags(report: Report, encoded: EncodedReport, tag2id: dict[str, int], stats: FeatureStats) -> list[int]:
    """BIO tag id of every word; every span is kept (an error names any span that cannot be)."""
    tags = [0] * len(encoded.words)
    starts = [w.start for w in encoded.words]
    import bisect

    for k, span in enumerate(report.spans):
        first = bisect.bisect_right(starts, span.start) - 1
        if first < 0 or encoded.words[first].end <= span.start:
            first += 1
        last = bisect.bisect_left(starts, span.end)  # words starting before span.end
        members = [w for w in range(max(first, 0), last) if encoded.words[w].end > span.start]
        if not members:
            raise DataError(
                Problem(
                    report.meta.get("source", "data"),
                    None,
                    f"span [{span.start}, {span.end}) {report.text[span.start : span.end]!r} covers no word",
                    record_id=report.id,
                    field=f"spans[{k}]",
                )
            )
        if encoded.words[members[0]].start != span.start or encoded.words[members[-1]].end != span.end:
            stats.spans_widened += 1
        if any(tags[w] for w in members):
            raise DataError(
                Problem(
                    report.meta.get("source", "data"),
                    None,
                    f"span [{span.start}, {span.end}) "
                    "shares a word with another span; word-level tagging keeps one label per "
                    "word: merge or drop one of them",
                    record_id=report.id,
                    field=f"spans[{k}]",
                )
            )
        tags[members[0]] = tag2id[f"B-{span.label}"]
        for w in members[1:]:
            tags[w] = tag2id[f"I-{span.label}"]
        stats.spans[span.label] += 1
    return tags


def build_examples(
    reports: Sequence[Report],
    tokenizer,
    normalizer: Normalizer,
    schema: LabelSchema,
    max_length: int,
    stride: int,
) -> tuple[list[Example], FeatureStats]:
    """Encode reports into training windows; raises :class:`DataError` if any span cannot fit a window."""
    stats = FeatureStats()
    tag2id = {t: i for i, t in enumerate(schema.bio_tags)}
    seq_index = {lab: i for i, lab in enumerate(schema.sequence_labels)}
    mode = "given" if schema.sequence_source == "given" else "derived"
    encoded = encode_reports([r.text for r in reports], tokenizer, normalizer)
    examples: list[Example] = []
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    for i, (report, enc) in enumerate(zip(reports, encoded, strict=True)):
        tags = word_tags(report, enc, tag2id, stats)
        windows = make_windows(enc, i, max_length, stride, cls_id, sep_id, mode)
        ws = stats.windows
        ws.reports += 1
        ws.words += len(enc.words)
        ws.pieces += sum(len(p) for p in enc.pieces)
        ws.windows += len(windows)
        ws.long_reports += len(windows) > 1
        ws.empty_words += enc.empty_pieces
        sent_of = {}
        for s, (a, b, _, _) in enumerate(enc.sentences):
            for w in range(a, b):
                sent_of[w] = s
        covered = [False] * len(tags)
        for win in windows:
            ws.words_with_cut_pieces += win.pieces_cut > 0
            for w in range(win.first_word, win.last_word):
                covered[w] = True
            wtags = tags[win.first_word : win.last_word]
            if wtags and schema.bio_tags[wtags[0]].startswith("I-"):
                # The window opens inside a span (possible only inside a sentence longer than a window):
                # its visible part is trained as a span of this window, the rest from the previous window,
                # and prediction merges both. A span longer than a whole window is an error.
                span_pieces = _span_pieces(tags, win.first_word, enc)
                if span_pieces > max_length - 2:
                    raise DataError(
                        Problem(
                            report.meta.get("source", "data"),
                            None,
                            f"a span of {span_pieces} sub-tokens (around word {win.first_word}) is longer than "
                            f"a window of {max_length}; raise model.max_length",
                            record_id=report.id,
                        )
                    )
                stats.spans_cut_by_windows += 1
                wtags = [wtags[0] - 1, *wtags[1:]]  # I-X id - 1 == B-X id
            targets = [[0] * len(schema.sequence_labels) for _ in win.segments]
            if mode == "given":
                for lab in report_labels(report, schema):
                    targets[0][seq_index[lab]] = 1
            else:
                for w in range(win.first_word, win.last_word):
                    tag = schema.bio_tags[tags[w]]
                    if tag.startswith("B-") and tag[2:] in seq_index:
                        seg = win.segments.index(sent_of.get(w, 0)) if sent_of.get(w, 0) in win.segments else 0
                        targets[seg][seq_index[tag[2:]]] = 1
            examples.append(Example(win, wtags, targets))
        ws.split_sentences += sum(
            1 for a, b, _, _ in enc.sentences if any(win.first_word > a and win.first_word < b for win in windows)
        )
        assert all(covered), "window construction lost a word"
    return examples, stats


def _span_pieces(tags: list[int], word: int, enc: EncodedReport) -> int:
    """Sub-tokens of the whole span that covers ``word`` (tag ids: odd = B-, even > 0 = I-)."""
    start = word
    while start > 0 and tags[start] % 2 == 0 and tags[start] != 0:
        start -= 1
    end = word + 1
    while end < len(tags) and tags[end] != 0 and tags[end] % 2 == 0:
        end += 1
    return sum(len(p) for p in enc.pieces[start:end])


def collate_examples(examples: Sequence[Example], pad_id: int, n_labels: int) -> dict[str, torch.Tensor]:
    batch = collate([e.window for e in examples], pad_id)
    B, W = batch["word_mask"].shape
    tags = torch.full((B, W), -100, dtype=torch.long)
    K = max(max(len(e.segment_targets) for e in examples), 1)
    seg_labels = torch.zeros((B, K, max(n_labels, 1)), dtype=torch.float)
    seg_mask = torch.zeros((B, K), dtype=torch.bool)
    for i, e in enumerate(examples):
        tags[i, : len(e.tags)] = torch.tensor(e.tags)
        for k, t in enumerate(e.segment_targets):
            if n_labels:
                seg_labels[i, k] = torch.tensor(t, dtype=torch.float)
            seg_mask[i, k] = True
    batch["tag_labels"] = tags
    batch["segment_labels"] = seg_labels
    batch["segment_mask"] = seg_mask
    return batch
