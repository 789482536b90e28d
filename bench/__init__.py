"""Benchmarks and evaluations: NLU evaluation, conversation simulator, load and latency.

`python -m bench` starts the whole stack on free ports and runs all three; each part also runs
on its own (`python -m bench.nlu_eval`, `python -m bench.simulate`, `python -m bench.load`).
See docs/benchmarks.md.
"""
