"""Rules the guidance implies (jtai_cli/implied_checks.py): a failing and a passing case each."""

from __future__ import annotations

import datetime as dt

from builders import make_workbook
from conftest import AS_OF
from test_validation import L6, L7, YOT, row6, row7

from jtai_cli import validate_workbook
from jtai_cli.issues import CATALOGUE

D = dt.date
L8 = ["Child Unique ID", "Date Started to be Looked After", "Placement Type",
      "Child's Legal Status", "Placement postcode", "Date of Last IRO Visit / Contact to the Child",
      "Number of Placements in the Last 12 months"]
ANSWERS = [
    "Is CSA-FE a current or significant factor? (Y/N)", "Multi-agency involvement (Y/N)",
    "Known to YOT (Y/N)", "NPS working with adult (Y/N)",
    "Police investigation or criminal proceedings (Y/N)",
    "Intervention and support in last 6 months (Y/N)", "Attended SARC or paediatric assessment",
]
ADDITIONAL = ["Child Unique ID", *ANSWERS]
MEETINGS = ["Child Unique ID", "Type of meeting", "Date of meeting"]
NEW_RULES = ("postcode-not-recognised", "unborn-due-date-passed", "yot-nps-not-flagged",
             "yot-child-under-10", "answers-missing", "too-many-selected",
             "answers-for-unflagged-child", "meeting-outside-fieldwork-week")


def check(tmp_path, sheets, **kw):
    return validate_workbook(make_workbook(tmp_path, sheets, **kw), as_of=AS_OF)


def found(report, rule):
    return [(f["sheet"], f["row"], f["column"]) for f in report.where(rule=rule)]


def test_every_new_rule_is_in_the_catalogue_with_its_paragraph_or_jtai_named():
    for slug in NEW_RULES:
        rule = CATALOGUE[slug]
        assert "para" in rule.description or "jtai" in rule.description, slug


# --------------------------------------------------------------------------- postcodes (para 20)


def test_placement_postcode_must_be_a_uk_postcode_or_outward_code(tmp_path):
    given = ["SW1A 1AA", "m1 1ae", "B338TH", "SW1A", "LS6 2", None, "nope", "WI5 4FJ",
             "Confidential", "ABROAD", "EC1A 1BB", "W1A 0AX", "SW1A 1CA", "ZE1 0AA"]
    rows = [L8] + [[f"C{i}", D(2026, 1, 5), "U1", "C2", pc, None, 1]
                   for i, pc in enumerate(given)]
    r = check(tmp_path, {"List_8": rows})
    # 'nope' (no shape), 'WI5 4FJ' (no area WI) and 'SW1A 1CA' (C is never in an inward code)
    assert found(r, "postcode-not-recognised") == [("List_8", 8, "Placement postcode"),
                                                   ("List_8", 9, "Placement postcode"),
                                                   ("List_8", 14, "Placement postcode")]
    nope, wi, _ = r.where(rule="postcode-not-recognised")
    assert nope["severity"] == "warning" and "'nope' is not a UK postcode" in nope["message"]
    assert "there is no postcode area WI" in wi["message"] and "jtai's check" in wi["message"]


def test_postcode_areas_are_the_real_ones_as_data():
    from jtai_cli.schemas import load_schemas

    areas = load_schemas().code_lists["postcode_areas"].codes
    letters = {a.value for a in areas}
    assert 121 <= len(letters) <= 124
    assert {"B", "E", "EC", "SW", "ZE", "BT", "GY"} <= letters
    assert not {"WI", "QQ", "XY", "I", "Z"} & letters
    assert all(1 <= len(a) <= 2 and a.isalpha() and a.isupper() for a in letters)


# --------------------------------------------------------------------------- unborn (para 20)


def _unborn(edd):
    return row6(**{"Date of Birth": None, "Age of Child (Years)": -1,
                   "If unborn: expected date of birth": edd})


def test_unborn_child_whose_expected_date_of_birth_has_passed(tmp_path):
    """Overdue by a few weeks is normal (jtai's six-week tolerance); beyond it, a warning."""
    headers = [*L6, "If unborn: expected date of birth"]
    rows = [headers]
    for i, days in enumerate((-3, -42, -43, -90, 30)):
        row = _unborn(None) + [AS_OF + dt.timedelta(days=days)]
        row[0] = f"C{i}"
        rows.append(row)
    # The expected date held in the date of birth column, age -1: the same tolerance.
    for i, days in enumerate((-10, -60)):
        rows.append([f"D{i}", *row6(**{"Date of Birth": AS_OF + dt.timedelta(days=days),
                                       "Age of Child (Years)": -1})[1:], None])
    r = check(tmp_path, {"List_6": rows})
    assert found(r, "unborn-due-date-passed") == [
        ("List_6", 4, "If unborn: expected date of birth"),
        ("List_6", 5, "If unborn: expected date of birth"), ("List_6", 8, "Date of Birth")]
    first = r.where(rule="unborn-due-date-passed")[0]
    assert first["severity"] == "warning"
    assert ("11/10/2026 is more than six weeks before the as-of date 23/11/2026"
            in first["message"]) and "jtai's tolerance" in first["message"]
    assert not r.where(rule="age-dob-mismatch") and not r.where(severity="error")


# --------------------------------------------------------------------------- YOT/NPS (para 21)


def test_yot_child_flagged_n_on_lists_6_to_8_is_a_warning(tmp_path):
    sheets = {"List_6": [L6, row6(**{"CSA-FE": "N"}),
                         row6(Child_Unique_ID="C2", **{"CSA-FE": "Y"})],
              "YOT": [YOT, ["C1", "CIN"], ["C2", "CIN"]]}
    r = check(tmp_path, sheets)
    assert found(r, "yot-nps-not-flagged") == [("YOT", 2, "Child Unique ID")]
    assert r.where(rule="yot-nps-not-flagged")[0]["severity"] == "warning"


def test_yot_child_under_10_is_a_warning_using_the_dob_on_another_list(tmp_path):
    young = row6(Child_Unique_ID="C2", **{"Date of Birth": D(2018, 1, 1),
                                          "Age of Child (Years)": 8, "CSA-FE": "Y"})
    sheets = {"List_6": [L6, row6(**{"CSA-FE": "Y"}), young],
              "YOT": [YOT, ["C1", "CIN"], ["C2", "CIN"]]}
    r = check(tmp_path, sheets)
    assert found(r, "yot-child-under-10") == [("YOT", 3, "Child Unique ID")]
    assert "the child is 8 on 23/11/2026" in r.where(rule="yot-child-under-10")[0]["message"]


# --------------------------------------------------------------------------- the seven answers


def _with_answers(row, answers):
    return [*row, *answers]


def test_option_b_flagged_child_with_blank_answers_is_an_error(tmp_path):
    headers = [*L6, *ANSWERS]
    full = _with_answers(row6(**{"CSA-FE": "Y"}), ["Y"] * 7)
    part = _with_answers(row6(Child_Unique_ID="C2", **{"CSA-FE": "Y"}), ["Y", None, *["N"] * 5])
    none = _with_answers(row6(Child_Unique_ID="C3", **{"CSA-FE": "Y"}), [None] * 7)
    unflagged = _with_answers(row6(Child_Unique_ID="C4"), [None] * 7)
    r = check(tmp_path, {"List_6": [headers, full, part, none, unflagged]})
    assert found(r, "answers-missing") == [
        ("List_6", 3, "Multi-agency involvement (Y/N)"),
        ("List_6", 4, "Is CSA-FE a current or significant factor? (Y/N)")]
    msgs = [f["message"] for f in r.where(rule="answers-missing")]
    assert "no answer to: multi-agency involvement (option B" in msgs[0]
    assert "none of the seven additional answers" in msgs[1]


def test_answers_on_the_additional_sheet_count_for_option_b(tmp_path):
    headers = [*L6, *ANSWERS]
    beside = _with_answers(row6(**{"CSA-FE": "Y"}), ["Y"] * 7)
    elsewhere = _with_answers(row6(Child_Unique_ID="C2", **{"CSA-FE": "Y"}), [None] * 7)
    r = check(tmp_path, {"List_6": [headers, beside, elsewhere],
                         "Additional fields": [ADDITIONAL, ["C2", *["N"] * 7]]})
    assert not r.where(rule="answers-missing")


def test_without_a_sign_of_option_b_blank_answers_are_not_judged(tmp_path):
    # Option A: lists 6-8 carry no answers; the 20 are asked later (para 22).
    r = check(tmp_path, {"List_6": [L6, row6(**{"CSA-FE": "Y"})]})
    assert not r.where(rule="answers-missing")


def test_more_than_20_children_on_option_a_sheet_is_an_error(tmp_path):
    flagged = [row6(Child_Unique_ID=f"C{i}", **{"CSA-FE": "Y"}) for i in range(21)]
    answers = [[f"C{i}", *["Y"] * 7] for i in range(21)]
    r = check(tmp_path, {"List_6": [L6, *flagged], "Option A": [ADDITIONAL, *answers]})
    assert found(r, "too-many-selected") == [("Option A", None, None)]
    assert "21 children" in r.where(rule="too-many-selected")[0]["message"]
    r = check(tmp_path, {"List_6": [L6, *flagged], "Option A": [ADDITIONAL, *answers[:20]]})
    assert not r.where(rule="too-many-selected")


def test_more_than_20_answered_under_option_b_is_fine(tmp_path):
    flagged = [row6(Child_Unique_ID=f"C{i}", **{"CSA-FE": "Y"}) for i in range(21)]
    answers = [[f"C{i}", *["Y"] * 7] for i in range(21)]
    r = check(tmp_path, {"List_6": [L6, *flagged], "Option B": [ADDITIONAL, *answers]})
    assert not r.where(rule="too-many-selected")


def test_answers_for_a_child_not_flagged_are_a_warning(tmp_path):
    sheets = {"List_6": [L6, row6(**{"CSA-FE": "Y"}), row6(Child_Unique_ID="C2")],
              "List_7": [L7, row7(**{"Child Unique ID": "C2", "CSA-FE": "N"})],
              "Additional fields": [ADDITIONAL, ["C1", *["Y"] * 7], ["C2", *["N"] * 7],
                                    ["C9", *["N"] * 7]]}
    r = check(tmp_path, sheets)
    assert found(r, "answers-for-unflagged-child") == [
        ("Additional fields", 3, "Is CSA-FE a current or significant factor? (Y/N)")]
    f = r.where(rule="answers-for-unflagged-child")[0]
    assert f["severity"] == "warning" and "List 6 (sheet 'List_6') row 3" in f["message"]


# --------------------------------------------------------------------------- meetings (para 31)


def test_meeting_outside_the_fieldwork_week_from_the_title(tmp_path):
    rows = [["Multi-agency meetings, fieldwork week commencing 30/11/2026"], MEETINGS,
            ["C1", "Strategy discussion", D(2026, 12, 1)],
            ["C2", "Strategy discussion", D(2026, 12, 9)]]
    r = check(tmp_path, {"Meetings": rows})
    assert found(r, "meeting-outside-fieldwork-week") == [("Meetings", 4, "Date of meeting")]
    assert ("30/11/2026 to 06/12/2026 (jtai's reading of the week, from the sheet's title)"
            in r.where(rule="meeting-outside-fieldwork-week")[0]["message"])


def test_meeting_outside_the_week_most_meetings_fall_in(tmp_path):
    dates = [D(2026, 11, 30), D(2026, 12, 2), D(2026, 12, 4), D(2026, 12, 14)]
    r = check(tmp_path, {"Meetings": [MEETINGS] + [[f"C{i}", "Strategy discussion", d]
                                                   for i, d in enumerate(dates)]})
    assert found(r, "meeting-outside-fieldwork-week") == [("Meetings", 5, "Date of meeting")]


def test_meetings_not_checked_when_nothing_says_which_week(tmp_path):
    dates = [D(2026, 11, 30), D(2026, 12, 9)]  # two meetings, two weeks, no title
    r = check(tmp_path, {"Meetings": [MEETINGS] + [[f"C{i}", "Strategy discussion", d]
                                                   for i, d in enumerate(dates)]})
    assert not r.where(rule="meeting-outside-fieldwork-week")


def test_answers_beside_a_child_flagged_n_are_a_warning_on_the_answer(tmp_path):
    headers = [*L6, *ANSWERS]
    r = check(tmp_path, {"List_6": [headers, _with_answers(row6(**{"CSA-FE": "Y"}), ["Y"] * 7),
                                    _with_answers(row6(Child_Unique_ID="C2"),
                                                  [None, "N", *[None] * 5])]})
    assert found(r, "answers-for-unflagged-child") == [
        ("List_6", 3, "Multi-agency involvement (Y/N)")]
    assert "flagged N for CSA-FE on this row" in r.where(
        rule="answers-for-unflagged-child")[0]["message"]
