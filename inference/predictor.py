"""Batch prediction with exact offsets on the original text.

Merge rule for overlapping windows: each word takes the tag scores of the window in which it sits
farthest from an edge (ties go to the earlier window), so every word is judged with the most context
on both sides; the report's words are then decoded together by the BIO-constrained Viterbi. A
sentence takes its event-type probabilities from the window where its middle word is most central;
the report's probability of an event type is the maximum over its sentences.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

from hadath.data.normalize import Normalizer
from hadath.data.records import Report
from hadath.inference.config import HadathConfig
from hadath.inference.events import assemble_events
from hadath.inference.model import HadathModel
from hadath.inference.results import LabelScore, PredictedSpan, ReportPrediction, SentencePrediction
from hadath.inference.windows import EncodedReport, Window, collate, encode_reports, make_windows

PRECISIONS = ("fp32", "bf16")


def bf16_hardware() -> bool:
    """Whether this CPU has bfloat16 matrix units (AMX or AVX512-BF16), read from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            flags = next((line for line in fh if line.startswith("flags")), "")
    except OSError:
        return False
    return any(f in flags.split() for f in ("amx_bf16", "avx512_bf16"))


class Predictor:
    """Predict spans, sentence and report event types, and events for many reports.

    >>> predictor = Predictor.from_pretrained("runs/default/model-best")  # doctest: +SKIP
    >>> predictor.predict(["اندلعت اشتباكات في حلب."])[0].spans  # doctest: +SKIP
    """

    def __init__(
        self, model: HadathModel, tokenizer, device: str | torch.device | None = None, precision: str = "fp32"
    ):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        self.precision = precision
        self.model = model
        self.tokenizer = tokenizer
        self.config: HadathConfig = model.config  # type: ignore[assignment]
        self.normalizer = Normalizer(self.config.normalizer_config)
        self.schema = self.config.label_schema
        if device is not None:
            self.model.to(device)  # type: ignore[arg-type]
        self.device = next(model.parameters()).device

    @classmethod
    def from_pretrained(
        cls, path: str | Path, device: str | None = None, backend: str = "auto", precision: str = "fp32"
    ) -> Predictor:
        """Load a model folder written by ``hadath-train`` (or ``HadathModel.save_pretrained``).

        Args:
            path: The model folder.
            device: ``cpu``, ``cuda``, ``cuda:1``...; by default a GPU when there is one.
            backend: ``auto`` uses the folder's ONNX export (``hadath-export``) when running on CPU and
                PyTorch otherwise; ``torch`` always uses PyTorch; ``onnx`` requires the export.
            precision: ``fp32``, or ``bf16`` for the PyTorch encoder on hardware with bfloat16 units (CPUs
                with AMX or AVX512-BF16, recent GPUs); elsewhere bf16 is emulated and slower. Check the F1
                cost with ``benchmarks/bench_inference.py``.
        """
        from hadath.inference.fast import OnnxEncoder, find_export
        from hadath.inference.loading import ModelFolderError, load_model

        if backend not in ("auto", "torch", "onnx"):
            raise ValueError(f"backend must be auto, torch or onnx, not {backend!r}")
        model, tokenizer = load_model(path)
        if device in (None, "auto"):
            device = "cuda" if torch.cuda.is_available() else "cpu"
        export = find_export(Path(path)) if backend != "torch" else None
        if backend == "onnx" and export is None:
            raise ModelFolderError(
                f"{Path(path) / 'onnx.json'}: no usable ONNX export; run hadath-export {path} --onnx"
            )
        if export is not None and str(device).startswith("cpu") and precision == "fp32":
            # The ONNX encoder stands in for the transformers one: same call, same last_hidden_state.
            model.encoder = OnnxEncoder(export["path"], threads=torch.get_num_threads())  # type: ignore[assignment]
        return cls(model, tokenizer, device, precision)

    @property
    def backend(self) -> str:
        """``onnx`` (with the export's file name) or ``torch``."""
        path = getattr(self.model.encoder, "path", None)
        return f"onnx:{path.name}" if path is not None else "torch"

    def predict(
        self,
        inputs: Sequence[str | Report],
        batch_size: int = 32,
        threshold: float | None = None,
        token_budget: int | None = None,
        progress: bool = False,
    ) -> list[ReportPrediction]:
        """Predict for texts or reports; results are in input order, one per input (empty ones too).

        Args:
            inputs: Texts or :class:`Report` objects.
            batch_size: Windows per forward pass (upper bound).
            threshold: Event-type probability threshold; defaults to the model's.
            token_budget: Maximum padded sub-tokens per batch (default: batch_size * max_length).
            progress: Show a progress bar on stderr.
        """
        texts = [x.text if isinstance(x, Report) else x for x in inputs]
        for k, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"input {k} is {type(t).__name__}, not a string")
        threshold = self.config.sequence_threshold if threshold is None else threshold
        out: list[ReportPrediction] = []
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="report", desc="predict", disable=None)
        chunk = 256  # reports encoded at once: bounds memory, keeps batches well sorted
        for i in range(0, len(texts), chunk):
            out.extend(self._predict_chunk(texts[i : i + chunk], batch_size, threshold, token_budget))
            if bar is not None:
                bar.update(min(chunk, len(texts) - i))
        if bar is not None:
            bar.close()
        return out

    @torch.inference_mode()
    def _predict_chunk(
        self, texts: Sequence[str], batch_size: int, threshold: float, token_budget: int | None
    ) -> list[ReportPrediction]:
        cfg = self.config
        mode = "given" if self.schema.sequence_source == "given" else "derived"
        encoded = encode_reports(texts, self.tokenizer, self.normalizer)
        windows: list[Window] = []
        for i, enc in enumerate(encoded):
            windows.extend(
                make_windows(
                    enc,
                    i,
                    cfg.max_subtokens,
                    cfg.stride,
                    self.tokenizer.cls_token_id,
                    self.tokenizer.sep_token_id,
                    mode,
                )
            )
        tag_scores: dict[int, torch.Tensor] = {}
        seq_probs: dict[int, torch.Tensor] = {}
        budget = token_budget or batch_size * cfg.max_subtokens
        order = sorted(range(len(windows)), key=lambda k: len(windows[k].input_ids))
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        start = 0
        while start < len(order):
            end = start + 1
            # Windows are sorted by length, so the last one added sets the padded size.
            while (
                end < len(order)
                and end - start < batch_size
                and (end - start + 1) * len(windows[order[end]].input_ids) <= budget
            ):
                end += 1
            batch_ids = order[start:end]
            batch = collate([windows[k] for k in batch_ids], pad)
            batch = {k: v.to(self.device) for k, v in batch.items()}
            if not self.schema.sequence_labels:
                batch.pop("segment_ids")
            self.model.eval()
            if self.precision == "bf16":
                # bfloat16 matmuls: AMX/AVX512-BF16 units on recent Xeons, tensor cores on GPUs. Scores and
                # the CRF stay in float32.
                with torch.autocast(self.device.type, dtype=torch.bfloat16):
                    output = self.model(**batch)
            else:
                output = self.model(**batch)
            scores = output.tag_scores.float().cpu()
            probs = torch.sigmoid(output.sequence_logits.float()).cpu() if output.sequence_logits is not None else None
            for row, k in enumerate(batch_ids):
                tag_scores[k] = scores[row, : len(windows[k].word_positions)]
                if probs is not None:
                    seq_probs[k] = probs[row, : len(windows[k].segments)]
            start = end
        by_report: dict[int, list[int]] = {}
        for k, w in enumerate(windows):
            by_report.setdefault(w.report, []).append(k)
        merged = [
            self._merge_words(
                encoded[i],
                [windows[k] for k in by_report.get(i, [])],
                [tag_scores[k] for k in by_report.get(i, [])],
            )
            for i in range(len(texts))
        ]
        paths, word_probs = self._viterbi(merged)
        results = []
        for i, text in enumerate(texts):
            ks = by_report.get(i, [])
            spans = self._spans(encoded[i], word_probs[i], paths[i])
            sentences, report_probs = self._sequence(
                encoded[i], [windows[k] for k in ks], [seq_probs.get(k) for k in ks], threshold
            )
            labels = tuple(LabelScore(lab, p) for lab, p in report_probs.items() if p >= threshold)
            events = assemble_events(text, spans, [(s.start, s.end) for s in sentences], self.schema)
            results.append(ReportPrediction(tuple(spans), tuple(sentences), labels, report_probs, events))
        return results

    @staticmethod
    def _merge_words(enc: EncodedReport, windows: list[Window], scores: list[torch.Tensor]) -> torch.Tensor:
        n = len(enc.words)
        if not windows:
            return torch.zeros((0, 1))
        T = scores[0].size(-1)
        merged = torch.empty((n, T))
        best = [-1] * n
        for win, sc in zip(windows, scores, strict=True):
            for j, w in enumerate(range(win.first_word, win.last_word)):
                centrality = min(w - win.first_word, win.last_word - 1 - w)
                if centrality > best[w]:
                    best[w] = centrality
                    merged[w] = sc[j]
        return merged

    def _viterbi(self, merged: list[torch.Tensor]) -> tuple[list[list[int]], list[torch.Tensor]]:
        """Best valid tag path of each report and the per-word tag probabilities."""
        paths: list[list[int]] = [[] for _ in merged]
        word_probs: list[torch.Tensor] = [torch.zeros((0, 1)) for _ in merged]
        order = sorted(range(len(merged)), key=lambda i: merged[i].size(0))
        group: list[int] = []

        def flush() -> None:
            if not group:
                return
            W = max(merged[i].size(0) for i in group)
            T = merged[group[-1]].size(1)
            em = torch.zeros((len(group), W, T))
            mask = torch.zeros((len(group), W), dtype=torch.bool)
            for r, i in enumerate(group):
                n = merged[i].size(0)
                em[r, :n] = merged[i]
                mask[r, :n] = True
            em, mask = em.to(self.device), mask.to(self.device)
            for r, path in enumerate(self.model.decode_tags(em, mask)):
                paths[group[r]] = path
            # Word probabilities for span scores: CRF marginals, or the tagger's own probabilities.
            probs = self.model.crf.marginals(em, mask) if self.config.use_crf else em.exp()
            for r, i in enumerate(group):
                word_probs[i] = probs[r, : merged[i].size(0)].cpu()
            group.clear()

        for i in order:
            if merged[i].size(0) == 0:
                continue
            # Group reports of similar length; cap padded words per group to bound memory.
            if group and (len(group) + 1) * merged[i].size(0) > 20000:
                flush()
            group.append(i)
        flush()
        return paths, word_probs

    def _spans(self, enc: EncodedReport, probs: torch.Tensor, path: list[int]) -> list[PredictedSpan]:
        tags = self.config.tags
        spans: list[PredictedSpan] = []
        if not path:
            return spans
        # A span's score is the mean probability of its words' chosen tags (CRF marginals with a CRF).
        chosen = probs[torch.arange(len(path)), torch.tensor(path)].tolist()
        cur: list = []  # [first_word, last_word, label, probs]
        for w, tag_id in enumerate([*path, 0]):
            tag = tags[tag_id]
            if cur and not (tag.startswith("I-") and tag[2:] == cur[2]):
                a, b, label, ps = cur
                s, e = enc.words[a].start, enc.words[b].end
                spans.append(PredictedSpan(s, e, label, enc.text[s:e], sum(ps) / len(ps)))
                cur = []
            if tag.startswith("B-"):
                cur = [w, w, tag[2:], [chosen[w]]]
            elif tag.startswith("I-") and cur:
                cur[1] = w
                cur[3].append(chosen[w])
        return spans

    def _sequence(
        self, enc: EncodedReport, windows: list[Window], probs: list[torch.Tensor | None], threshold: float
    ) -> tuple[list[SentencePrediction], dict[str, float]]:
        labels = self.config.sequence_labels
        sentence_probs: list[list[float] | None] = [None] * len(enc.sentences)
        best = [-1] * len(enc.sentences)
        for win, window_probs in zip(windows, probs, strict=True):
            if window_probs is None:
                continue
            if self.schema.sequence_source == "given":
                # One segment per window: every sentence in it shares the window's probabilities.
                pairs = [
                    (0, s) for s, (a, b, _, _) in enumerate(enc.sentences) if a < win.last_word and b > win.first_word
                ]
            else:
                pairs = list(enumerate(win.segments))
            for seg, s in pairs:
                a, b, _, _ = enc.sentences[s]
                mid = (a + b - 1) // 2
                if not win.first_word <= mid < win.last_word:
                    mid = max(win.first_word, min(mid, win.last_word - 1))
                centrality = min(mid - win.first_word, win.last_word - 1 - mid)
                if centrality > best[s]:
                    best[s] = centrality
                    sentence_probs[s] = window_probs[seg].tolist()
        sentences = []
        report = dict.fromkeys(labels, 0.0)
        for s, (_, _, cs, ce) in enumerate(enc.sentences):
            ps = sentence_probs[s] or [0.0] * len(labels)
            for lab, p in zip(labels, ps, strict=True):
                report[lab] = max(report[lab], p)
            above = tuple(LabelScore(lab, p) for lab, p in zip(labels, ps, strict=True) if p >= threshold)
            sentences.append(SentencePrediction(cs, ce, above))
        return sentences, report


def default_threads() -> int:
    """Cores this process may use (respects CPU affinity and cgroup-limited containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
