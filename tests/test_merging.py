"""merge_workbooks: stacking, exact duplicates, conflicts, row accounting, the Sources sheet."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import make_csv, make_workbook
from conftest import AS_OF, sha256
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtai_cli import merge_workbooks, validate_workbook
from jtai_cli.errors import OutputRefused, SheetMissing, UsageError
from jtai_cli.merging import CONFLICT, DUPLICATE, KEPT
from jtai_cli.schemas import load_schemas
from jtai_cli.validation import load_dataset

D = dt.date
CSA = ("Whether the child is at risk of or subject to child sexual abuse in the family "
       "environment (Y/N)")
CSA8 = ("Whether the child has been at risk or subject to child sexual abuse in the family "
        "environment (Y/N)")
STATUS = "Whether CIN, CP or CLA"

#: One valid row per list (as at 23/11/2026); tests override the cells that matter.
BASE: dict[str, dict[str, object]] = {
    "contacts": {
        "Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
        "Date of Contact": D(2026, 10, 1), "Contact Source": "e) 2A: Schools",
    },
    "referrals": {
        "Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
        "Date of referral": D(2026, 10, 5), "Referral Source": "e) 2A: Schools",
        "Referral NFA?": "b) No", "Number of Referrals in Last 12 Months": 1,
        "Allocated Team": "North Team", "Allocated Worker": "Ann Example",
    },
    "assessments": {
        "Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
        "Does the Child have a Disability": "b) No",
        "Continuous Assessment Start Date": D(2026, 8, 1),
        "Child Seen During Continuous Assessment": "a) Yes",
        "Continuous Assessment Date of Authorisation": None,
        "Allocated Team": "North Team", "Allocated Worker": "Ann Example", CSA: "N",
    },
    "children_in_need": {
        "Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
        "Does the Child have a Disability": "b) No", "CIN Start Date": D(2026, 9, 1),
        "Primary Need Code": "N1 - Abuse or neglect", "CIN Closure Date": None,
        "Reason for Closure": None, "Allocated Team": "North Team",
        "Allocated Worker": "Ann Example", CSA: "N",
    },
    "child_protection": {
        "Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
        "Does the Child have a Disability": "b) No",
        "Child Protection Plan Start Date": D(2026, 9, 10),
        "Initial Category of Abuse": "c) Sexual abuse",
        "Latest Category of Abuse": "c) Sexual abuse",
        "Child Protection Plan End Date": None,
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
        "Months (Y/N)": "b) No",
        "Number of Previous Child Protection Plans": 0, "Allocated Team": "North Team",
        "Allocated Worker": "Ann Example", CSA: "N",
    },
    "children_in_care_reduced": {
        "Child Unique ID": "C1", "Gender": "a) Male", "Ethnicity": "a) WBRI",
        "Date of Birth": D(2015, 4, 3), "Age of Child (Years)": 11,
        "Does the Child have a Disability": "b) No",
        "Date Started to be Looked After": D(2025, 1, 10),
        "Child's Category of Need": "N1 - Abuse or neglect",
        "Is this a second or subsequent period of being a Looked After Child within the last "
        "12 months (Y/N)": "b) No",
        "Child's Legal Status": "C2: FCO",
        "Date Ceased to be Looked After ": None,
        "Start Date of Most Recent Placement": D(2025, 1, 10),
        "Placement Type": "d) U4: Foster placement - long term",
        "Placement Provider": "b) PR1: Own provision", "Placement Location": "a) In",
        "Allocated Team": "North Team", "Allocated Worker": "Ann Example", CSA8: "N",
    },
    "yot": {"Child Unique ID": "C1", STATUS: "CIN"},
    "nps": {"Child Unique ID": "C1", STATUS: "CIN"},
}
SHEETS = {"children_in_care": "List_8", "contacts": "Contacts", "referrals": "Referrals",
          "assessments": "Assessments",
          "children_in_need": "List_6", "child_protection": "List_7",
          "children_in_care_reduced": "List_8", "yot": "YOT", "nps": "NPS"}


def row(name: str, **kw: Any) -> dict[str, object]:
    """A valid row of list ``name``; keyword names are headers with spaces as underscores,
    or the short names id, csa, team, start, end."""
    short = {"id": "Child Unique ID", "team": "Allocated Team"}
    out = dict(BASE[name])
    for k, v in kw.items():
        if k == "csa":
            out[CSA8 if name == "children_in_care_reduced" else CSA] = v
        elif k in short:
            out[short[k]] = v
        else:
            out[k.replace("_", " ")] = v
    return out


def full_list_8_row(**kw: Any) -> dict[str, object]:
    """A valid row of the full ILACS list 8: every column, blank beyond the reduced form's."""
    base = row("children_in_care_reduced", **kw)
    return {c.header: base.get(c.header)
            for c in load_schemas().lists["children_in_care"].columns}


def sheet(rows: list[dict[str, object]]) -> list[list[object]]:
    """Header row then data rows (all rows have the same keys)."""
    headers = list(rows[0])
    return [headers] + [[r[h] for h in headers] for r in rows]


def book(tmp_path: Path, name: str, lists: dict[str, list[dict[str, object]]],
         **kw: Any) -> Path:
    return make_workbook(tmp_path, {SHEETS[n]: sheet(rows) for n, rows in lists.items()},
                         name=name, **kw)


def canonical_rows(path: Path | list[Path], name: str) -> Counter:
    """The multiset of a list's rows in canonical typed form, over the columns it has."""
    data = load_dataset(path, as_of=AS_OF)
    out: Counter = Counter()
    for pl in data.of(name):
        t = pl.typed[list(pl.positions)] if pl.positions else pl.typed
        for rec in t.astype(object).where(t.notna(), None).itertuples(index=False):
            out[tuple(sorted(zip(t.columns, rec, strict=True)))] += 1
    return out


# --------------------------------------------------------------------------- stacking


@pytest.mark.slow
def test_lists_from_three_files_stack_into_one_workbook(tmp_path):
    a = book(tmp_path, "a.xlsx", {"children_in_need": [row("children_in_need")],
                                  "child_protection": [row("child_protection")]})
    b = make_csv(tmp_path, "referrals.csv", sheet([row("referrals", id="C2")]))
    c = book(tmp_path, "c.xlsx", {"yot": [row("yot")], "nps": [row("nps", **{STATUS: "CP"})]})
    before = {p: sha256(p) for p in (a, b, c)}
    result = merge_workbooks([a, b, c], tmp_path / "out.xlsx", as_of=AS_OF)

    assert {p: sha256(p) for p in (a, b, c)} == before
    assert [x.list for x in result.lists] == ["referrals", "children_in_need",
                                              "child_protection", "yot", "nps"]
    assert all(x.balanced and x.rows_in == x.rows_out == 1 for x in result.lists)
    assert result.valid, result.validation.where(severity="error")
    wb = openpyxl.load_workbook(result.output)
    assert wb.sheetnames[:6] == ["List_3", "List_6", "List_7", "YOT", "NPS", "Sources"]
    assert wb["List_6"]["A1"].value == "List 6: Children in need (data as at 23/11/2026)"
    for name, src in (("children_in_need", a), ("referrals", b), ("nps", c)):
        assert canonical_rows(result.output, name) == canonical_rows(src, name)


def test_values_written_in_canonical_form_and_ids_keep_leading_zeros(tmp_path):
    a = book(tmp_path, "a.xlsx", {"children_in_need": [row(
        "children_in_need", id="000123", Gender="Male", csa="Yes",
        Primary_Need_Code="N1 Abuse or neglect")]})
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    ws = openpyxl.load_workbook(result.output)["List_6"]
    values = {ws.cell(2, j).value: ws.cell(3, j).value for j in range(1, ws.max_column + 1)}
    assert values["Child Unique ID"] == "000123"
    assert values["Gender"] == "a) Male"
    assert values["Primary Need Code"] == "N1 - Abuse or neglect"
    assert values[CSA] == "Y"
    assert isinstance(values["Date of Birth"], dt.datetime)


def test_only_columns_found_in_the_inputs_are_written(tmp_path):
    a = book(tmp_path, "a.xlsx", {"yot": [row("yot")]})
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    ws = openpyxl.load_workbook(result.output)["YOT"]
    assert [c.value for c in ws[2]] == ["Child Unique ID", STATUS]


# --------------------------------------------------------------------------- duplicates, conflicts


def test_exact_duplicates_are_removed_counted_and_traced(tmp_path):
    r1, r2 = row("contacts"), row("contacts", id="C2")
    a = book(tmp_path, "a.xlsx", {"contacts": [r1, r2]})
    b = book(tmp_path, "b.xlsx", {"contacts": [r2, row("contacts", id="C3")]})
    result = merge_workbooks([a, b], tmp_path / "out.xlsx", as_of=AS_OF)

    (acc,) = result.lists
    assert (acc.rows_in, acc.rows_out, acc.duplicates_removed) == (4, 3, 1)
    (dup,) = result.duplicates
    assert (Path(dup.source.file).name, dup.source.row) == ("b.xlsx", 2)
    assert (Path(dup.duplicate_of.file).name, dup.duplicate_of.row) == ("a.xlsx", 3)
    assert [o.outcome for o in result.rows] == [KEPT, KEPT, DUPLICATE, KEPT]
    assert [o.output_row for o in result.rows] == [3, 4, None, 5]


def test_same_value_written_differently_is_still_a_duplicate(tmp_path):
    a = book(tmp_path, "a.xlsx", {"contacts": [row("contacts", Gender="a) Male")]})
    b = make_csv(tmp_path, "contacts.csv", sheet([row(
        "contacts", Gender="Male", Date_of_Birth="03/04/2015", Date_of_Contact="01/10/2026")]))
    result = merge_workbooks([a, b], tmp_path / "out.xlsx", as_of=AS_OF)
    assert result.lists[0].duplicates_removed == 1


def test_conflict_on_one_row_per_child_list_keeps_both_and_names_the_columns(tmp_path):
    a = book(tmp_path, "a.xlsx", {"children_in_need": [row("children_in_need", id="0042")]})
    b = book(tmp_path, "b.xlsx", {"children_in_need": [
        row("children_in_need", id="42", team="South Team")]})
    result = merge_workbooks([a, b], tmp_path / "out.xlsx", as_of=AS_OF)

    (acc,) = result.lists
    assert (acc.rows_in, acc.rows_out, acc.duplicates_removed, acc.rows_in_conflict) == (2, 2, 0, 2)
    (c,) = result.conflicts
    assert c.columns == ("Child Unique ID", "Allocated Team")
    assert c.output_rows == (3, 4)
    assert [o.outcome for o in result.rows] == [CONFLICT, CONFLICT]
    assert result.rows[0].conflicts_with == (result.rows[1].source,)
    # the merged workbook's own check reports the child twice: the user decides
    assert not result.valid
    assert {f["rule"] for f in result.validation.where(severity="error")} == {"duplicate-child"}


def test_same_child_twice_on_a_list_of_events_is_not_a_conflict(tmp_path):
    a = book(tmp_path, "a.xlsx", {"contacts": [row("contacts")]})
    b = book(tmp_path, "b.xlsx", {"contacts": [row("contacts", Date_of_Contact=D(2026, 11, 2))]})
    result = merge_workbooks([a, b], tmp_path / "out.xlsx", as_of=AS_OF)
    assert result.conflicts == () and result.lists[0].rows_out == 2 and result.valid


def test_unreadable_values_are_kept_as_written_or_reported(tmp_path):
    a = book(tmp_path, "a.xlsx", {"children_in_need": [
        row("children_in_need", CIN_Start_Date="sometime", **{"Age of Child (Years)": "eleven"})]})
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    got = {(u.column, u.value, u.kept) for u in result.unreadable}
    assert got == {("CIN Start Date", "sometime", True), ("Age of Child (Years)", "eleven", False)}
    ws = openpyxl.load_workbook(result.output)["List_6"]
    headers = [c.value for c in ws[2]]
    assert ws.cell(3, headers.index("CIN Start Date") + 1).value == "sometime"
    assert any("could not be read" in n for n in result.notes)


def test_two_rows_differing_only_in_unreadable_values_are_not_duplicates(tmp_path):
    a = book(tmp_path, "a.xlsx", {"contacts": [row("contacts", Date_of_Contact="soon"),
                                               row("contacts", Date_of_Contact="later")]})
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    assert result.lists[0].duplicates_removed == 0


# --------------------------------------------------------------------------- list 8 forms and notes


@pytest.mark.slow
def test_list_8_in_both_forms_goes_to_two_sheets_and_is_noted(tmp_path):
    a = book(tmp_path, "a.xlsx", {"children_in_care": [full_list_8_row()]})
    b = book(tmp_path, "b.xlsx", {"children_in_care_reduced": [row("children_in_care_reduced")]})
    result = merge_workbooks([a, b], tmp_path / "out.xlsx", as_of=AS_OF)
    assert [x.list for x in result.lists] == ["children_in_care", "children_in_care_reduced"]
    assert openpyxl.load_workbook(result.output).sheetnames[:2] == ["List_8", "List_8 (reduced)"]
    (note,) = [n for n in result.notes if "both forms" in n]
    assert "1 child(ren) are on both" in note
    sources = [r[0] for r in openpyxl.load_workbook(result.output)["Sources"].iter_rows(
        values_only=True)]
    assert note in sources


def test_sheets_and_columns_not_merged_are_noted(tmp_path):
    a = make_workbook(tmp_path, {
        "List_6": sheet([{**row("children_in_need"), "Child name": "Someone"}]),
        "Notes": [["please see attached"]],
    }, name="a.xlsx")
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    assert any("'Notes' was not merged" in n for n in result.notes)
    assert any("'Child name'" in n and "not carried over" in n for n in result.notes)


# --------------------------------------------------------------------------- Sources sheet and JSON


def test_sources_sheet_accounts_for_every_input_row(tmp_path):
    a = book(tmp_path, "a.xlsx", {"contacts": [row("contacts"), row("contacts")]})
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    rows = list(openpyxl.load_workbook(result.output)["Sources"].iter_rows(values_only=True))
    summary = rows.index(("List", "Sheet", "Rows in", "Rows out", "Exact duplicates removed",
                          "Rows in conflict", "Check"))
    assert rows[summary + 1][2:7] == (2, 1, 1, 0, "2 = 1 + 1")
    header = next(i for i, r in enumerate(rows) if r[:3] == ("File", "Sheet", "Row"))
    body = [r for r in rows[header + 1:] if r[0]]
    assert [r[2:] for r in body] == [
        (2, "List_1", "C1", "kept", 3),
        (3, "List_1", "C1", "removed: exact duplicate of a.xlsx, sheet 'Contacts', row 2", None)]


def test_to_dict_carries_accounting_conflicts_and_validation(tmp_path):
    a = book(tmp_path, "a.xlsx", {"yot": [row("yot"), row("yot", **{STATUS: "CP"})]})
    result = merge_workbooks([a], tmp_path / "out.xlsx", as_of=AS_OF)
    d = result.to_dict()
    acc = dict(d["accounting"]["yot"])
    assert acc.pop("title").startswith("YOT")
    assert acc == {
        "sheet": "YOT", "rows_in": 2, "rows_out": 2, "duplicates_removed": 0,
        "rows_in_conflict": 2, "balanced": True,
        "inputs": [{"file": str(a), "sheet": "YOT", "rows": 2}],
    }
    assert d["conflicts"][0]["columns"] == [STATUS]
    assert d["validation"] == result.validation.to_dict()
    assert d["valid"] is False


# --------------------------------------------------------------------------- refusals


def test_refuses_to_write_over_an_input(tmp_path):
    a = book(tmp_path, "a.xlsx", {"yot": [row("yot")]})
    before = sha256(a)
    with pytest.raises(OutputRefused):
        merge_workbooks([a], a, as_of=AS_OF)
    assert sha256(a) == before


def test_refuses_a_non_xlsx_output_and_no_inputs(tmp_path):
    a = book(tmp_path, "a.xlsx", {"yot": [row("yot")]})
    with pytest.raises(UsageError):
        merge_workbooks([a], tmp_path / "out.csv")
    with pytest.raises(UsageError):
        merge_workbooks([], tmp_path / "out.xlsx")
    with pytest.raises(UsageError, match="given twice"):
        merge_workbooks([a, tmp_path / "." / "a.xlsx"], tmp_path / "out.xlsx")


def test_no_list_in_any_input_is_refused(tmp_path):
    a = make_workbook(tmp_path, {"Notes": [["nothing here"]]}, name="a.xlsx")
    with pytest.raises(SheetMissing, match="no JTAI list"):
        merge_workbooks([a], tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


# --------------------------------------------------------------------------- the scenario


@pytest.mark.slow
def test_split_in_three_merges_back_to_the_same_content(tmp_path):
    """Lists 6-8 in one workbook, contacts and referrals as CSVs, YOT and NPS in a third."""
    full = {
        "contacts": [row("contacts", id=f"C{i}") for i in range(1, 4)],
        "referrals": [row("referrals", id=f"C{i}") for i in range(1, 3)],
        "children_in_need": [row("children_in_need", id=f"C{i}") for i in range(1, 4)],
        "child_protection": [row("child_protection", id="C2")],
        "children_in_care_reduced": [row("children_in_care_reduced", id="C3")],
        "yot": [row("yot", id="C1")],
        "nps": [row("nps", id="C2", **{STATUS: "CP"})],
    }
    original = book(tmp_path, "original.xlsx", full)
    split = tmp_path / "split"
    split.mkdir()
    p1 = book(split, "lists-6-8.xlsx", {k: full[k] for k in
                                        ("children_in_need", "child_protection",
                                         "children_in_care_reduced")})
    p2 = make_csv(split, "contacts.csv", sheet(full["contacts"]))
    p3 = make_csv(split, "referrals.csv", sheet(full["referrals"]))
    p4 = book(split, "yot-nps.xlsx", {"yot": full["yot"], "nps": full["nps"]})
    result = merge_workbooks([p1, p2, p3, p4], tmp_path / "merged.xlsx", as_of=AS_OF)

    assert result.valid
    assert all(a.balanced and a.duplicates_removed == 0 for a in result.lists)
    for name in full:
        assert canonical_rows(result.output, name) == canonical_rows(original, name), name
    before = validate_workbook(original, as_of=AS_OF)
    after = validate_workbook(result.output, as_of=AS_OF)
    assert before.valid and after.valid
    assert ({(i.list, i.rows) for i in before.sheets if i.list}
            == {(i.list, i.rows) for i in after.sheets if i.list})


# --------------------------------------------------------------------------- properties


_ROWS = st.lists(
    st.tuples(st.sampled_from(["C1", "C2", "C3", "004"]),            # child
              st.sampled_from([D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)]),  # date
              st.sampled_from(["North Team", "South Team"]),          # team
              st.integers(0, 2)),                                    # file it goes to
    min_size=1, max_size=12)


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(contacts=_ROWS, cin=_ROWS)
def test_merging_any_split_gives_back_exactly_the_rows(contacts, cin):
    """Rows out are the rows in, as a multiset, less only the exact duplicates counted."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        per_file: dict[int, dict[str, list]] = {0: {}, 1: {}, 2: {}}
        every: dict[str, list] = {"contacts": [], "children_in_need": []}
        for name, rows, date_col in (("contacts", contacts, "Date of Contact"),
                                     ("children_in_need", cin, "CIN Start Date")):
            for child, day, team, f in rows:
                r = row(name, id=child, **{date_col.replace(" ", "_"): day})
                if name == "children_in_need":
                    r["Allocated Team"] = team
                per_file[f].setdefault(name, []).append(r)
                every[name].append(r)
        files = [book(d, f"part{f}.xlsx", lists) for f, lists in per_file.items() if lists]
        whole = book(d, "whole.xlsx", every)
        result = merge_workbooks(files, d / "merged.xlsx", as_of=AS_OF)

        outcomes = Counter(o.outcome for o in result.rows)
        assert len(result.rows) == len(contacts) + len(cin)
        for acc in result.lists:
            assert acc.balanced
        assert outcomes[DUPLICATE] == sum(a.duplicates_removed for a in result.lists)
        for name in every:
            rows_in = canonical_rows(whole, name)
            rows_out = canonical_rows(result.output, name)
            assert set(rows_out) == set(rows_in)                 # nothing lost, nothing new
            assert all(n == 1 for n in rows_out.values())         # duplicates removed ...
            assert sum(rows_in.values()) - sum(rows_out.values()) == sum(  # ... and counted
                a.duplicates_removed for a in result.lists if a.list == name)
            if all(n == 1 for n in rows_in.values()):
                assert rows_out == rows_in                       # no duplicates: exactly

