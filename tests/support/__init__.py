"""Helpers shared by the test folders (importable as `tests.support.*`; no test module imports
another test module or a conftest). Keep this file empty: each helper module imports only what
its own environment (.venv or .venv-rasa) has."""
