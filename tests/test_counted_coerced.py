"""Coerced cells counted instead of kept (the terminal's summary): the same report otherwise.

``validate_workbook(..., coerced_cells=False)`` keeps errors and warnings as findings and
counts each column's values read in the template's form; what the terminal shows, the
counts and the summary must not change, and the JSON (which needs every cell) refuses.
"""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pandas as pd
import pytest
from conftest import AS_OF, ROOT
from rich.console import Console
from typer.testing import CliRunner

from jtai_cli.cli import app
from jtai_cli.cli.render import render_report
from jtai_cli.reporting import (
    COUNTED_FIELDS,
    FindingsBuilder,
    ValidationReport,
)
from jtai_cli.validation import validate_workbook

EXAMPLES = ["lists_messy", "lists_clean", "lists_edge"]


@pytest.fixture(scope="module", params=EXAMPLES)
def both(request) -> tuple[ValidationReport, ValidationReport]:
    path = ROOT / "examples" / f"{request.param}.xlsx"
    return (validate_workbook(path, as_of=AS_OF),
            validate_workbook(path, as_of=AS_OF, coerced_cells=False))


def _rendered(report: ValidationReport, limit: int = 60) -> str:
    out = io.StringIO()
    render_report(report, Console(file=out, width=120, highlight=False, soft_wrap=False),
                  limit=limit)
    # piped output carries no trailing spaces (jtai trims the padding rich adds)
    return "".join(line.rstrip(" ") + "\n" for line in out.getvalue().splitlines())


@pytest.mark.slow  # validates the examples
def test_counted_report_keeps_errors_and_warnings_as_they_were(both):
    full, counted = both
    assert full.coerced is None and counted.coerced is not None
    kept = full.findings[(full.findings["severity"] != "coerced").to_numpy()]
    pd.testing.assert_frame_equal(counted.findings, kept.reset_index(drop=True))
    assert not (counted.findings["severity"] == "coerced").any()


@pytest.mark.slow  # validates the examples
def test_counts_summary_and_groups_are_the_same_either_way(both):
    full, counted = both
    assert counted.counts() == full.counts()
    assert counted.summary() == full.summary()
    pd.testing.assert_frame_equal(counted.coerced_groups(), full.coerced_groups())
    assert counted.valid == full.valid and counted.exit_code == full.exit_code


@pytest.mark.slow  # validates the examples
def test_the_terminal_shows_the_same_either_way(both):
    full, counted = both
    assert _rendered(counted) == _rendered(full)
    assert _rendered(counted, limit=2) == _rendered(full, limit=2)  # "... and N more"


@pytest.mark.slow  # validates the examples
def test_each_counted_value_says_how_many_cells_and_the_first(both):
    full, counted = both
    df = full.findings[(full.findings["severity"] == "coerced").to_numpy()]
    assert counted.coerced is not None
    assert list(counted.coerced.columns) == list(COUNTED_FIELDS)
    assert int(counted.coerced["count"].sum()) == len(df)
    keys = ["file", "sheet", "column", "rule", "message", "expected", "list", "value"]
    expected = (df.assign(expected=df["expected"].fillna(""))
                .groupby(keys, sort=False, dropna=False)
                .agg(count=("row", "size"), first_row=("row", "min"), first_cell=("cell", "first"))
                .reset_index())
    expected["first_row"] = expected["first_row"].astype("int64")
    got = counted.coerced.copy()
    # Same rows; the counted table is in the order of each value's first cell.
    order = ["file", "sheet", "first_row", "column"]
    pd.testing.assert_frame_equal(
        got.sort_values(order, kind="stable").reset_index(drop=True),
        expected[list(COUNTED_FIELDS)].sort_values(order, kind="stable").reset_index(drop=True),
        check_dtype=False)


@pytest.mark.slow  # validates the examples
def test_the_json_refuses_a_counted_report_unless_nothing_was_counted(both):
    full, counted = both
    if not counted.counts()["coerced"]:  # lists_clean: nothing left out, the same JSON
        assert counted.to_dict() == full.to_dict()
        return
    with pytest.raises(ValueError, match="coerced_cells"):
        counted.to_dict()
    with pytest.raises(ValueError, match="coerced_cells"):
        counted.write_json(io.StringIO())


@pytest.mark.slow  # validates the examples
def test_messy_example_has_coerced_cells_to_count():
    counted = validate_workbook(ROOT / "examples" / "lists_messy.xlsx", as_of=AS_OF,
                                coerced_cells=False)
    assert counted.coerced is not None and len(counted.coerced) > 10
    assert counted.counts()["coerced"] > len(counted.coerced)  # some values in several cells


@pytest.mark.slow  # validates the examples
def test_skipped_lists_leave_the_counted_cells_too():
    path = ROOT / "examples" / "lists_messy.xlsx"
    full = validate_workbook(path, as_of=AS_OF, skip_lists=["1"])
    counted = validate_workbook(path, as_of=AS_OF, skip_lists=["1"], coerced_cells=False)
    assert counted.coerced is not None
    assert "contacts" not in set(counted.coerced["list"])
    assert counted.summary() == full.summary()


@pytest.mark.slow  # validates the examples
def test_a_highlighted_copy_still_gets_every_coerced_cell(tmp_path):
    report = validate_workbook(ROOT / "examples" / "lists_messy.xlsx", as_of=AS_OF,
                               report_path=tmp_path / "copy.xlsx", coerced_cells=False)
    assert report.coerced is None
    assert (report.findings["severity"] == "coerced").sum() == report.counts()["coerced"] > 0


@pytest.mark.slow  # validates the examples
def test_cli_text_output_is_the_full_reports_rendering(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "120")
    full = validate_workbook("examples/lists_messy.xlsx", as_of=AS_OF)
    result = CliRunner().invoke(app, ["validate", "examples/lists_messy.xlsx",
                                      "--as-of", "2026-11-23"])
    assert result.exit_code == 1
    assert result.stdout == _rendered(full)


# --------------------------------------------------------------------------- the builder


def _coded(b: FindingsBuilder, k: int) -> None:
    """A column's findings as parsing adds them: a code per row into per-value arrays."""
    b.add_coded(file="a.xlsx", sheet="List 1", rows=np.array([5, 7, 8, 12, 13, 20]) + k,
                codes=np.array([0, 1, 0, 2, 1, 0]), column="Gender",
                rules=np.array(["code-coerced", "code-not-in-list", "code-coerced"],
                               dtype=object),
                messages=np.array(["'M' read as 'a) Male'", "'Q' is not a code", "'1' read"],
                                  dtype=object),
                expected=np.array(["a) Male", "a code", ""], dtype=object),
                values=np.array(["M", "Q", None], dtype=object), list_name="contacts",
                order=(0, 1, 3 + k))


def _spread(b: FindingsBuilder, k: int) -> None:
    """The same findings as one element per row (``add_many``)."""
    codes = np.array([0, 1, 0, 2, 1, 0])
    b.add_many(rules=np.array(["code-coerced", "code-not-in-list", "code-coerced"],
                              dtype=object)[codes],
               file="a.xlsx", sheet="List 1", rows=np.array([5, 7, 8, 12, 13, 20]) + k,
               column="Gender",
               messages=np.array(["'M' read as 'a) Male'", "'Q' is not a code", "'1' read"],
                                 dtype=object)[codes],
               expected=np.array(["a) Male", "a code", ""], dtype=object)[codes],
               list_name="contacts", values=np.array(["M", "Q", None], dtype=object)[codes],
               order=(0, 1, 3 + k))


def _others(b: FindingsBuilder) -> None:
    b.add("date-impossible", file="a.xlsx", sheet="List 1", row=6, column="DOB",
          message="no such day", order=(0, 1, 2))
    b.add("code-coerced", file="a.xlsx", sheet="List 1", row=4, column="Gender",
          message="'F' read as 'b) Female'", value="F", list_name="contacts", order=(0, 1, 3))


def test_coded_findings_make_the_same_frame_as_spread_ones():
    coded, spread = FindingsBuilder(), FindingsBuilder()
    for k in range(2):
        _coded(coded, k)
        _spread(spread, k)
    _others(coded)
    _others(spread)
    pd.testing.assert_frame_equal(coded.frame(), spread.frame())
    assert coded.counted() is None


@pytest.mark.parametrize("fill", [_coded, _spread])
def test_a_counting_builder_counts_coerced_cells_however_they_come(fill):
    keep, count = FindingsBuilder(), FindingsBuilder(coerced_cells=False)
    for b in (keep, count):
        for k in range(2):
            fill(b, k)
        _others(b)
    full = keep.frame()
    pd.testing.assert_frame_equal(
        count.frame(), full[(full["severity"] != "coerced").to_numpy()].reset_index(drop=True))
    table = count.counted()
    assert table is not None
    assert table[["column", "value", "count", "first_row", "first_cell"]].values.tolist() == [
        ["Gender", "F", 1, 4, "D4"],
        ["Gender", "M", 3, 5, "D5"],
        ["Gender", "M", 3, 6, "E6"],
        ["Gender", None, 1, 12, "D12"],
        ["Gender", None, 1, 13, "E13"],
    ]
    assert int(table["count"].sum()) == int((full["severity"] == "coerced").sum())


def test_coerced_cells_added_one_by_one_are_counted_per_value():
    b = FindingsBuilder(coerced_cells=False)
    for row in (9, 4, 30):
        b.add("code-coerced", file="a.xlsx", sheet="List 1", row=row, column="Gender",
              message="'F' read as 'b) Female'", value="F", list_name="contacts",
              order=(0, 1, 3))
    b.add("code-coerced", file="a.xlsx", sheet="List 1", row=5, column="Gender",
          message="'M' read as 'a) Male'", value="M", list_name="contacts", order=(0, 1, 3))
    table = b.counted()
    assert table is not None and not len(b.frame())
    assert table[["value", "count", "first_row", "first_cell"]].values.tolist() == [
        ["F", 3, 4, "D4"], ["M", 1, 5, "D5"]]


def test_a_builder_keeps_every_coerced_cell_unless_told_to_count():
    assert FindingsBuilder(coerced_cells=False).coerced_cells is False
    assert FindingsBuilder().coerced_cells is True
    assert FindingsBuilder().counted() is None
    empty = FindingsBuilder(coerced_cells=False).counted()
    assert empty is not None and list(empty.columns) == list(COUNTED_FIELDS) and not len(empty)


# --------------------------------------------------------------------------- templates


@pytest.mark.slow  # validates the examples
@pytest.mark.parametrize("name", EXAMPLES)
def test_json_and_counts_from_templates_are_those_from_the_frame(name):
    report = validate_workbook(ROOT / "examples" / f"{name}.xlsx", as_of=AS_OF)
    if len(report.findings):  # lists_clean has none, so no templates either
        assert report.templates is not None and report.templates.frame is report.findings
    plain = dataclasses.replace(report, templates=None)
    for one, other in ((report, plain),
                       (report.without_lists(["contacts", "cin"]),
                        plain.without_lists(["contacts", "cin"]))):
        a, b = io.StringIO(), io.StringIO()
        one.write_json(a)
        other.write_json(b)
        assert a.getvalue() == b.getvalue()
        assert one.summary() == other.summary()
        assert list(one.summary()["by_rule"]) == list(other.summary()["by_rule"])
        assert one.counts() == other.counts() and one.valid == other.valid


def test_templates_of_a_builder_describe_its_frame():
    b = FindingsBuilder()
    for k in range(2):
        _coded(b, k)
        _spread(b, k)
    _others(b)
    df = b.frame()
    t = b.templates
    assert t is not None and t.frame is df
    for i, rec in enumerate(df.to_dict("records")):
        for k, v in t.table.items():
            assert v[t.ids[i]] == rec[k] or (v[t.ids[i]] is None and rec[k] is None)
    # A coded column's cells share a template per value; spread ones have one each.
    assert len(t.table["rule"]) == 2 * 3 + 2 * 6 + 2


@pytest.mark.slow  # validates the examples
def test_a_report_whose_findings_were_replaced_ignores_the_templates():
    report = validate_workbook(ROOT / "examples" / "lists_messy.xlsx", as_of=AS_OF)
    errors = report.findings[(report.findings["severity"] == "error").to_numpy()]
    other = dataclasses.replace(report, findings=errors.reset_index(drop=True))
    assert other.counts() == {"error": len(errors), "warning": 0, "coerced": 0}
    out = io.StringIO()
    other.write_json(out)
    assert out.getvalue().count('"severity": "error"') == len(errors)
    assert '"severity": "coerced"' not in out.getvalue()
