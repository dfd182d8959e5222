"""read_workbook: what kind of file this really is, cells with their Excel rows, and refusals.

The hostile corpus (tests/hostile/) is run end to end in test_hostile.py; here each guard of
the reader is tested on its own, on workbooks built in a few lines. Limits are lowered with
monkeypatch where a test would otherwise need a huge file: the code path is the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import struct
import zipfile
from pathlib import Path

import pytest
from builders import make_csv, make_workbook
from hostile.make_corpus import L6, L6_ROWS, Formula, raw_xlsx, rows_xml, sheet_xml, simple_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtai_cli import reading
from jtai_cli.errors import (
    FileNotFound,
    JtaiError,
    WorkbookEncrypted,
    WorkbookTooLarge,
    WorkbookUnreadable,
)
from jtai_cli.reading import read_workbook, sniff_kind

HOSTILE = Path(__file__).parent / "hostile"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- what kind of file


@pytest.mark.parametrize(("head", "kind"), [
    (b"PK\x03\x04rest", "zip"),
    (b"PK\x05\x06" + bytes(18), "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "ole"),
    (b"%PDF-1.7\n", "pdf"),
    (b"\xef\xbb\xbf<html><body>", "html"),
    (b"  <!DOCTYPE HTML PUBLIC", "html"),
    (b"<table><tr><td>1</td></tr></table>", "html"),
    (b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook '
     b'xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "xml2003"),
    (b'<?xml version="1.0"?><root><item/></root>', "xml"),
    (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">', "html"),
    (b"Child Unique ID,Gender\r\nC1,a) Male\r\n", "text"),
    ("Child,Team\r\nC1,£ Team ’\r\n".encode("cp1252"), "text"),
    (b"\xff\xfeC\x00h\x00", "text"),
    (bytes(range(256)) * 4, "unknown"),
    (b"\x01\x02\x03\x04\x05\x06binary stuff\x07\x08", "unknown"),
])
def test_sniff_kind_goes_by_content_not_name(head, kind):
    assert sniff_kind(Path("anything.xlsx"), head) == kind


def test_a_utf8_character_cut_at_the_end_of_the_sample_is_still_text():
    head = ("a," * 4095 + "£").encode("utf-8")[:8191]
    assert sniff_kind(Path("x.csv"), head) == "text"


# --------------------------------------------------------------------------- cells and rows


def test_rows_keep_excel_row_numbers_blank_rows_included(tmp_path):
    path = make_workbook(tmp_path, {"S": [["a", "b"], [None, None], ["x", 3]]}, title_rows=2)
    sheet = read_workbook(path).sheets[0]
    assert sheet.rows[0][0] == "S: title row 1"
    assert sheet.rows[2] == ["a", "b"]
    assert sheet.rows[3] == ["", ""]
    assert sheet.rows[4] == ["x", 3]
    assert not sheet.from_text and not sheet.hidden and sheet.notes == []


def test_hidden_sheet_is_read_and_flagged():
    wb = read_workbook(HOSTILE / "merged_hidden.xlsx")
    assert [(s.name, s.hidden) for s in wb.sheets] == [("Notes", False), ("List_6", True)]
    assert wb.sheets[1].rows[1] == L6


def test_merged_ranges_are_recorded_and_the_value_is_in_the_first_cell_only():
    sheet = read_workbook(HOSTILE / "merged_hidden.xlsx").sheets[1]
    assert sheet.merged == [(1, 0, 1, 12), (3, 10, 4, 10)]
    assert sheet.rows[2][10] == "North Team"
    assert sheet.rows[3][10] == ""


def test_formula_cells_are_found_and_their_cached_values_used():
    sheet = read_workbook(HOSTILE / "formulas.xlsx").sheets[0]
    assert sheet.formula_cells == [(2, 4), (2, 12), (3, 4)]
    assert sheet.formula_count == 3
    # 1+1 would be 2: the value Excel stored (14) is what is read; nothing is calculated.
    assert sheet.rows[2][4] == 14
    assert sheet.rows[1][12] == "N"


def test_formula_cells_beyond_the_kept_number_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(reading.limits, "FORMULA_CELLS_KEPT", 2)
    rows = [["n"]] + [[Formula(f"{i}+0", i)] for i in range(1, 6)]
    sheet = read_workbook(simple_xlsx(tmp_path / "f.xlsx", {"S": rows})).sheets[0]
    assert sheet.formula_cells == [(2, 0), (3, 0)]
    assert sheet.formula_count == 5


def test_no_formula_cells_in_a_plain_workbook(tmp_path):
    path = make_workbook(tmp_path, {"S": [["a"], ["text, not =1+1"]]})
    sheet = read_workbook(path).sheets[0]
    assert sheet.formula_cells == [] and sheet.formula_count == 0
    assert sheet.rows[1][0] == "text, not =1+1"


def _sheet(body: str) -> list[str]:
    return list(sheet_xml([body]))


def test_cells_without_references_are_placed_one_after_another(tmp_path):
    # Some writers leave out r=: the reader places cells in order; the exact walk agrees.
    body = ('<row r="1"><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row>'
            '<row><c><v>3</v></c><c><f>1+1</f><v>4</v></c></row>')
    sheet = read_workbook(raw_xlsx(tmp_path / "r.xlsx", [("S", _sheet(body))])).sheets[0]
    assert sheet.rows == [["a", 2], [3, 4]]
    assert sheet.formula_cells == [(2, 1)]


def test_prefixed_cells_and_odd_attribute_syntax_are_read(tmp_path):
    body = ('<x:row r="1" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<x:c r = 'A1' t='inlineStr'><x:is><x:t>a</x:t></x:is></x:c>"
            '<x:c\tr="B1"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>')
    sheet = read_workbook(raw_xlsx(tmp_path / "p.xlsx", [("S", _sheet(body))])).sheets[0]
    assert sheet.rows == [["a", 2]]
    assert sheet.formula_cells == [(1, 1)]


def test_prefixed_cells_written_the_usual_way_are_scanned_quickly_and_fully(tmp_path,
                                                                            monkeypatch):
    # .NET's OpenXML SDK writes <x:c r="A1">: the quick scan takes it as it takes <c.
    walks = []
    monkeypatch.setattr(reading.xmlscan._SheetScanner, "_walk",
                        lambda self, piece: walks.append(piece))
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    body = (f'<x:row r="1" {ns}><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>'
            '<x:c r="B1"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>')
    scan = _scan_only(tmp_path, body)
    assert walks == [] and scan.formulas == [(1, 1)] and scan.area <= 99_999 * 26


def _scan_only(tmp_path: Path, body: str) -> reading.limits._Scan:
    path = raw_xlsx(tmp_path / "scan.xlsx", [("S", _sheet(body))])
    return reading.zipguard._inspect_zip(path, path.stat().st_size)[1]["S"]


@pytest.mark.parametrize(("body", "bound"), [
    ('<row r="1"><c r="A1"><v>1</v></c></row>', (99_999, 26)),
    ('<row r="200000"><c r="Z200000"><v>1</v></c></row>', (reading.limits.EXCEL_MAX_ROWS, 26)),
    ('<row r="1"><c r="AP1"><v>1</v></c></row>', (99_999, 312)),
    ('<row r="200000"><c r="AF200000"><v>1</v></c></row>', (reading.limits.EXCEL_MAX_ROWS, 32)),
    # past every quick bound: counted exactly
    ('<row r="3"><c r="AAA3"><v>1</v></c></row>', (3, 703)),
    ('<row r="200000"><c r="AG200000"><v>1</v></c></row>', (200_000, 33)),
])
def test_quick_bounds_and_the_exact_count(tmp_path, body, bound):
    scan = _scan_only(tmp_path, body)
    assert (scan.max_row, scan.max_col) == bound
    assert scan.area <= reading.limits.MAX_CELLS


def test_a_wide_list_past_row_99999_is_bounded_without_the_slow_walk(tmp_path, monkeypatch):
    """32 columns (to AF) and 150,000 rows, as a national List 8: early pieces prove "312
    columns by 99,999 rows" and later ones "32 columns by 1,048,576 rows"; their maxima
    multiplied go past the limit, so every tier is checked on every piece instead, and the
    tag-by-tag walk (8 s on the national benchmark's List 8) is not needed."""
    walks = []
    monkeypatch.setattr(reading.xmlscan._SheetScanner, "_walk",
                        lambda self, piece: walks.append(piece))
    monkeypatch.setattr(reading.zipguard, "_READ_CHUNK", 4096)  # many pieces, as in a big file
    rows = ['<row r="1"><c r="AF1"><v>1</v></c></row>']
    rows += [f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(2, 150_001, 2)]
    scan = _scan_only(tmp_path, "".join(rows))
    assert walks == []
    assert (scan.max_row, scan.max_col) == (reading.limits.EXCEL_MAX_ROWS, 32)


# --------------------------------------------------------------------------- used-area limit


@pytest.mark.parametrize("body", [
    # a stray value far to the right
    '<row r="1"><c r="A1"><v>1</v></c><c r="ZZ1"><v>1</v></c></row>'
    '<row r="300"><c r="A300"><v>1</v></c></row>',
    # the same, written as cells without references (the reader counts them along)
    '<row r="1">' + "<c/>" * 700 + '<c><v>1</v></c></row><row r="300"><c r="A300"><v>1</v></c>'
    "</row>",
    # prefixed cells with one far away
    '<x:row r="1" xmlns:x="urn:x"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="ZZ1"><x:v>1</x:v></x:c>'
    '</x:row><x:row r="300"><x:c r="A300"><x:v>1</x:v></x:c></x:row>',
    # a prefixed cell hidden among plain ones
    '<row r="1"><c r="A1"><v>1</v></c><y:c r="ZZ1" xmlns:y="urn:y"><v>1</v></y:c></row>'
    '<row r="300"><c r="A300"><v>1</v></c></row>',
    # odd syntax the quick search must not miss
    "<row r='1'><c  r = 'A1'><v>1</v></c><c\nr=\"ZZ1\"><v>1</v></c></row>"
    '<row r="300"><c r="A300"><v>1</v></c></row>',
    # far down
    '<row r="1"><c r="A1"><v>1</v></c><c r="Z1"><v>1</v></c></row>'
    '<row r="100000"><c r="A100000"><v>1</v></c></row>',
])
def test_a_sheet_over_the_cell_limit_is_refused_before_it_is_read(tmp_path, monkeypatch, body):
    monkeypatch.setattr(reading.limits, "MAX_CELLS", 100_000)
    path = raw_xlsx(tmp_path / "far.xlsx", [("List 6", _sheet(body))])
    with pytest.raises(WorkbookTooLarge) as exc:
        read_workbook(path)
    msg = str(exc.value)
    assert msg.startswith(str(path))
    assert "sheet 'List 6' has something in" in msg
    assert "jtai reads at most 100,000 cells" in msg
    assert "delete the stray cells" in msg


def test_the_far_cell_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(reading.limits, "MAX_CELLS", 100_000)
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="ZZ1"><v>1</v></c></row>'
            '<row r="300"><c r="B300"><v>1</v></c></row>')
    with pytest.raises(WorkbookTooLarge, match=r"column ZZ \(cell ZZ1\) and row 300 \(cell "
                       r"B300\), so it spans 300 rows by 702 columns \(210,600 cells\)"):
        read_workbook(raw_xlsx(tmp_path / "far.xlsx", [("S", _sheet(body))]))


def test_empty_styled_cells_far_away_do_not_count(tmp_path, monkeypatch):
    # Formatting without a value (<c r="XFD1" s="1"/>) takes no memory in the reader.
    monkeypatch.setattr(reading.limits, "MAX_CELLS", 100_000)
    body = ('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row>'
            '<row r="300"><c r="A300"><v>1</v></c></row>')
    sheet = read_workbook(raw_xlsx(tmp_path / "s.xlsx", [("S", _sheet(body))])).sheets[0]
    assert len(sheet.rows) == 300 and sheet.rows[0] == [1]


def test_sheets_together_over_the_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading.limits, "MAX_CELLS", 1_000)
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="J{r}"><v>1</v></c></row>'
                   for r in range(1, 61))
    path = raw_xlsx(tmp_path / "two.xlsx", [("A", _sheet(body)), ("B", _sheet(body))])
    with pytest.raises(WorkbookTooLarge, match="sheets together span"):
        read_workbook(path)


@pytest.mark.parametrize("ref", ["XFE1", "AAAA1", "A1048577", "A99999999", "xfe1"])
def test_references_beyond_excels_grid_are_refused(tmp_path, ref):
    body = f'<row r="1"><c r="A1"><v>1</v></c><c r="{ref}"><v>1</v></c></row>'
    with pytest.raises(WorkbookUnreadable, match=r"beyond Excel's 1,048,576 rows and 16,384 "
                       r"columns"):
        read_workbook(raw_xlsx(tmp_path / "b.xlsx", [("S", _sheet(body))]))


@pytest.mark.slow
def test_a_million_row_sheet_reads_with_the_last_row_in_place(tmp_path):
    # A list with one more row at Excel's very last row: 1,048,576 rows, read in full.
    body = [*rows_xml([L6, *L6_ROWS]),
            *rows_xml([["C9999", "a) Male"]], start=reading.limits.EXCEL_MAX_ROWS)]
    path = raw_xlsx(tmp_path / "tall.xlsx", [("List_6", sheet_xml(body))])
    sheet = read_workbook(path).sheets[0]
    assert len(sheet.rows) == reading.limits.EXCEL_MAX_ROWS
    assert sheet.rows[-1][:2] == ["C9999", "a) Male"]
    # Rows between are empty, whether read as a grid or, for a sheet whose cells are a
    # sliver of the grid they span, without it (such a row then holds no cells).
    assert not any(sheet.rows[3]) and sheet.rows[2][:2] == ["C1002", "b) Female"]


# --------------------------------------------------------------------------- zip guards


def _zip(tmp_path: Path, parts: dict[str, bytes], name: str = "z.xlsx",
         method: int = zipfile.ZIP_DEFLATED) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", method) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_duplicate_part_names_are_refused(tmp_path):
    path = simple_xlsx(tmp_path / "d.xlsx", {"S": [["a"]]})
    with zipfile.ZipFile(path, "a") as z, pytest.warns(UserWarning):
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with pytest.raises(WorkbookUnreadable, match="appears twice"):
        read_workbook(path)


def test_zip_encryption_is_refused_as_encrypted(tmp_path):
    path = simple_xlsx(tmp_path / "e.xlsx", {"S": [["a"]]})
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit on every central directory entry.
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        data[i + 8] |= 1
        i = data.find(b"PK\x01\x02", i + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookEncrypted, match="zip password"):
        read_workbook(path)


def test_compression_excel_never_uses_is_refused(tmp_path):
    parts = _parts(simple_xlsx(tmp_path / "s.xlsx", {"S": [["a"]]}))
    path = _zip(tmp_path, parts, "bz.xlsx", zipfile.ZIP_BZIP2)
    with pytest.raises(WorkbookUnreadable, match="compressed in a way Excel never uses"):
        read_workbook(path)


@pytest.mark.parametrize(("parts", "message"), [
    ({"xl/workbook.bin": b"x"}, "Excel Binary Workbook"),
    ({"word/document.xml": b"<d/>"}, "a Word document"),
    ({"ppt/presentation.xml": b"<p/>"}, "a PowerPoint presentation"),
    ({"readme.txt": b"hello"}, "a zip archive, not a workbook"),
    ({}, "an empty zip archive"),
])
def test_zips_that_are_not_workbooks_say_what_they_are(tmp_path, parts, message):
    with pytest.raises(WorkbookUnreadable, match=message):
        read_workbook(_zip(tmp_path, parts))


def test_too_many_parts_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading.limits, "MAX_PARTS", 5)
    parts = _parts(simple_xlsx(tmp_path / "s.xlsx", {"S": [["a"]]}))
    parts.update({f"xl/media/{i}.xml": b"<a/>" for i in range(5)})
    with pytest.raises(WorkbookTooLarge, match="holds 11 parts"):
        read_workbook(_zip(tmp_path, parts))


def test_total_expansion_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading.limits, "MAX_UNCOMPRESSED_BYTES", 10_000)
    rows = [["x" * 50] for _ in range(300)]
    with pytest.raises(WorkbookTooLarge, match="safety limit"):
        read_workbook(simple_xlsx(tmp_path / "big.xlsx", {"S": rows}))


def test_a_part_smaller_than_declared_is_damaged(tmp_path):
    from hostile.make_corpus import _patch_sizes

    path = simple_xlsx(tmp_path / "s.xlsx", {"S": [["a"]]})
    with zipfile.ZipFile(path) as z:
        size = z.getinfo("xl/worksheets/sheet1.xml").file_size
    path.write_bytes(_patch_sizes(path.read_bytes(), "xl/worksheets/sheet1.xml",
                                  file_size=size + 10))
    with pytest.raises(WorkbookUnreadable, match=f"holds {size:,} bytes, not the "
                       f"{size + 10:,} its directory says"):
        read_workbook(path)


def test_a_corrupt_part_is_damaged(tmp_path):
    path = simple_xlsx(tmp_path / "s.xlsx", {"S": [["a" * 200]]})
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for k in range(start + 2, start + info.compress_size - 2):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookUnreadable, match="damaged"):
        read_workbook(path)


def test_dtd_in_any_xml_part_is_refused(tmp_path):
    parts = _parts(simple_xlsx(tmp_path / "s.xlsx", {"S": [["a"]]}))
    parts["xl/workbook.xml"] = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "b">]>'
                                + parts["xl/workbook.xml"].split(b"?>", 1)[1])
    with pytest.raises(WorkbookUnreadable, match=r"part 'xl/workbook.xml' declares XML "
                       r"entities \(a DTD\)"):
        read_workbook(_zip(tmp_path, parts))


def test_a_tagless_flood_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading.xmlscan, "_MAX_TAG_BYTES", 1000)
    monkeypatch.setattr(reading.zipguard, "_OUT_CHUNK", 500)
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * 5000 + "</t></is></c></row>"
    with pytest.raises(WorkbookUnreadable, match="without a single XML tag"):
        read_workbook(raw_xlsx(tmp_path / "t.xlsx", [("S", _sheet(body))]))


def test_a_workbook_named_xls_is_read_by_content_and_noted(tmp_path):
    path = simple_xlsx(tmp_path / "lists.xls", {"List_6": [L6, *L6_ROWS]})
    wb = read_workbook(path)
    assert wb.kind == "xlsx"
    assert wb.sheets[0].rows[1][0] == "C1001"
    assert wb.sheets[0].notes == ["this file is named .xls but is an Excel workbook (.xlsx): "
                                  "read as that"]


# --------------------------------------------------------------------------- ods


_ODS = """<?xml version="1.0" encoding="UTF-8"?>{dtd}
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="List 6">
<table:table-row><table:table-cell office:value-type="string"><text:p>Child Unique ID</text:p>
</table:table-cell><table:table-cell office:value-type="string"><text:p>Age</text:p>
</table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>C1</text:p>
</table:table-cell><table:table-cell table:formula="of:=1+1" office:value-type="float"
 office:value="5"><text:p>5</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1020"/></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell
 table:number-columns-repeated="1024"/></table:table-row>{extra}
</table:table></office:spreadsheet></office:body></office:document-content>"""


_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:'
    'tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
    'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
    '"text/xml"/></manifest:manifest>'
)


def _ods(path: Path, extra: str = "", dtd: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _MANIFEST)
        # calamine wants no whitespace between cells: join the template's lines.
        z.writestr("content.xml", _ODS.replace("\n", "").format(extra=extra, dtd=dtd))
    return path


def test_ods_is_read_with_its_formula_cells(tmp_path):
    wb = read_workbook(_ods(tmp_path / "l.ods"))
    assert wb.kind == "ods"
    sheet = wb.sheets[0]
    assert sheet.rows == [["Child Unique ID", "Age"], ["C1", 5.0]]
    assert sheet.formula_cells == [(2, 1)]


def test_ods_repeated_values_over_the_limit_are_refused(tmp_path):
    extra = ('<table:table-row table:number-rows-repeated="1000"><table:table-cell '
             'table:number-columns-repeated="100000" office:value-type="float" '
             'office:value="1"/></table:table-row>')
    with pytest.raises(WorkbookTooLarge, match="sheet 'List 6' has something in"):
        read_workbook(_ods(tmp_path / "big.ods", extra))


def test_ods_entities_are_refused(tmp_path):
    dtd = '<!DOCTYPE x [<!ENTITY a "b">]>'
    with pytest.raises(WorkbookUnreadable, match="declares XML entities"):
        read_workbook(_ods(tmp_path / "e.ods", dtd=dtd))


# --------------------------------------------------------------------------- ole


def test_an_ole_file_that_only_mentions_encryption_in_its_data_is_not_called_encrypted(
        tmp_path):
    # The name must sit in a directory entry (128-byte aligned, with its length after it).
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(3)
            + "EncryptedPackage".encode("utf-16-le") + bytes(600))
    path = tmp_path / "x.xls"
    path.write_bytes(data)
    with pytest.raises(WorkbookUnreadable) as exc:
        read_workbook(path)
    assert not isinstance(exc.value, WorkbookEncrypted)
    assert "could not be read" in str(exc.value)


def test_an_encrypted_workbook_is_found_wherever_its_directory_sits(tmp_path):
    entry = bytearray(128)
    name = "EncryptedPackage".encode("utf-16-le")
    entry[: len(name)] = name
    entry[64:66] = struct.pack("<H", len(name) + 2)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(5 * 1024**2 - 8 + 256) + bytes(entry)
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    with pytest.raises(WorkbookEncrypted, match="password-protected"):
        read_workbook(path)


# --------------------------------------------------------------------------- csv


def test_csv_utf8_with_bom_reads_the_first_header_clean(tmp_path):
    sheet = read_workbook(HOSTILE / "bom.csv").sheets[0]
    assert sheet.rows[0][0] == "Child Unique ID"
    assert sheet.from_text and sheet.name == "bom.csv"


def test_csv_windows_1252_reads_pound_and_curly_quotes():
    sheet = read_workbook(HOSTILE / "cp1252.csv").sheets[0]
    assert sheet.rows[1][11] == "Siobhán O’Neill"
    assert sheet.rows[2][10] == "“Family Support” £ Team"


def test_csv_utf16_tab_separated_as_excel_unicode_text(tmp_path):
    path = tmp_path / "u.txt"
    path.write_bytes("\ufeffChild Unique ID\tTeam\r\nC1\t£ Team\r\n".encode("utf-16-le"))
    assert read_workbook(path).sheets[0].rows == [["Child Unique ID", "Team"], ["C1", "£ Team"]]


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_csv_delimiters(tmp_path, delim):
    path = tmp_path / "d.csv"
    path.write_text(delim.join(["Child Unique ID", "Team", "Note"]) + "\r\n"
                    + delim.join(["C1", '"North, East"', "x"]) + "\r\n", encoding="utf-8")
    rows = read_workbook(path).sheets[0].rows
    assert rows == [["Child Unique ID", "Team", "Note"], ["C1", "North, East", "x"]]


def test_csv_ragged_rows_are_padded(tmp_path):
    path = make_csv(tmp_path, "r.csv", [["a", "b", "c"], ["1"], ["1", "2", "3", "4"]])
    assert read_workbook(path).sheets[0].rows == [["a", "b", "c", ""], ["1", "", "", ""],
                                                  ["1", "2", "3", "4"]]


def test_csv_with_a_cell_longer_than_any_real_one_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text('a,b\r\n"' + "x" * 200_000 + '",1\r\n', encoding="utf-8")
    with pytest.raises(WorkbookUnreadable, match="CSV file could not be read"):
        read_workbook(path)


def test_csv_over_the_limits_is_refused(tmp_path, monkeypatch):
    path = make_csv(tmp_path, "c.csv", [["a", "b"]] * 100)
    monkeypatch.setattr(reading.limits, "MAX_CELLS", 50)
    with pytest.raises(WorkbookTooLarge, match="more than 50 cells"):
        read_workbook(path)
    monkeypatch.setattr(reading.limits, "MAX_TEXT_BYTES", 10)
    with pytest.raises(WorkbookTooLarge, match="limit for one CSV file"):
        read_workbook(path)


def test_text_named_xlsx_is_read_as_csv_with_a_note():
    wb = read_workbook(HOSTILE / "csv_renamed.xlsx")
    assert wb.kind == "csv"
    assert wb.sheets[0].notes == ["this file is named .xlsx but holds plain text (CSV): read "
                                  "as CSV"]


# --------------------------------------------------------------------------- paths


def test_missing_path_directory_and_unopenable_name(tmp_path):
    with pytest.raises(FileNotFound, match="no such file"):
        read_workbook(tmp_path / "nope.xlsx")
    with pytest.raises(FileNotFound, match="this is a folder, not a file"):
        read_workbook(tmp_path)
    with pytest.raises(FileNotFound):
        read_workbook(tmp_path / ("x" * 5000 + ".xlsx"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_says_why(tmp_path):
    path = make_workbook(tmp_path, {"S": [["a"]]})
    path.chmod(0)
    try:
        with pytest.raises(WorkbookUnreadable, match="cannot open the file"):
            read_workbook(path)
    finally:
        path.chmod(0o644)


def test_reading_never_changes_the_file(tmp_path):
    path = simple_xlsx(tmp_path / "l.xlsx", {"List_6": [L6, *L6_ROWS]})
    before, mtime = digest(path), path.stat().st_mtime_ns
    read_workbook(path)
    assert digest(path) == before and path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.xlsx"]


# --------------------------------------------------------------------------- fuzzing the reader


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=3000), st.sampled_from([".xlsx", ".xls", ".csv", ".ods"]))
def test_arbitrary_bytes_never_raise_anything_but_jtai_errors(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("b") / f"f{suffix}"
    path.write_bytes(data)
    try:
        read_workbook(path)
    except JtaiError as exc:
        assert str(exc).startswith(str(path))


_SEED_XLSX: bytes | None = None


def _seed_xlsx() -> bytes:
    global _SEED_XLSX
    if _SEED_XLSX is None:
        buf = io.BytesIO()
        simple_xlsx(buf, {"List_6": [L6, *L6_ROWS]}, level=0)  # type: ignore[arg-type]
        _SEED_XLSX = buf.getvalue()
        assert b"Child Unique ID" in _SEED_XLSX  # stored: the XML is there to be damaged
    return _SEED_XLSX


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.integers(1, 40), st.booleans())
def test_a_damaged_workbook_never_raises_anything_but_jtai_errors(tmp_path_factory, seed, flips,
                                                                 cut):
    # A stored (uncompressed) workbook, so flipped bytes land in the XML and the zip headers
    # rather than only breaking the compression.
    data = bytearray(_seed_xlsx())
    rng = random.Random(seed)
    for _ in range(flips):
        i = rng.randrange(len(data))
        data[i] = rng.choice([rng.randrange(256), ord("9"), ord("Z"), ord("<"), ord('"')])
    if cut:
        data = data[: rng.randrange(1, len(data))]
    path = tmp_path_factory.mktemp("m") / "m.xlsx"
    path.write_bytes(bytes(data))
    try:
        wb = read_workbook(path)
    except JtaiError:
        return
    cells = sum(len(r) for s in wb.sheets for r in s.rows)
    assert cells <= reading.limits.MAX_CELLS


def test_dates_times_and_booleans_come_through(tmp_path):
    path = make_workbook(tmp_path, {"S": [[dt.datetime(2019, 4, 3), dt.time(9, 30), True, 1.5,
                                           -1]]})
    row = read_workbook(path).sheets[0].rows[0]
    assert row[0] in (dt.datetime(2019, 4, 3), dt.date(2019, 4, 3))
    assert row[2] is True and row[3] == 1.5 and row[4] == -1


# --------------------------------------------------------------------------- reading ahead

def _example() -> Path:
    return Path(__file__).resolve().parent.parent / "examples" / "lists_clean.xlsx"


def test_the_first_sheet_is_read_ahead_and_gives_the_same_cells():
    from concurrent.futures import ThreadPoolExecutor

    eager = read_workbook(_example())
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = read_workbook(_example(), lazy=True, reader=pool)
        assert ahead.sheets[0]._pending is not None  # started while the others were checked
        assert all(s._pending is None for s in ahead.sheets[1:])
        ahead.sheets[1].prefetch(pool)
        for sheet in ahead.sheets:
            sheet.load()
    assert [s.name for s in ahead.sheets] == [s.name for s in eager.sheets]
    for a, e in zip(ahead.sheets, eager.sheets, strict=True):
        assert a.rows == e.rows and a.merged == e.merged and a._pending is None


def test_a_reader_error_on_a_sheet_read_ahead_is_raised_when_it_is_used(monkeypatch):
    from jtai_cli import validate_workbook

    real = reading.calamine._lazy_loader

    def failing(p, name, by_content, scan, book=None):
        if name == "List_3":
            def load():
                with reading.calamine._panics_kept_off_stderr(), reading.refusals._reader_errors(
                        p, lambda kind: WorkbookUnreadable(f"sheet '{name}' broke ({kind})",
                                                           file=p)):
                    raise ValueError("cell text must never reach the message")
            return load
        return real(p, name, by_content, scan, book)

    monkeypatch.setattr(reading.calamine, "_lazy_loader", failing)
    with pytest.raises(WorkbookUnreadable) as info:
        validate_workbook(_example())
    assert "sheet 'List_3' broke (ValueError)" in str(info.value)
    assert "cell text" not in str(info.value)


def test_overlapping_reads_share_one_stderr_redirection():
    """Two threads reading at once: what they print comes out once, after both end, and fd 2
    is restored; a read that fails drops what was caught (a Rust panic's stack trace)."""
    import subprocess
    import sys

    program = """
import os, threading
from jtai_cli.errors import WorkbookUnreadable
from jtai_cli.reading.calamine import _panics_kept_off_stderr as guard
both = threading.Barrier(2)
def read(tag):
    with guard():
        both.wait()
        os.write(2, tag)
        both.wait()
other = threading.Thread(target=read, args=(b"one\\n",))
other.start(); read(b"two\\n"); other.join()
os.write(2, b"after\\n")
try:
    with guard():
        os.write(2, b"thread panicked at src/lib.rs\\n")
        raise WorkbookUnreadable("could not be read", file="f.xlsx")
except WorkbookUnreadable:
    pass
os.write(2, b"end\\n")
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.decode().split()
    assert sorted(lines[:2]) == ["one", "two"] and lines[2:] == ["after", "end"]


def test_heap_helpers_are_safe_to_call_anywhere():
    import platform

    from jtai_cli import _memory

    _memory.trim_heap()
    _memory.share_one_arena()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert _memory._libc() is not None


def test_the_command_settles_its_imports_and_collects_the_young_less_often():
    """``settle_imports`` (the jtai command's, in its own process here): the imports are
    frozen out of the collector's way and its first generation holds 50,000 new objects, the
    older generations' settings kept."""
    import subprocess
    import sys

    program = (
        "import gc; from jtai_cli import _memory; before = gc.get_threshold(); "
        "_memory.settle_imports(); after = gc.get_threshold(); "
        "print(gc.get_freeze_count() > 1000, after[0], after[1:] == before[1:])"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["True", "50000", "True"]


def test_python_stderr_bypasses_the_redirection_while_a_sheet_is_read():
    """The progress bar writes through sys.stderr: during a read it goes straight to the real
    stderr (not delayed, and kept even when the read panics and fd 2's output is dropped)."""
    import subprocess
    import sys

    program = """
import os, sys
from jtai_cli.errors import WorkbookUnreadable
from jtai_cli.reading.calamine import _panics_kept_off_stderr as guard
for attempt in range(2):  # the second time reuses the kept copy of stderr
    try:
        with guard():
            print(f"progress {attempt}", file=sys.stderr)
            os.write(2, b"thread panicked at src/lib.rs\\n")
            raise WorkbookUnreadable("could not be read", file="f.xlsx")
    except WorkbookUnreadable:
        pass
assert sys.stderr.fileno() == 2
print("end", file=sys.stderr)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().split("\n") == ["progress 0", "progress 1", "end", ""]


@pytest.mark.slow
def test_a_workbook_is_opened_once_for_all_its_sheets_not_once_per_sheet(monkeypatch):
    """Opening an .xlsx parses its shared strings again: 3,000 sheets once took 63 s."""
    from jtai_cli import validate_workbook

    opened: list[str] = []
    real = reading.calamine._open_calamine

    def counting(p, by_content):
        opened.append(str(p))
        return real(p, by_content)

    monkeypatch.setattr(reading.calamine, "_open_calamine", counting)
    validate_workbook(_example())
    sheets = len(reading.read_workbook(_example()).sheets)
    assert sheets >= 8
    # the sheet list, the first sheet read while the others are scanned, then all the rest
    assert len(opened) - 1 <= 3


def _trimmed(rows: list[list[object]]) -> list[list[object]]:
    """Rows without their trailing empty cells, and without trailing empty rows."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] in ("", None):
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.parametrize("path", [
    Path(__file__).parent.parent / "examples" / "lists_messy.xlsx",
    Path(__file__).parent.parent / "examples" / "lists_edge.xlsx",
    HOSTILE / "merged_hidden.xlsx", HOSTILE / "formulas.xlsx", HOSTILE / "error_cells.xlsx",
    HOSTILE / "same_row.xlsx",
], ids=lambda p: p.name)
def test_a_sheet_read_without_its_grid_holds_what_the_grid_holds(monkeypatch, path):
    """Every sheet read through its compact copy (``sparse``) gives the values, the Excel rows
    and columns, the merged ranges and the error cells that reading it as a grid gives."""
    from jtai_cli.reading import sparse

    grid = read_workbook(path)
    monkeypatch.setattr(sparse, "SPARSE_FROM", 0)
    monkeypatch.setattr(sparse, "SPARSE_RATIO", 0)
    monkeypatch.setattr(sparse, "SPARSE_MOST_CELLS", 10**9)
    compact = read_workbook(path)
    assert [s.name for s in compact.sheets] == [s.name for s in grid.sheets]
    for a, b in zip(grid.sheets, compact.sheets, strict=True):
        assert _trimmed(b.rows) == _trimmed(a.rows), a.name
        assert sorted(b.merged) == sorted(a.merged), a.name
        assert b.formula_cells == a.formula_cells and b.hidden == a.hidden
