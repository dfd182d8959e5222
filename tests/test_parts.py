"""A list delivered in parts: CSV or Parquet files cut at a row limit are read as one list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa  # noqa: E402  (the test extra installs it)
import pyarrow.parquet as pq  # noqa: E402
import pytest
from builders import make_csv
from conftest import AS_OF
from test_validation import L6, row6

from jtai_cli import validate_workbook
from jtai_cli.errors import WorkbookTooLarge, WorkbookUnreadable
from jtai_cli.reading import read_workbook
from jtai_cli.validation import file_units


def make_parquet(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    header, body = rows[0], rows[1:]
    table = pa.table({h: [r[j] for r in body] for j, h in enumerate(header)})
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def csv_rows(rows: list[list[object]]) -> list[list[object]]:
    return [[v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for v in r] for r in rows]


@pytest.mark.parametrize("names", [("list6_part1.csv", "list6_part2.csv"),
                                   ("list6.csv", "list6 (2).csv"),
                                   ("List 6 pt1.csv", "List 6 pt2.csv")])
def test_csv_parts_are_one_list_with_rows_in_the_part_they_are_in(tmp_path, names):
    first = make_csv(tmp_path, names[0], csv_rows([L6, row6()]))
    second = make_csv(tmp_path, names[1], csv_rows([L6, row6(Child_Unique_ID="C2"), row6()]))
    r = validate_workbook([first, second], as_of=AS_OF)
    assert not r.where(rule="list-duplicated")
    dupes = {(Path(f["file"]).name, f["row"]) for f in r.where(rule="duplicate-child")}
    assert dupes == {(names[0], 2), (names[1], 3)}


def test_two_unrelated_csv_files_of_one_list_are_still_a_warning(tmp_path):
    a = make_csv(tmp_path, "cin.csv", csv_rows([L6, row6()]))
    b = make_csv(tmp_path, "extract.csv", csv_rows([L6, row6(Child_Unique_ID="C2")]))
    r = validate_workbook([a, b], as_of=AS_OF)
    assert [Path(f["file"]).name for f in r.where(rule="list-duplicated")] == ["extract.csv"]


def test_a_folder_checks_each_file_but_keeps_a_lists_parts_together(tmp_path):
    make_csv(tmp_path, "list6_part1.csv", csv_rows([L6, row6()]))
    make_csv(tmp_path, "list6_part2.csv", csv_rows([L6, row6()]))  # the same child again
    make_csv(tmp_path, "other.csv", csv_rows([L6, row6()]))  # another LA's list: on its own
    r = validate_workbook(tmp_path, as_of=AS_OF, workers=1)
    dupes = sorted(Path(f["file"]).name for f in r.where(rule="duplicate-child"))
    assert dupes == ["list6_part1.csv", "list6_part2.csv"]
    units = file_units(sorted(tmp_path.iterdir()))
    assert [[p.name for p in u] for u in units] == [["list6_part1.csv", "list6_part2.csv"],
                                                    ["other.csv"]]


def test_parquet_values_arrive_typed_like_a_workbook(tmp_path):
    path = make_parquet(tmp_path, "list6.parquet", [L6, row6(), row6(Child_Unique_ID="C2")])
    wb = read_workbook(path)
    assert wb.kind == "parquet"
    header, first = wb.sheets[0].rows[:2]
    assert header == L6
    assert first[L6.index("Date of Birth")] == dt.date(2015, 4, 3)
    assert first[L6.index("Age of Child (Years)")] == 11
    assert validate_workbook(path, as_of=AS_OF).valid


def test_parquet_text_dates_are_reported_as_coerced(tmp_path):
    rows = [L6, row6(Date_of_Birth="03/04/2015")]
    rows[1][L6.index("CIN Start Date")] = "01/09/2026"
    rows = [rows[0], [str(v) if isinstance(v, dt.date) else v for v in rows[1]]]
    path = make_parquet(tmp_path, "list6.parquet", rows)
    r = validate_workbook(path, as_of=AS_OF)
    coerced = {(f["column"], f["rule"]) for f in r.where(severity="coerced")}
    assert ("Date of Birth", "date-coerced") in coerced


def test_parquet_parts_are_one_list(tmp_path):
    a = make_parquet(tmp_path, "list6_part1.parquet", [L6, row6()])
    b = make_parquet(tmp_path, "list6_part2.parquet", [L6, row6()])
    r = validate_workbook([a, b], as_of=AS_OF)
    assert {Path(f["file"]).name for f in r.where(rule="duplicate-child")} == {
        "list6_part1.parquet", "list6_part2.parquet"}
    assert not r.where(rule="list-duplicated")


def test_parquet_over_the_cell_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from jtai_cli import reading

    path = make_parquet(tmp_path, "list6.parquet", [L6, row6(), row6()])
    monkeypatch.setattr(reading.limits, "MAX_CELLS", 10)
    with pytest.raises(WorkbookTooLarge, match="2 rows by 13 columns"):
        read_workbook(path)


def test_damaged_parquet_is_a_plain_error(tmp_path):
    good = make_parquet(tmp_path, "good.parquet", [L6, row6()])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good.read_bytes()[:40])
    with pytest.raises(WorkbookUnreadable, match="could not be read") as info:
        read_workbook(bad)
    assert str(bad) in str(info.value)


def test_without_pyarrow_parquet_says_how_to_get_it(tmp_path, monkeypatch):
    import builtins

    path = make_parquet(tmp_path, "list6.parquet", [L6, row6()])
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(WorkbookUnreadable, match="pip install pyarrow"):
        read_workbook(path)


@pytest.mark.slow
def test_a_damaged_parquet_file_never_crashes_nor_raises_anything_but_jtai_errors(tmp_path):
    """Bytes flipped and files cut short, 300 times, in a child process: pyarrow is native
    code, so a crash there would kill the process rather than raise; the child must end
    cleanly having seen only jtai's own errors or readable files."""
    import subprocess
    import sys

    seed_file = make_parquet(tmp_path, "seed.parquet",
                             [L6, row6(), row6(Child_Unique_ID="C2"), row6(Child_Unique_ID="C3")])
    program = f"""
import random, sys
from pathlib import Path
from jtai_cli.errors import JtaiError
from jtai_cli.reading import read_workbook
data0 = Path({str(seed_file)!r}).read_bytes()
out = Path({str(tmp_path)!r}) / "m.parquet"
refused = read = 0
for seed in range(300):
    rng = random.Random(seed)
    data = bytearray(data0)
    for _ in range(rng.randint(1, 30)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(1, len(data))]
    out.write_bytes(bytes(data))
    try:
        wb = read_workbook(out)
    except JtaiError:
        refused += 1
        continue
    read += 1
    assert len(wb.sheets) == 1
print(refused, read)
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    refused, read = map(int, done.stdout.split())
    assert refused + read == 300 and refused > 0


def test_a_pyarrow_too_old_to_be_safe_is_refused(tmp_path, monkeypatch):
    path = make_parquet(tmp_path, "list6.parquet", [L6, row6()])
    monkeypatch.setattr(pa, "__version__", "14.0.0")
    with pytest.raises(WorkbookUnreadable, match=r"too old .*14\.0\.1"):
        read_workbook(path)
    monkeypatch.setattr(pa, "__version__", "15.0.0.dev3")
    assert read_workbook(path).kind == "parquet"
