"""Load and scale benchmarks, run by ``make bench`` (``python -m bench``); not part of the tests.

See ``bench/runner.py`` for what a run does and ``bench/scenarios.py`` to measure another page.
"""
