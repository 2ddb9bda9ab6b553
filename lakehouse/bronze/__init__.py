"""Bronze: what arrived, kept as it arrived — the file's bytes, its manifest row, its cells as text."""
