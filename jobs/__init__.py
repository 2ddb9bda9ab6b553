"""Jobs that move data through the lake: ``python -m jobs ingest|refresh|demo|template``."""
