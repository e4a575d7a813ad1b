"""CoNLL-style token-per-line files (IOB1, IOB2, BIOES, BILOU) to reports with character offsets.

The text is rebuilt by joining tokens with one space and sentences with a line break, so
``text[start:end]`` of every span equals its tokens joined by spaces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hadath.data.errors import DataError, Problem
from hadath.data.records import Report, Span

Scheme = Literal["IOB1", "IOB2", "BIOES", "BILOU"]
_BEGIN = {"B", "S", "U"}
_SINGLE = {"S", "U"}
_END = {"E", "L"}


def _split(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in {"B", "I", "E", "S", "L", "U"} or not label:
        raise ValueError(f"tag {tag!r} is neither 'O' nor PREFIX-LABEL with PREFIX in B I E S L U")
    return prefix, label


def detect_scheme(tags: list[str]) -> Scheme:
    """Guess the tagging scheme from the prefixes used.

    >>> detect_scheme(["B-LOC", "L-LOC", "U-PER"])
    'BILOU'
    """
    prefixes = {t.split("-", 1)[0] for t in tags if t != "O"}
    if prefixes & {"L", "U"}:
        return "BILOU"
    if prefixes & {"E", "S"}:
        return "BIOES"
    prev = "O"
    for tag in tags:
        p, lab = _split(tag)
        if p == "I" and (prev == "O" or _split(prev)[1] != lab):
            return "IOB1"
        prev = tag
    return "IOB2"


def decode_tags(tags: list[str], scheme: Scheme) -> tuple[list[tuple[int, int, str]], int]:
    """Turn one sentence's tags into ``(first_token, end_token, label)`` chunks.

    Returns the chunks and how many tags were repaired (an I-/E-/L- that does not continue the chunk
    before it opens a new chunk, as conlleval does). Callers report the repair count.
    """
    chunks: list[tuple[int, int, str]] = []
    repaired = 0
    cur: list = []  # [start, label]
    for i, tag in enumerate(tags):
        p, lab = _split(tag)
        if p == "O":
            if cur:
                chunks.append((cur[0], i, cur[1]))
                cur = []
            continue
        starts = p in _BEGIN or not cur or cur[1] != lab
        if starts and p not in _BEGIN and not (scheme == "IOB1" and p == "I"):
            repaired += 1
        if starts:
            if cur:
                chunks.append((cur[0], i, cur[1]))
            cur = [i, lab]
        if p in _SINGLE or (p in _END and scheme in ("BIOES", "BILOU")):
            chunks.append((cur[0], i + 1, cur[1]))
            cur = []
    if cur:
        chunks.append((cur[0], len(tags), cur[1]))
    return chunks, repaired


@dataclass
class ConllLog:
    sentences: int = 0
    tokens: int = 0
    repaired_tags: int = 0
    notes: list[str] = field(default_factory=list)


def iter_conll_sentences(
    path: str | Path, tag_column: int = -1, skip_lines: tuple[str, ...] = ("-DOCSTART-",)
) -> Iterator[tuple[int, list[str], list[str]]]:
    """Yield ``(first_line_number, tokens, tags)`` per blank-line-separated sentence."""
    source = str(path)
    tokens: list[str] = []
    tags: list[str] = []
    first = 0
    with open(path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            cols = line.split()
            if not cols or cols[0] in skip_lines:
                if tokens:
                    yield first, tokens, tags
                tokens, tags = [], []
                continue
            if len(cols) < 2:
                raise DataError(Problem(source, number, f"expected 'token TAG', got {line!r}; check the separator"))
            try:
                tag = cols[tag_column]
                _split(tag)
            except IndexError:
                raise DataError(Problem(source, number, f"no tag column {tag_column} in {line!r}")) from None
            except ValueError as err:
                raise DataError(Problem(source, number, str(err), field="tag")) from None
            if not tokens:
                first = number
            tokens.append(cols[0])
            tags.append(tag)
    if tokens:
        yield first, tokens, tags


def read_conll(
    path: str | Path,
    scheme: Scheme | None = None,
    *,
    tag_column: int = -1,
    sentences_per_report: int = 1,
    id_prefix: str | None = None,
    log: ConllLog | None = None,
    boundary_tokens: tuple[str, ...] = ("-DOCSTART-",),
) -> Iterator[Report]:
    """Read a CoNLL token-per-line file as reports.

    Args:
        path: File with ``token [more columns] TAG`` lines and blank lines between sentences.
        scheme: IOB1, IOB2, BIOES or BILOU; detected from the whole file when None.
        tag_column: Column index of the tag (negative counts from the end).
        sentences_per_report: Sentences joined (by line breaks) into one report.
        id_prefix: Report ids are ``{id_prefix}-{n}``; defaults to the file stem.
        log: Receives counts and the number of repaired tags.
        boundary_tokens: Lines whose token is one of these end a sentence and are not text
            (``-DOCSTART-``; Wojood's ``$#$`` segment markers).
    """
    log = log if log is not None else ConllLog()
    if scheme is None:
        all_tags = [t for _, _, tags in iter_conll_sentences(path, tag_column, boundary_tokens) for t in tags]
        scheme = detect_scheme(all_tags)
    prefix = id_prefix or Path(path).stem
    batch: list[tuple[list[str], list[str]]] = []
    n = 0

    def flush() -> Report:
        nonlocal n
        text_parts: list[str] = []
        spans: list[Span] = []
        offset = 0
        for k, (tokens, tags) in enumerate(batch):
            if k:
                text_parts.append("\n")
                offset += 1
            starts = []
            for i, tok in enumerate(tokens):
                if i:
                    text_parts.append(" ")
                    offset += 1
                starts.append(offset)
                text_parts.append(tok)
                offset += len(tok)
            chunks, repaired = decode_tags(tags, scheme)
            log.repaired_tags += repaired
            for a, b, lab in chunks:
                spans.append(Span(starts[a], starts[b - 1] + len(tokens[b - 1]), lab))
        n += 1
        return Report(f"{prefix}-{n}", "".join(text_parts), tuple(spans), None, {"source": str(path)})

    for _, tokens, tags in iter_conll_sentences(path, tag_column, boundary_tokens):
        log.sentences += 1
        log.tokens += len(tokens)
        batch.append((tokens, tags))
        if len(batch) == sentences_per_report:
            yield flush()
            batch = []
    if batch:
        yield flush()
