"""Text normalisation shared by every reader: NFC, and a folded form for matching names."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces: ``"Mã  Đơn vị"`` → ``"ma don vi"``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


def column_letter(col: int) -> str:
    """1 → A, 27 → AA (spreadsheet column names for messages)."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_windows_1258(text: str) -> bytes:
    """Encode for old Vietnamese Windows: letters with a hat, breve or horn are single bytes
    there, tone marks are combining bytes; so split each letter into those two parts."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)
