"""The command line (``python -m jobs ingest|refresh|demo|template|catalog|report|digest|…``):
it parses arguments and prints answers in Vietnamese; the work itself is ``lakehouse.pipeline``,
which the dashboard calls too. The demo data (``demo.py``) and the weekly digest (``digest.py``)
live here because only the command line runs them."""
