"""The para 33 list: referrals that relate to CSA-FE, filled in by the local authority.

Para 33 asks for referrals "that relate to" CSA-FE, which only the local authority can judge, so
the list is its own (``schemas/referrals_csa_fe.yaml``): the referral columns plus why each
referral relates to CSA-FE. ``jtai template`` includes it and ``validate`` checks it. The
``filter --referrals-csa`` preset stays, labelled as a draft to review, never as the list.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
from builders import make_workbook
from conftest import AS_OF

from jtai_cli import filter_lists, validate_workbook, write_template
from jtai_cli.schemas import load_schemas
from jtai_cli.validation import load_dataset

S = load_schemas()
P33 = [c.header for c in S.lists["referrals_csa_fe"].columns]
L3 = [c.header for c in S.lists["referrals"].columns]
WHY = "Why this referral relates to CSA-FE"


def _row(headers: list[str], cid: str, why: str | None = "Disclosure to school about an uncle",
         day: dt.date = dt.date(2026, 10, 1)) -> list[object]:
    values = {"Child Unique ID": cid, "Gender": "a) Male", "Ethnicity": "a) WBRI",
              "Date of Birth": dt.date(2014, 5, 1), "Age of Child (Years)": 12,
              "Date of referral": day, "Date of the most recent referral": day,
              "Referral Source": "2A: Schools",
              "Referral NFA?": "a) Yes", "Number of Referrals in Last 12 Months": 1,
              "Allocated Team": "North Team", "Allocated Worker": "A Worker", WHY: why}
    return [values.get(h) for h in headers]


def test_para33_list_has_the_referral_columns_and_why_it_relates_to_csa_fe():
    # List 3 follows para 32 (one row per child, "Date of the most recent referral"); para 33
    # asks for referrals, so its date is each referral's, a name list 3 also accepts.
    date = S.lists["referrals"].by_role("start_date")
    assert date is not None and "Date of referral" in date.also_accept
    assert P33[: len(L3)] == [("Date of referral" if h == date.header else h) for h in L3]
    assert P33[-1] == WHY
    why = S.lists["referrals_csa_fe"].column(WHY)
    # jtai's own column, not the guidance's: optional, never an error.
    assert why is not None and not why.required and not why.essential
    assert "para 33" in S.lists["referrals_csa_fe"].source


def test_para33_template_includes_the_list_due_on_day_8(tmp_path):
    for option in ("A", "B"):
        out = write_template(tmp_path / f"blank-{option}.xlsx", option=option,
                             notified=dt.date(2026, 11, 23))
        wb = openpyxl.load_workbook(out)
        assert "Para 33" in wb.sheetnames
        assert [c.value for c in wb["Para 33"][2]][: len(P33)] == P33
        text = [str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value]
        row = next(t for t in text if t.startswith("Para 33: Referrals relating to CSA-FE"))
        assert "no further action" in row
        assert any("Thursday 03/12/2026" in t for t in text)


def test_para33_validate_identifies_and_checks_the_list(tmp_path):
    path = make_workbook(tmp_path, {
        "Para 33": [P33, _row(P33, "C1"), _row(P33, "C2", why=None)],
        "List 3": [L3, _row(L3, "C1"), _row(L3, "C3")],
    })
    data = load_dataset(path, as_of=AS_OF)
    assert {pl.sheet: pl.name for pl in data.lists} == {"Para 33": "referrals_csa_fe",
                                                        "List 3": "referrals"}
    report = validate_workbook(path, as_of=AS_OF)
    frame = report.to_frame()
    assert frame[frame["column"] == WHY].empty  # a blank reason is no finding
    assert report.valid


def test_para33_sheet_without_the_why_column_is_still_para_33(tmp_path):
    """Named for para 33 (its sheet or title), the list 3 columns alone are the para 33 list,
    not a second list 3; the missing optional column is no finding."""
    path = make_workbook(tmp_path, {
        "Para 33": [L3, _row(L3, "C1")],
        "CSA-FE referrals": [L3, _row(L3, "C2")],
        "Referrals": [L3, _row(L3, "C3")],
    })
    data = load_dataset(path, as_of=AS_OF)
    assert {pl.sheet: pl.name for pl in data.lists} == {
        "Para 33": "referrals_csa_fe", "CSA-FE referrals": "referrals_csa_fe",
        "Referrals": "referrals"}
    report = validate_workbook(path, as_of=AS_OF)
    # The two para 33 sheets are one list given twice; list 3 is not a second of them.
    assert report.valid
    assert {f["sheet"] for f in report.where(rule="list-duplicated")} <= {"Para 33",
                                                                          "CSA-FE referrals"}
    assert not [f for f in report.where(rule="column-missing") if f["column"] == WHY]


def test_para33_a_plain_referrals_list_is_still_list_3(tmp_path):
    path = make_workbook(tmp_path, {"Referrals": [L3, _row(L3, "C1")]})
    (pl,) = load_dataset(path, as_of=AS_OF).lists
    assert pl.name == "referrals"


def test_para33_filter_preset_is_labelled_a_draft_not_the_list(tmp_path):
    l6 = [c.header for c in S.lists["children_in_need"].columns]
    flag = S.lists["children_in_need"].by_role("csa_flag").header
    row6 = {"Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
            "Date of Birth": dt.date(2014, 5, 1), "Age of Child (Years)": 12,
            "CIN Start Date": dt.date(2026, 6, 1), "Primary Need Code": "N1 - Abuse or neglect",
            "Allocated Team": "North Team", "Allocated Worker": "A Worker", flag: "Y"}
    path = make_workbook(tmp_path, {"List 6": [l6, [row6.get(h) for h in l6]],
                                    "List 3": [L3, _row(L3, "C1"), _row(L3, "C9")]})
    result = filter_lists(path, tmp_path / "draft.xlsx", referrals_csa=True, as_of=AS_OF)
    assert result.caveat is not None
    assert result.caveat.startswith("Referrals of children flagged elsewhere: a draft to "
                                    "review, not the para 33 list")
    assert result.to_dict()["caveat"] == result.caveat
    assert "a draft to review" in result.criteria[0]
    wb = openpyxl.load_workbook(result.output)
    assert wb["Filter"]["A1"].value == result.caveat
