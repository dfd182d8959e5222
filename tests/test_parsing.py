"""Cell values to typed values: day-first dates, serials, numbers, codes, IDs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtai_cli.parsing import (
    BLANK,
    COERCED,
    ERROR,
    OK,
    id_key,
    parse_code,
    parse_column,
    parse_date,
    parse_id,
    parse_integer,
    parse_text,
)
from jtai_cli.schemas import Code, CodeList, Column, compile_codes

GENDER = compile_codes(CodeList(name="gender", title="Gender", codes=[
    Code(value="a) Male", label="Male", also_accept=["M", "1"]),
    Code(value="b) Female", label="Female", also_accept=["F", "2"]),
]))
NEED = compile_codes(CodeList(name="primary_need", title="Need", codes=[
    Code(value="N1 - Abuse or neglect", code="N1", label="Abuse or neglect"),
    Code(value="N2 - Child’s disability", code="N2", label="Child’s disability"),
]))


@pytest.mark.parametrize("value, expected, state", [
    (dt.date(2019, 4, 3), dt.date(2019, 4, 3), OK),
    (dt.datetime(2019, 4, 3, 0, 0), dt.date(2019, 4, 3), OK),
    ("03/04/2019", dt.date(2019, 4, 3), COERCED),       # day first: 3 April
    ("3/4/2019", dt.date(2019, 4, 3), COERCED),
    ("03-04-2019", dt.date(2019, 4, 3), COERCED),
    ("2019-04-03", dt.date(2019, 4, 3), COERCED),
    ("2010-01-01 00:00:00", dt.date(2010, 1, 1), COERCED),
    ("3 April 2019", dt.date(2019, 4, 3), COERCED),
    ("03-Apr-19", dt.date(2019, 4, 3), COERCED),
    (43558, dt.date(2019, 4, 3), COERCED),              # Excel serial
    (43558.0, dt.date(2019, 4, 3), COERCED),
    ("43558", dt.date(2019, 4, 3), COERCED),
])
def test_dates_are_read_day_first(value, expected, state):
    p = parse_date(value)
    assert (p.value, p.state) == (expected, state)


def test_csv_text_dates_are_native_not_coerced():
    assert parse_date("03/04/2019", from_text=True).state == OK
    assert parse_date("03/04/19", from_text=True).state == COERCED  # two-digit year is reported


@pytest.mark.parametrize("value, rule, phrase", [
    ("31/02/2015", "date-impossible", "February 2015 has 28 days"),
    ("12/25/2015", "date-impossible", "no month 25"),
    ("29/02/2023", "date-impossible", "has 28 days"),
    ("yesterday", "date-not-recognised", "is not a date"),
    (True, "date-not-recognised", "not a date"),
    (99999999, "date-not-recognised", "not a date"),
    ("#REF!", "excel-error", "#REF!"),
])
def test_bad_dates_are_errors_with_plain_messages(value, rule, phrase):
    p = parse_date(value)
    assert p.state == ERROR and p.rule == rule and phrase in p.message


def test_month_first_date_message_says_so():
    assert "month-first" in parse_date("12/25/2015").message


@pytest.mark.parametrize("value", [None, "", "   ", float("nan")])
def test_blanks(value):
    assert parse_date(value).state == BLANK
    assert parse_integer(value).state == BLANK
    assert parse_code(value, GENDER).state == BLANK


@pytest.mark.parametrize("value, n, state", [
    (5, 5, OK), (5.0, 5, OK), ("5", 5, COERCED), ("5.0", 5, COERCED), ("-1", -1, COERCED),
    ("1,234", 1234, COERCED),
])
def test_integers(value, n, state):
    p = parse_integer(value)
    assert (p.value, p.state) == (n, state)


@pytest.mark.parametrize("value", [6.5, "six", True, dt.date(2020, 1, 1)])
def test_not_whole_numbers(value):
    assert parse_integer(value).rule == "not-a-whole-number"


def test_csv_plain_integer_is_native():
    assert parse_integer("5", from_text=True).state == OK


@pytest.mark.parametrize("value, canon, state", [
    ("a) Male", "a) Male", OK),
    ("M", "a) Male", COERCED),
    ("male", "a) Male", COERCED),
    ("A) MALE ", "a) Male", COERCED),
    (1, "a) Male", COERCED),
    (2.0, "b) Female", COERCED),
])
def test_codes(value, canon, state):
    p = parse_code(value, GENDER)
    assert (p.value, p.state) == (canon, state)
    if state == COERCED:
        assert p.rule == "code-coerced" and canon in p.message


@pytest.mark.parametrize("value", ["N1", "n1", "N1 Abuse or neglect", "N1 - Abuse or Neglect",
                                   "N1: abuse or neglect", "Abuse or neglect"])
def test_code_with_description(value):
    assert parse_code(value, NEED).value == "N1 - Abuse or neglect"


def test_curly_and_straight_apostrophes_match():
    assert parse_code("N2 - Child's disability", NEED).value == "N2 - Child’s disability"


def test_unknown_code_names_the_list():
    p = parse_code("PSRMEM", NEED)
    assert p.state == ERROR and p.rule == "code-not-in-list"
    assert "N1 - Abuse or neglect" in p.expected


@pytest.mark.parametrize("value, text, state", [
    (1001, "1001", OK), (1001.0, "1001", OK), ("001234", "001234", OK),
    (" AB12 ", "AB12", COERCED),
])
def test_ids(value, text, state):
    p = parse_id(value)
    assert (p.value, p.state) == (text, state)


def test_id_key_matches_text_and_number_forms():
    assert id_key("001234") == id_key("1234") == "1234"
    assert id_key("ab12") == id_key("AB12")
    assert id_key("0") == "0"


def test_parse_column_spreads_distinct_values_back_to_rows():
    col = Column(header="Gender", type="code", codes="gender")
    raw = pd.Series(["M", "a) Male", None, "M", "x", "F"], dtype=object)
    p = parse_column(raw, col, GENDER)
    assert list(p.values) == ["a) Male", "a) Male", None, "a) Male", None, "b) Female"]
    assert list(p.state) == [COERCED, OK, BLANK, COERCED, ERROR, COERCED]
    assert list(p.problem_rows()) == [0, 3, 4, 5]


def test_parse_column_dates_typed():
    col = Column(header="D", type="date")
    raw = pd.Series([dt.date(2020, 1, 2), "03/04/2019", "", 43558], dtype=object)
    p = parse_column(raw, col, None)
    assert str(p.values.dtype) == "datetime64[ns]"
    assert p.values.iloc[1] == pd.Timestamp(2019, 4, 3)
    assert pd.isna(p.values.iloc[2])


# The bulk path for mostly distinct text (over 256 distinct values) must give exactly what the
# one-value-at-a-time path gives, for every kind of cell a reader can hand over.
_CELLS = st.one_of(
    st.text(alphabet=st.sampled_from(list("0aB #\t\n-'") + ["\u00a0", "é"]), max_size=6),
    st.integers(-5, 10**13), st.floats(allow_nan=True, allow_infinity=False),
    st.none(), st.just("#N/A"), st.just(" 0012 "), st.dates(),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(cells=st.lists(_CELLS, min_size=1, max_size=40))
@pytest.mark.parametrize("kind", ["id", "text"])
def test_bulk_text_parsing_matches_parsing_each_value(kind, cells):
    col = Column(header="X", type=kind)
    # Pad with distinct clean IDs so the bulk path (over 256 distinct values) is taken.
    raw = pd.Series(cells + [f"P{i}" for i in range(300)], dtype=object)
    bulk = parse_column(raw, col, None)
    one = parse_id if kind == "id" else parse_text
    for i, cell in enumerate(raw):
        want = one(cell)
        assert bulk.state[i] == want.state, cell
        got = bulk.values.iloc[i]
        assert (got is None and want.value is None) or got == want.value, cell


def test_row_keys_are_the_id_key_of_each_rows_id():
    from jtai_cli.validation import _keys

    col = Column(header="ID", type="id")
    ids = [f"{i:06d}" for i in range(300)] + ["ab12", " AB12", None, "", 1234, 1234.0, "0", "0A1"]
    parsed = parse_column(pd.Series(ids, dtype=object), col, None)
    keys = _keys(parsed, len(ids))
    for i, value in enumerate(parsed.values):
        assert keys.iloc[i] == (id_key(value) if isinstance(value, str) else None), ids[i]
    assert keys.iloc[1] == "1" and keys.iloc[-1] == "0A1" and keys.iloc[-2] == "0"


# --------------------------------------------------------------------------- code messages


def test_code_errors_name_the_list_in_analyst_words_and_suggest_the_nearest(schemas):
    from jtai_cli.parsing import parse_code

    health = parse_code("Health", schemas.codes["contact_source"])
    assert health.message == ("'Health' is not one of the contact or referral source codes; did "
                              "you mean 3A-3F (Health services)?")
    assert "e.g. a) 1A: Individual" in health.expected
    assert "jtai schemas show contact_source" in health.expected
    yn = parse_code("Maybe", schemas.codes["annex_yes_no"])
    assert yn.message == "'Maybe' is not a Y/N answer"
    assert "annex" not in yn.message + yn.expected
    typo = parse_code("Mael", schemas.codes["gender"])
    assert typo.message.endswith("did you mean 'a) Male'?")
    far = parse_code("U9", schemas.codes["placement_type"])
    assert "did you mean" not in far.message


def test_a_date_cell_outside_the_years_is_an_error_not_a_wrapped_date():
    """Excel date cells are bounded like typed dates: 2263 once became 1678 (numpy 2.4) or an
    internal error (numpy 2.5) when converted to datetime64[ns]."""
    import datetime as dt

    for value in (dt.datetime(2263, 1, 1), dt.date(1850, 5, 1)):
        p = parse_date(value)
        assert (p.value, p.state, p.rule) == (None, ERROR, "date-not-recognised")
    assert parse_date(dt.datetime(2099, 12, 31, 10, 0)).value == dt.date(2099, 12, 31)


def test_dates_become_days_as_numpy_makes_each_one():
    """``_days`` (day numbers in C) gives what ``np.datetime64(d, "D")`` gives date by date:
    dates either side of 1970, a datetime's day, None as NaT."""
    import numpy as np

    from jtai_cli.parsing import _days

    values = np.array([dt.date(1900, 1, 1), None, dt.datetime(2026, 11, 23, 23, 59),
                       dt.date(1969, 12, 31), dt.date(1970, 1, 1), dt.date(2100, 2, 28)],
                      dtype=object)
    one_by_one = np.array([np.datetime64(v if v is not None else "NaT", "D") for v in values],
                          dtype="datetime64[D]")
    got = _days(values)
    assert got.dtype == np.dtype("datetime64[D]")
    assert np.array_equal(got, one_by_one, equal_nan=True)
    assert str(got[2]) == "2026-11-23" and np.isnat(got[1])
    assert len(_days(np.empty(0, dtype=object))) == 0


def test_did_you_mean_is_looked_for_a_bounded_number_of_times_per_column(monkeypatch):
    """Each "did you mean" costs about half a millisecond: a column of 250,000 distinct wrong
    values once took minutes. Past the budget a wrong value is still reported, without one."""
    from jtai_cli import parsing

    monkeypatch.setattr(parsing, "SUGGESTIONS_PER_COLUMN", 3)
    col = Column(header="Gender", type="code", codes="gender")
    raw = pd.Series(["Mael", "Femal", "Maleish", "Mael2", "Femail", "Mael"], dtype=object)
    p = parse_column(raw, col, GENDER)
    messages = [p.detail[k].message for k in p.codes if k >= 0]
    assert all(p.detail[k].rule == "code-not-in-list" for k in p.codes)
    assert "did you mean" in messages[0] and "did you mean" in messages[1]
    assert "did you mean" not in messages[4]  # the fifth distinct wrong value: none looked for
    assert messages[5] == messages[0]  # a value seen before keeps its message
