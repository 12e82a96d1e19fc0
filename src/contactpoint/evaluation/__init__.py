"""Linkage evaluation: ContactPoint's matcher and a Splink baseline on labelled datasets.

``contactpoint match evaluate DATASET`` and ``bench/linkage_eval.py`` run it: a dataset
(``datasets.py``: FEBRL, synthetic, messy, or any labelled file) is written as
``local``-format files with a truth file (``labelled.py``), loaded through the real
feed pipeline into a fresh database and scored (``service.py``, ``metrics.py``) beside
Splink on the same rows (``baseline.py``); ``report.py`` renders the result. See
docs/benchmarks.md.
"""
