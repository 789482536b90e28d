"""NLU pipeline components of the assistant (loaded by Rasa from the project root).

`UnicodeWhitespaceTokenizer` is Rasa's WhitespaceTokenizer with a correct emoji filter: Rasa
3.6's emoji regex contains the range U+24C2..U+1F251, which also covers every Hangul syllable
(U+AC00..U+D7A3), so the stock tokenizer deletes all Korean words and falls back to one token
per message (and warns about "misaligned" Korean entity annotations).
"""

from __future__ import annotations

from typing import Any

import regex
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

EMOJI = regex.compile(
    "["
    "\U0001f600-\U0001f64f"  # emoticons
    "\U0001f300-\U0001f5ff"  # symbols & pictographs
    "\U0001f680-\U0001f6ff"  # transport & map symbols
    "\U0001f1e0-\U0001f1ff"  # flags
    "\U0001f900-\U0001f9ff"  # supplemental symbols & pictographs
    "\U0001fa70-\U0001faff"  # symbols & pictographs extended-A
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats
    "\u200d\u200c\ufe0f"  # joiners, variation selector
    "]+"
)
HANGUL = regex.compile(r"[\p{Hangul}]")
PUNCTUATION_TAGS = frozenset({"SF", "SP", "SS", "SSO", "SSC", "SE", "SO"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class UnicodeWhitespaceTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer that keeps Hangul (and other non-emoji symbols) as words."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.emoji_pattern = EMOJI


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class KoreanMorphemeTokenizer(UnicodeWhitespaceTokenizer):
    """Whitespace tokens, with every word that contains Hangul split into its morphemes by Kiwi
    (kiwipiepy; its model ships in the kiwipiepy-model package, so it works offline).

    "환불언제들어와요" becomes 환불 · 언제 · 들어오 · 어요: spacing mistakes and verb endings no
    longer hide the content words. A token's text is the surface span, its lemma the morpheme
    (들어오), which CountVectorsFeaturizer uses. Latin words are left exactly as the whitespace
    tokenizer makes them, so English is not affected. Token spans stay inside their word, so
    entity annotations that end at whitespace stay aligned.
    """

    _kiwi: Any = None

    @classmethod
    def kiwi(cls) -> Any:
        if cls._kiwi is None:
            from kiwipiepy import Kiwi

            cls._kiwi = Kiwi()
        return cls._kiwi

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens: list[Token] = super().tokenize(message, attribute)
        if not any(HANGUL.search(t.text) for t in tokens):
            return tokens
        result: list[Token] = []
        for token in tokens:
            if not HANGUL.search(token.text):
                result.append(token)
                continue
            result += self._morphemes(token)
        return result

    def _morphemes(self, word: Token) -> list[Token]:
        start, end = word.start, word.end
        pieces: list[Token] = []
        for morph in self.kiwi().tokenize(word.text):
            if morph.tag in PUNCTUATION_TAGS:
                continue
            a = min(max(start + morph.start, start), end)
            b = min(max(a + morph.len, a), end)
            surface = word.text[a - start : b - start] or morph.form
            pieces.append(Token(surface, a, b, lemma=morph.form))
        if not pieces:
            return [word]
        # the word's first and last piece touch its edges (entity alignment)
        pieces[0].start, pieces[-1].end = start, end
        return pieces
