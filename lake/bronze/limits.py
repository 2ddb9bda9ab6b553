"""Limits on what a received file may be, in one place (documented in the README).

A file over a limit is refused before it is inflated or parsed, with a message naming the
limit; its bytes are still kept in bronze for audit.
"""
MAX_FILE_BYTES = 25 * 1024 * 1024          # as received
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024  # all parts of an .xlsx/.ods together, once unzipped
MAX_COMPRESSION_RATIO = 150                 # any part larger than 5 MB unzipped; ordinary sheets stay under ~20
MAX_ZIP_ENTRIES = 2_000
MAX_SHEETS = 60
MAX_ROWS_PER_SHEET = 250_000
MAX_CELLS = 6_000_000                       # non-empty cells in the whole file
MAX_CSV_LINES = 500_000
