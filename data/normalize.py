"""Arabic normalisation that keeps an exact map back to the original characters.

The tokenizers we use see short vowels as pieces of their own and split words on tatweel, so text is
normalised before tokenising. Every offset we emit must still point into the ORIGINAL text, so the
normaliser returns, for each output character, the half-open range of original characters it came from.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, fields
from typing import Any

# Harakat, tanween, shadda, sukun, dagger alif and the Quranic annotation marks (U+0610-U+061A,
# U+064B-U+065F, U+0670, U+06D6-U+06ED): all combining marks on Arabic letters.
_TASHKEEL = frozenset(
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE) if unicodedata.category(chr(c)) == "Mn"]
)
_TATWEEL = "\u0640"
# Zero-width and bidi controls: invisible, and they break words into odd pieces in WordPiece vocabularies.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u061c\u2060\ufeff"
    + "".join(chr(c) for c in range(0x202A, 0x202F))
    + "".join(chr(c) for c in range(0x2066, 0x206A))
)
_ALEF = {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627"}
_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}


# Bumped whenever a setting's behaviour changes (a table of characters, an NFC detail): a model trained under
# another version saw differently normalised text, and loading it warns.
NORMALIZER_VERSION = 1


@dataclass(frozen=True)
class NormalizerConfig:
    """Which normalisations to apply. Saved with every model and checked at load time.

    The defaults are what the offline encoder needs: marks and tatweel removed, letters kept as written
    (unifying alef/ya/ta marbuta helps AraBERT-style vocabularies less than it costs in ambiguity).
    """

    nfc: bool = True
    remove_tashkeel: bool = True
    remove_tatweel: bool = True
    remove_invisible: bool = True
    unify_alef: bool = False
    alef_maqsura_to_ya: bool = False
    ta_marbuta_to_ha: bool = False
    ascii_digits: bool = False

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> NormalizerConfig:
        raw = dict(raw or {})
        names = {f.name for f in fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise ValueError(f"unknown normaliser settings {sorted(unknown)}; allowed: {sorted(names)}")
        for key, value in raw.items():
            if not isinstance(value, bool):
                raise ValueError(f"normaliser setting {key!r} must be true or false, got {value!r}")
        return cls(**raw)


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text with, for each of its characters, the original range ``[starts[i], ends[i])``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty normalised span to the smallest original span that produced it."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is empty or outside the normalised text of {len(self.text)}")
        return self.starts[start], self.ends[end - 1]

    def from_original(self, start: int, end: int) -> tuple[int, int] | None:
        """Map an original span to the normalised characters produced from inside it (None if none)."""
        inside = [i for i in range(len(self.text)) if self.starts[i] >= start and self.ends[i] <= end]
        if not inside:
            return None
        return inside[0], inside[-1] + 1


def _clusters(text: str) -> list[tuple[int, int]]:
    """Split into a starter character plus the combining marks after it (NFC never crosses these)."""
    out: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        out.append((i, j))
        i = j
    return out


class Normalizer:
    """Normalise Arabic text and keep the map to the original.

    >>> n = Normalizer().normalize("قـتَلَ ٣")
    >>> n.text, n.to_original(0, 3)  # the mark after the last letter stays with it
    ('قتل ٣', (0, 6))
    """

    def __init__(self, config: NormalizerConfig | None = None):
        self.config = config or NormalizerConfig()
        c = self.config
        table: dict[str, str] = {}
        if c.unify_alef:
            table |= _ALEF
        if c.alef_maqsura_to_ya:
            table["\u0649"] = "\u064a"
        if c.ta_marbuta_to_ha:
            table["\u0629"] = "\u0647"
        if c.ascii_digits:
            table |= _DIGITS
        self._table = table
        drop: set[str] = set()
        if c.remove_tashkeel:
            drop |= _TASHKEEL
        if c.remove_tatweel:
            drop.add(_TATWEEL)
        if c.remove_invisible:
            drop |= _INVISIBLE
        self._drop = frozenset(drop)

    def _char(self, ch: str) -> str:
        if ch in self._drop:
            return ""
        return self._table.get(ch, ch)

    def normalize(self, text: str) -> Normalized:
        """Return the normalised text and its offset map."""
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for cs, ce in _clusters(text):
            cluster = text[cs:ce]
            if self.config.nfc and ce - cs > 1:
                cluster = unicodedata.normalize("NFC", cluster)
            produced = "".join(self._char(ch) for ch in cluster)
            if not produced:
                # A dropped tatweel or mark belongs to the letter before it, so a span ending on that
                # letter keeps its decoration; invisible controls belong to nothing and stay outside.
                if out and text[cs] not in _INVISIBLE and not text[cs - 1].isspace():
                    ends[-1] = ce
                continue
            if self.config.nfc and ce - cs == 1:
                produced = unicodedata.normalize("NFC", produced)
            for ch in produced:
                out.append(ch)
                starts.append(cs)
                ends.append(ce)
        return Normalized("".join(out), tuple(starts), tuple(ends))

    def __call__(self, text: str) -> str:
        return self.normalize(text).text
