#!/usr/bin/env python
"""Write the corpus of hostile and broken input files in ``tests/hostile/``.

Every file here is small (a few KB) and synthetic. Each stands for something that really
arrives, or could be sent to break the tool; ``tests/test_hostile.py`` runs every command a
new user would on each one and checks the message and the exit code. Re-run after changing
this script (the encrypted workbook needs ``pip install msoffcrypto-tool``; the others need
only the standard library and openpyxl)::

    python tests/hostile/make_corpus.py

The fast raw-XML writer (``raw_xlsx``) is also what the tests use to build workbooks no
library would write: a 1,048,576-row sheet in a few seconds, formulas with cached values,
cells without references, hidden sheets.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

#: A valid List 6 (children in need) header row and two valid rows, as at 23/11/2026.
L6 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
      "CIN Closure Date", "Reason for Closure", "Allocated Team", "Allocated Worker", "CSA-FE"]
L6_ROWS = [
    ["C1001", "a) Male", "a) WBRI", dt.date(2015, 4, 3), 11, "b) No", dt.date(2026, 9, 1),
     "N1 - Abuse or neglect", None, None, "North Team", "Ann Example", "N"],
    ["C1002", "b) Female", "a) WBRI", dt.date(2012, 1, 30), 14, "b) No", dt.date(2026, 8, 3),
     "N1 - Abuse or neglect", None, None, "South Team", "Bob Example", "Y"],
]

# --------------------------------------------------------------------------- raw xlsx writer

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_MAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# Style 1 shows a number as a date (dd/mm/yyyy), so cached dates read back as dates.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<styleSheet xmlns="{_NS}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="dd/mm/yyyy"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders '
    'count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs '
    'count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
    '</styleSheet>'
)
_EPOCH = dt.date(1899, 12, 30)


class Formula:
    """A formula cell: ``text`` is the formula, ``cached`` the value Excel last calculated."""

    def __init__(self, text: str, cached: object):
        self.text, self.cached = text, cached


def col_name(index: int) -> str:
    """Excel column letters for a 0-based index."""
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_xml(ref: str, value: object) -> str:
    """One ``<c>`` element: text inline, numbers, dates (style 1), booleans, formulas."""
    formula = ""
    if isinstance(value, Formula):
        formula = f"<f>{escape(value.text)}</f>"
        value = value.cached
    if value is None:
        return f'<c r="{ref}">{formula}</c>' if formula else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b">{formula}<v>{int(value)}</v></c>'
    if isinstance(value, dt.date):
        serial = (value - _EPOCH).days
        return f'<c r="{ref}" s="1">{formula}<v>{serial}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}">{formula}<v>{value}</v></c>'
    text = escape(str(value))
    if formula:
        return f'<c r="{ref}" t="str">{formula}<v>{text}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def rows_xml(rows: Iterable[Sequence[object]], *, start: int = 1) -> Iterator[str]:
    """The ``<row>`` elements for rows of values, the first being Excel row ``start``."""
    for r, values in enumerate(rows, start=start):
        cells = "".join(cell_xml(f"{col_name(j)}{r}", v) for j, v in enumerate(values))
        yield f'<row r="{r}">{cells}</row>'


def sheet_xml(body: Iterable[str], *, merged: Sequence[str] = (), head: str = "") -> Iterator[str]:
    """A worksheet part around ``body`` (row elements), in pieces."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n{head}'
    yield f'<worksheet xmlns="{_NS}" xmlns:r="{_REL}"><sheetData>'
    yield from body
    yield "</sheetData>"
    if merged:
        yield f'<mergeCells count="{len(merged)}">'
        yield "".join(f'<mergeCell ref="{m}"/>' for m in merged)
        yield "</mergeCells>"
    yield "</worksheet>"


def raw_xlsx(
    path: Path,
    sheets: Sequence[tuple[str, Iterable[str]]],
    *,
    hidden: Sequence[str] = (),
    macro: bytes | None = None,
    level: int = 6,
    zip64: bool = False,
) -> Path:
    """Write an .xlsx (or, with ``macro``, an .xlsm) whose sheets are the given XML pieces.

    Each sheet's XML is streamed into the zip, so a million-row sheet never sits in memory
    (``zip64`` for a sheet over 2 GB of XML).
    """
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{_SHEET_CT}"/>'
        for i in range(n))
    main_ct = _MACRO_CT if macro is not None else _MAIN_CT
    vba_ct = ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
              if macro is not None else "")
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{_CT}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'{vba_ct}<Override PartName="/xl/workbook.xml" ContentType="{main_ct}"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>'
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'
    )
    sheet_els = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"'
        + (' state="hidden"' if name in hidden else "") + "/>"
        for i, (name, _) in enumerate(sheets))
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_NS}" '
        f'xmlns:r="{_REL}"><sheets>{sheet_els}</sheets></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" '
        f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(n))
    rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    if macro is not None:
        rels += (f'<Relationship Id="rId{n + 2}" Type="http://schemas.microsoft.com/office/'
                 '2006/relationships/vbaProject" Target="vbaProject.bin"/>')
    wb_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               f'<Relationships xmlns="{_PKG}">{rels}</Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        z.writestr("xl/styles.xml", _STYLES)
        if macro is not None:
            z.writestr("xl/vbaProject.bin", macro)
        for i, (_name, pieces) in enumerate(sheets):
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=zip64) as out:
                buf: list[str] = []
                size = 0
                for piece in pieces:
                    buf.append(piece)
                    size += len(piece)
                    if size > 1 << 20:
                        out.write("".join(buf).encode("utf-8"))
                        buf, size = [], 0
                out.write("".join(buf).encode("utf-8"))
    return path


def simple_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]], **kw: object) -> Path:
    """``raw_xlsx`` for small sheets given as rows of values."""
    return raw_xlsx(path, [(name, sheet_xml(rows_xml(rows))) for name, rows in sheets.items()],
                    **kw)  # type: ignore[arg-type]


def csv_text(rows: Sequence[Sequence[object]]) -> str:
    """The rows as CSV text, dates written day first."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow(["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, dt.date)
                    else v for v in row])
    return buf.getvalue()


# --------------------------------------------------------------------------- zip surgery


def _patch_sizes(data: bytes, name: str, *, compress_size: int | None = None,
                 file_size: int | None = None) -> bytes:
    """Rewrite the sizes a zip declares for one part, in its local and central headers."""
    buf = bytearray(data)
    raw = name.encode()
    # Local header: signature, then sizes at offsets 18 (compressed) and 22 (uncompressed).
    i = buf.find(b"PK\x03\x04" + bytes(0))
    while i >= 0:
        n = struct.unpack_from("<H", buf, i + 26)[0]
        if bytes(buf[i + 30:i + 30 + n]) == raw:
            if compress_size is not None:
                struct.pack_into("<I", buf, i + 18, compress_size)
            if file_size is not None:
                struct.pack_into("<I", buf, i + 22, file_size)
        i = buf.find(b"PK\x03\x04", i + 4)
    # Central header: sizes at offsets 20 and 24, name at 46.
    i = buf.find(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", buf, i + 28)[0]
        if bytes(buf[i + 46:i + 46 + n]) == raw:
            if compress_size is not None:
                struct.pack_into("<I", buf, i + 20, compress_size)
            if file_size is not None:
                struct.pack_into("<I", buf, i + 24, file_size)
        i = buf.find(b"PK\x01\x02", i + 4)
    return bytes(buf)


def _small_l6(path: Path, **kw: object) -> Path:
    return simple_xlsx(path, {"List_6": [L6, *L6_ROWS]}, **kw)


# --------------------------------------------------------------------------- the corpus


def make_random(out: Path) -> None:
    """random.xlsx: 4 KB of random bytes with a workbook's name."""
    rng = random.Random(20261123)
    (out / "random.xlsx").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))


def make_truncated(out: Path) -> None:
    """truncated.xlsx: a real workbook cut off part way, as a failed download leaves it."""
    tmp = _small_l6(out / "truncated.xlsx")
    data = tmp.read_bytes()
    tmp.write_bytes(data[: len(data) * 2 // 3])


def make_encrypted(out: Path) -> None:
    """encrypted.xlsx: a real password-protected workbook (password 'jtai'), made by
    msoffcrypto-tool: an OLE container with an EncryptedPackage stream."""
    import msoffcrypto.format.ooxml as ooxml

    plain = _small_l6(out / "encrypted.plain.xlsx")
    try:
        with plain.open("rb") as src, (out / "encrypted.xlsx").open("wb") as dst:
            ooxml.OOXMLFile(src).encrypt("jtai", dst)
    finally:
        plain.unlink()
    # truncated_ole.xls: the same container cut off inside its first sector; it makes the
    # reader library panic (a Rust panic, reported on stderr with a stack trace).
    (out / "truncated_ole.xls").write_bytes((out / "encrypted.xlsx").read_bytes()[:879])


def make_renamed(out: Path) -> None:
    """Files whose name says .xlsx/.xls but which are something else."""
    (out / "csv_renamed.xlsx").write_text(csv_text([L6, *L6_ROWS]), encoding="utf-8")
    head = "".join(f"<th>{escape(h)}</th>" for h in L6)
    (out / "html_renamed.xls").write_text(
        "<html><head><meta charset='utf-8'><title>Children in need</title></head><body>"
        f"<table><tr>{head}</tr><tr><td>C1001</td><td>a) Male</td></tr></table></body></html>",
        encoding="utf-8")
    (out / "xml2003.xls").write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="List 6">'
        '<Table><Row><Cell><Data ss:Type="String">Child Unique ID</Data></Cell></Row></Table>'
        '</Worksheet></Workbook>\n', encoding="utf-8")
    (out / "pdf_renamed.xlsx").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    with zipfile.ZipFile(out / "docx_renamed.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    with zipfile.ZipFile(out / "zip_of_csv.xlsx", "w") as z:
        z.writestr("lists.csv", csv_text([L6, *L6_ROWS]))
    (out / "empty.xlsx").write_bytes(b"")


def make_no_lists(out: Path) -> None:
    """no_lists.xlsx: a tidy workbook that holds no JTAI list (a budget, say)."""
    simple_xlsx(out / "no_lists.xlsx", {
        "Budget": [["Cost centre", "Description", "Amount"], ["CC01", "Training", 1200]],
        "Notes": [["Prepared for the finance meeting"]],
    })


def make_macro(out: Path) -> None:
    """macro.xlsm: a valid List 6 in a macro-enabled workbook with a VBA project part.

    The part is a stub: jtai never reads it, let alone runs it. One cell holds text that
    looks like a formula injection; it is data and stays data.
    """
    rows = [L6, *L6_ROWS]
    rows[2] = list(rows[2])
    rows[2][11] = "=cmd|' /C calc'!A0"
    _small = simple_xlsx(out / "macro.xlsm", {"List_6": rows},
                         macro=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = "
                         b"\"ThisWorkbook\"\r\nSub Workbook_Open()\r\nShell \"calc.exe\"\r\n"
                         b"End Sub\r\n")
    del _small


def make_bombs(out: Path) -> None:
    """Zip bombs: a few KB each, refused before the sheet is read.

    - bomb_declared.xlsx: the zip directory says the sheet expands to 4,000,000,000 bytes.
    - bomb_lying.xlsx: the directory says 2,000 bytes; the sheet really expands to 20 MB
      (the real thing would go on to gigabytes; 20 MB keeps the file small).
    - bomb_overlap.xlsx: two parts share the same compressed bytes (the trick that lets a
      42 KB zip expand to petabytes).
    """
    base = _small_l6(out / "bomb_declared.xlsx").read_bytes()
    (out / "bomb_declared.xlsx").write_bytes(
        _patch_sizes(base, "xl/worksheets/sheet1.xml", file_size=4_000_000_000))

    filler = '<row r="{r}"><c r="A{r}"><v>0</v></c></row>'
    body = "".join(filler.format(r=r) for r in range(3, 4))
    pad = "<!--" + " " * (20 * 1024**2) + "-->"
    raw_xlsx(out / "bomb_lying.xlsx",
             [("List_6", sheet_xml([*rows_xml([L6, *L6_ROWS]), body, pad]))], level=9)
    data = (out / "bomb_lying.xlsx").read_bytes()
    (out / "bomb_lying.xlsx").write_bytes(
        _patch_sizes(data, "xl/worksheets/sheet1.xml", file_size=2_000))

    path = _small_l6(out / "bomb_overlap.xlsx")
    with zipfile.ZipFile(path) as z:
        infos = {i.filename: i for i in z.infolist()}
    sheet = infos["xl/worksheets/sheet1.xml"]
    styles = infos["xl/styles.xml"]
    # Stretch the styles part's compressed size over the sheet that follows it.
    if styles.header_offset < sheet.header_offset:
        first, second = styles, sheet
    else:
        first, second = sheet, styles
    stretch = second.header_offset + 30 + len(second.filename) + second.compress_size \
        - first.header_offset - 30 - len(first.filename)
    (out / "bomb_overlap.xlsx").write_bytes(
        _patch_sizes(path.read_bytes(), first.filename, compress_size=stretch))


def make_far_cell(out: Path) -> None:
    """far_cell.xlsx: a List 6 with one stray value in cell XFD1048576.

    Excel opens it; a reader that allocates the used area would need 17 billion cells (it
    aborts the whole process, no exception). jtai refuses it and names the cell.
    """
    stray = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    raw_xlsx(out / "far_cell.xlsx",
             [("List_6", sheet_xml([*rows_xml([L6, *L6_ROWS]), stray]))])


def make_far_within(out: Path) -> None:
    """Stray cells within the cell limit (issue 27), each a 2 KB file that once cost 1.4 GB.

    - far_cell_af.xlsx: a List 6 and one stray value in AF1048576 (a grid of 1,048,576 rows by
      32 columns, exactly the limit): read at the cost of its cells, not of that grid.
    - far_cell_dimension.xlsx: the same, its ``<dimension>`` claiming A1:XFD1048576.
    - far_cell_in_list.xlsx: a stray value in M1048576, under a List 6 header (CSA-FE): a
      row of the list, whose other cells are missing.
    """
    for name, ref, head in (("far_cell_af.xlsx", "AF1048576", ""),
                            ("far_cell_dimension.xlsx", "AF1048576",
                             '<dimension ref="A1:XFD1048576"/>'),
                            ("far_cell_in_list.xlsx", "M1048576", "")):
        stray = f'<row r="1048576"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
        body = [*rows_xml([L6, *L6_ROWS]), stray]
        pieces = list(sheet_xml(body))
        if head:  # the dimension goes before the cells, as Excel writes it
            pieces[1] = pieces[1].replace("<sheetData>", head + "<sheetData>")
        raw_xlsx(out / name, [("List_6", pieces)])


def make_entities(out: Path) -> None:
    """Entity attacks in a sheet: billion laughs, and an external entity (XXE)."""
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    dtd = f"<!DOCTYPE worksheet [{''.join(lol)}]>"
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    raw_xlsx(out / "billion_laughs.xlsx", [("List_6", sheet_xml([cell], head=dtd))])
    xxe = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    raw_xlsx(out / "xxe.xlsx", [("List_6", sheet_xml([cell], head=xxe))])


def make_formulas(out: Path) -> None:
    """formulas.xlsx: a List 6 whose age and CSA-FE cells are formulas with cached values.

    The age formula's cached value (11) is what jtai must use; it never calculates. The
    last formula would give 2 if calculated, but its cached value is 11: jtai reads 11.
    """
    rows: list[list[object]] = [L6, list(L6_ROWS[0]), list(L6_ROWS[1])]
    rows[1][4] = Formula('DATEDIF(D2,DATE(2026,11,23),"y")', 11)
    rows[1][12] = Formula('IF(TRUE,"N","Y")', "N")
    rows[2][4] = Formula("1+1", 14)
    simple_xlsx(out / "formulas.xlsx", {"List_6": rows})


def make_merged_hidden(out: Path) -> None:
    """merged_hidden.xlsx: a title merged across the top, a team name merged over two rows,
    and List 6 on a hidden sheet beside a visible notes sheet."""
    rows: list[list[object]] = [["List 6: Children in need (data as at 23/11/2026)"], L6,
                                list(L6_ROWS[0]), list(L6_ROWS[1])]
    rows[3][10] = None  # merged with the cell above: Excel keeps the value in K3 only
    raw_xlsx(out / "merged_hidden.xlsx", [
        ("Notes", sheet_xml(rows_xml([["Read me"], ["The lists are on the other sheets"]]))),
        ("List_6", sheet_xml(rows_xml(rows), merged=["A1:M1", "K3:K4"])),
    ], hidden=["List_6"])


def make_csvs(out: Path) -> None:
    """Windows-1252 CSV with £ and curly quotes, and UTF-8 CSV with a byte-order mark."""
    rows = [L6, list(L6_ROWS[0]), list(L6_ROWS[1])]
    rows[1][11] = "Siobhán O’Neill"
    rows[2][10] = "“Family Support” £ Team"
    (out / "cp1252.csv").write_bytes(csv_text(rows).encode("cp1252"))
    (out / "bom.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))


# --------------------------------------------------------------------------- issue 13 cases


def _rezip(src: Path, dest: Path, *, rename: dict[str, str] | None = None,
           replace: dict[str, tuple[bytes, bytes]] | None = None,
           add: dict[str, bytes] | None = None, level: int = 9) -> Path:
    """Copy a zip, renaming parts, replacing bytes in parts and adding parts."""
    rename, replace, add = rename or {}, replace or {}, add or {}
    with zipfile.ZipFile(src) as zin:
        parts = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in parts:
            if name in replace:
                data = data.replace(*replace[name])
            z.writestr(rename.get(name, name), data)
        for name, data in add.items():
            z.writestr(name, data)
    return dest


def _stray_l6(path: Path) -> Path:
    stray = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return raw_xlsx(path, [("List_6", sheet_xml([*rows_xml([L6, *L6_ROWS]), stray]))])


def make_case_target(out: Path) -> None:
    """case_target.xlsx: the far cell again, its sheet named in another case in the
    relationships (``Worksheets/Sheet1.xml``): the reader matches part names ignoring case,
    and so must the scan (it once skipped the sheet, and the reader aborted the process).
    case_twins.xlsx: two parts whose names differ only in case."""
    base = _stray_l6(out / "case_target.xlsx")
    tmp = out / "case_target.tmp"
    base.rename(tmp)
    _rezip(tmp, out / "case_target.xlsx", replace={
        "xl/_rels/workbook.xml.rels": (b'Target="worksheets/sheet1.xml"',
                                       b'Target="Worksheets/Sheet1.xml"')})
    _rezip(tmp, out / "case_twins.xlsx", add={"xl/Worksheets/Sheet1.xml": b"<worksheet/>"})
    tmp.unlink()


def make_counts(out: Path) -> None:
    """Cells, text and repeats that a used area does not bound.

    - rich_text_cell.xlsx: one shared string of 3 MB of rich-text runs (Excel's limit is
      32,767 characters; the real attack was 500 MB and 8.9 GB of memory).
    - big_shared_strings.xlsx: a 40 MB shared-strings table that compresses 1,000 times.
    - same_row.xlsx: a List 6 whose 3rd row is written 200,000 times (cells all claiming row
      3): readable, and counted, not taken for a small sheet.
    - rows_descending.xlsx: cells without references, in rows that go backwards.
    - ods_repeat.ods: 1 KB repeating one value over 32 x 1,048,576 cells.
    - many_sheets.xlsx: 600 sheets (all on one part, so the file stays small).
    """
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<sst xmlns="{_NS}" count="1" uniqueCount="1"><si>'
           + "<r><t>a</t></r>" * (3 * 1024**2 // 15) + "</si></sst>")
    cell = '<row r="3"><c r="A3" t="s"><v>0</v></c></row>'
    _with_sst(out / "rich_text_cell.xlsx", sst, cell)
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<sst xmlns="{_NS}">' + "<si><t>a</t></si>" * (40 * 1024**2 // 18) + "</sst>")
    _with_sst(out / "big_shared_strings.xlsx", sst, cell)

    row3 = "".join(cell_xml(f"{col_name(j)}3", v) for j, v in enumerate(L6_ROWS[0]))
    same = '<c r="A3" t="inlineStr"><is><t>C1001</t></is></c>' * 200_000
    raw_xlsx(out / "same_row.xlsx", [("List_6", sheet_xml(
        [*rows_xml([["List 6"], L6]), '<row r="3">', same, row3, "</row>"]))], level=9)
    body = ['<row r="5"><c t="inlineStr"><is><t>x</t></is></c></row>',
            '<row r="4"><c t="inlineStr"><is><t>y</t></is></c></row>']
    raw_xlsx(out / "rows_descending.xlsx", [("List_6", sheet_xml([*rows_xml([L6]), *body]))])

    t = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    o = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    x = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{o}" '
        f'xmlns:table="{t}" xmlns:text="{x}"><office:body><office:spreadsheet>'
        '<table:table table:name="List_6"><table:table-row '
        'table:number-rows-repeated="1048576"><table:table-cell '
        'table:number-columns-repeated="32" office:value-type="string"><text:p>C1001</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
        "</office:body></office:document-content>")
    with zipfile.ZipFile(out / "ods_repeat.ods", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)

    n = 600
    base = _small_l6(out / "many_sheets.xlsx")
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId1"/>' for i in range(1, n + 1))
    tmp = out / "many_sheets.tmp"
    base.rename(tmp)
    _rezip(tmp, base, replace={"xl/workbook.xml": (
        b'<sheet name="List_6" sheetId="1" r:id="rId1"/>', sheets.encode())})
    tmp.unlink()


def _with_sst(path: Path, sst: str, body: str) -> None:
    """A one-sheet workbook with a shared-strings part."""
    raw_xlsx(path, [("List_6", sheet_xml([body]))], level=9)
    tmp = path.with_suffix(".tmp")
    path.rename(tmp)
    rel = (f'<Relationship Id="rIdS" Type="{_REL}/sharedStrings" '
           'Target="sharedStrings.xml"/></Relationships>')
    _rezip(tmp, path, replace={"xl/_rels/workbook.xml.rels": (b"</Relationships>",
                                                              rel.encode())},
           add={"xl/sharedStrings.xml": sst.encode()})
    tmp.unlink()


def make_cpu_traps(out: Path) -> None:
    """XML that once made the scan quadratic (each now linear, and readable).

    - formula_after_tags.xlsx: 4 MB of ``<cx/>`` tags, then formula cells (each formula
      walked back over all of them: 8 KB took 180 s).
    - error_cells.xlsx: error cells (t="e") with long gaps before their values, and tags
      with many attributes (the error-cell pattern rescanned 2,000 characters per cell).
    """
    rows: list[str] = list(rows_xml([L6, *L6_ROWS]))
    rows.insert(1, "<cx/>" * (4 * 1024**2 // 5))
    formulas = "".join(f'<row r="{r}"><c r="E{r}"><f>1+1</f><v>2</v></c></row>'
                       for r in range(4, 1004))
    raw_xlsx(out / "formula_after_tags.xlsx", [("List_6", sheet_xml([*rows, formulas]))],
             level=9)
    errors = "".join(
        f'<row r="{r}"><c r="A{r}" t="e"><f>' + "1+" * 900 + "1</f><v>#N/A</v></c>"
        + f'<c r="B{r}" t="e" ' + "".join(f'a{i}="1" ' for i in range(300))
        + "><v>#REF!</v></c></row>"
        for r in range(4, 3004))
    raw_xlsx(out / "error_cells.xlsx",
             [("List_6", sheet_xml([*rows_xml([L6, *L6_ROWS]), errors]))], level=9)


def make_encodings(out: Path) -> None:
    """CSV text in encodings that once went wrong silently.

    - mixed_encoding.csv: UTF-8, but one line saved in Windows-1252 (one byte, 0xE1).
    - utf16_nobom.csv: UTF-16 little-endian without a byte-order mark.
    - utf32.csv: UTF-32 with its byte-order mark.
    """
    rows = [L6, list(L6_ROWS[0]), list(L6_ROWS[1])]
    rows[1][11] = "Siobhán O’Neill"
    rows[2][11] = "Zoë Example"
    lines = csv_text(rows).split("\r\n")
    data = "\r\n".join(lines[:2]).encode("utf-8") + b"\r\n" + "\r\n".join(
        lines[2:]).encode("cp1252")
    (out / "mixed_encoding.csv").write_bytes(data)
    (out / "utf16_nobom.csv").write_bytes(csv_text(rows).encode("utf-16-le"))
    (out / "utf32.csv").write_bytes(csv_text(rows).encode("utf-32"))


def make_sheet_names(out: Path) -> None:
    """odd_sheet_names.xlsx: sheet names Excel allows that a copy cannot simply reuse:
    apostrophes at the ends, 'History' (reserved), names that clash once cleaned."""
    rows = [L6, *L6_ROWS]
    simple_xlsx(out / "odd_sheet_names.xlsx", {
        "'List_6'": rows, "History": [["notes"]], "Notes 'a'": [["x"]],
        "Notes:a": [["y"]], "Notes/a": [["z"]]})


MAKERS = [make_random, make_truncated, make_encrypted, make_renamed, make_no_lists, make_macro,
          make_bombs, make_far_cell, make_far_within, make_entities, make_formulas,
          make_merged_hidden, make_csvs, make_case_target, make_counts, make_cpu_traps,
          make_encodings, make_sheet_names]


def main(out: Path = HERE) -> None:
    """Write every corpus file into ``out``."""
    for make in MAKERS:
        make(out)
    for f in sorted(out.iterdir()):
        if f.suffix != ".py" and f.is_file():
            print(f"{f.stat().st_size:>8,}  {f.name}")


if __name__ == "__main__":
    main()
