"""Words and sentences of a report, with original character offsets.

Spans in the corpus cover whole words: whitespace-separated tokens without the punctuation stuck to
their ends (GUIDELINES.md). The model labels these words; sub-token pieces never leak into results.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Characters that may sit inside a word between two word characters and keep it one word:
# 3.5, 3,5, 10/11, 2024-05-01, al-Hol, O'Brien, ٣٫٥ (Arabic decimal/thousands separators).
_JOINERS = frozenset(".,/-'’:\u066b\u066c")
# Sentence-ending punctuation: full stop, question marks, exclamation, Arabic semicolon.
_TERMINATORS = frozenset(".?!؟؛…")


@dataclass(frozen=True, slots=True)
class Word:
    """A word ``text[start:end]`` of the original text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence ``text[start:end]`` and the indices ``[first_word, last_word)`` of its words."""

    start: int
    end: int
    first_word: int
    last_word: int


def _is_punct(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PS" and ch not in "%$€£#@&_+"


def _is_wordchar(ch: str) -> bool:
    return not ch.isspace() and not _is_punct(ch)


def split_words(text: str) -> list[Word]:
    """Split text into words and single punctuation marks, with offsets into ``text``.

    >>> [("قتل ٣.٥، أمس")[w.start:w.end] for w in split_words("قتل ٣.٥، أمس")]
    ['قتل', '٣.٥', '،', 'أمس']
    """
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if not _is_wordchar(ch):
            words.append(Word(i, i + 1))
            i += 1
            continue
        j = i + 1
        while j < n:
            if _is_wordchar(text[j]):
                j += 1
            elif text[j] in _JOINERS and j + 1 < n and _is_wordchar(text[j + 1]) and _is_wordchar(text[j - 1]):
                j += 2
            else:
                break
        words.append(Word(i, j))
        i = j
    return words


def split_sentences(text: str, words: list[Word] | None = None) -> list[Sentence]:
    """Split text into sentences at . ? ! ؟ ؛ … and line breaks, keeping offsets.

    A full stop after a one-letter word (``د.`` for doctor, ``م.`` for a year) does not end a sentence
    unless a line break or the end of text follows; decimals like 3.5 never split because they are one word.

    >>> [s.end for s in split_sentences("قتل ٣.٥ شخص. وأصيب آخرون")]
    [12, 24]
    """
    if words is None:
        words = split_words(text)
    sentences: list[Sentence] = []
    first = 0
    for k, w in enumerate(words):
        last_in_text = k + 1 == len(words)
        nxt = words[k + 1] if not last_in_text else None
        ends = False
        if nxt is not None and "\n" in text[w.end : nxt.start]:
            ends = True
        elif text[w.start : w.end] in _TERMINATORS and (
            k == 0 or words[k - 1].end - words[k - 1].start > 1 or text[w.start] != "."
        ):
            ends = True
        if ends or last_in_text:
            sentences.append(Sentence(words[first].start, w.end, first, k + 1))
            first = k + 1
    return sentences
