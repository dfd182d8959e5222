"""OLE containers: an Excel 97-2003 workbook (.xls), or any workbook encrypted with a password."""

from __future__ import annotations

import struct
from pathlib import Path

from jtai_cli.errors import WorkbookEncrypted

_ENCRYPTED_NAMES = ("EncryptedPackage", "EncryptionInfo")


def _check_ole(p: Path, size: int) -> None:
    """Refuse an encrypted workbook: an OLE container holding an "EncryptedPackage" stream.

    The stream names sit in 128-byte directory entries (UTF-16 name, then its length in
    bytes), so the check reads the file in pieces and looks for the names there, in
    constant memory.
    """
    markers = [n.encode("utf-16-le") for n in _ENCRYPTED_NAMES]
    lengths = [struct.pack("<H", len(m) + 2) for m in markers]
    overlap = 256
    with p.open("rb") as fh:
        offset, prev = 0, b""
        while True:
            chunk = fh.read(4 * 1024**2)
            if not chunk:
                break
            buf = prev + chunk
            base = offset - len(prev)
            for marker, length in zip(markers, lengths, strict=True):
                i = buf.find(marker)
                while i >= 0:
                    if (base + i) % 128 == 0 and buf[i + 64:i + 66] == length:
                        raise WorkbookEncrypted(
                            "this workbook is password-protected: open it in Excel, save an "
                            "unprotected copy (File > Info > Protect Workbook > Encrypt with "
                            "Password, clear the password, save), and give jtai that copy",
                            file=p,
                        )
                    i = buf.find(marker, i + 1)
            offset += len(chunk)
            prev = buf[-overlap:]
