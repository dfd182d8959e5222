"""filter_lists: CSA-FE children, open/closed, windows, teams, IDs, the paragraph 33 preset."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pytest
from builders import make_csv, make_workbook
from conftest import AS_OF, sha256
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_merging import book, canonical_rows, row, sheet

from jtai_cli import filter_lists
from jtai_cli.errors import SheetMissing, UsageError
from jtai_cli.filtering import resolve_lists
from jtai_cli.validation import load_dataset

D = dt.date


def ids_in(path: Path, name: str) -> list[str]:
    data = load_dataset(path, as_of=AS_OF)
    return [v for pl in data.of(name) for v in pl.typed["Child Unique ID"]]


# --------------------------------------------------------------------------- paragraph 33


@pytest.fixture
def para33(tmp_path):
    """Lists 4-8 in a workbook and the referrals as a CSV, as the LA would send them on day 8.

    The three months before 23/11/2026 start on 23/08/2026.
    """
    lists = book(tmp_path, "lists.xlsx", {
        "assessments": [row("assessments", id="C4", csa="Y"),
                        row("assessments", id="C2", csa="N")],
        "children_in_need": [row("children_in_need", id="C1", csa="Y"),
                             row("children_in_need", id="C2", csa="N"),
                             row("children_in_need", id="C6", csa="N"),
                             row("children_in_need", id="C8", csa="Yes")],
        "child_protection": [row("child_protection", id="3", csa="Y"),
                             row("child_protection", id="C6", csa="Y"),
                             row("child_protection", id="C7", csa="Y")],
        "children_in_care_reduced": [row("children_in_care_reduced", id="C5", csa="Y")],
    })
    refs = [
        ("C1", D(2026, 11, 1)),    # flagged on list 6, recent: in
        ("C1", D(2026, 8, 22)),    # same child, the day before the window: out
        ("C1", D(2026, 8, 23)),    # first day of the window: in
        ("C2", D(2026, 11, 1)),    # flagged N everywhere: out
        ("0003", D(2026, 10, 1)),  # flagged on list 7 as "3" (leading zeros lost): in
        ("C4", D(2026, 9, 30)),    # flagged on assessments (list 4) only: in
        ("C5", D(2026, 11, 23)),   # flagged on list 8, on the as-of day: in
        ("C6", D(2026, 10, 15)),   # N on list 6 but Y on list 7 (any list): in
        ("C7", D(2026, 11, 24)),   # flagged, but after the as-of date: out
        ("C8", D(2026, 11, 2)),    # flagged "Yes" (read as Y): in
        ("C9", D(2026, 11, 2)),    # on no list: out
    ]
    referrals = make_csv(tmp_path, "referrals.csv", sheet(
        [row("referrals", id=i, Date_of_referral=d) for i, d in refs]))
    return lists, referrals


def test_referrals_csa_preset_returns_exactly_the_right_referrals(tmp_path, para33):
    lists, referrals = para33
    before = {p: sha256(p) for p in para33}
    result = filter_lists([lists, referrals], tmp_path / "para33.xlsx", referrals_csa=True,
                          as_of=AS_OF)
    data = load_dataset(result.output, as_of=AS_OF)
    (pl,) = data.lists
    got = list(zip(pl.typed["Child Unique ID"], pl.typed["Date of the most recent referral"].dt.date,
                   strict=True))
    assert got == [("C1", D(2026, 11, 1)), ("C1", D(2026, 8, 23)), ("0003", D(2026, 10, 1)),
                   ("C4", D(2026, 9, 30)), ("C5", D(2026, 11, 23)), ("C6", D(2026, 10, 15)),
                   ("C8", D(2026, 11, 2))]
    assert [(x.list, x.rows_in, x.rows_out) for x in result.lists] == [("referrals", 11, 7)]
    assert result.children_flagged == 7      # C1, 3, C4, C5, C6, C7, C8
    assert "23/08/2026 to 23/11/2026" in result.criteria[0]
    assert {p: sha256(p) for p in para33} == before


def test_referrals_csa_to_csv_is_the_same_rows(tmp_path, para33):
    result = filter_lists(list(para33), tmp_path / "para33.csv", referrals_csa=True,
                          as_of=AS_OF)
    assert result.output.read_bytes().startswith(b"\xef\xbb\xbf")
    assert ids_in(result.output, "referrals") == ["C1", "C1", "0003", "C4", "C5", "C6", "C8"]


def test_referrals_csa_without_a_referrals_list_says_so(tmp_path, para33):
    lists, _ = para33
    with pytest.raises(SheetMissing, match="no List 3: Referrals; it holds: List 4"):
        filter_lists(lists, tmp_path / "out.xlsx", referrals_csa=True, as_of=AS_OF)


def test_referrals_csa_refuses_other_lists_or_windows(tmp_path, para33):
    with pytest.raises(UsageError, match="--list"):
        filter_lists(list(para33), tmp_path / "o.xlsx", referrals_csa=True, lists=["6"])
    with pytest.raises(UsageError, match="--within"):
        filter_lists(list(para33), tmp_path / "o.xlsx", referrals_csa=True, within="6m")
    # naming the referrals list as well is harmless
    filter_lists(list(para33), tmp_path / "o.xlsx", referrals_csa=True, lists=["3"],
                 as_of=AS_OF)


# --------------------------------------------------------------------------- CSA-FE children


def test_csa_only_contacts_follow_the_child(tmp_path):
    src = book(tmp_path, "in.xlsx", {
        "contacts": [row("contacts", id="C1"), row("contacts", id="C2"),
                     row("contacts", id="001")],
        "children_in_need": [row("children_in_need", id="C1", csa="Y"),
                             row("children_in_need", id="C2", csa="N"),
                             row("children_in_need", id="1", csa="Y")],
    })
    result = filter_lists(src, tmp_path / "out.xlsx", csa_only=True, as_of=AS_OF)
    assert ids_in(result.output, "contacts") == ["C1", "001"]
    assert ids_in(result.output, "children_in_need") == ["C1", "1"]


# --------------------------------------------------------------------------- row criteria


@pytest.fixture
def episodes(tmp_path):
    return book(tmp_path, "in.xlsx", {
        "contacts": [row("contacts", id="C1", Date_of_Contact=D(2026, 11, 1)),
                     row("contacts", id="C2", Date_of_Contact=D(2026, 6, 1))],
        "children_in_need": [
            row("children_in_need", id="OPEN", team="North Team"),
            row("children_in_need", id="C1", team="South Team",
                CIN_Start_Date=D(2026, 1, 5), CIN_Closure_Date=D(2026, 9, 1),
                Reason_for_Closure="RC7 - Services ceased for any other reason, including child "
                                   "no longer in need"),
            row("children_in_need", id="C2", team="south team",
                CIN_Start_Date=D(2025, 1, 5), CIN_Closure_Date=D(2026, 5, 1),
                Reason_for_Closure="RC7 - Services ceased for any other reason, including child "
                                   "no longer in need"),
        ],
        "yot": [row("yot", id="C2")],
    })


@pytest.mark.slow
def test_open_and_closed(tmp_path, episodes):
    opened = filter_lists(episodes, tmp_path / "o.xlsx", open_only=True, as_of=AS_OF)
    assert ids_in(opened.output, "children_in_need") == ["OPEN"]
    closed = filter_lists(episodes, tmp_path / "c.xlsx", closed_only=True, as_of=AS_OF)
    assert ids_in(closed.output, "children_in_need") == ["C1", "C2"]
    # contacts have no closure date: left as they are, and the result says so
    assert ids_in(closed.output, "contacts") == ["C1", "C2"]
    by_list = {x.list: x for x in closed.lists}
    assert by_list["contacts"].not_applied and not by_list["children_in_need"].not_applied


@pytest.mark.slow
def test_within_events_dated_and_episodes_open_in_the_window(tmp_path, episodes):
    result = filter_lists(episodes, tmp_path / "w.xlsx", within="3m", as_of=AS_OF)
    assert ids_in(result.output, "contacts") == ["C1"]
    # open, and closed 01/09/2026 (in the window); closed 01/05/2026 is not
    assert ids_in(result.output, "children_in_need") == ["OPEN", "C1"]
    six = filter_lists(episodes, tmp_path / "six.xlsx", within="6m", as_of=AS_OF)
    assert ids_in(six.output, "contacts") == ["C1", "C2"]
    assert ids_in(six.output, "children_in_need") == ["OPEN", "C1"]
    twelve = filter_lists(episodes, tmp_path / "t.xlsx", within="12m", as_of=AS_OF)
    assert ids_in(twelve.output, "children_in_need") == ["OPEN", "C1", "C2"]


def test_team_matches_case_insensitively_and_children_follow_on_lists_without_a_team(
        tmp_path, episodes):
    result = filter_lists(episodes, tmp_path / "t.xlsx", team="SOUTH", as_of=AS_OF)
    assert ids_in(result.output, "children_in_need") == ["C1", "C2"]
    assert ids_in(result.output, "contacts") == ["C1", "C2"]
    assert ids_in(result.output, "yot") == ["C2"]


def test_lists_by_number_and_name(tmp_path, episodes):
    result = filter_lists(episodes, tmp_path / "l.xlsx", lists=["6,yot"], as_of=AS_OF)
    assert [x.list for x in result.lists] == ["children_in_need", "yot"]
    assert openpyxl.load_workbook(result.output).sheetnames[:3] == ["List_6", "YOT", "Filter"]


def test_resolve_lists(schemas):
    assert resolve_lists(["8"], schemas) == ["children_in_care", "children_in_care_reduced"]
    assert resolve_lists(["List 6", "s47", "Referrals"], schemas) == [
        "referrals", "section_47", "children_in_need"]
    with pytest.raises(UsageError, match="no list called 'list 9'"):
        resolve_lists(["list 9"], schemas)


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize("content", ["C1\n\n0001\n", "Child ID,Name\nC1,x\n1,y\n"])
def test_ids_file_one_per_line_or_a_headed_column(tmp_path, content):
    src = book(tmp_path, "in.xlsx", {"children_in_need": [
        row("children_in_need", id="C1"), row("children_in_need", id="C2"),
        row("children_in_need", id="01")]})
    ids = tmp_path / "ids.csv"
    ids.write_text(content, encoding="utf-8")
    result = filter_lists(src, tmp_path / "out.xlsx", ids=ids, as_of=AS_OF)
    assert ids_in(result.output, "children_in_need") == ["C1", "01"]
    same = filter_lists(src, tmp_path / "out2.xlsx", ids={"c1", "1"}, as_of=AS_OF)
    assert ids_in(same.output, "children_in_need") == ["C1", "01"]


def test_empty_ids_file_is_a_usage_error(tmp_path, episodes):
    ids = tmp_path / "ids.txt"
    ids.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(UsageError, match="no child IDs"):
        filter_lists(episodes, tmp_path / "out.xlsx", ids=ids)


# --------------------------------------------------------------------------- outputs and refusals


def test_csv_output_holds_one_list(tmp_path, episodes):
    with pytest.raises(UsageError, match="Pick one with --list"):
        filter_lists(episodes, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    result = filter_lists(episodes, tmp_path / "out.csv", lists=["6"], as_of=AS_OF)
    text = result.output.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Child Unique ID,Gender,")
    assert canonical_rows(result.output, "children_in_need") == canonical_rows(
        episodes, "children_in_need")


def test_csv_cells_are_guarded(tmp_path):
    src = book(tmp_path, "in.xlsx", {"children_in_need": [
        row("children_in_need", Allocated_Worker="@SUM(A1)", team="-North")]})
    result = filter_lists(src, tmp_path / "out.csv", as_of=AS_OF)
    text = result.output.read_text(encoding="utf-8-sig")
    assert ",'-North,'@SUM(A1)," in text


def test_unreadable_values_pass_through_to_csv_as_written(tmp_path):
    src = book(tmp_path, "in.xlsx", {"children_in_need": [
        row("children_in_need", CIN_Start_Date="TBC", **{"Age of Child (Years)": "eleven"})]})
    result = filter_lists(src, tmp_path / "out.csv", as_of=AS_OF)
    line = result.output.read_text(encoding="utf-8-sig").splitlines()[1]
    assert ",eleven," in line and ",TBC," in line


def test_ids_file_is_never_overwritten(tmp_path, episodes):
    ids = tmp_path / "ids.csv"
    ids.write_text("C1\n", encoding="utf-8")
    with pytest.raises(Exception, match="one of the input files"):
        filter_lists(episodes, ids, ids=ids, lists=["6"])
    assert ids.read_text(encoding="utf-8") == "C1\n"


def test_refusals(tmp_path, episodes):
    with pytest.raises(UsageError, match="--open or --closed"):
        filter_lists(episodes, tmp_path / "o.xlsx", open_only=True, closed_only=True)
    with pytest.raises(UsageError, match="within"):
        filter_lists(episodes, tmp_path / "o.xlsx", within="2w")
    with pytest.raises(UsageError, match=".xlsx"):
        filter_lists(episodes, tmp_path / "o.txt")
    with pytest.raises(SheetMissing, match="no List 7"):
        filter_lists(episodes, tmp_path / "o.xlsx", lists=["7"])
    before = sha256(episodes)
    with pytest.raises(Exception, match="one of the input files"):
        filter_lists(episodes, episodes, lists=["6"])
    assert sha256(episodes) == before


# --------------------------------------------------------------------------- property


_CHILD = st.sampled_from(["C1", "C2", "003", "3"])
_DAY = st.sampled_from([D(2026, 5, 1), D(2026, 9, 1), D(2026, 11, 20), D(2026, 12, 1)])


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contacts=st.lists(st.tuples(_CHILD, _DAY), min_size=1, max_size=8),
    cin=st.lists(st.tuples(_CHILD, _DAY, st.sampled_from(["Y", "N"]),
                           st.sampled_from(["North Team", "South Team"]),
                           st.one_of(st.none(), _DAY)), min_size=1, max_size=8),
    csa_only=st.booleans(), state=st.sampled_from([None, "open", "closed"]),
    within=st.sampled_from([None, "3m", "6m", "12m"]),
    team=st.sampled_from([None, "north", "nowhere"]),
    ids=st.one_of(st.none(), st.sets(_CHILD, max_size=3)),
)
def test_filter_never_invents_a_row(contacts, cin, csa_only, state, within, team, ids):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = make_workbook(d, {
            "Contacts": sheet([row("contacts", id=c, Date_of_Contact=day)
                               for c, day in contacts]),
            "List_6": sheet([row("children_in_need", id=c, CIN_Start_Date=day, csa=flag,
                                 team=t, CIN_Closure_Date=end)
                             for c, day, flag, t, end in cin]),
        }, name="in.xlsx")
        result = filter_lists(src, d / "out.xlsx", csa_only=csa_only,
                              open_only=state == "open", closed_only=state == "closed",
                              within=within, team=team, ids=ids, as_of=AS_OF)
        for name in ("contacts", "children_in_need"):
            rows_in = canonical_rows(src, name)
            rows_out = canonical_rows(result.output, name)
            assert not rows_out - rows_in          # every row out is a row in (as a multiset)
            counts = {x.list: x for x in result.lists}[name]
            assert counts.rows_out == sum(rows_out.values()) <= counts.rows_in
            if not (csa_only or state or within or team or ids is not None):
                assert rows_out == rows_in             # no criteria: every row, unchanged
