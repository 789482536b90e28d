"""The NLU tokenizers in components/tokenizers.py (Rasa environment)."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa")
pytest.importorskip("kiwipiepy")

from rasa.shared.nlu.training_data.message import Message

from components.tokenizers import (
    KoreanMorphemeTokenizer,
    UnicodeWhitespaceTokenizer,
)


def tokens(tokenizer_class: type, text: str) -> list[tuple[str, str, int, int]]:
    tokenizer = tokenizer_class(tokenizer_class.get_default_config())
    return [
        (t.text, t.lemma, t.start, t.end)
        for t in tokenizer.tokenize(Message.build(text=text), "text")
    ]


def test_whitespace_tokenizer_keeps_hangul_words() -> None:
    assert [t[0] for t in tokens(UnicodeWhitespaceTokenizer, "환불 언제 돼요 😀")] == [
        "환불",
        "언제",
        "돼요",
    ]


def test_morphemes_of_korean_words_and_english_untouched() -> None:
    english = "where is my order EF-100001?"
    assert tokens(KoreanMorphemeTokenizer, english) == tokens(UnicodeWhitespaceTokenizer, english)
    lemmas = [t[1] for t in tokens(KoreanMorphemeTokenizer, "환불언제들어와요")]
    assert lemmas[:3] == ["환불", "언제", "들어오"]  # no spacing, conjugated verb → its stem
    mixed = tokens(KoreanMorphemeTokenizer, "주문 EF-100001 배송조회")
    assert [t[0] for t in mixed] == ["주문", "EF-100001", "배송", "조회"]


def test_token_spans_stay_inside_their_words() -> None:
    text = "[후드티] 말이에요 세금계산서 발행 가능한가요?"
    words = tokens(UnicodeWhitespaceTokenizer, text)
    morphs = tokens(KoreanMorphemeTokenizer, text)
    for _, _, start, end in words:  # every word starts and ends on a token boundary
        assert any(m[2] == start for m in morphs) and any(m[3] == end for m in morphs)
    for _, _, start, end in morphs:
        assert any(w[2] <= start < end <= w[3] for w in words)
