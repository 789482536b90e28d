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
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class UnicodeWhitespaceTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer that keeps Hangul (and other non-emoji symbols) as words."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.emoji_pattern = EMOJI
