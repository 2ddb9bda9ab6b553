"""Reference data: the catalog files under ``catalog/``, validated, and their lake tables."""
