"""The JSON report: streamed and built column-wise, yet the same bytes as before.

``tests/golden/`` holds what ``jtai validate --format json --as-of 2026-11-23`` printed for the
two examples before the JSON was streamed (commit abe2dbe). When a rule's wording or logic is
changed on purpose, regenerate them from the repository root and review the diff:

    jtai validate examples/lists_messy.xlsx --format json --as-of 2026-11-23 \
        > tests/golden/lists_messy.json
    jtai validate examples/lists_clean.xlsx --format json --as-of 2026-11-23 \
        > tests/golden/lists_clean.json
    jtai validate examples/lists_edge.xlsx --format json --as-of 2026-11-23 \
        > tests/golden/lists_edge.json

(``lists_edge.json`` was added later, from the code before coerced cells could be counted.)
"""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
import pytest
from conftest import AS_OF, ROOT
from typer.testing import CliRunner

from jtai_cli import reporting
from jtai_cli.cli import app
from jtai_cli.reporting import FindingsBuilder, SheetInfo, ValidationReport

GOLDEN = ROOT / "tests" / "golden"
runner = CliRunner()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lists_messy", "lists_clean", "lists_edge"])
def test_json_output_is_byte_for_byte_the_golden_copy(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # the report names the file as given: a relative path
    result = runner.invoke(app, ["validate", f"examples/{name}.xlsx", "--format", "json",
                                 "--as-of", "2026-11-23"])
    assert result.exit_code == (1 if name == "lists_messy" else 0), result.output
    assert result.stdout == (GOLDEN / f"{name}.json").read_text(encoding="utf-8")


def _old_records(report: ValidationReport) -> list[dict[str, Any]]:
    """How findings became records before they were built column-wise."""
    df = report.findings
    df = df.where(df.notna(), None) if len(df) else df
    recs = [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]
    for r in recs:
        r["row"] = None if r["row"] is None or pd.isna(r["row"]) else int(r["row"])
        r["expected"] = r["expected"] or ""
    return recs


def _old_summary(report: ValidationReport) -> dict[str, object]:
    """How the summary was counted before: one scan of the findings per sheet."""
    df = report.findings
    by_sheet = {}
    for info in report.sheets:
        part = df[(df["file"] == info.file) & (df["sheet"] == info.sheet)]
        vc = part["severity"].value_counts().to_dict()
        by_sheet[report.sheet_key(info)] = {
            "rows": info.rows, **{s: int(vc.get(s, 0)) for s in ("error", "warning", "coerced")}}
    by_rule = {str(k): int(v) for k, v in df["rule"].value_counts().items()}
    return {**report.counts(), "by_sheet": by_sheet, "by_rule": by_rule}


def _awkward_report(templates: bool = False) -> ValidationReport:
    """Findings with every kind of value JSON must escape, some without row, cell or value;
    with ``templates``, as ``validate_workbook`` makes them (the JSON's templated path)."""
    b = FindingsBuilder()
    odd = ['say "no"', "back\\slash", "line\nbreak", "tab\there", "\u00e9t\u00e9 \u2013 \U0001f600",
           "\x01control", "", "%s %d", "'M' read as 'a) Male'"]
    for i, text in enumerate(odd * 3):
        b.add("code-coerced" if i % 2 else "date-impossible", file="a.xlsx",
              sheet="List 1" if i % 3 else "Lists \u201c2\u201d", row=i + 3 if i % 4 else None,
              column=None if i % 5 == 0 else f"Col {text}", message=f"msg {text}",
              expected=text if i % 2 else "", list_name=None if i % 7 == 0 else "contacts",
              value=None if i % 6 == 0 else (i if i % 4 == 1 else text),
              order=(0, i % 3, i % 5 - 1))
    import numpy as np

    for k in range(3):  # column-wise chunks, as parsing adds coerced values
        b.add_many(rules=np.array(["code-coerced", "id-leading-zeros"] * 2, dtype=object),
                   file="a.xlsx", sheet="List 1", rows=np.array([9, 3, 3, 40]) + k,
                   column=None if k == 1 else "Gender",
                   messages=np.array(["'M' read as 'a) Male'", "x", "y\n", ""], dtype=object),
                   expected="" if k else np.array(["a", "", "b", "c"], dtype=object),
                   list_name="contacts", values=None if k == 2 else np.array(
                       ["M", None, "\u00e9", "1"], dtype=object), order=(0, 1, k + 27))
    sheets = [SheetInfo("a.xlsx", "List 1", "contacts", "List 1", 2, 10),
              SheetInfo("a.xlsx", 'Lists \u201c2\u201d', None, None, None, 0, note="not a list"),
              SheetInfo("a.xlsx", "Empty", None, None, None, 0)]
    frame = b.frame()
    return ValidationReport(["a.xlsx"], AS_OF, sheets, frame, as_of_source="given",
                            unusable_files={"b.xlsx": "not a \"workbook\""},
                            templates=b.templates if templates else None)


@pytest.mark.parametrize("templates", [False, True])
@pytest.mark.parametrize("chunk", [1, 4, 50_000])
def test_streamed_json_equals_json_dumps_of_to_dict(chunk, templates, monkeypatch):
    monkeypatch.setattr(reporting, "_JSON_CHUNK", chunk)
    report = _awkward_report(templates)
    assert (report._templates() is not None) == templates
    assert len(report.findings) == 39
    out = io.StringIO()
    report.write_json(out)
    expected = dict(report.to_dict(), findings=_old_records(report), summary=_old_summary(report))
    assert out.getvalue() == json.dumps(expected, ensure_ascii=False, default=str) + "\n"


def test_no_findings_stream_as_an_empty_list():
    report = ValidationReport(["a.xlsx"], AS_OF, [], FindingsBuilder().frame())
    out = io.StringIO()
    report.write_json(out)
    assert out.getvalue() == json.dumps(report.to_dict(), ensure_ascii=False) + "\n"
    assert json.loads(out.getvalue())["findings"] == []


def test_records_and_summary_are_what_they_were():
    report = _awkward_report()
    assert report._records() == _old_records(report)
    assert [list(r) for r in report._records()] == [list(r) for r in _old_records(report)]
    assert report.summary() == _old_summary(report)



def _old_frame(b: FindingsBuilder) -> pd.DataFrame:
    """``FindingsBuilder.frame`` as it was before it was built with numpy (commit abe2dbe)."""
    parts = [pd.DataFrame(c) for _, c in b._chunks]
    if b._rows:
        parts.append(pd.DataFrame(b._rows))
    df = pd.concat(parts, ignore_index=True)
    df["row"] = df["row"].astype("Int64")
    has_cell = df["row"].notna() & (df["_c"] >= 0)
    df["cell"] = None
    letters = {c: reporting.column_letter(int(c)) for c in df.loc[has_cell, "_c"].unique()}
    df.loc[has_cell, "cell"] = (df.loc[has_cell, "_c"].map(letters)
                                + df.loc[has_cell, "row"].astype("int64").astype(str))
    df["severity"] = df["rule"].map(lambda r: reporting.CATALOGUE[r].severity.value)
    df["_r"] = df["row"].fillna(-1).astype("int64")
    df["_v"] = df["severity"].map(reporting._SEVERITY_ORDER)
    df = df.sort_values(["_f", "_s", "_r", "_c", "_v"], kind="stable")
    df = df[list(reporting.FINDING_FIELDS)].reset_index(drop=True)
    df = df.astype({c: object for c in reporting.FINDING_FIELDS if c != "row"})
    return df.where(df.notna(), None)


def test_findings_frame_is_what_it_was(monkeypatch):
    captured = []
    real = FindingsBuilder.frame

    def spy(self):
        captured.append(self)
        return real(self)

    monkeypatch.setattr(FindingsBuilder, "frame", spy)
    report = _awkward_report()
    pd.testing.assert_frame_equal(report.findings, _old_frame(captured[0]))


def test_templated_json_of_cells_that_need_escaping_equals_the_plain_encoder():
    """The templated writer pastes "B12"-like cells as they are; any other cell text (not
    made by the builder, but possible in a frame given to it) is encoded as json.dumps does."""
    report = _awkward_report(templates=True)
    t = report._templates()
    assert t is not None
    parts = reporting._encode_templates(t)
    df = report.findings.copy()
    expected = ", ".join(reporting._encode_findings(report.findings))
    assert reporting._encode_templated(df, t.ids, parts) == expected
    df["cell"] = ["\u00e9\"1" if i % 3 == 0 else c for i, c in enumerate(df["cell"])]
    got = reporting._encode_templated(df, t.ids, parts)
    assert got == ", ".join(reporting._encode_findings(df))
    assert '"cell": "\u00e9\\"1"' in got


def test_json_texts_encode_each_value_as_json_dumps_does():
    """Distinct text is encoded once; values that are not all text (1, 1.0 and True compare
    equal, so would share a code) are encoded one by one; missing is null or as asked."""
    import numpy as np

    texts = np.array(["a", None, 'say "no"', "a", "\u00e9"], dtype=object)
    assert reporting._json_texts(texts).tolist() == [
        '"a"', "null", '"say \\"no\\""', '"a"', '"\u00e9"']
    assert reporting._json_texts(texts, none='""')[1] == '""'
    mixed = np.array([1, 1.0, True, "1", None], dtype=object)
    assert reporting._json_texts(mixed).tolist() == ["1", "1.0", "true", '"1"', "null"]


@pytest.mark.parametrize("name", ["lists_messy", "lists_edge"])
def test_coerced_groups_from_templates_are_the_findings_grouped(name):
    """``coerced_groups`` counts per template when the report has them: the same table as
    grouping the findings themselves (the frame alone, without its templates)."""
    from jtai_cli.validation import validate_workbook

    report = validate_workbook(ROOT / "examples" / f"{name}.xlsx", as_of=AS_OF)
    assert report._templates() is not None
    plain = ValidationReport(report.files, report.as_of, report.sheets, report.findings)
    assert plain._templates() is None
    got, expected = report.coerced_groups(), plain.coerced_groups()
    pd.testing.assert_frame_equal(got, expected)
    assert len(got) >= 1 and got["count"].sum() == report.counts()["coerced"]


def test_coerced_groups_from_templates_keep_missing_columns_and_first_messages():
    import numpy as np

    b = FindingsBuilder()
    for k, (sheet, column, first) in enumerate([("S", None, 30), ("S", "A", 5),
                                                 ("T", None, 2), ("S", None, 4)]):
        b.add_coded(file="a.xlsx", sheet=sheet, rows=np.array([first, first + 1, first + 9]),
                    codes=np.array([0, 1, 0]), column=column,
                    rules=np.array(["code-coerced", "code-coerced"], dtype=object),
                    messages=np.array([f"m{k}a", f"m{k}b"], dtype=object),
                    expected=np.array(["", ""], dtype=object),
                    values=np.array(["x", "y"], dtype=object), list_name="contacts",
                    order=(0, 0 if sheet == "S" else 1, -1 if column is None else 0))
    report = ValidationReport(["a.xlsx"], AS_OF, [], b.frame(), templates=b.templates)
    plain = ValidationReport(["a.xlsx"], AS_OF, [], report.findings)
    pd.testing.assert_frame_equal(report.coerced_groups(), plain.coerced_groups())
    assert report.coerced_groups()["message"].tolist()[:2] == ["m3a", "m1a"]
