"""CSV output: UTF-8 with BOM, formula-injection guard, atomic and never over an input."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtai_cli.csv_output import FORMULA_STARTS, PLAIN_NUMBER, guard_cell, write_csv
from jtai_cli.errors import OutputRefused


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://x","click")'])
def test_formula_starts_are_prefixed(text):
    assert guard_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["North Team", "a) Male", "03/04/2019", "1001", "", "'=already"])
def test_plain_text_unchanged(text):
    assert guard_cell(text) == text


def test_values_become_text():
    assert guard_cell(None) == ""
    assert guard_cell(pd.NA) == ""
    assert guard_cell(pd.NaT) == ""
    assert guard_cell(float("nan")) == ""
    assert guard_cell(pd.Timestamp(2019, 4, 3)) == "03/04/2019"
    assert guard_cell(dt.date(2019, 4, 3)) == "03/04/2019"
    assert guard_cell(11.0) == "11"
    assert guard_cell(-1) == "-1"     # a plain negative number is data, not a formula
    assert guard_cell("-1+1") == "'-1+1"


@pytest.mark.slow
@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False)))
def test_guard_is_idempotent_and_no_formula_leads(value):
    once = guard_cell(value)
    assert guard_cell(once) == once
    assert not once.startswith(FORMULA_STARTS) or PLAIN_NUMBER.fullmatch(once)


def test_write_csv_utf8_bom_and_guarded(tmp_path):
    frame = pd.DataFrame({
        "Child Unique ID": ["007", "C2"],
        "Date of Birth": pd.to_datetime(["2015-04-03", None]),
        "Age of Child (Years)": pd.array([11, None], dtype="Int64"),
        "Allocated Worker": ["Zoë Ångström", "=cmd|' /C calc'!A0"],
    })
    out = write_csv(tmp_path / "out.csv", frame)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows == [
        ["Child Unique ID", "Date of Birth", "Age of Child (Years)", "Allocated Worker"],
        ["007", "03/04/2015", "11", "Zoë Ångström"],
        ["C2", "", "", "'=cmd|' /C calc'!A0"],
    ]


def test_write_csv_refuses_an_input_and_leaves_it(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"original")
    with pytest.raises(OutputRefused):
        write_csv(src, pd.DataFrame({"a": [1]}), inputs=[src])
    assert src.read_bytes() == b"original"
    assert list(tmp_path.iterdir()) == [src]   # no temporary file left behind
