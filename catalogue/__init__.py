"""One vocabulary and one text catalogue, shared by the actions (Python 3.10, Rasa) and the
handoff service (Python 3.11): standard library and PyYAML only.

- `catalogue.vocabulary`: intents, tasks, informational answers (checked against domain.yml).
- `catalogue.texts`: everything a customer or agent reads, per language (`catalogue/texts/*.yml`).
- `catalogue.domain`: writes the `responses:` of domain.yml from `texts/responses.yml`.
"""
