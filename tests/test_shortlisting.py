"""shortlist(): the 20 of option A (para 22) and the five to seven to track (paras 24-28).

``population`` builds a seeded synthetic local authority (lists 6-8, YOT, NPS, and for option B
the seven additional answers beside every CSA-FE child), so each test can state the children
that matter and the rest is realistic background. Other test modules import it from here.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import openpyxl
import pytest
from builders import make_workbook
from conftest import AS_OF, sha256
from test_summarising import _family_support_workbook, _schemas_with_family_support

from jtai_cli import export_lists, shortlist
from jtai_cli.child_records import gather_children
from jtai_cli.children import AGE_BANDS, ethnic_groups
from jtai_cli.errors import OutputRefused, UsageError
from jtai_cli.parsing import id_key
from jtai_cli.reporting import column_letter
from jtai_cli.schemas import ADDITIONAL_ROLES, load_schemas
from jtai_cli.shortlisting import MIX_RULE, parse_ids, parse_wants
from jtai_cli.validation import load_dataset

D = dt.date
S = load_schemas()
H6 = [c.header for c in S.lists["children_in_need"].columns]
H7 = [c.header for c in S.lists["child_protection"].columns]
H8 = [c.header for c in S.lists["children_in_care_reduced"].columns]
HYOT = [c.header for c in S.lists["yot"].columns]
HNPS = [c.header for c in S.lists["nps"].columns]
HADD = [c.header for c in S.lists["additional_fields"].columns]
FIELD = {role: S.lists["additional_fields"].by_role(role).header for role in ADDITIONAL_ROLES}
CSA6 = S.lists["children_in_need"].by_role("csa_flag").header
CSA7 = S.lists["child_protection"].by_role("csa_flag").header
CSA8 = S.lists["children_in_care_reduced"].by_role("csa_flag").header
TEAMS = ["North Team", "South Team", "East Team", "Disabled Children Team"]
ETHNIC = ["a) WBRI", "a) WBRI", "a) WBRI", "d) WOTH", "f) MWBC", "k) APKN", "o) BAFR",
          "q) CHNE", "s) NOBT"]


def _age(dob: dt.date, on: dt.date = AS_OF) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def child(cid: str, *, lists=(6,), flag="Y", fields: dict | None = None, dob=D(2015, 4, 3),
          gender="a) Male", ethnicity="a) WBRI", disability="b) No", team="North Team",
          closed=False, yot=None, nps=None) -> dict:
    """One child: which lists, facts, and (option B) the seven answers as a dict role -> Y/N."""
    return {"cid": cid, "lists": tuple(lists), "flag": flag, "fields": fields, "dob": dob,
            "gender": gender, "ethnicity": ethnicity, "disability": disability, "team": team,
            "closed": closed, "yot": yot, "nps": nps}


def answers(**kw: str | None) -> dict:
    """The seven answers, all N unless given: answers(multi_agency="Y", csa_support="Y")."""
    return {role: kw.get(role, "N") for role in ADDITIONAL_ROLES}


def eligible(**kw: str | None) -> dict:
    return answers(**{"multi_agency": "Y", "csa_support": "Y", "csa_current": "Y", **kw})


def sheets_for(children: list[dict], *, option: str = "B", as_of: dt.date = AS_OF) -> dict:
    """Sheets (name -> rows) in the template's layout for these children."""
    rows6, rows7, rows8, yot, nps = [H6], [H7], [H8], [HYOT], [HNPS]
    for c in children:
        dob, cid = c["dob"], c["cid"]
        common = {"Child Unique ID": cid, "Gender": c["gender"], "Ethnicity": c["ethnicity"],
                  "Date of Birth": dob, "Age of Child (Years)": _age(dob, as_of),
                  "Does the Child have a Disability": c["disability"],
                  "Allocated Team": c["team"], "Allocated Worker": "A Worker"}
        extra = {}
        if option == "B" and c["fields"]:
            extra = {FIELD[r]: v for r, v in c["fields"].items()}
        start = max(dob, as_of - dt.timedelta(days=200))
        end = as_of - dt.timedelta(days=20) if c["closed"] else None
        status = "CIN"
        if 6 in c["lists"]:
            rows6.append([{**common, **extra, "CIN Start Date": start,
                           "Primary Need Code": "N1 - Abuse or neglect", "CIN Closure Date": end,
                           "Reason for Closure": ("RC7 - Services ceased for any other reason, "
                                                  "including child no longer in need")
                           if end else None, CSA6: c["flag"]}.get(h) for h in H6])
        if 7 in c["lists"]:
            status = "CP"
            rows7.append([{**common, **extra, "Child Protection Plan Start Date": start,
                           "Initial Category of Abuse": "c) Sexual abuse",
                           "Latest Category of Abuse": "c) Sexual abuse",
                           "Child Protection Plan End Date": end,
                           H7[14]: "b) No", "Number of Previous Child Protection Plans": 0,
                           CSA7: c["flag"]}.get(h) for h in H7])
        if 8 in c["lists"]:
            status = "CLA"
            rows8.append([{**common, **extra, "Date Started to be Looked After": start,
                           "Child's Category of Need": "N1 - Abuse or neglect",
                           H8[8]: "b) No", "Child's Legal Status": "C2: FCO",
                           "Date Ceased to be Looked After ": end,
                           "Reason Ceased to be Looked After": "e) E4A: Returned home to live "
                           "with parents or relatives - part of planning" if end else None,
                           "Start Date of Most Recent Placement": start,
                           "Placement Type": "d) U4: Foster placement - long term",
                           "Placement Provider": "b) PR1: Own provision",
                           "Placement Location": "a) In", CSA8: c["flag"]}.get(h) for h in H8])
        if c["yot"]:
            yot.append([cid, c["yot"] if c["yot"] is not True else status, c["gender"], dob,
                        _age(dob, as_of)])
        if c["nps"]:
            nps.append([cid, c["nps"] if c["nps"] is not True else status, c["gender"], dob,
                        _age(dob, as_of)])
    sheets = {"List_6": rows6, "List_7": rows7, "List_8": rows8}
    if len(yot) > 1:
        sheets["YOT"] = yot
    if len(nps) > 1:
        sheets["NPS"] = nps
    return sheets


def population(seed: int, n: int = 80) -> list[dict]:
    """A seeded synthetic local authority: about 40% flagged CSA-FE, a few on YOT/NPS."""
    rng = random.Random(seed)
    out = []
    n_yot = n_nps = 0
    for i in range(n):
        age_days = rng.randint(60, 17 * 365)
        dob = AS_OF - dt.timedelta(days=age_days)
        r = rng.random()
        lists = (6,) if r < 0.5 else (6, 7) if r < 0.8 else (8,) if r < 0.95 else (7, 8)
        flag = "Y" if rng.random() < 0.4 else "N"
        fields = None
        yot = nps = None
        if flag == "Y":
            fields = {
                "csa_current": "Y" if rng.random() < 0.6 else "N",
                "multi_agency": "Y" if rng.random() < 0.7 else "N",
                "known_to_yot": "Y" if rng.random() < 0.1 else "N",
                "nps_adult": "Y" if rng.random() < 0.12 else "N",
                "police_investigation": "Y" if rng.random() < 0.2 else "N",
                "csa_support": "Y" if rng.random() < 0.7 else "N",
                "sarc_attended": "Y" if rng.random() < 0.15 else "N",
            }
            if fields["known_to_yot"] == "Y" and n_yot < 5 and age_days > 10 * 365:
                yot, n_yot = True, n_yot + 1
            if fields["nps_adult"] == "Y" and n_nps < 5:
                nps, n_nps = True, n_nps + 1
        out.append(child(
            f"{seed % 100:02d}{i:04d}", lists=lists, flag=flag, fields=fields, dob=dob,
            gender=rng.choice(["a) Male", "b) Female"]), ethnicity=rng.choice(ETHNIC),
            disability="a) Yes" if rng.random() < 0.12 else "b) No", team=rng.choice(TEAMS),
            closed=rng.random() < 0.15, yot=yot, nps=nps))
    return out


def build(tmp_path: Path, children: list[dict], *, option: str = "B", name: str = "lists.xlsx",
          title_rows: int = 0) -> Path:
    return make_workbook(tmp_path, sheets_for(children, option=option), name=name,
                         title_rows=title_rows)


def fill_returned(path: Path, answers_by_id: dict[str, dict] | None = None,
                  default: dict | None = None) -> None:
    """Play the local authority: answer the seven questions on the returned workbook."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Additional fields"]
    heads = [c.value for c in ws[2]]
    for row in ws.iter_rows(min_row=3):
        cid = row[0].value
        if cid is None:
            continue
        got = (answers_by_id or {}).get(cid, default)
        if got is None:
            continue
        for role, v in got.items():
            row[heads.index(FIELD[role])].value = v
    wb.save(path)


# --------------------------------------------------------------------------- option B


def test_para_27_option_b_proposes_seven_when_enough_are_eligible(tmp_path):
    path = build(tmp_path, population(3))
    r = shortlist(path, option="B", as_of=AS_OF)
    assert r.stage == "track"
    assert len(r.picks) == 7
    assert r.complete


def test_para_25_every_pick_has_multi_agency_involvement(tmp_path):
    path = build(tmp_path, population(4))
    r = shortlist(path, option="B", as_of=AS_OF)
    assert 5 <= len(r.picks) <= 7
    for p in r.picks:
        assert p.facts["fields"]["multi_agency"] == "Y"
        assert "relies on field 2 for multi-agency involvement (field 2 is Y)" in p.reasons


def test_para_28_every_pick_has_work_to_address_concerns_when_the_lists_allow(tmp_path):
    path = build(tmp_path, population(5))
    r = shortlist(path, option="B", as_of=AS_OF)
    for p in r.picks:
        f = p.facts["fields"]
        assert "Y" in (f["police_investigation"], f["csa_support"], f["sarc_attended"])
        assert any("for work to address CSA-FE concerns" in reason for reason in p.reasons)


def test_para_23_field_1_current_factor_carries_weight(tmp_path):
    # Alike in every way but field 1: the children where CSA-FE is current come first.
    kids = [child(f"Y{i}", fields=eligible()) for i in range(7)]
    kids += [child(f"N{i}", fields=eligible(csa_current="N")) for i in range(5)]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert sorted(r.ids) == [f"Y{i}" for i in range(7)]
    assert "more Y answers" in dict(r.not_picked)["N0"][0]


def test_para25_fields_3_4_5_and_7_carry_weight_too(tmp_path):
    kids = [child(f"P{i}", fields=eligible(csa_current="N")) for i in range(6)]
    kids.append(child("SARC", fields=eligible(csa_current="N", sarc_attended="Y")))
    kids.append(child("POL", fields=eligible(csa_current="N", police_investigation="Y")))
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert {"SARC", "POL"} <= set(r.ids[:2])


def test_a_yot_known_and_an_nps_child_are_included_when_eligible(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(12)]
    kids.append(child("YOT1", fields=eligible(csa_current="N", known_to_yot="Y"), lists=(7,)))
    kids.append(child("NPS1", fields=eligible(nps_adult="Y")))
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert "YOT1" in r.ids and "NPS1" in r.ids
    yot = next(p for p in r.picks if p.child_id == "YOT1")
    assert any("known to the YOT (field 3 is Y)" in x for x in yot.reasons)


def test_an_ineligible_yot_child_is_not_forced_in(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(8)]
    kids.append(child("YOT1", fields=eligible(known_to_yot="Y", multi_agency="N")))
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert "YOT1" not in r.ids
    assert "not multi-agency involvement (field 2)" in dict(r.not_picked)["YOT1"][0]


def test_mix_of_statuses_is_kept(tmp_path):
    kids = [child(f"CIN{i}", fields=eligible()) for i in range(10)]
    kids += [child("CP1", fields=eligible(), lists=(6, 7)), child("CLA1", fields=eligible(),
                                                                     lists=(8,))]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert {"CP1", "CLA1"} <= set(r.ids)
    statuses = {p.facts["status"] for p in r.picks}
    assert statuses == {"CIN", "CP", "CLA"}
    cla = next(p for p in r.picks if p.child_id == "CLA1")
    assert any("first looked-after child" in x for x in cla.reasons)


def test_para25_no_child_is_ruled_out_for_a_field_and_the_call_says_what_to_confirm(tmp_path):
    kids = [child("OK1", fields=eligible()), child("OK2", fields=eligible()),
            child("MA_N", fields=eligible(multi_agency="N")),
            child("SUP_N", fields=eligible(csa_support="N")),
            child("MA_BLANK", fields=eligible(multi_agency=None)),
            child("SUP_BLANK", fields=eligible(csa_support=None)),
            child("NO_FIELDS", fields=None),
            child("OLD", fields=eligible(), dob=D(2008, 1, 1))]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert set(r.ids[:2]) == {"OK1", "OK2"}  # both kinds of evidence first
    assert set(r.ids) == {"OK1", "OK2", "MA_N", "SUP_N", "MA_BLANK", "SUP_BLANK", "NO_FIELDS"}
    assert r.complete
    assert "aged 18 or over" in dict(r.not_picked)["OLD"][0]
    call = "\n".join(r.call_must_confirm)
    assert "child 'MA_N': multi-agency involvement (field 2 is N" in call
    assert "child 'MA_BLANK': multi-agency involvement (field 2 blank" in call
    assert "child 'SUP_N': current or recent work to address CSA-FE concerns (fields 5, 6" in call
    assert "child 'NO_FIELDS': the seven answers are blank" in call
    assert "child 'OK1'" not in call


def test_children_not_flagged_are_not_considered_but_counted(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(6)]
    kids += [child(f"X{i}", flag="N") for i in range(4)]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert not {cid for cid, _ in r.not_picked} & {"X0", "X1", "X2", "X3"}
    assert any(n.startswith("4 other children on the lists are not flagged") for n in r.notes)


@pytest.mark.slow
def test_same_input_and_seed_give_same_picks_and_seed_changes_ties(tmp_path):
    path = build(tmp_path, [child(f"C{i}", fields=eligible()) for i in range(15)])
    a = shortlist(path, option="B", seed=1, as_of=AS_OF)
    b = shortlist(path, option="B", seed=1, as_of=AS_OF)
    assert a.to_dict() == b.to_dict()
    others = {shortlist(path, option="B", seed=s, as_of=AS_OF).ids for s in range(2, 8)}
    assert len(others | {a.ids}) > 1  # identical children: only the seed decides
    assert any("seeded tie-break (seed 1)" in x for p in a.picks for x in p.reasons)


def test_seven_fields_on_an_additional_fields_sheet_are_used(tmp_path):
    kids = [child(f"C{i}", fields=None) for i in range(6)]
    sheets = sheets_for(kids)
    sheets["Additional"] = [HADD] + [[f"C{i}"] + [eligible()[r] for r in ADDITIONAL_ROLES]
                                     for i in range(6)]
    r = shortlist(make_workbook(tmp_path, sheets), option="B", as_of=AS_OF)
    assert r.stage == "track" and len(r.picks) == 6


def test_option_b_without_the_seven_fields_proposes_the_flagged_and_says_why(tmp_path):
    r = shortlist(build(tmp_path, [child("C1"), child("C2")], option="A"), option="B",
                  as_of=AS_OF)
    assert r.stage == "track" and set(r.ids) == {"C1", "C2"} and not r.complete
    assert any("para 26" in n and "confirm everything" in n for n in r.notes)
    assert any("'C1': the seven answers are blank" in x for x in r.call_must_confirm)


# --------------------------------------------------------------------------- include / exclude


def test_para_16_include_forces_a_child_and_exclude_forbids_one(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(9)]
    kids.append(child("LOCAL", fields=eligible(multi_agency="N")))
    path = build(tmp_path, kids)
    base = shortlist(path, option="B", as_of=AS_OF)
    gone = base.ids[0]
    r = shortlist(path, option="B", include=["LOCAL"], exclude=[gone], as_of=AS_OF)
    assert "LOCAL" in r.ids and gone not in r.ids
    local = next(p for p in r.picks if p.child_id == "LOCAL")
    assert local.reasons[0] == "included by the inspector (--include or --require)"
    assert any("'LOCAL': multi-agency involvement (field 2 is N" in x
               for x in r.call_must_confirm)
    assert dict(r.not_picked)[gone][0] == "excluded by the inspector (--exclude)"


def test_include_matches_ids_without_leading_zeros_and_unknown_ids_are_noted(tmp_path):
    kids = [child("00123", fields=eligible(multi_agency="N"))] + [
        child(f"C{i}", fields=eligible()) for i in range(7)]
    r = shortlist(build(tmp_path, kids), option="B", include="123,NOPE", as_of=AS_OF)
    assert "00123" in r.ids
    assert any("'NOPE' is on none of the lists" in n for n in r.notes)


def test_same_child_in_include_and_exclude_is_a_usage_error(tmp_path):
    path = build(tmp_path, [child("C1", fields=eligible())])
    with pytest.raises(UsageError):
        shortlist(path, option="B", include="C1", exclude="c1", as_of=AS_OF)


def test_option_must_be_a_or_b(tmp_path):
    path = build(tmp_path, [child("C1", fields=eligible())])
    with pytest.raises(UsageError):
        shortlist(path, option="C", as_of=AS_OF)  # type: ignore[arg-type]


def test_parse_ids_reads_commas_and_files(tmp_path):
    f = tmp_path / "ids.txt"
    f.write_text("C1\nC2; C3\n\nC1\n", encoding="utf-8")
    assert parse_ids(str(f)) == ("C1", "C2", "C3")
    assert parse_ids(["A,B", "C"]) == ("A", "B", "C")


# --------------------------------------------------------------------------- option A, 20


def test_para_22_option_a_first_stage_proposes_20_flagged_children(tmp_path):
    kids = population(7, n=120)
    path = build(tmp_path, kids, option="A")
    r = shortlist(path, option="A", as_of=AS_OF)
    assert r.stage == "select-20"
    assert len(r.picks) == 20
    flagged = {k["cid"] for k in kids if k["flag"] == "Y" or k["yot"] or k["nps"]}
    assert set(r.ids) <= flagged
    assert all(p.reasons for p in r.picks)


def test_para_21_yot_and_nps_list_children_are_always_proposed(tmp_path):
    kids = [child(f"C{i}") for i in range(30)]
    kids.append(child("Y1", flag="N", yot=True, dob=D(2011, 1, 1)))
    kids.append(child("P1", nps=True, lists=(7,)))
    r = shortlist(build(tmp_path, kids, option="A"), option="A", as_of=AS_OF)
    assert {"Y1", "P1"} <= set(r.ids)
    y1 = next(p for p in r.picks if p.child_id == "Y1")
    assert "on the YOT list" in y1.reasons[0] and "para 21" in y1.reasons[0]
    # A rule of jtai's is named as jtai's, never as the guidance's.
    assert "jtai's mix rule proposes every YOT and NPS list child first" in y1.reasons[0]
    assert not any("always proposed" in x for p in r.picks for x in p.reasons)


def test_fewer_than_20_flagged_proposes_all_and_says_so(tmp_path):
    kids = [child(f"C{i}") for i in range(6)] + [child(f"X{i}", flag="N") for i in range(10)]
    r = shortlist(build(tmp_path, kids, option="A"), option="A", as_of=AS_OF)
    assert len(r.picks) == 6
    assert any("only 6 children are flagged" in n and "fewer than the 20" in n
               and "on the lists provided (List 6)" in n for n in r.notes)


def test_option_a_20_balance_legal_status_age_and_disability(tmp_path):
    kids = [child(f"CIN{i}", dob=D(2012, 5, 5)) for i in range(40)]
    kids += [child("CLA1", lists=(8,)), child("CP1", lists=(6, 7)),
             child("TEEN", dob=D(2009, 6, 1)), child("BABY", dob=D(2025, 6, 1)),
             child("DIS", disability="a) Yes"), child("CLOSED", closed=True),
             child("SOUTH", team="South Team")]
    r = shortlist(build(tmp_path, kids, option="A"), option="A", as_of=AS_OF)
    assert {"CLA1", "CP1", "TEEN", "BABY", "DIS", "CLOSED", "SOUTH"} <= set(r.ids)
    # The first pick is a tie (everything is new); legal status weighs most after that.
    assert {"CLA1", "CP1"} <= set(r.ids[:3])
    why = dict(r.not_picked)
    assert len(why) == 47 - 20
    assert all("not among the 20" in w[0] for w in why.values())


def test_option_a_20_is_deterministic_for_a_seed(tmp_path):
    path = build(tmp_path, population(8, n=100), option="A")
    a = shortlist(path, option="A", seed=5, as_of=AS_OF)
    b = shortlist(path, option="A", seed=5, as_of=AS_OF)
    assert a.ids == b.ids and a.to_dict() == b.to_dict()


@pytest.mark.slow
def test_option_a_round_trip_20_then_returned_sheet_then_five_to_seven(tmp_path):
    kids = population(11, n=120)
    lists = build(tmp_path, kids, option="A")
    before = sha256(lists)
    out = tmp_path / "for-the-la.xlsx"
    first = shortlist(lists, option="A", as_of=AS_OF, output=out)
    assert first.stage == "select-20" and len(first.picks) == 20
    assert sha256(lists) == before

    # The workbook: the 20 IDs with the seven questions blank, each with a Y/N drop-down.
    wb = openpyxl.load_workbook(out)
    ws = wb["Additional fields"]
    assert [c.value for c in ws[2]] == HADD
    assert [ws.cell(r, 1).value for r in range(3, 23)] == list(first.ids)
    assert all(ws.cell(r, c).value is None for r in range(3, 23) for c in range(2, 9))
    dv_cols = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in
               ws.data_validations.dataValidation if dv.type == "list"}
    assert dv_cols == {"B", "C", "D", "E", "F", "G", "H"}
    assert "3pm on day 3 (Thursday of week one)" in wb["Instructions"]["A2"].value
    assert "4pm" in wb["Instructions"]["A2"].value

    # The local authority answers; read back alone, then with the original lists.
    by_id = {cid: (eligible() if i % 2 == 0 else answers(multi_agency="Y"))
             for i, cid in enumerate(first.ids)}
    fill_returned(out, by_id)
    for inputs in ([out], [lists, out]):
        second = shortlist(inputs, option="A", as_of=AS_OF)
        assert second.stage == "track"
        assert 5 <= len(second.picks) <= 7
        assert set(second.ids) <= {cid for cid, a in by_id.items() if a["csa_support"] == "Y"}
        assert all(p.facts["status"] in ("CIN", "CP", "CLA") for p in second.picks)
    assert "20-children stage (para 22) was skipped" in second.stage_note
    why = dict(second.not_picked)
    no_support = next(cid for cid, a in by_id.items() if a["csa_support"] == "N")
    assert "no work to address concerns" in why[no_support][0]
    others = [cid for cid in why if cid not in by_id]
    assert all("option A asks them only for the 20" in why[c][0] for c in others)


@pytest.mark.slow
def test_returned_workbook_is_read_back_as_lists_without_surprises(tmp_path):
    lists = build(tmp_path, population(12, n=60), option="A")
    out = tmp_path / "20.xlsx"
    shortlist(lists, option="A", as_of=AS_OF, output=out)
    data = load_dataset(out)
    assert data.as_of == AS_OF
    names = sorted(pl.name for pl in data.lists)
    assert "additional_fields" in names and "children_in_need" in names
    found = data.findings.frame()
    assert "column-unknown" not in set(found["rule"])
    # Only the plain sheets (instructions, the writer's hidden code lists) are not lists.
    assert set(found[found["rule"] == "sheet-not-recognised"]["sheet"]) <= {"Instructions",
                                                                            "Codes"}


def test_output_never_overwrites_the_input(tmp_path):

    lists = build(tmp_path, population(13, n=40), option="A")
    before = sha256(lists)
    with pytest.raises(OutputRefused):
        shortlist(lists, option="A", as_of=AS_OF, output=lists)
    assert sha256(lists) == before


def test_track_output_lists_picks_and_reasons(tmp_path):
    path = build(tmp_path, population(14))
    out = tmp_path / "track.xlsx"
    r = shortlist(path, option="B", as_of=AS_OF, output=out, notified=D(2026, 11, 23))
    wb = openpyxl.load_workbook(out)
    ws = wb["Selected for tracking"]
    text = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert all(cid in text for cid in r.ids)
    assert any("10am on Friday 27/11/2026 (day 4)" in str(t) for t in text)
    add = wb["Additional fields"]
    assert [add.cell(i, 1).value for i in range(3, 3 + len(r.picks))] == list(r.ids)
    assert add.cell(3, 3).value == "Y"  # field 2 of the first pick


def test_to_dict_carries_option_stage_picks_and_not_picked(tmp_path):
    path = build(tmp_path, population(15))
    d = shortlist(path, option="B", as_of=AS_OF).to_dict()
    assert d["option"] == "B" and d["stage"] == "track"
    assert set(d["picks"][0]) >= {"child_id", "lists", "reasons"}
    assert all(set(n) == {"child_id", "reasons"} and n["reasons"] for n in d["not_picked"])
    json.dumps(d)


# --------------------------------------------------------------------------- unseen workbooks

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "examples" / "lists_clean.xlsx"


def _check_tracking_picks(r) -> None:
    assert r.stage == "track"
    assert 5 <= len(r.picks) <= 7
    for p in r.picks:
        f = p.facts["fields"]
        assert f["multi_agency"] == "Y"
        assert "Y" in (f["police_investigation"], f["csa_support"], f["sarc_attended"])
        assert "relies on field 2 for multi-agency involvement (field 2 is Y)" in p.reasons
        assert any(x.startswith("relies on field ") and "work to address" in x
                   for x in p.reasons)
    # each pick opens with what distinguished it, not with the answers every pick shares
    assert len({p.reasons[0] for p in r.picks}) == len(r.picks)
    assert r.call_must_confirm[0].startswith("the call (paras 25, 28) confirms")


@pytest.mark.slow
def test_done_option_b_on_the_clean_example(tmp_path):
    r = shortlist(CLEAN, option="B", seed=0)
    _check_tracking_picks(r)
    assert shortlist(CLEAN, option="B", seed=0).to_dict() == r.to_dict()


@pytest.mark.slow
def test_done_option_b_on_a_generated_authority_with_another_seed(tmp_path):
    spec = importlib.util.spec_from_file_location("jtai_examples_generate",
                                                  ROOT / "examples" / "generate.py")
    assert spec is not None and spec.loader is not None  # the generator ships in examples/
    gen = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, gen)  # dataclasses look their module up here
    spec.loader.exec_module(gen)
    path = tmp_path / "seed7.xlsx"
    gen.write_clean(path, gen.build_population(seed=7, n=300, as_of=gen.AS_OF))
    r = shortlist(path, option="B", seed=2)
    _check_tracking_picks(r)
    assert shortlist(path, option="B", seed=2).ids == r.ids


@pytest.mark.slow
def test_done_option_a_round_trip_on_the_clean_example(tmp_path):
    day2 = export_lists(CLEAN, tmp_path / "day2-A.xlsx", option="A").output
    out = tmp_path / "20.xlsx"
    first = shortlist(day2, option="A", output=out)
    assert first.stage == "select-20" and len(first.picks) == 20
    # The local authority answers truthfully: the clean example's own answers.
    data = load_dataset(CLEAN)
    truth = gather_children(data, data.as_of)
    fill_returned(out, {cid: {r: truth[id_key(cid)].fields.get(r) or "N"
                              for r in ADDITIONAL_ROLES} for cid in first.ids})
    second = shortlist(out, option="A")
    _check_tracking_picks(second)
    assert set(second.ids) <= set(first.ids)


# --------------------------------------------------------------------------- issue 12: paras 22-28


def test_para25_no_child_excluded_for_field_6(tmp_path):
    # No child has field 6 Y, several have a police investigation and multi-agency involvement.
    kids = [child(f"POL{i}", fields=answers(csa_current="Y", multi_agency="Y",
                                            police_investigation="Y"),
                  lists=((6,), (6, 7), (8,))[i % 3], dob=D(2010 + i, 3, 1)) for i in range(6)]
    kids += [child(f"MA{i}", fields=answers(multi_agency="Y")) for i in range(3)]
    kids += [child(f"NONE{i}", fields=answers()) for i in range(3)]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert 5 <= len(r.picks) <= 7 and r.complete
    assert {f"POL{i}" for i in range(6)} <= set(r.ids)
    pol = next(p for p in r.picks if p.child_id == "POL0")
    assert any("relies on field 5 for work to address CSA-FE concerns" in x for x in pol.reasons)
    call = "\n".join(r.call_must_confirm)
    assert "field 6 is N, so the pick relies on field 5" in call
    assert "work to address CSA-FE concerns (jtai reads fields 5, 6 and 7): POL" in call


def test_para25_selection_as_a_whole_covers_both_when_no_child_shows_both(tmp_path):
    kids = [child(f"MA{i}", fields=answers(csa_current="Y", multi_agency="Y")) for i in range(6)]
    kids.append(child("WORK", fields=answers(csa_support="Y"), team="South Team"))
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert "WORK" in r.ids  # the only child showing work: the selection needs it
    assert "WORK" in r.ids[:2]


def test_para28_work_to_address_concerns_is_read_from_fields_5_6_and_7(tmp_path):
    kids = [child("SARC", fields=answers(multi_agency="Y", sarc_attended="Y"))]
    kids += [child(f"MA{i}", fields=answers(multi_agency="Y")) for i in range(8)]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    assert r.ids[0] == "SARC"
    assert any("relies on field 7 for work" in x for x in r.picks[0].reasons)


def test_para24_option_a_says_plainly_the_20_stage_was_skipped(tmp_path):
    kids = [child(f"C{i}", fields=eligible()) for i in range(8)]
    r = shortlist(build(tmp_path, kids, option="B"), option="A", as_of=AS_OF)
    assert r.stage == "track"
    assert r.stage_note.startswith("the 20-children stage (para 22) was skipped: the workbook "
                                   "already holds the seven answers for 8 children")
    assert r.to_dict()["stage_note"] == r.stage_note


def test_para22_stage_select_forces_the_20_and_track_forces_tracking(tmp_path):
    path = build(tmp_path, [child(f"C{i}", fields=eligible()) for i in range(8)], option="B")
    forced = shortlist(path, option="A", stage="select", as_of=AS_OF)
    assert forced.stage == "select-20" and len(forced.picks) == 8
    assert "--stage select" in forced.stage_note and "already have" in forced.stage_note
    plain = build(tmp_path, [child(f"C{i}") for i in range(8)], option="A", name="a.xlsx")
    tracked = shortlist(plain, option="A", stage="track", as_of=AS_OF)
    assert tracked.stage == "track" and 5 <= len(tracked.picks) <= 7
    assert "skipped because --stage track" in tracked.stage_note
    with pytest.raises(UsageError):
        shortlist(plain, option="A", stage="both", as_of=AS_OF)  # type: ignore[arg-type]


def test_para22_stage_one_proposes_from_all_the_lists_provided(tmp_path):
    kids = [child(f"CIN{i}", dob=D(2012, 5, 5)) for i in range(40)]
    kids.append(child("CLA1", lists=(8,), dob=D(2012, 5, 5)))
    r = shortlist(build(tmp_path, kids, option="A"), option="A", as_of=AS_OF)
    assert "CLA1" in r.ids
    assert any("proposed 20 of 41 CSA-FE children, from all the lists provided" in n
               for n in r.notes)
    assert "option A, first stage" in r.stage_note


def test_para16_require_a_list_and_prefer_an_age_band(tmp_path):
    kids = [child(f"C{i}", fields=eligible(), dob=D(2012, 5, 5)) for i in range(9)]
    kids.append(child("CLA", fields=eligible(multi_agency="N"), lists=(8,)))
    kids.append(child("TEEN", fields=eligible(), dob=D(2009, 6, 1)))
    path = build(tmp_path, kids)
    r = shortlist(path, option="B", require="list-8", prefer="16-17", as_of=AS_OF)
    assert "CLA" in r.ids and "TEEN" in r.ids
    cla = next(p for p in r.picks if p.child_id == "CLA")
    assert any("required: the selection includes a child on List 8 (--require list-8)" in x
               for x in cla.reasons)
    teen = next(p for p in r.picks if p.child_id == "TEEN")
    assert "preferred (--prefer 16-17)" in teen.reasons
    by_id = shortlist(path, option="B", require="C3", as_of=AS_OF)
    assert by_id.ids[0] == "C3"
    assert "--require" in shortlist(path, option="B", require="unborn", as_of=AS_OF).notes[0]


def test_mix_rule_is_named_as_jtais(tmp_path):

    r = shortlist(build(tmp_path, population(21)), option="B", as_of=AS_OF)
    assert r.to_dict()["mix_rule"] == MIX_RULE and MIX_RULE.startswith("jtai's mix rule")
    assert not any("(para" in x and "jtai" not in x and "always" in x
                   for p in r.picks for x in p.reasons)


def test_unreadable_date_of_birth_and_flag_are_marked_with_their_cell(tmp_path):
    sheets = sheets_for([child(f"C{i}", fields=eligible()) for i in range(7)]
                        + [child("BADFLAG")])
    dob_col = H6.index("Date of Birth")
    flag_col = H6.index(CSA6)
    sheets["List_6"][1][dob_col] = "31/02/2015"  # C0: no such date
    sheets["List_6"][8][flag_col] = "perhaps"  # BADFLAG: not Y or N
    r = shortlist(make_workbook(tmp_path, sheets), option="B", as_of=AS_OF)

    c0 = next(p for p in r.picks if p.child_id == "C0")
    want = f"date of birth could not be read (List 6, sheet 'List_6' cell {column_letter(dob_col)}2)"
    assert f"warning: {want}" in c0.reasons
    assert c0.facts["unreadable"] == [want]
    flag_cell = f"{column_letter(flag_col)}9"
    assert any(f"child 'BADFLAG': CSA-FE flag could not be read (List 6, sheet 'List_6' cell "
               f"{flag_cell})" in n for n in r.notes)
    # And the count over every list, as summary, tracking and filter give it.
    said = next(n for n in r.notes if "cells could not be read" in n)
    assert said.startswith("2 cells could not be read and were taken as blank: List 6 (sheet "
                           f"'List_6') column {column_letter(dob_col)} 'Date of Birth': row 2")
    assert "31/02" not in said and "perhaps" not in said


def test_ethnic_group_and_age_band_are_the_ones_the_summary_uses(tmp_path):
    kids = [child("CH", ethnicity="q) CHNE", fields=eligible()),
            child("OT", ethnicity="r) OOTH", fields=eligible()),
            child("BL", ethnicity=None, fields=eligible()),
            child("UB", dob=AS_OF + dt.timedelta(days=30), fields=eligible())]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    facts = {p.child_id: p.facts for p in r.picks}
    groups = ethnic_groups(S)
    # DfE's major groups, as codes/ethnicity.yaml gives them: Chinese is not "other".
    assert facts["CH"]["ethnic_group"] == "Chinese" == groups.of("q) CHNE")
    assert facts["OT"]["ethnic_group"] == "Other"
    assert facts["BL"]["ethnic_group"] == "Refused/Not obtained" == groups.blank
    assert facts["UB"]["age_band"] == "Unborn" == AGE_BANDS[0]


def test_lists_for_prefer_and_require_come_from_the_schemas():
    got = [(w.kind, w.value) for w in parse_wants("cp, s47, section_47, list 8, nps, 7, UNBORN")]
    assert got == [("list", "List 7"), ("list", "List 5"), ("list", "List 5"),
                   ("list", "List 8"), ("list", "NPS list"), ("id", "7"),
                   ("age_band", "Unborn")]


def test_a_new_flagged_list_is_shortlisted_from_without_code(tmp_path):
    # The schema of a list 12 with the CSA-FE flag (test_summarising builds it): its flagged
    # children are candidates, and it can be named for --prefer, with no change to jtai.
    schemas = _schemas_with_family_support(tmp_path, summary=True)
    r = shortlist(_family_support_workbook(tmp_path), option="B", as_of=AS_OF, schemas=schemas,
                  prefer="list-12")
    picks = {p.child_id: p for p in r.picks}
    assert "F1" in picks and picks["F1"].lists == ("List 12",)
    assert picks["F1"].facts["csa_flag_lists"] == ["List 12"]
    assert picks["C02"].facts["csa_flag_lists"] == ["List 12"]  # N on list 6, Y on list 12
    assert any(x == "preferred (--prefer list-12)" for x in picks["F1"].reasons)
    assert "F2" not in picks  # not flagged
    assert [(w.kind, w.value) for w in parse_wants("family_support", schemas)] == [
        ("list", "List 12")]


def test_reasons_say_what_distinguished_each_child(tmp_path):
    # Issue 25: 15 of 19 "not picked" rows carried one sentence, every pick opened alike.
    kids = [child(f"CIN{i}", dob=D(2012, 5, 5)) for i in range(30)]
    kids += [child("CLA1", lists=(8,)), child("TEEN", dob=D(2009, 6, 1)),
             child("SOUTH", team="South Team")]
    r = shortlist(build(tmp_path, kids, option="A"), option="A", as_of=AS_OF)
    # a pick opens with what it added (or the rule that took it), where it is flagged after
    assert not any(p.reasons[0].startswith("flagged CSA-FE") for p in r.picks)
    cla = next(p for p in r.picks if p.child_id == "CLA1")
    assert "first looked-after child" in " ".join(cla.reasons[:2])
    why = dict(r.not_picked)
    assert len(why) == len(kids) - 20
    for cid, reasons in why.items():
        m = re.search(r"the pick most like it is child '([^']+)'", reasons[0])
        assert m and m.group(1) in r.ids, (cid, reasons[0])
    # identical CIN children share one reason; the CLA, teen and South Team picks do not
    cin = next(w for c, w in why.items() if c.startswith("CIN"))
    assert "each of its groups is already in the selection" in cin[0]


def test_track_not_picked_names_the_pick_that_took_its_place(tmp_path):
    kids = [child(f"Y{i}", fields=eligible()) for i in range(7)]
    kids += [child(f"N{i}", fields=eligible(csa_current="N")) for i in range(3)]
    r = shortlist(build(tmp_path, kids), option="B", as_of=AS_OF)
    for cid in ("N0", "N1", "N2"):
        reason = dict(r.not_picked)[cid][0]
        m = re.search(r"the pick most like it, child '([^']+)'", reason)
        assert m and m.group(1) in r.ids
        n = re.search(r"more Y answers \((\d) to this child's (\d)\)", reason)
        assert n and int(n.group(1)) > int(n.group(2)), reason


def test_gender_other_than_male_or_female_is_said_as_gender(tmp_path):
    from jtai_cli import shortlisting

    kids = [child(f"C{i}") for i in range(3)] + [child("NEI", gender="d) Neither")]
    r = shortlist(build(tmp_path, kids, option="A"), option="A", as_of=AS_OF)
    text = " ".join(x for p in r.picks for x in p.reasons)
    assert "gender: Neither" in text and "(Neither)" not in text
    assert shortlisting is not None
