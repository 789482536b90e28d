"""The training-data and tokenizer tests need Rasa (.venv-rasa)."""

from __future__ import annotations

from tests.support.environments import require_assistant

require_assistant("rasa")
