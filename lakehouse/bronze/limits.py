"""Limits on what a received file may be, in one place (documented in the README).

A file over a limit is refused before it is inflated or parsed, with a message naming the
limit; its bytes are still kept in bronze for audit. The extents are checked from the file's
own structure (declared and real), for every format, because the spreadsheet reader lays a
sheet out as a dense rectangle: one cell far from the table costs as much as a full sheet.
"""
MAX_FILE_BYTES = 25 * 1024 * 1024          # as received
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024  # all parts of an .xlsx/.ods together, once unzipped
MAX_COMPRESSION_RATIO = 150                 # any part larger than 5 MB unzipped; ordinary sheets stay under ~20
MAX_ZIP_ENTRIES = 2_000
MAX_SHEETS = 60
MAX_ROWS_PER_SHEET = 250_000
MAX_COLUMNS = 2_000                         # a wide form (one Kế hoạch/Thực hiện/% trio per commune) stays far below
MAX_SHEET_AREA = 8_000_000                  # rows × columns from A1 to the farthest cell of one sheet
MAX_CELLS = 6_000_000                       # non-empty cells in the whole file
MAX_CSV_LINES = 500_000
MAX_CSV_FIELD_CHARS = 32_767                # Excel's own limit for one cell

# The isolated reader (lakehouse.bronze.reader): a worker process past either limit is ended.
READER_MEMORY_BYTES = 1024 * 1024 * 1024    # resident memory of the worker
READER_SECONDS = 60                         # one file, from bytes to cells
