"""Casualty counts from Arabic count expressions: digits, number words, duals and singular nouns.

``parse_count("43 قتيلا") == 43``; ``parse_count("ثلاثة عناصر") == 3``; ``parse_count("طفلان") == 2``;
``parse_count("عنصر") == 1`` (a bare singular victim noun counts one, per the annotation guidelines);
``None`` when the text holds no count (``"عشرات المدنيين"`` is vague, so ``None``).
"""

from __future__ import annotations

import re

from hadath.data.normalize import Normalizer, NormalizerConfig

_NORM = Normalizer(NormalizerConfig(unify_alef=True, alef_maqsura_to_ya=True, ta_marbuta_to_ha=True, ascii_digits=True))

# Keys are normalised (alef unified, ta marbuta → ha, alef maqsura → ya).
_UNITS = {
    "صفر": 0,
    "واحد": 1,
    "واحده": 1,
    "احد": 1,
    "احدي": 1,
    "اثنان": 2,
    "اثنين": 2,
    "اثنتان": 2,
    "اثنتين": 2,
    "ثلاثه": 3,
    "ثلاث": 3,
    "اربعه": 4,
    "اربع": 4,
    "خمسه": 5,
    "خمس": 5,
    "سته": 6,
    "ست": 6,
    "سبعه": 7,
    "سبع": 7,
    "ثمانيه": 8,
    "ثماني": 8,
    "ثمان": 8,
    "تسعه": 9,
    "تسع": 9,
    "عشره": 10,
    "عشر": 10,
}
_TEENS_UNIT = {"احد": 1, "احدي": 1, "اثنا": 2, "اثني": 2, "اثنتا": 2, "اثنتي": 2} | {
    k: v for k, v in _UNITS.items() if 3 <= v <= 9
}
_TENS = {
    "عشرون": 20,
    "عشرين": 20,
    "ثلاثون": 30,
    "ثلاثين": 30,
    "اربعون": 40,
    "اربعين": 40,
    "خمسون": 50,
    "خمسين": 50,
    "ستون": 60,
    "ستين": 60,
    "سبعون": 70,
    "سبعين": 70,
    "ثمانون": 80,
    "ثمانين": 80,
    "تسعون": 90,
    "تسعين": 90,
}
_HUNDREDS = {
    "مئه": 100,
    "مائه": 100,
    "مئتان": 200,
    "مئتين": 200,
    "مائتان": 200,
    "مائتين": 200,
    "ثلاثمئه": 300,
    "ثلاثمائه": 300,
    "اربعمئه": 400,
    "اربعمائه": 400,
    "خمسمئه": 500,
    "خمسمائه": 500,
    "ستمئه": 600,
    "ستمائه": 600,
    "سبعمئه": 700,
    "سبعمائه": 700,
    "ثمانمئه": 800,
    "ثمانمائه": 800,
    "تسعمئه": 900,
    "تسعمائه": 900,
}
_THOUSANDS = {"الف": 1000, "الفا": 1000, "الفان": 2000, "الفين": 2000, "الاف": 1000, "آلاف": 1000}
# Singular and dual victim nouns (normalised). Duals end in ان/ين on these stems.
_NOUNS = (
    "قتيل",
    "جريح",
    "مدني",
    "طفل",
    "طفله",
    "عنصر",
    "جندي",
    "مقاتل",
    "شخص",
    "امراه",
    "رجل",
    "مسلح",
    "شرطي",
    "مصاب",
    "ضحيه",
    "شاب",
    "فتاه",
    "صبي",
    "مواطن",
    "مسعف",
    "صحفي",
    "عسكري",
    "ضابط",
    "حارس",
    "مزارع",
    "راع",
    "طالب",
    "عامل",
    "سائق",
    "متظاهر",
    "لاجئ",
    "نازح",
    "معتقل",
    "سجين",
    "فرد",
    "مجند",
    "طبيب",
    "ممرض",
    "موظف",
    "مهاجم",
    "انتحاري",
    "قيادي",
    "شرطيه",
    "سيده",
    "مسن",
    "رضيع",
    "نساء",
)
_VAGUE = ("عشرات", "مئات", "الاف", "العشرات", "المئات", "الالاف", "عدد", "عده", "بضعه", "بضع", "كثير")
_DIGITS = re.compile(r"\d+(?:[.,]\d{3})*")


def _strip_clitics(word: str) -> str:
    for prefix in ("و", "ب", "ل", "ف"):
        if word.startswith(prefix) and len(word) > 3 and word[1:] in _ALL_WORDS:
            return word[1:]
    return word


_ALL_WORDS = set(_UNITS) | set(_TENS) | set(_HUNDREDS) | set(_THOUSANDS) | {"و"}


def _dual(word: str) -> bool:
    for suffix in ("ان", "ين", "تان", "تين"):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if stem in _NOUNS or stem + "ه" in _NOUNS or (suffix in ("تان", "تين") and stem + "ه" in _NOUNS):
                return True
    return False


def parse_count(text: str) -> int | None:
    """Integer count of a KILLED/INJURED expression, or None when it has none or it is vague.

    >>> parse_count("١٥ جريحا"), parse_count("خمسة وعشرون مدنيا"), parse_count("جنديين")
    (15, 25, 2)
    """
    norm = _NORM(text)
    m = _DIGITS.search(norm)
    if m:
        return int(re.sub(r"[.,]", "", m.group()))
    words = [_strip_clitics(w) for w in re.findall(r"[\u0621-\u064a]+", norm)]
    if any(w in _VAGUE for w in words[:1]):
        return None
    total = 0
    current = 0
    found = False
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in _TEENS_UNIT and nxt in ("عشر", "عشره"):
            current += 10 + _TEENS_UNIT[w]
            found = True
            i += 2
            continue
        if w.startswith("و") and w[1:] in _TENS:
            w = w[1:]
        if w in _UNITS:
            current += _UNITS[w]
            found = True
        elif w in _TENS:
            current += _TENS[w]
            found = True
        elif w in _HUNDREDS:
            current = (current or 1) * 100 if w in ("مئه", "مائه") and current else current + _HUNDREDS[w]
            found = True
        elif w in _THOUSANDS:
            total += (current or 1) * 1000 * (2 if w in ("الفان", "الفين") else 1)
            current = 0
            found = True
        elif found:
            break
        i += 1
    if found:
        return total + current
    if words and _dual(words[0]):
        return 2
    if words and words[0] in _NOUNS:
        return 1
    return None
