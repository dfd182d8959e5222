"""summarise and small-number suppression: children counted once, tables, charts, outputs."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import shutil
import sys
import tomllib
from itertools import product
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from builders import make_csv, make_workbook
from conftest import AS_OF, EXAMPLES, sha256
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtai_cli import summarise
from jtai_cli.errors import OutputRefused, SheetMissing
from jtai_cli.schemas import load_schemas, schemas_folder
from jtai_cli.summary import (
    HIDDEN,
    PRIMARY,
    PUBLISHED,
    RANGE,
    SECONDARY,
    SMALL,
    SummaryTable,
    pinned_cells,
    suppress_table,
)
from jtai_cli.summary.html import _bar_chart

D = dt.date
FLAG = "CSA-FE"
L6 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
      "Allocated Team", FLAG]
L7 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "Child Protection Plan Start Date",
      "Initial Category of Abuse", "Latest Category of Abuse", "Allocated Team", FLAG]
L8 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
      "Does the Child have a Disability", "Date Started to be Looked After",
      "Child's Category of Need", "Child's Legal Status", "Allocated Team",
      "Whether the child has been at risk or subject to child sexual abuse in the family "
      "environment (Y/N)"]
YOT = ["Child Unique ID", "Whether CIN, CP or CLA"]


def title(text: str, day: dt.date = AS_OF) -> list[str]:
    return [f"{text} (data as at {day:%d/%m/%Y})"]


def row6(cid: str, flag: str = "N", *, dob: dt.date = D(2015, 4, 3), gender: str = "a) Male",
         eth: str = "a) WBRI", dis: str = "b) No", need: str = "N1 - Abuse or neglect",
         team: str = "North Team", start: dt.date = D(2026, 9, 1), age: int | None = None):
    years = AS_OF.year - dob.year - ((AS_OF.month, AS_OF.day) < (dob.month, dob.day))
    return [cid, gender, eth, dob, years if age is None else age, dis, start, need, team, flag]


def row7(cid: str, flag: str = "N", *, initial: str = "a) Neglect", latest: str = "a) Neglect",
         dob: dt.date = D(2015, 4, 3), team: str = "North Team"):
    years = AS_OF.year - dob.year - ((AS_OF.month, AS_OF.day) < (dob.month, dob.day))
    return [cid, "a) Male", "a) WBRI", dob, years, "b) No", D(2026, 9, 10), initial, latest,
            team, flag]


def row8(cid: str, flag: str = "N", *, legal: str = "C2: FCO", dob: dt.date = D(2012, 1, 5)):
    years = AS_OF.year - dob.year - ((AS_OF.month, AS_OF.day) < (dob.month, dob.day))
    return [cid, "b) Female", "o) BAFR", dob, years, "b) No", D(2025, 3, 1),
            "N1 - Abuse or neglect", legal, "Care Team", flag]


def lists_workbook(tmp_path: Path, *, day: dt.date = AS_OF, name: str = "lists.xlsx",
                   extra6: int = 0) -> Path:
    """Twelve children on list 6 (6 flagged), 7 of them on list 7, 5 on list 8, 2 on the YOT."""
    l6 = [row6(f"C{i:02d}", "Y" if i <= 6 else "N", gender="b) Female" if i % 2 else "a) Male")
          for i in range(1, 13 + extra6)]
    l6.append(row6("C01", "Y", start=D(2025, 1, 1)))  # second row for the same child
    l7 = [row7("0C01" if False else "C01", "Y", initial="c) Sexual abuse",
               latest="c) Sexual abuse"),
          row7("C02", "Y", initial="c) Sexual abuse", latest="a) Neglect"),
          row7("C03", "N", latest="d) Emotional abuse"),  # flagged Y on list 6: still flagged
          row7("C07"), row7("C08"), row7("C09"), row7("C10")]
    l8 = [row8("C04", "Y"), row8("C05", "Y", legal="V2: Single period under S20"),
          row8("C11"), row8("C12"), row8("C13" if extra6 else "C10")]
    return make_workbook(tmp_path, {
        "List 6": [title("List 6: Children in need", day), L6, *l6],
        "List 7": [title("List 7: Child protection", day), L7, *l7],
        "List 8": [title("List 8: Children in care", day), L8, *l8],
        "YOT": [title("YOT list", day), YOT, ["C01", "CP"], ["C12", "CLA"]],
    }, name=name)


# --------------------------------------------------------------------------- suppression


def lines_of(shape, row_totals, col_totals):
    rows, cols = shape
    out = []
    if row_totals:
        out += [[(i, j) for j in range(cols)] for i in range(rows)]
    if col_totals:
        out += [[(i, j) for i in range(rows)] for j in range(cols)]
    return out


def constraints(shape, row_totals, col_totals) -> np.ndarray:
    """One equation per row/column: its cells add up to its total (totals = last row/column)."""
    rows, cols = shape
    eqs = []
    for line in lines_of(shape, row_totals, col_totals):
        eq = np.zeros(rows * cols)
        for k, (i, j) in enumerate(line):
            eq[i * cols + j] = -1.0 if k == len(line) - 1 else 1.0
        eqs.append(eq)
    return np.array(eqs).reshape(len(eqs), rows * cols)


def linearly_recoverable(table, status, row_totals, col_totals) -> list[tuple[int, int]]:
    """Hidden cells fixed by the published cells and totals through any linear combination."""
    a = constraints(table.shape, row_totals, col_totals)
    hidden = [tuple(map(int, c)) for c in np.argwhere(status != PUBLISHED)]
    if not len(a) or not hidden:
        return []
    cols = table.shape[1]
    sub = a[:, [i * cols + j for i, j in hidden]]
    full_rank = np.linalg.matrix_rank(sub)
    found = []
    for k, cell in enumerate(hidden):
        rest = np.delete(sub, k, axis=1)
        if np.linalg.matrix_rank(rest) < full_rank:
            found.append(cell)
    return found


def subtraction_attack(table, status, row_totals, col_totals) -> set[tuple[int, int]]:
    """Solve, again and again, any row or column with one unknown left."""
    known = {tuple(map(int, c)) for c in np.argwhere(status == PUBLISHED)}
    solved: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for line in lines_of(table.shape, row_totals, col_totals):
            unknown = [c for c in line if c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                solved.add(unknown[0])
                changed = True
    return solved


def another_value_possible(table, status, row_totals, col_totals, cell) -> bool:
    """Brute force: is there a table agreeing with everything published (with "<5" cells in
    1..4 and "[c]" cells 0 or more) where ``cell`` is different? Independent of the library."""
    lines = lines_of(table.shape, row_totals, col_totals)
    hidden = [tuple(map(int, c)) for c in np.argwhere(status != PUBLISHED)]
    top = int(table.max()) + 2

    def domain(c):
        return range(1, 5) if status[c] == PRIMARY else range(0, top + 1)

    def sign(line, c):
        return -1 if c == line[-1] else 1

    rest = [c for c in hidden if c != cell]
    for target in (int(table[cell]) - 1, int(table[cell]) + 1):
        if target not in domain(cell):
            continue
        fixed = {c: int(table[c]) for c in map(tuple, np.argwhere(status == PUBLISHED))}
        fixed = {tuple(map(int, k)): v for k, v in fixed.items()}
        fixed[cell] = target

        def feasible(assign) -> bool:
            for line in lines:
                lo = hi = 0
                for c in line:
                    s = sign(line, c)
                    if c in assign:
                        lo += s * assign[c]
                        hi += s * assign[c]
                    else:
                        d = domain(c)
                        lo += min(s * d[0], s * d[-1])
                        hi += max(s * d[0], s * d[-1])
                if lo > 0 or hi < 0:
                    return False
            return True

        def search(k, assign) -> bool:
            if not feasible(assign):
                return False
            if k == len(rest):
                return True
            for v in domain(rest[k]):
                assign[rest[k]] = v
                if search(k + 1, assign):
                    return True
                del assign[rest[k]]
            return False

        if search(0, dict(fixed)):
            return True
    return False


def with_totals(inner: np.ndarray, row_totals: bool, col_totals: bool) -> np.ndarray:
    t = inner
    if row_totals:
        t = np.column_stack([t, t.sum(axis=1)])
    if col_totals:
        t = np.vstack([t, t.sum(axis=0)])
    return t


small_counts = st.one_of(st.integers(0, 4), st.integers(0, 12), st.integers(0, 60))
margins = st.sampled_from([(True, True), (True, False), (False, True)])


@st.composite
def count_tables(draw, max_rows=6, max_cols=4, counts=small_counts):
    rows = draw(st.integers(1, max_rows))
    cols = draw(st.integers(1, max_cols))
    inner = np.array(draw(st.lists(counts, min_size=rows * cols, max_size=rows * cols)),
                     dtype=np.int64).reshape(rows, cols)
    row_totals, col_totals = draw(margins)
    return with_totals(inner, row_totals, col_totals), row_totals, col_totals


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables())
def test_no_suppressed_cell_can_be_recovered_from_published_cells_and_totals(case):
    table, row_totals, col_totals = case
    status = suppress_table(table, row_totals=row_totals, col_totals=col_totals)
    # every count of 1-4 is hidden, as "<5" unless "[c]" is needed; "<5" is never anything else
    small = (table >= 1) & (table <= 4)
    assert (status[small] != PUBLISHED).all()
    assert small[status == PRIMARY].all()
    # no row or column is left with exactly one hidden cell
    for line in lines_of(table.shape, row_totals, col_totals):
        assert sum(1 for c in line if status[c]) != 1
    assert subtraction_attack(table, status, row_totals, col_totals) == set()
    assert linearly_recoverable(table, status, row_totals, col_totals) == []


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(max_rows=3, max_cols=3, counts=st.one_of(st.integers(0, 4),
                                                              st.integers(0, 9))))
def test_no_count_under_5_can_be_pinned_down_even_knowing_it_is_1_to_4(case):
    table, row_totals, col_totals = case
    status = suppress_table(table, row_totals=row_totals, col_totals=col_totals)
    for cell in map(tuple, np.argwhere(status == PRIMARY)):
        assert another_value_possible(table, status, row_totals, col_totals, cell), cell
    assert pinned_cells(table, status, row_totals=row_totals, col_totals=col_totals) == []


def test_one_small_cell_in_a_row_hides_the_next_smallest_in_its_row_and_column():
    table = np.array([[3, 10, 13], [20, 30, 50], [23, 40, 63]])
    status = suppress_table(table, row_totals=True, col_totals=True)
    assert status.tolist() == [[PRIMARY, SECONDARY, 0], [SECONDARY, SECONDARY, 0], [0, 0, 0]]


def test_zero_is_shown_and_not_chosen_to_hide_a_small_count_when_another_cell_will_do():
    # One column of groups with its total: a 0 in another row says nothing about the "<5".
    table = np.array([[2], [0], [9], [11]])
    status = suppress_table(table, row_totals=False, col_totals=True)
    assert status.tolist() == [[PRIMARY], [PUBLISHED], [SECONDARY], [PUBLISHED]]


def test_summary_zero_beside_a_small_count_in_its_row_is_suppressed_too():
    # Flagged "<5", not flagged 0: every child of the group is flagged. The 0 is hidden.
    table = np.array([[3, 0, 3], [10, 12, 22], [13, 12, 25]])
    status = suppress_table(table, row_totals=True, col_totals=True)
    assert status[0, 1] != PUBLISHED and status[0, 0] == PRIMARY
    assert pinned_cells(table, status, row_totals=True, col_totals=True) == []
    # Without a "<5" in the row a 0 is shown.
    table = np.array([[0, 9, 9], [10, 12, 22], [10, 21, 31]])
    assert suppress_table(table, row_totals=True, col_totals=True)[0, 0] == PUBLISHED


def test_the_simple_row_and_column_rule_is_not_enough_and_a_bridge_is_closed():
    # Two 2x2 blocks of small counts joined through one more small count: every row and column
    # has two hidden cells, yet the joining cell could be worked out by subtraction.
    inner = np.array([[1, 1, 0, 0, 9], [1, 1, 1, 0, 9], [0, 0, 1, 1, 9], [0, 0, 1, 1, 9],
                      [9, 9, 9, 9, 9]])
    table = with_totals(inner, True, True)
    status = suppress_table(table, row_totals=True, col_totals=True)
    assert linearly_recoverable(table, status, True, True) == []
    assert pinned_cells(table, status, row_totals=True, col_totals=True) == []


def test_only_primary_suppression_would_leave_the_joining_cell_recoverable():
    inner = np.array([[1, 1, 0, 0, 9], [1, 1, 1, 0, 9], [0, 0, 1, 1, 9], [0, 0, 1, 1, 9],
                      [9, 9, 9, 9, 9]])
    table = with_totals(inner, True, True)
    status = np.where((table >= 1) & (table <= 4), PRIMARY, PUBLISHED)
    assert (1, 2) in linearly_recoverable(table, status, True, True)
    assert (1, 2) in pinned_cells(table, status, row_totals=True, col_totals=True)


def test_forced_and_avoided_cells():
    table = np.array([[3, 10, 7, 20]])
    avoid = np.array([[False, True, False, False]])
    status = suppress_table(table, row_totals=True, col_totals=False, avoid=avoid)
    assert status.tolist() == [[PRIMARY, PUBLISHED, SECONDARY, PUBLISHED]]
    force = np.array([[False, False, False, True]])
    status = suppress_table([[30, 10, 7, 47]], row_totals=True, col_totals=False, force=force)
    assert status[0, 3] == SECONDARY and (status != PUBLISHED).sum() >= 2


def test_suppress_table_rejects_negative_counts():
    with pytest.raises(ValueError):
        suppress_table([[1, -1, 0]], row_totals=True, col_totals=False)


# --------------------------------------------------------------------------- counting


@pytest.mark.slow
def test_counts_children_not_rows_and_a_flag_on_any_list_counts(tmp_path):
    s = summarise(lists_workbook(tmp_path), suppress=False)
    by_list = s["by_list"]
    # C01 has two rows on list 6: one child
    assert by_list.loc["List 6: Children in need", "Children"] == 12
    assert by_list.loc["List 6: Children in need", "Flagged"] == 6
    # C03 is N on list 7 but Y on list 6: flagged on list 7 too
    assert by_list.loc["List 7: Child protection plans", "Flagged"] == 3
    assert by_list.loc["List 7: Child protection plans", "Not flagged"] == 4
    assert by_list.loc["List 8: Children in care", "Flagged"] == 2
    assert by_list.loc["List 8: Children in care", "% flagged"] == 40.0
    assert by_list.loc["Any list, each child once", "Children"] == 12
    assert by_list.loc["Lists 4 to 8, each child once", "Flagged"] == 6
    assert s.as_of == AS_OF
    assert s.snapshots[0].as_of_source.startswith("the title")


def test_ids_with_lost_leading_zeros_are_the_same_child(tmp_path):
    path = make_workbook(tmp_path, {
        "List 6": [L6, row6("00123", "Y"), row6("456")],
        "List 7": [L7, row7("123"), row7("0456")],
    })
    s = summarise(path, as_of=AS_OF, suppress=False)
    assert s["by_list"].loc["Any list, each child once", "Children"] == 2
    assert s["by_list"].loc["List 7: Child protection plans", "Flagged"] == 1


def test_age_bands_at_the_as_of_date_with_unborn_children(tmp_path):
    path = make_workbook(tmp_path, {"List 6": [
        L6,
        row6("A", "Y", dob=D(2026, 12, 25), age=-1),    # unborn on 23/11/2026
        row6("B", "Y", dob=D(2021, 11, 24)),             # 4 (5 tomorrow)
        row6("C", "N", dob=D(2021, 11, 23)),             # 5 today
        row6("D", "N", dob=D(2010, 11, 23)),             # 16
        row6("E", "N", dob=D(2011, 1, 1)),               # 15
        [*row6("F", "N")[:3], None, 9, *row6("F", "N")[5:]],   # no date of birth: the age
        [*row6("G", "Y")[:3], None, -1, *row6("G", "Y")[5:]],  # no DOB, age -1: unborn
    ]})
    s = summarise(path, as_of=AS_OF, suppress=False)
    age = s["by_age"]
    assert list(age.index) == ["Unborn", "0-4", "5-9", "10-15", "16-17",
                               "All children on lists 4 to 8"]
    assert age["Children"].tolist() == [2, 1, 2, 1, 1, 7]
    assert age["Flagged"].tolist() == [2, 1, 0, 0, 0, 3]


def test_ethnicity_grouped_as_the_template_groups_it(tmp_path):
    codes = ["a) WBRI", "e) WROM", "g) MWBA", "k) APKN", "o) BAFR", "q) CHNE", "r) OOTH",
             "s) REFU", "s) NOBT"]
    path = make_workbook(tmp_path, {"List 6": [L6, *[row6(f"E{i}", eth=c)
                                                     for i, c in enumerate(codes)],
                                               row6("X", eth=None)]})
    s = summarise(path, as_of=AS_OF, suppress=False)
    eth = s["by_ethnicity"]["Children"]
    assert eth.to_dict() == {"White": 2, "Mixed": 1, "Asian": 1, "Black": 1, "Chinese": 1,
                             "Other": 1, "Refused/Not obtained": 3,
                             "All children on lists 4 to 8": 10}


def test_cp_plans_of_flagged_children_with_and_without_the_sexual_abuse_category(tmp_path):
    s = summarise(lists_workbook(tmp_path), suppress=False)
    sa = s["sexual_abuse_category"]["Flagged children"]
    assert sa.to_dict() == {
        "Sexual abuse is the latest category": 1,
        "Sexual abuse was the initial category only": 1,
        "Neither the initial nor the latest category is sexual abuse": 1,
        "All flagged children on a CP plan": 3,
    }
    cat = s["category_of_abuse"]
    assert cat.loc["Sexual abuse", "Flagged"] == 1
    assert cat.loc["Neglect", "Children"] == 5


def test_journey_legal_status_need_team_and_gender(tmp_path):
    s = summarise(lists_workbook(tmp_path), suppress=False)
    j = s["journey"]
    assert j.loc["Child in need (list 6)", "Yes"] == 6
    assert j.loc["On a child protection plan (list 7)", "Yes"] == 3
    assert j.loc["Looked after (list 8)", "Yes"] == 2
    assert j.loc["On the YOT list", "Yes"] == 1
    assert j.loc["On the YOT list", "% of flagged children"] == pytest.approx(16.7)
    assert "Had a referral (list 3)" not in j.index
    legal = s["legal_status"]
    assert legal.loc["Full care order (C2)", "Children"] == 4
    assert legal.loc["Single period of accommodation under section 20 (V2)", "Flagged"] == 1
    assert s["primary_need"].loc["Abuse or neglect (N1)", "Children"] == 12
    # team comes from the child's main list: list 8 for the looked-after children
    assert s["by_team"].loc["Care Team", "Children"] == 5
    # gender too: list 8 says female for C04, C05, C10-C12; list 7 says male for C01, C03, C07,
    # C09 (female on list 6, a lower list)
    assert s["by_gender"].loc["Female", "Children"] == 5
    assert any("List 1: Contacts" in n for n in s.notes)


def test_suppression_on_by_default_and_totals_cannot_give_it_away(tmp_path):
    s = summarise(lists_workbook(tmp_path))
    assert s.suppressed
    by_list = s["by_list"]
    assert by_list.loc["List 8: Children in care", "Flagged"] == SMALL
    assert by_list.loc["List 8: Children in care", "% flagged"] == HIDDEN
    for t in s.tables.values():
        for v in t.frame.to_numpy().ravel():
            assert not (isinstance(v, int) and 1 <= v <= 4), t.name
    # the same total is hidden or shown alike in every table that shows it
    flagged_6 = by_list.loc["List 6: Children in need", "Flagged"]
    assert s["primary_need"].loc["All children on list 6", "Flagged"] == flagged_6
    assert s["journey"].loc["Child in need (list 6)", "Yes"] == flagged_6


@pytest.mark.slow
def test_suppressed_tables_protect_every_small_count(tmp_path):
    """Every published table: no hidden cell can be pinned down from its rows and totals."""
    s = summarise(lists_workbook(tmp_path, extra6=20))
    raw = summarise(lists_workbook(tmp_path, extra6=20, name="again.xlsx"), suppress=False)
    for name, t in s.tables.items():
        counts = [c for c in t.frame.columns if not str(c).startswith("%")]
        counts = [c for c in counts if "per 10,000" not in str(c)]
        pub = t.frame[counts].to_numpy(dtype=object)
        true = raw[name][counts].to_numpy(dtype=object).astype(np.int64)
        ranged = np.vectorize(lambda v: isinstance(v, str) and RANGE.match(v) is not None)(pub)
        status = np.where(pub == SMALL, PRIMARY, np.where((pub == HIDDEN) | ranged, SECONDARY,
                                                          PUBLISHED))
        assert (pub[status == PUBLISHED] == true[status == PUBLISHED]).all()
        # a range holds the true figure and is a range of large numbers
        for (i, j) in np.argwhere(ranged):
            lo, hi = map(int, RANGE.match(pub[i, j]).groups())
            assert 5 <= lo <= true[i, j] <= hi, (name, pub[i, j], true[i, j])
        has_rt = name in {"by_list", "journey", "additional"} or t.total_row is not None \
            and len(counts) > 1
        has_ct = t.total_row is not None
        assert pinned_cells(true, status, row_totals=has_rt, col_totals=has_ct) == [], name


@pytest.mark.slow
def test_snapshots_are_ordered_by_their_as_at_date_and_give_a_trend(tmp_path):
    late = lists_workbook(tmp_path, name="nov.xlsx")
    (tmp_path / "aug").mkdir()
    early = lists_workbook(tmp_path / "aug", day=D(2026, 8, 24), name="aug.xlsx", extra6=3)
    s = summarise([late, early], suppress=False)
    assert [x.as_of for x in s.snapshots] == [D(2026, 8, 24), AS_OF]
    trend = s["trend"]
    assert list(trend.columns) == ["24/08/2026", "23/11/2026"]
    assert trend.loc["Flagged children: List 6: Children in need"].tolist() == [6, 6]
    assert trend.loc["% flagged: List 6: Children in need"].tolist() == [40.0, 50.0]
    # the other tables describe the latest snapshot
    assert s["by_list"].loc["List 6: Children in need", "Children"] == 12


def test_given_as_of_dates_every_file(tmp_path):
    s = summarise(lists_workbook(tmp_path), as_of=D(2026, 12, 1), suppress=False)
    assert s.as_of == D(2026, 12, 1) and s.snapshots[0].as_of_source == "given"
    assert "trend" not in s.tables


def test_csv_files_of_one_export_are_one_snapshot(tmp_path):
    a = make_csv(tmp_path, "list6.csv", [L6, [str(v) if not isinstance(v, dt.date)
                                              else f"{v:%d/%m/%Y}" for v in row6("A", "Y")]])
    b = make_csv(tmp_path, "list7.csv", [L7, [str(v) if not isinstance(v, dt.date)
                                              else f"{v:%d/%m/%Y}" for v in row7("A")]])
    s = summarise([a, b], suppress=False)
    assert len(s.snapshots) == 1
    assert s["by_list"].loc["List 7: Child protection plans", "Flagged"] == 1
    assert any("no 'data as at' date" in n for n in s.notes)


def test_input_with_no_lists_is_unusable(tmp_path):
    path = make_workbook(tmp_path, {"Notes": [["hello"], ["world"]]})
    with pytest.raises(SheetMissing):
        summarise(path)


# --------------------------------------------------------------------------- outputs


def test_to_dict_is_plain_json_with_every_table(tmp_path):
    s = summarise(lists_workbook(tmp_path))
    d = s.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["suppression"]["on"] is True
    assert d["as_of"] == "2026-11-23"
    by_list = d["tables"]["by_list"]
    row = next(r for r in by_list["rows"] if r["label"] == "List 8: Children in care")
    assert row["values"] == {"Flagged": "<5", "Not flagged": "<5", "Children": 5,
                             "% flagged": "[c]"}


def svg_texts(html: str) -> dict[str, list[str]]:
    """Text drawn in each chart, by section id."""
    out = {}
    for sid, body in re.findall(r'<section id="([^"]+)">(.*?)</section>', html, re.S):
        figure = re.search(r"<svg.*?</svg>", body, re.S)
        if figure:
            out[sid] = [html_lib.unescape(re.sub(r"<[^>]+>", "", t)) for t in
                        re.findall(r"<text\b[^>]*>(.*?)</text>", figure.group(0), re.S)]
    return out


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*(?:\.\d+)?", text))


@pytest.mark.slow
@pytest.mark.parametrize("suppress", [True, False])
def test_every_number_in_a_chart_appears_in_its_table(tmp_path, suppress):
    late = lists_workbook(tmp_path, extra6=20)
    (tmp_path / "aug").mkdir()
    early = lists_workbook(tmp_path / "aug", day=D(2026, 8, 24), extra6=9)
    s = summarise([late, early], suppress=suppress)
    html = s.to_html()
    charts = svg_texts(html)
    assert {"by_list", "journey", "trend"} <= set(charts)
    for name, texts in charts.items():
        t = s.tables[name]
        cells = {str(x) for x in [t.frame.index.name, *t.frame.index, *t.frame.columns]}
        shown = set()
        for v in t.frame.to_numpy().ravel():
            shown.add(f"{v:,}" if isinstance(v, int) else f"{v:.1f}" if isinstance(v, float)
                      else str(v))
        table_numbers = set().union(*(numbers(c) for c in cells | shown))
        for text in texts:
            assert numbers(text) <= table_numbers, (name, text)
        # every bar's value label is one of the table's shown values
        if t.chart and t.kind == "bar":
            col = t.frame[t.chart]
            if t.total_row is not None:
                col = col.drop(index=t.total_row)
            bar_values = {f"{v:,}" if isinstance(v, int) else str(v) for v in col}
            assert bar_values <= set(texts), name


def test_html_is_self_contained_deterministic_and_holds_no_child_id(tmp_path):
    s = summarise(lists_workbook(tmp_path))
    html = s.to_html()
    assert html == s.to_html()
    assert html.startswith("<!DOCTYPE html>")
    lower = html.lower()
    for banned in ("<script", "<link", "<img", "@import", "src=", "url(http", "href=\"http"):
        assert banned not in lower
    # the only URLs are XML namespace names, which browsers never fetch
    assert set(re.findall(r"https?://[^\s\"')]+", html)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "C01" not in html and "North Team" in html
    # every svg id is unique in the page
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_html_says_when_small_numbers_are_not_suppressed(tmp_path):
    s = summarise(lists_workbook(tmp_path), suppress=False)
    assert "NOT suppressed" in s.to_html()
    assert SMALL not in json.dumps(s.to_dict()["tables"])


@pytest.mark.slow
def test_xlsx_holds_the_same_tables_and_never_overwrites_an_input(tmp_path):
    src = lists_workbook(tmp_path)
    before = sha256(src)
    s = summarise(src)
    out = s.to_xlsx(tmp_path / "summary.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "About"
    ws = wb["By list"]
    header = [c.value for c in ws[4]]
    assert header == ["List", *s["by_list"].columns]
    got = {r[0]: list(r[1:]) for r in ws.iter_rows(min_row=5, values_only=True)}
    for label, row in s["by_list"].iterrows():
        assert got[label] == ["-" if v is None else v for v in row]
    with pytest.raises(OutputRefused):
        s.to_xlsx(src)
    with pytest.raises(OutputRefused):
        s.write_html(src)
    assert sha256(src) == before


def _html_row(page: str, label: str) -> list[str]:
    """The cells of the first table row headed ``label``, as a reader sees them."""
    m = re.search(rf'<tr><th scope="row">{re.escape(html_lib.escape(label))}</th>(.*?)</tr>', page)
    assert m, label
    return [html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))]


@pytest.mark.slow
def test_write_html(tmp_path):
    """The page written holds the known counts of a small input, and none of the hidden ones."""
    src = lists_workbook(tmp_path)
    path = summarise(src).write_html(tmp_path / "summary.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # 12 children on list 6, 6 flagged; lists 7 and 8 have 3 of 7 and 2 of 5 flagged, too few
    # to publish: shown as <5, and the percentage that would give them away as [c].
    assert _html_row(page, "List 6: Children in need") == ["6", "6", "12", "50.0"]
    assert _html_row(page, "List 7: Child protection plans") == ["<5", "<5", "7", "[c]"]
    assert _html_row(page, "List 8: Children in care") == ["<5", "<5", "5", "[c]"]
    assert _html_row(page, "Male") == ["<5", "<5", "7", "[c]"]
    for hidden in ("42.9", "40.0", "57.1"):  # 3 of 7, 2 of 5, 4 of 7 as percentages
        assert hidden not in page
    # The same input unsuppressed shows them: the page is the data, not a fixed text.
    open_page = summarise(src, suppress=False).write_html(tmp_path / "open.html").read_text(
        encoding="utf-8")
    assert _html_row(open_page, "List 7: Child protection plans") == ["3", "4", "7", "42.9"]
    assert _html_row(open_page, "Male") == ["4", "3", "7", "57.1"]


@pytest.mark.slow
def test_clean_example_summary():  # the example is shipped: missing, the test fails
    s = summarise(EXAMPLES / "lists_clean.xlsx")
    assert s.as_of == AS_OF
    flagged = s["by_list"].loc["Lists 4 to 8, each child once", "Flagged"]
    assert isinstance(flagged, int) and flagged >= 5
    assert {"by_age", "by_gender", "by_ethnicity", "by_disability", "by_team", "legal_status",
            "primary_need", "category_of_abuse", "sexual_abuse_category", "journey"} \
        <= set(s.tables)


@pytest.mark.slow
def test_every_cell_combination_of_tiny_tables_is_safe():
    """Exhaustive: every 2x2 table of counts 0-6 with both totals."""
    for values in product(range(0, 7), repeat=4):
        table = with_totals(np.array(values).reshape(2, 2), True, True)
        status = suppress_table(table, row_totals=True, col_totals=True)
        assert linearly_recoverable(table, status, True, True) == [], values
        assert pinned_cells(table, status, row_totals=True, col_totals=True) == [], values


def test_additional_fields_from_their_own_sheet(tmp_path, schemas):
    headers = [c.header for c in schemas.lists["additional_fields"].columns]
    assert len(headers) == 8
    path = make_workbook(tmp_path, {
        "List 6": [L6, *[row6(f"A{i}", "Y") for i in range(7)], row6("B", "N")],
        "Additional": [headers, *[[f"A{i}", "Y", "Y" if i < 6 else "N", "N", "N", "Y", "Y", "N"]
                                  for i in range(6)],
                       ["Z", "Y", "Y", "Y", "Y", "Y", "Y", "Y"]],  # on no list
    })
    s = summarise(path, as_of=AS_OF, suppress=False)
    add = s["additional"]
    # Option A (an additional fields sheet): the base is the flagged children on it, the
    # sample; A6 (flagged, not in the sample) and Z (on no list) are not counted.
    assert add.loc["Multi-agency involvement"].tolist() == [6, 0, 0, 6, 100.0]
    assert add.loc["Known to the YOT", "No"] == 6
    assert "sample" in s.tables["additional"].description
    # a child on the additional sheet only is neither on the lists nor flagged
    assert s["by_list"].loc["Any list, each child once", "Children"] == 8
    assert s["journey"].loc["Child in need (list 6)", "Flagged children"] == 7


# --------------------------------------------------------------------------- issue 12, part 4


def _answers_workbook(tmp_path, *, sheet: bool) -> Path:
    """Ten flagged children; the seven answers beside them (option B) or on a sheet (A)."""
    headers = ["Child Unique ID", "Is CSA-FE a current or significant factor?",
               "Is there multi-agency involvement?"]
    rows = [row6(f"A{i}", "Y") for i in range(10)] + [row6(f"N{i}") for i in range(6)]
    if not sheet:
        answers = ["Y"] * 4 + ["N"] * 3 + [None] * 3  # 3 not recorded
        cols = L6 + headers[1:]
        body = [r + ["Y", a] for r, a in zip(rows, answers + [None] * 6, strict=True)]
        return make_workbook(tmp_path, {"List 6": [cols, *body]})
    add = [headers] + [[f"A{i}", "Y", "Y" if i < 6 else "N"] for i in range(8)]
    return make_workbook(tmp_path, {"List 6": [L6, *rows], "Additional": add})


def test_summary_percent_yes_is_of_those_asked_and_answering_not_recorded_shown(tmp_path):
    s = summarise(_answers_workbook(tmp_path, sheet=False), as_of=AS_OF, suppress=False)
    add = s["additional"]
    row = add.loc["Multi-agency involvement"]
    assert row["Yes"] == 4 and row["No"] == 3 and row["Not recorded"] == 3
    assert row["Children asked"] == 10
    assert row["% yes of those answering"] == pytest.approx(57.1)  # 4 of 7, not 4 of 10
    assert "Option B" in s.tables["additional"].description


def test_summary_option_a_base_is_the_sample_and_says_it_is_not_prevalence(tmp_path):
    s = summarise(_answers_workbook(tmp_path, sheet=True), as_of=AS_OF, suppress=False)
    add = s["additional"]
    assert add.loc["Multi-agency involvement", "Children asked"] == 8
    assert add.loc["Multi-agency involvement", "% yes of those answering"] == 75.0
    desc = s.tables["additional"].description
    assert "sample of 20" in desc and "not how common" in desc
    assert "sample" in s.to_html()


def test_summary_secondary_suppression_is_shown_as_a_range_and_drawn_as_one(tmp_path):
    # List 8: 2 flagged of 27: "Not flagged" is hidden but must be 23 to 26 (27 minus 1-4).
    l8 = [row8(f"K{i:02d}", "Y" if i < 2 else "N") for i in range(27)]
    l6 = [row6(f"S{i:02d}", "Y" if i < 10 else "N") for i in range(30)]
    path = make_workbook(tmp_path, {"List 6": [title("List 6"), L6, *l6],
                                    "List 8": [title("List 8"), L8, *l8]})
    s = summarise(path)
    row = s["by_list"].loc["List 8: Children in care"]
    assert row["Flagged"] == SMALL and row["Children"] == 27
    assert row["Not flagged"] == "23-26"
    # the same hidden total, in the legal status table, shows the same range
    assert s["legal_status"].loc["All children on list 8", "Not flagged"] == "23-26"
    assert "23-26" in json.dumps(s.to_dict())


def test_summary_a_range_bar_is_drawn_for_a_range_value(tmp_path):
    frame = pd.DataFrame({"Flagged": [30, "22-25", SMALL, HIDDEN]},
                         index=pd.Index(["a", "b <&> 'c'", "d", "e"], name="Group"),
                         dtype=object)
    svg = _bar_chart(SummaryTable("t", "T & <t>", "", frame, chart="Flagged"), "c0")
    assert svg is not None
    assert svg.count('class="range"') == 2  # 22-25 and <5 (1 to 4)
    assert "b &lt;&amp;&gt; &#x27;c&#x27;" in svg and "<title>T &amp; &lt;t&gt;" in svg
    assert ">22-25</text>" in svg and ">[c]</text>" in svg


def test_summary_no_causal_label_for_other_categories(tmp_path):
    s = summarise(lists_workbook(tmp_path), suppress=False)
    text = json.dumps(s.to_dict()) + s.to_html()
    assert "surfaced" not in text and "secondary factor" not in text


@pytest.mark.slow
def test_summary_population_adds_rates_per_10000_with_the_base_stated(tmp_path):
    s = summarise(lists_workbook(tmp_path), suppress=False, population=40_000)
    by_list = s["by_list"]
    assert by_list.loc["List 6: Children in need", "Flagged per 10,000 children"] == 1.5
    assert by_list.loc["List 6: Children in need", "Children per 10,000 children"] == 3.0
    assert "40,000" in s.tables["by_list"].description
    assert any("40,000" in n for n in s.notes)
    hidden = summarise(lists_workbook(tmp_path, name="b.xlsx"), population=40_000)["by_list"]
    assert hidden.loc["List 8: Children in care", "Flagged per 10,000 children"] == HIDDEN
    assert "Flagged per 10,000 children" not in summarise(lists_workbook(
        tmp_path, name="c.xlsx"))["by_list"].columns


def test_summary_charts_need_no_plotting_library(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # any import of it would fail
    html = summarise(lists_workbook(tmp_path)).to_html()
    assert html.count("<svg") >= 5
    deps = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(
        encoding="utf-8"))["project"]["dependencies"]
    assert not any(d.startswith("matplotlib") for d in deps)


def test_summary_option_a_without_a_sheet_takes_the_answered_children_as_the_sample(tmp_path):
    path = _answers_workbook(tmp_path, sheet=False)  # answers beside 7 of 10 flagged children
    s = summarise(path, as_of=AS_OF, suppress=False, option="A")
    row = s["additional"].loc["Multi-agency involvement"]
    assert row["Children asked"] == 10  # field 1 is answered Y for all ten
    assert row["Not recorded"] == 3 and row["% yes of those answering"] == pytest.approx(57.1)
    assert "sample of 20" in s.tables["additional"].description


# --------------------------------------------------------------------------- lists are data

FAMILY_SUPPORT = """\
name: family_support
title: "List 12: Family support"
list_number: 12
description: Children given family support, with the CSA-FE question.
sheet_names: [Family support]
one_row_per_child: true
order: 12
columns:
  - header: Child Unique ID
    type: id
    required: true
    essential: true
    role: child_id
  - header: Family Support Start Date
    type: date
    required: true
    essential: true
    role: start_date
  - header: Family support CSA-FE flag (Y/N)
    type: yes_no
    required: true
    role: csa_flag
"""
SUMMARY_BLOCK = """\
summary:
  group: family_support
  label: "List 12: Family support"
  journey: Had family support (list 12)
  rank: 4
"""


def _schemas_with_family_support(tmp_path: Path, *, summary: bool):
    folder = tmp_path / "schemas"
    shutil.copytree(schemas_folder(), folder)
    text = FAMILY_SUPPORT.replace("columns:\n", (SUMMARY_BLOCK if summary else "") + "columns:\n")
    (folder / "family_support.yaml").write_text(text, encoding="utf-8")
    return load_schemas(folder)


def _family_support_workbook(tmp_path: Path) -> Path:
    rows = [["C01", D(2026, 10, 1), "Y"], ["C02", D(2026, 10, 2), "Y"], ["F1", D(2026, 10, 3), "Y"],
            ["F2", D(2026, 10, 4), "N"]]
    return make_workbook(tmp_path, {
        "Family support": [title("List 12: Family support"),
                           ["Child Unique ID", "Family Support Start Date",
                            "Family support CSA-FE flag (Y/N)"], *rows],
        "List 6": [title("List 6: Children in need"), L6, row6("C01", "Y"), row6("C02"),
                   row6("C03")],
    }, name="family.xlsx")


def test_a_new_list_with_the_flag_and_a_summary_block_is_summarised_without_code(tmp_path):
    schemas = _schemas_with_family_support(tmp_path, summary=True)
    s = summarise(_family_support_workbook(tmp_path), as_of=AS_OF, suppress=False,
                  schemas=schemas)
    by_list = s["by_list"]
    assert by_list.loc["List 12: Family support", "Flagged"] == 3
    assert by_list.loc["List 12: Family support", "Not flagged"] == 1
    # C02 is flagged on the new list only: still a flagged child, on list 6 too.
    assert by_list.loc["List 6: Children in need", "Flagged"] == 2
    assert "Lists 4, 5, 6, 7, 8 and 12, each child once" in by_list.index
    assert by_list.loc["Lists 4, 5, 6, 7, 8 and 12, each child once", "Flagged"] == 3
    assert s["journey"].loc["Had family support (list 12)", "Yes"] == 3
    assert s["by_age"].index[-1] == "All children on lists 4, 5, 6, 7, 8 and 12"
    assert s.flag_row == "Lists 4, 5, 6, 7, 8 and 12, each child once"
    assert "% of children on lists 4, 5, 6, 7, 8 and 12 flagged" in s.to_html()


def test_a_list_without_a_summary_block_is_said_to_be_left_out(tmp_path):
    schemas = _schemas_with_family_support(tmp_path, summary=False)
    s = summarise(_family_support_workbook(tmp_path), as_of=AS_OF, suppress=False,
                  schemas=schemas)
    assert "List 12: Family support" not in s["by_list"].index
    assert any(n.startswith("List 12: Family support: read but not counted") and
               "no summary: block" in n for n in s.notes)


def test_every_list_that_asks_the_csa_fe_question_has_a_summary_block():
    for schema in load_schemas().lists.values():
        if schema.by_role("csa_flag") is not None:
            assert schema.summary is not None, schema.name


def test_summary_says_how_many_cells_could_not_be_read_and_where(tmp_path):
    path = make_workbook(tmp_path, {
        "List 6": [title("List 6: Children in need"), L6, row6("C01", "Y"),
                   row6("C02", "Y")[:3] + ["31/02/2015"] + row6("C02", "Y")[4:],
                   row6("C03", "maybe")],
    })
    s = summarise(path, as_of=AS_OF, suppress=False)
    note = next(n for n in s.notes if "could not be read" in n)
    assert note.startswith("2 cells could not be read and were taken as blank: ")
    assert "List 6 (sheet 'List 6') column D 'Date of Birth': row 4" in note
    assert "column J 'CSA-FE': row 5" in note
    assert "31/02" not in note and "maybe" not in note  # coordinates, never values
    assert s["by_list"].loc["List 6: Children in need", "Flagged"] == 2  # C03's flag: blank
    clean = summarise(lists_workbook(tmp_path, name="clean.xlsx"), as_of=AS_OF)
    assert not any("could not be read" in n for n in clean.notes)
