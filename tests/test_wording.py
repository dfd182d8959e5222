"""The documents say what the guidance says (issue 23 section 4).

List 3 read in either layout and said which; option A's return workbook says which list is due
when; the summary's option, its heading and its CP categories; and shortlist, summary and the
page saying when the lists they rest on have errors. The template's field wording is in
``test_guidance_wording.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from builders import make_workbook
from conftest import AS_OF, EXAMPLES
from typer.testing import CliRunner

from jtai_cli import shortlist, summarise
from jtai_cli.cli import app
from jtai_cli.schemas import load_schemas
from jtai_cli.summary.disclosure import NOT_PREVALENCE
from jtai_cli.validation import validate_workbook

S = load_schemas()
D = dt.date
runner = CliRunner()
CLEAN = EXAMPLES / "lists_clean.xlsx"
MESSY = EXAMPLES / "lists_messy.xlsx"


def _headers(name: str) -> list[str]:
    return [c.header for c in S.lists[name].columns]


# --------------------------------------------------------------------------- list 3 layout

L3 = _headers("referrals")


def _referral(cid: str, day: dt.date, count: int) -> list[object]:
    values = {"Child Unique ID": cid, "Gender": "a) Male", "Ethnicity": "a) WBRI",
              "Date of Birth": D(2014, 5, 1), "Age of Child (Years)": 12,
              "Date of the most recent referral": day, "Referral Source": "2A: Schools",
              "Referral NFA?": "a) Yes", "Number of Referrals in Last 12 Months": count,
              "Allocated Team": "North Team", "Allocated Worker": "A Worker"}
    return [values.get(h) for h in L3]


def _list3(tmp_path: Path, rows: list[list[object]], header: list[str], name: str) -> dict:
    path = make_workbook(tmp_path, {"List_3": [header, *rows]}, name=name)
    report = validate_workbook(path, as_of=AS_OF)
    return report.to_dict()


def test_list_3_in_the_guidance_layout_is_read_and_said(tmp_path):
    rows = [_referral("C1", D(2026, 10, 1), 2), _referral("C2", D(2026, 11, 2), 1)]
    d = _list3(tmp_path, rows, L3, "per_child.xlsx")
    assert d["valid"]
    assert "one row per child" in d["lists"]["List_3"]["note"]
    assert "para 32" in d["lists"]["List_3"]["note"]


def test_list_3_in_the_ilacs_layout_is_accepted_without_error_and_said(tmp_path):
    ilacs = ["Date of referral" if h == "Date of the most recent referral" else h for h in L3]
    rows = [_referral("C1", D(2026, 9, 1), 1), _referral("C1", D(2026, 10, 1), 2),
            _referral("C2", D(2026, 11, 2), 1)]
    d = _list3(tmp_path, rows, ilacs, "per_referral.xlsx")
    assert d["valid"], [f["rule"] for f in d["findings"]]
    assert not [f for f in d["findings"] if f["severity"] == "error"]
    note = d["lists"]["List_3"]["note"]
    assert "one row per referral (the ILACS layout)" in note and "1 children" in note
    # and validate's text output says it too
    path = tmp_path / "per_referral.xlsx"
    out = runner.invoke(app, ["validate", str(path), "--as-of", "2026-11-23"])
    assert "read as one row per referral" in " ".join(out.output.split())


# --------------------------------------------------------------------------- option A return


def test_option_a_return_workbook_says_which_list_is_due_on_which_day(tmp_path):
    out = tmp_path / "for-the-la.xlsx"
    r = runner.invoke(app, ["shortlist", str(CLEAN), "--option", "A", "--stage", "select",
                            "--as-of", "2026-11-23", "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = [r for r in wb["Instructions"].iter_rows(values_only=True) if r and r[0]]
    due = {r[0]: r[2] for r in rows[rows.index(next(r for r in rows if r[0] == "Sheet")) + 1:]
           if len(r) > 2 and r[2]}
    # every sheet of lists in the workbook has its day, from its schema's due:
    assert set(due) >= {n for n in wb.sheetnames if n not in ("Instructions", "Codes")}
    assert due["Additional fields"].startswith("3pm on day 3") and "para 23" in \
        due["Additional fields"]
    for sheet in ("List_6", "List_7", "List_8", "YOT", "NPS"):
        assert due[sheet] == "3pm on day 2 (Wednesday of week one) (paras 17-21)"
    for sheet in ("List_1", "List_3", "List_4", "List_5"):
        assert due[sheet] == "10am on day 7 (Wednesday of week two) (para 32)"
    text = " ".join(str(v) for r in rows for v in r if v)
    assert "lists sent on day 2" not in text  # lists 1-5 are not sent on day 2
    wb.close()


# --------------------------------------------------------------------------- summary wording

L6 = _headers("children_in_need")
ADD = _headers("additional_fields")
FLAG6 = S.lists["children_in_need"].by_role("csa_flag").header  # type: ignore[union-attr]


def _row6(cid: str, flag: str) -> list[object]:
    values = {"Child Unique ID": cid, "Gender": "a) Male", "Ethnicity": "a) WBRI",
              "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
              "Does the Child have a Disability": "b) No", "CIN Start Date": D(2026, 9, 1),
              "Primary Need Code": "N1 - Abuse or neglect", "Allocated Team": "North Team",
              "Allocated Worker": "A Worker", FLAG6: flag}
    return [values.get(h) for h in L6 if not _is_answer(h)]


def _is_answer(header: str) -> bool:
    return S.lists["children_in_need"].column(header).role in {
        c.role for c in S.lists["additional_fields"].columns if c.role != "child_id"}


def _option_b_return(tmp_path: Path, flagged: int, answered: int) -> Path:
    """A list 6 with ``flagged`` CSA-FE children and jtai's additional fields sheet."""
    heads = [h for h in L6 if not _is_answer(h)]
    rows = [_row6(f"F{i:02d}", "Y") for i in range(flagged)] + [_row6("N1", "N")]
    answers = [[f"F{i:02d}", *(["Y", "Y", "N", "N", "N", "Y", "N"])] for i in range(answered)]
    return make_workbook(tmp_path, {"List_6": [heads, *rows],
                                    "Additional fields": [ADD, *answers]},
                         name=f"b_{flagged}_{answered}.xlsx")


@pytest.mark.parametrize(("flagged", "answered"), [(25, 25), (8, 8), (30, 24)])
def test_an_option_b_return_on_its_own_sheet_is_option_b(tmp_path, flagged, answered):
    s = summarise(_option_b_return(tmp_path, flagged, answered), as_of=AS_OF, suppress=False)
    desc = s.tables["additional"].description
    assert desc.startswith("Option B") and "sample of 20" not in desc
    assert any(n.startswith("Read as option B") for n in s.notes)
    assert s["additional"].loc["Multi-agency involvement", "Children asked"] == flagged


def test_the_lead_inspectors_sample_is_still_option_a(tmp_path):
    s = summarise(_option_b_return(tmp_path, 30, 20), as_of=AS_OF, suppress=False)
    assert "sample of 20" in s.tables["additional"].description
    assert any(n.startswith("Read as option A") for n in s.notes)
    # --option says otherwise
    b = summarise(_option_b_return(tmp_path, 30, 20), as_of=AS_OF, suppress=False, option="B")
    assert b.tables["additional"].description.startswith("Option B")


def test_the_summary_does_not_call_flag_rates_prevalence(tmp_path):
    s = summarise(CLEAN)
    page = s.to_html()
    header = page[page.index("<header>"):page.index("</header>")]
    assert "prevalence" not in header.lower().replace(NOT_PREVALENCE.lower(), "")
    assert "para 3" in NOT_PREVALENCE and "para 13" in NOT_PREVALENCE
    assert NOT_PREVALENCE in header.replace("&#x27;", "'")
    for t in s.tables.values():
        assert "prevalence" not in t.title.lower()
    s.to_xlsx(tmp_path / "s.xlsx")
    about = openpyxl.load_workbook(tmp_path / "s.xlsx", read_only=True)["About"]
    assert NOT_PREVALENCE in [r[0] for r in about.iter_rows(values_only=True)]


def test_a_cp_plan_known_by_two_categories_is_never_said_never_sexual_abuse():
    s = summarise(CLEAN, suppress=False)
    rows = list(s["sexual_abuse_category"].index)
    assert not any("never" in r.lower() for r in rows)
    assert "Neither the initial nor the latest category is sexual abuse" in rows
    assert "in between" in s.tables["sexual_abuse_category"].description


# --------------------------------------------------------------------------- errors said


def test_shortlist_and_summary_say_the_lists_have_errors():
    n = validate_workbook(MESSY).counts()["error"]
    assert n > 0
    said = f"the lists have {n} errors: see jtai validate"
    sl = shortlist(MESSY, option="A")
    assert sl.errors_note.startswith(said) and sl.notes[0] == sl.errors_note
    assert said in json.dumps(sl.to_dict())
    assert any(note.startswith(said) for note in summarise(MESSY).notes)
    assert said in summarise(MESSY).to_html()
    # and none on lists without errors
    assert shortlist(CLEAN, option="A").errors_note == ""
    assert not any("see jtai validate" in note for note in summarise(CLEAN).notes)
    # the command line says it before the picks
    out = " ".join(runner.invoke(app, ["shortlist", str(MESSY), "--option", "A"]).output.split())
    assert out.index("The lists have") < out.index("Why")


def test_the_page_says_the_lists_have_errors(tmp_path):
    pytest.importorskip("starlette")
    from test_serve import ORIGIN, _client, upload  # noqa: PLC0415

    from jtai_cli.serve import ServeState  # noqa: PLC0415

    work = tmp_path / "private"
    work.mkdir()
    client = _client(ServeState(8765, token="t0k3n-for-tests", workdir=work))
    try:
        n = validate_workbook(MESSY).counts()["error"]
        for route, data in (("/shortlist", {"option": "A", "seed": "0"}), ("/summary", {})):
            r = client.post(route, files=upload(MESSY), headers=ORIGIN, data=data)
            assert r.status_code == 303, r.text
            page = client.get(r.headers["location"]).text
            assert re.search(rf"the lists have {n} errors: see jtai validate", page), route
    finally:
        client.__exit__(None, None, None)
