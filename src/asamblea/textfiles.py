"""Reading the text files people bring: whatever their spreadsheet or council wrote.

Pure (no Django): the counting engine uses it too.

- Encoding: UTF-8 (with or without a byte order mark); failing that, Windows-1252,
  the code page Excel and many councils' systems on Windows save in (it holds
  Spanish, Quechua and Aymara letters: ñ, á, ü, ...). A file is never refused for
  its encoding: every byte means something in one of the two.
- CSV separator: a comma; a semicolon where the first row has semicolons and no
  comma (Excel in a Spanish locale saves "CSV" that way); a tab likewise.
"""

from __future__ import annotations


def decode(data: bytes) -> str:
    """The text of a file's bytes, per the rules above."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return data.decode("latin-1")


def csv_delimiter(text: str) -> str:
    """The separator of a CSV text, judged by its first row (comments and blanks skipped)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "," in stripped:
            return ","
        if ";" in stripped:
            return ";"
        if "\t" in stripped:
            return "\t"
        return ","
    return ","
