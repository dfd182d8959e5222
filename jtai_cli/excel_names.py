"""Excel's names for things: column letters (A, Z, AA) and sheet names.

The one definition of each, for every module that reads or writes a workbook. Nothing here
imports pandas or a spreadsheet library, so the readers and the command line can use it freely.
"""

from __future__ import annotations

import re
from collections.abc import Collection

#: Excel's longest sheet name.
SHEET_NAME_MAX = 31
#: What Excel refuses in a sheet name: []*?/\: and control characters.
_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]*?/\\:\x00-\x1f\x7f]")


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA.

    A negative index gives "" (no column).
    """
    s, n = "", index + 1
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def column_index(letters: str) -> int:
    """The 0-based column index of Excel column letters, either case: A -> 0, AA -> 26.

    "" gives -1 (no column).
    """
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def safe_sheet_name(name: str, taken: Collection[str], *, fallback: str = "Sheet") -> str:
    """A sheet name Excel accepts, for a name that came from an input.

    No ``[]*?/\\:`` or control characters (each becomes '_'), at most 31 characters, no
    apostrophe at either end, never Excel's reserved ``History``, and not one of ``taken``
    (ignoring case, as Excel does): a clash gets " (2)", " (3)", ...
    """
    base = _BAD_SHEET_CHARACTERS.sub("_", name)[:SHEET_NAME_MAX].strip("'").strip() or fallback
    if base.lower() == "history":
        base = f"{base} (sheet)"
    lowered = {t.lower() for t in taken}
    title, n = base, 2
    while title.lower() in lowered:
        suffix = f" ({n})"
        title = base[: SHEET_NAME_MAX - len(suffix)].rstrip("'") + suffix
        n += 1
    return title
