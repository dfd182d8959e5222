"""Tests for jtai_cli.timetable, one group per paragraph of the guidance."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from jtai_cli.errors import UsageError
from jtai_cli.timetable import (
    END_OF_DAY,
    Deadline,
    Timeline,
    _fold,
    next_deadline,
    timeline,
)

MONDAY = dt.date(2026, 11, 23)


def find(t: Timeline, day: int, words: str) -> Deadline:
    """Return the one deadline on ``day`` whose text contains ``words``."""
    found = [d for d in t.deadlines if d.day == day and words.lower() in d.what.lower()]
    assert len(found) == 1, [d.what for d in t.deadlines if d.day == day]
    return found[0]


def cites(d: Deadline, para: int) -> bool:
    """Whether ``d.source`` cites paragraph ``para``, alone or in a list or range."""
    for first, last in re.findall(r"(\d+)(?:-(\d+))?", d.source):
        if int(first) <= para <= int(last or first):
            return True
    return False


def has(t: Timeline, day: int, words: str) -> bool:
    return any(d.day == day and words.lower() in d.what.lower() for d in t.deadlines)


# --- para 9: day 0 is the Monday of notification; weekends are not numbered -----------------


@pytest.mark.parametrize(
    ("notified", "weekday"),
    [
        (dt.date(2026, 11, 24), "Tuesday"),
        (dt.date(2026, 11, 27), "Friday"),
        (dt.date(2026, 11, 29), "Sunday"),
    ],
)
def test_notification_not_on_monday_is_refused_naming_the_weekday(notified, weekday):
    with pytest.raises(UsageError) as raised:
        timeline(notified)
    assert str(raised.value) == (
        f"notification is on a Monday (day 0); {notified.isoformat()} is a {weekday}"
    )


def test_day_numbers_skip_the_weekend():
    t = timeline(MONDAY)
    dates = {d.day: d.date for d in t.deadlines}
    assert dates == {
        2: dt.date(2026, 11, 25),  # Wednesday, week one
        3: dt.date(2026, 11, 26),  # Thursday
        4: dt.date(2026, 11, 27),  # Friday
        6: dt.date(2026, 12, 1),  # Tuesday, week two
        7: dt.date(2026, 12, 2),  # Wednesday
        8: dt.date(2026, 12, 3),  # Thursday
        9: dt.date(2026, 12, 4),  # Friday, week two (paras 35, 38)
    }
    weekdays = {d.day: d.weekday for d in t.deadlines}
    assert weekdays == {
        2: "Wednesday",
        3: "Thursday",
        4: "Friday",
        6: "Tuesday",
        7: "Wednesday",
        8: "Thursday",
        9: "Friday",
    }


def test_a_datetime_is_read_as_its_date():
    t = timeline(dt.datetime(2026, 11, 23, 8, 45))
    assert t.notified == MONDAY
    assert t == timeline(MONDAY)


def test_an_unknown_option_is_refused():
    with pytest.raises(UsageError, match="option must be A or B"):
        timeline(MONDAY, "C")  # type: ignore[arg-type]


# --- paras 17-21: lists 6-8 with the CSA-FE flag, YOT and NPS lists, day 2 3pm, both options --


@pytest.mark.parametrize("option", ["A", "B"])
def test_day_2_lists_6_to_8_and_yot_nps_lists_due_3pm_for_both_options(option):
    d = find(timeline(MONDAY, option), 2, "Lists 6, 7 and 8")
    assert d.date == dt.date(2026, 11, 25)
    assert d.time == dt.time(15, 0)
    assert d.who == "local authority"
    assert "YOT" in d.what and "NPS" in d.what
    assert all(cites(d, p) for p in (17, 20, 21))
    # Annex C's option B column says "Lists 6 to 7"; para 17 asks for all three.
    assert "6 to 7" in d.note


# --- paras 22-25: option A only: 20 children, their 7 fields ----------------------------------


def test_day_3_selection_of_20_is_930_with_annex_c_10am_noted():
    d = find(timeline(MONDAY, "A"), 3, "selects 20")
    assert d.time == dt.time(9, 30)
    assert d.who == "lead inspector"
    assert "10am" in d.note and "9.30am" in d.note
    assert cites(d, 22) and "Annex C" in d.source


def test_day_3_fields_for_the_20_is_3pm_the_earlier_of_annex_c_and_para_23():
    d = find(timeline(MONDAY, "A"), 3, "for the 20 selected")
    assert d.time == dt.time(15, 0)
    assert "4pm" in d.note and "3pm" in d.note
    assert cites(d, 23) and "Annex C" in d.source


def test_option_a_has_the_20_children_rows_and_option_b_does_not():
    a, b = timeline(MONDAY, "A"), timeline(MONDAY, "B")
    assert has(a, 3, "selects 20") and has(a, 3, "for the 20 selected")
    assert not has(b, 3, "20")
    assert not any("20" in d.what for d in b.deadlines)


# --- para 26: option B only: the 7 fields for every CSA-FE child on day 2 --------------------


def test_option_b_has_the_day_2_additional_fields_row_and_option_a_does_not():
    d = find(timeline(MONDAY, "B"), 2, "every child flagged")
    assert d.time == dt.time(15, 0)
    assert d.options == frozenset({"B"})
    assert cites(d, 26)
    assert not has(timeline(MONDAY, "A"), 2, "every child flagged")


# --- paras 24, 25, 27, 28: selection of cases to track and the phone call, day 4 --------------


@pytest.mark.parametrize("option", ["A", "B"])
def test_day_4_selection_at_10am_and_phone_call_at_noon(option):
    t = timeline(MONDAY, option)
    select = find(t, 4, "five to seven")
    call = find(t, 4, "phone call")
    assert (select.date, select.time) == (dt.date(2026, 11, 27), dt.time(10, 0))
    assert (call.date, call.time) == (dt.date(2026, 11, 27), dt.time(12, 0))
    assert select.who == call.who == "lead inspector"
    assert "seven" in select.note and "option B" in select.note


# --- para 31: multi-agency meetings, end of day 3, both options -------------------------------


@pytest.mark.parametrize("option", ["A", "B"])
def test_day_3_multi_agency_meetings_by_end_of_day(option):
    d = find(timeline(MONDAY, option), 3, "multi-agency meetings")
    assert d.time is None and d.is_end_of_day
    assert d.source == "para 31"


# --- para 34 and 37: key documents and Annex A information, end of day 6, local agencies ------


def test_day_6_key_documents_by_end_of_tuesday_from_the_local_agencies():
    d = find(timeline(MONDAY), 6, "key documents")
    assert d.date == dt.date(2026, 12, 1)
    assert d.time is None
    assert d.who == "local agencies"
    assert "chronology" in d.what
    assert cites(d, 34) and not cites(d, 33)
    annex_a = find(timeline(MONDAY), 6, "Annex A")
    assert annex_a.who == "local agencies" and cites(annex_a, 37)


# --- para 32: child-level lists, day 7 10am ---------------------------------------------------


def test_day_7_lists_are_wednesday_of_week_two_at_10am():
    d = find(timeline(MONDAY), 7, "contacts")
    assert d.date == dt.date(2026, 12, 2)
    assert d.weekday == "Wednesday"
    assert d.time == dt.time(10, 0)
    for word in ("referrals", "assessments", "section 47"):
        assert word in d.what


# --- paras 33 and 36: CSA-FE referrals and joint evaluations, end of day 8 --------------------


def test_day_8_referrals_and_joint_evaluations_by_end_of_thursday():
    t = timeline(MONDAY)
    referrals = find(t, 8, "referrals received")
    evaluations = find(t, 8, "joint evaluations")
    assert referrals.date == evaluations.date == dt.date(2026, 12, 3)
    assert referrals.time is None and evaluations.time is None
    assert cites(referrals, 33) and cites(evaluations, 36)


# --- filtering, ordering, JSON ----------------------------------------------------------------


def test_no_option_gives_every_row_of_both_options():
    both = {d.what for d in timeline(MONDAY).deadlines}
    a = {d.what for d in timeline(MONDAY, "A").deadlines}
    b = {d.what for d in timeline(MONDAY, "B").deadlines}
    assert both == a | b
    assert a != b
    assert len(both) == 14


@pytest.mark.parametrize("option", [None, "A", "B"])
def test_sorted_by_date_then_time_with_end_of_day_last(option):
    t = timeline(MONDAY, option)
    keys = [(d.date, d.time or dt.time(23, 59, 59)) for d in t.deadlines]
    assert keys == sorted(keys)
    day_3 = [d for d in t.deadlines if d.day == 3]
    assert day_3[-1].time is None
    assert all(d.time is not None for d in day_3[:-1])


def test_to_dict_is_json_ready_with_iso_dates_and_hh_mm_times():
    data = json.loads(json.dumps(timeline(MONDAY, "A").to_dict()))
    assert data["notified"] == "2026-11-23"
    assert data["option"] == "A"
    first = data["deadlines"][0]
    assert first["date"] == "2026-11-25"
    assert first["time"] == "15:00"
    assert first["options"] == ["A", "B"]
    selection = next(d for d in data["deadlines"] if "selects 20" in d["what"])
    assert selection["time"] == "09:30"
    assert any(d["time"] is None for d in data["deadlines"])
    assert timeline(MONDAY).to_dict()["option"] is None


# --- next_deadline ----------------------------------------------------------------------------


def test_next_deadline_before_during_and_after_the_inspection():
    t = timeline(MONDAY, "A")
    assert next_deadline(t, dt.datetime(2026, 11, 23, 9, 0)) == t.deadlines[0]
    # Exactly at the deadline it is still the next one.
    assert next_deadline(t, dt.datetime(2026, 11, 26, 9, 30)).what.startswith("Lead inspector")
    assert next_deadline(t, dt.datetime(2026, 11, 26, 9, 31)).time == dt.time(15, 0)
    # "End of day" counts as 5pm.
    assert next_deadline(t, dt.datetime(2026, 11, 26, 16, 59)).is_end_of_day
    assert next_deadline(t, dt.datetime(2026, 11, 26, 17, 1)).day == 4
    assert next_deadline(t, dt.datetime(2026, 12, 3, 17, 1)).day == 9  # paras 35, 38
    assert next_deadline(t, dt.datetime(2026, 12, 4, 17, 1)) is None


def test_next_deadline_with_an_aware_time_accounts_for_british_summer_time():
    # Notified 23 March 2026; clocks go forward on Sunday 29 March, so week two is BST.
    t = timeline(dt.date(2026, 3, 23), "A")
    day_7 = find(t, 7, "contacts")
    assert day_7.due.utcoffset() == dt.timedelta(hours=1)
    assert find(t, 4, "phone call").due.utcoffset() == dt.timedelta(0)
    # 09:30 UTC on day 7 is 10:30 BST: the 10am deadline has passed.
    now = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
    assert next_deadline(t, now).day == 8
    # 08:30 UTC is 09:30 BST: still before it.
    assert next_deadline(t, now - dt.timedelta(hours=1)) == day_7


def test_end_of_day_is_five_pm():
    assert END_OF_DAY == dt.time(17, 0)
    d = find(timeline(MONDAY), 8, "referrals received")
    assert d.due.replace(tzinfo=None) == dt.datetime(2026, 12, 3, 17, 0)


# --- iCalendar --------------------------------------------------------------------------------


def parse_ics(text: str) -> list[tuple[str, dict[str, str], str]]:
    """Check the RFC 5545 framing and return (name, params, value) for each unfolded line."""
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    physical = raw.split(b"\r\n")[:-1]
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # folding never splits a UTF-8 character
    logical: list[str] = []
    for line in physical:
        if line.startswith(b" "):
            logical[-1] += line[1:].decode("utf-8")
        else:
            logical.append(line.decode("utf-8"))
    parsed = []
    for line in logical:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        parsed.append((name, dict(p.split("=", 1) for p in params), value))
    return parsed


def check_balanced(parsed) -> dict[str, int]:
    stack: list[str] = []
    counts: dict[str, int] = {}
    for name, _, value in parsed:
        if name == "BEGIN":
            stack.append(value)
            counts[value] = counts.get(value, 0) + 1
        elif name == "END":
            assert stack and stack.pop() == value, value
    assert stack == []
    return counts


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def events(parsed) -> list[dict[str, tuple[dict[str, str], str]]]:
    found, current = [], None
    for name, params, value in parsed:
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            found.append(current)
            current = None
        elif current is not None:
            current[name] = (params, value)
    return found


@pytest.mark.parametrize("option", [None, "A", "B"])
def test_ics_is_well_formed_with_one_event_per_deadline(option):
    t = timeline(MONDAY, option)
    parsed = parse_ics(t.to_ics())
    counts = check_balanced(parsed)
    assert parsed[0] == ("BEGIN", {}, "VCALENDAR")
    assert parsed[-1] == ("END", {}, "VCALENDAR")
    assert counts["VEVENT"] == len(t.deadlines)
    assert counts["VTIMEZONE"] == 1
    props = {(name, value) for name, _, value in parsed}
    assert ("PRODID", "-//jtai//timeline//EN") in props
    assert ("VERSION", "2.0") in props
    assert ("CALSCALE", "GREGORIAN") in props
    assert ("TZID", "Europe/London") in props
    assert {"TZNAME"} <= {name for name, _, _ in parsed}
    assert {value for name, _, value in parsed if name == "TZNAME"} == {"GMT", "BST"}


def test_ics_event_times_match_the_deadlines():
    t = timeline(MONDAY)
    evs = events(parse_ics(t.to_ics()))
    for deadline, ev in zip(t.deadlines, evs, strict=True):
        params, start = ev["DTSTART"]
        assert params == {"TZID": "Europe/London"}
        at = deadline.time or dt.time(17, 0)
        assert start == dt.datetime.combine(deadline.date, at).strftime("%Y%m%dT%H%M%S")
        end_params, end = ev["DTEND"]
        assert end_params == {"TZID": "Europe/London"}
        assert dt.datetime.strptime(end, "%Y%m%dT%H%M%S") - dt.datetime.strptime(
            start, "%Y%m%dT%H%M%S"
        ) == dt.timedelta(minutes=30)
        assert ev["DTSTAMP"][1] == "20261123T000000Z"
        assert ev["UID"][1].endswith("@jtai")
        assert deadline.what in unescape(ev["SUMMARY"][1])
        description = unescape(ev["DESCRIPTION"][1])
        assert deadline.what in description and deadline.source in description
        if deadline.note:
            assert deadline.note in description
    selection = next(ev for ev in evs if "selects 20" in unescape(ev["SUMMARY"][1]))
    assert selection["DTSTART"][1] == "20261126T093000"


def test_ics_escapes_commas_semicolons_and_newlines():
    text = timeline(MONDAY, "A").to_ics()
    evs = events(parse_ics(text))
    first = evs[0]["SUMMARY"][1]
    # "Lists 6, 7 and 8 (...; under 18)": every comma and semicolon is escaped.
    assert "6\\, 7" in first and "\\; under 18" in first
    assert re.search(r"(?<!\\)[,;]", first) is None
    description = evs[0]["DESCRIPTION"][1]
    assert "\\n" in description and "\n" not in description


def test_ics_is_byte_identical_across_calls_and_uids_are_unique_and_stable():
    first = timeline(MONDAY).to_ics()
    assert first == timeline(MONDAY).to_ics()
    uids = [ev["UID"][1] for ev in events(parse_ics(first))]
    assert len(set(uids)) == len(uids)
    # The same deadline keeps its UID whichever option the calendar was made for.
    uids_a = [ev["UID"][1] for ev in events(parse_ics(timeline(MONDAY, "A").to_ics()))]
    assert set(uids_a) < set(uids)
    # A different inspection gets different UIDs.
    other = [ev["UID"][1] for ev in events(parse_ics(timeline(dt.date(2026, 11, 30)).to_ics()))]
    assert not set(other) & set(uids)


def test_fold_counts_octets_and_never_splits_a_character():
    line = "DESCRIPTION:" + "é" * 100  # 2 octets each
    folded = _fold(line)
    pieces = folded.encode("utf-8").split(b"\r\n")
    assert len(pieces) > 2
    assert all(len(p) <= 75 for p in pieces)
    assert all(p.startswith(b" ") for p in pieces[1:])
    assert "".join(p.decode("utf-8")[1 if i else 0 :] for i, p in enumerate(pieces)) == line
    assert _fold("SUMMARY:short") == "SUMMARY:short"
    exact = "X:" + "a" * 73
    assert _fold(exact) == exact and _fold(exact + "b") == exact + "\r\n b"


# --- para 35: CQC requests health documents on the Friday of week two -------------------------


@pytest.mark.parametrize("option", ["A", "B"])
def test_para35_cqc_requests_health_documents_on_friday_of_week_two(option):
    d = find(timeline(MONDAY, option), 9, "CQC requests")
    assert d.date == dt.date(2026, 12, 4) and d.weekday == "Friday"
    assert d.who == "CQC" and cites(d, 35) and d.time is None
    assert "no time" in (d.note or "")


# --- para 37: agencies' information by the end of day six ------------------------------------


@pytest.mark.parametrize("option", ["A", "B"])
def test_para37_agencies_information_by_end_of_day_six(option):
    d = find(timeline(MONDAY, option), 6, "Information from individual agencies")
    assert d.date == dt.date(2026, 12, 1) and d.time is None
    assert d.who == "local agencies" and cites(d, 37)


# --- para 38: arrangements to talk with children and families by the end of week two ---------


@pytest.mark.parametrize("option", ["A", "B"])
def test_para38_arrangements_to_talk_with_families_by_end_of_week_two(option):
    d = find(timeline(MONDAY, option), 9, "talk with the tracked children")
    assert d.date == dt.date(2026, 12, 4) and d.time is None
    assert d.who == "local agencies" and cites(d, 38)
    assert "lead inspector asks" in (d.note or "")


# --- para 22 against Annex C: "up to 20" ------------------------------------------------------


def test_para22_annex_c_up_to_20_is_noted_beside_para_22s_20():
    d = find(timeline(MONDAY, "A"), 3, "selects 20")
    assert "up to 20" in (d.note or "") and "para 22 says 20" in (d.note or "")


# --- bank holidays (England and Wales): flagged, never moved ------------------------------------


def test_para9_christmas_day_and_boxing_day_substitute_are_flagged():
    t = timeline(dt.date(2026, 12, 21))
    on_day_4 = [d for d in t.deadlines if d.day == 4]
    assert on_day_4 and all(d.bank_holiday == "Christmas Day" for d in on_day_4)
    assert all(d.date == dt.date(2026, 12, 25) for d in on_day_4)  # not moved
    holidays = {(b.day, b.date, b.name) for b in t.bank_holidays}
    assert (4, dt.date(2026, 12, 25), "Christmas Day") in holidays
    assert (5, dt.date(2026, 12, 28), "Boxing Day (substitute day)") in holidays
    assert (9, dt.date(2027, 1, 1), "New Year's Day") in holidays
    # Days that are not bank holidays carry no flag.
    assert all(d.bank_holiday is None for d in t.deadlines if d.day in (2, 3, 6, 7, 8))


def test_para9_good_friday_2027_is_flagged_in_json_and_ics():
    t = timeline(dt.date(2027, 3, 22))
    data = json.loads(json.dumps(t.to_dict()))
    flagged = {d["date"] for d in data["deadlines"] if d["bank_holiday"] == "Good Friday"}
    assert flagged == {"2027-03-26"}
    assert {"day": 4, "date": "2027-03-26", "name": "Good Friday"} in data["bank_holidays"]
    assert {"day": 5, "date": "2027-03-29", "name": "Easter Monday"} in data["bank_holidays"]
    ics = t.to_ics().replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20270326" in ics
    assert "bank holiday on inspection day 4: Good Friday" in ics
    assert "[bank holiday: Good Friday]" in ics


def test_para9_a_notification_day_on_a_bank_holiday_is_flagged():
    t = timeline(dt.date(2027, 5, 31))  # Spring bank holiday, a Monday
    assert t.notified_bank_holiday == "Spring Bank Holiday"
    assert t.to_dict()["notified_bank_holiday"] == "Spring Bank Holiday"
    assert "bank holiday on the notification day" in t.to_ics().replace("\r\n ", "")


def test_para9_an_ordinary_fortnight_has_no_bank_holiday_flags():
    t = timeline(MONDAY)
    assert t.bank_holidays == () and t.notified_bank_holiday is None
    assert all(d.bank_holiday is None for d in t.deadlines)
    assert "bank holiday" not in t.to_ics().lower()


# Every England and Wales bank holiday gov.uk/bank-holidays lists for 2026 and 2027, and the
# regular pattern (eight a year, substitutes for weekend Christmas, Boxing and New Year's
# Days) through 2031, five years ahead: the source must cover them.
_GOV_UK = {
    dt.date(2026, 1, 1), dt.date(2026, 4, 3), dt.date(2026, 4, 6), dt.date(2026, 5, 4),
    dt.date(2026, 5, 25), dt.date(2026, 8, 31), dt.date(2026, 12, 25), dt.date(2026, 12, 28),
    dt.date(2027, 1, 1), dt.date(2027, 3, 26), dt.date(2027, 3, 29), dt.date(2027, 5, 3),
    dt.date(2027, 5, 31), dt.date(2027, 8, 30), dt.date(2027, 12, 27), dt.date(2027, 12, 28),
}


def test_bank_holidays_match_gov_uk_2026_2027():
    from jtai_cli.timetable import bank_holiday

    days = [dt.date(2026, 1, 1) + dt.timedelta(days=k) for k in range(730)]
    weekday_holidays = {d for d in days if d.weekday() < 5 and bank_holiday(d)}
    assert weekday_holidays == _GOV_UK


@pytest.mark.parametrize("year", range(2026, 2032))
def test_bank_holidays_cover_the_next_five_years(year):
    from jtai_cli.timetable import bank_holiday

    days = [dt.date(year, 1, 1) + dt.timedelta(days=k) for k in range(365)]
    weekday = [d for d in days if d.weekday() < 5 and bank_holiday(d)]
    assert len(weekday) >= 8  # eight a year in England and Wales, all on weekdays
    assert bank_holiday(dt.date(year, 12, 25)) is not None
    assert any(bank_holiday(d) == "Good Friday" for d in days)
