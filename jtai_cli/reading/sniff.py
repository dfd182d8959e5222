"""What a file really is, from its first bytes: its name does not say.

A zip (.xlsx, .xlsm, .ods), an OLE container (.xls, or an encrypted workbook), a web page or PDF
saved as .xls, Parquet, plain text (CSV) or something else.
"""

from __future__ import annotations

from pathlib import Path

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_SPREADSHEET_2003 = b"urn:schemas-microsoft-com:office:spreadsheet"


def sniff_kind(path: Path, head: bytes) -> str:
    """Say what a file really is from its first bytes.

    Returns:
        One of ``zip`` (xlsx, xlsm, ods), ``ole`` (xls, or an encrypted workbook), ``html``,
        ``xml2003`` (Excel 2003 XML), ``xml`` (other XML), ``pdf``, ``parquet``, ``text``
        (CSV) or ``unknown``.
    """
    if head.startswith((_ZIP, _EMPTY_ZIP)):
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") and _SPREADSHEET_2003 in head:
        return "xml2003"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
            text.startswith(b"<?xml") and b"<html" in text):
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    if not _looks_like_text(head):
        return "unknown"
    return "text"


def _looks_like_text(head: bytes) -> bool:
    """True when the first bytes read as text: few control characters, few undefined ones."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte-order mark (Excel's "Unicode text")
    if b"\x00" in head:
        return _wide_text(head) is not None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            text = head[: exc.start].decode("utf-8", errors="replace")
        else:
            text = head.decode("cp1252", errors="replace")
    if not text:
        return True
    odd = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or ch in "\x7f\ufffd")
    return odd <= max(1, len(text) // 200)


def _wide_text(head: bytes) -> str | None:
    """'utf-16-le'/'-be' or 'utf-32-le'/'-be' for text of that kind without a byte-order mark.

    Told by where the zero bytes fall: ASCII text in UTF-16 has a zero in every other byte,
    in UTF-32 three in every four.
    """
    sample = head[: len(head) // 4 * 4]
    if len(sample) < 8:
        return None
    zeros = [sum(1 for b in sample[i::4] if b == 0) / (len(sample) // 4) for i in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.5:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.5:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.7 and even < 0.3:
        return "utf-16-le"
    if even > 0.7 and odd < 0.3:
        return "utf-16-be"
    return None
