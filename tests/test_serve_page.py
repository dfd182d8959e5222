"""``jtai serve``, the page as a user reads it: every fact the command line gives (bank
holidays, option A's stage), no command-line option names, a wrong date beside its field,
the drop area, tables that scroll in their own box, and a rule's rows from the sheet."""

from __future__ import annotations

import datetime as dt
import html
import re
import warnings
from pathlib import Path

import pytest
from test_serve import CLEAN, MESSY, ORIGIN, _client, check, upload  # noqa: F401

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: F401

from builders import make_csv

from jtai_cli.serve import ServeState
from jtai_cli.serve.routes import (
    EXCERPT_CHARS,
    EXCERPT_COLUMNS,
    EXCERPT_ROWS,
    _rows_excerpt,
    page_words,
)
from jtai_cli.shortlisting import shortlist
from jtai_cli.timetable import timeline
from jtai_cli.validation import validate_workbook

PORT = 8765


@pytest.fixture
def client(tmp_path):
    work = tmp_path / "private"
    work.mkdir()
    c = _client(ServeState(PORT, token="t0k3n-for-tests", workdir=work))
    yield c
    c.__exit__(None, None, None)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_timetable_flags_every_bank_holiday_the_command_line_does(client):
    r = client.get("/timetable?notified=2026-12-21")
    assert r.status_code == 200
    text = _text(r.text)
    tl = timeline(dt.date(2026, 12, 21))
    assert [b.name for b in tl.bank_holidays] == ["Christmas Day", "Boxing Day (substitute day)",
                                                  "New Year's Day"]
    for b in tl.bank_holidays:
        assert (f"Bank holiday on day {b.day}, {b.date:%A %d/%m/%Y}: {b.name} "
                "(England and Wales).") in text
    flagged = [d for d in tl.deadlines if d.bank_holiday]
    assert flagged and text.count("BANK HOLIDAY: ") == len(flagged)
    assert r.text.count('<tr class="holiday">') == len(flagged)
    assert "no deadline has been moved; that is the lead inspector's call" in text
    # A notification day that is itself a bank holiday (Easter Monday 2027 is 29/03).
    r = client.get("/timetable?notified=2027-03-29")
    assert "The notification day, 29/03/2027, is a bank holiday (Easter Monday)." in _text(
        r.text)
    # Without a holiday in the fortnight, no holiday lines.
    quiet = _text(client.get("/timetable?notified=2026-11-23").text)
    assert "Bank holiday on day" not in quiet and "BANK HOLIDAY" not in quiet


def test_a_wrong_date_is_an_error_beside_its_field_with_the_values_kept(client):
    r = client.get("/timetable?notified=2026-12-22&option=B")  # a Tuesday
    assert r.status_code == 400
    assert "jtai cannot use this" not in r.text
    assert re.search(r'<input name="notified" type="date" value="2026-12-22" required '
                     r'class="invalid" aria-invalid="true" aria-describedby="notified-error">',
                     r.text)
    assert re.search(r'id="notified-error"[^>]*>[^<]*Monday', r.text)
    assert re.search(r'<option selected>B</option>', r.text)

    r = client.post("/check", files=upload(CLEAN), data={"as_of": "31/02/2026"},
                    headers=ORIGIN)
    assert r.status_code == 400 and "jtai cannot use this" not in r.text
    assert re.search(r'id="as_of-error"[^>]*>The as-of date is not a real date', r.text)
    assert "Choose the files again" in r.text

    r = client.post("/shortlist", files=upload(CLEAN),
                    data={"option": "B", "notified": "2026-11-24", "include": "X1, X2",
                          "seed": "7"}, headers=ORIGIN)
    assert r.status_code == 400 and "jtai cannot use this" not in r.text
    assert re.search(r'id="notified-error"[^>]*>[^<]*Monday', r.text)
    assert 'value="2026-11-24"' in r.text and 'value="X1, X2"' in r.text
    assert 'value="7"' in r.text and 'value="B" checked' in r.text
    r = client.post("/shortlist", files=upload(CLEAN),
                    data={"option": "A", "seed": "x", "notified": "23/11/2026"}, headers=ORIGIN)
    assert 'value="2026-11-23"' in r.text  # typed day first, kept as a date box shows it
    assert r.status_code == 400 and re.search(r'id="seed-error"[^>]*>The seed is', r.text)

    r = client.post("/summary", files=upload(CLEAN), data={"as_of": "not a date"},
                    headers=ORIGIN)
    assert r.status_code == 400 and re.search(r'id="as_of-error"[^>]*>The as-of date is not',
                                              r.text)


def test_option_a_shows_its_stage_and_lets_the_user_choose_it(client):
    # The clean example holds the seven answers: option A goes to its second stage, and the
    # page says so (the command line's stage note), in the page's words.
    r = client.post("/shortlist", files=upload(CLEAN), data={"option": "A"}, headers=ORIGIN)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = client.get(url).text
    cli = shortlist([CLEAN], option="A")
    assert cli.stage == "track" and "20-children stage (para 22) was skipped" in cli.stage_note
    text = _text(page)
    assert "Stage: " + page_words(cli.stage_note) + "." in text
    assert 'Choose the stage "propose 20" below to propose the 20 again' in text
    assert 'name="stage" value="select"' in page  # the choice, as --stage select
    # Choosing the first stage proposes the 20, and says why.
    r = client.post(url, data={"stage": "select"}, headers=ORIGIN)
    assert r.status_code == 303
    page = client.get(url).text
    assert re.search(r"Option A, first stage: \d+ CSA-FE children proposed", page)
    text = _text(page)
    assert "the 20-children stage (para 22) was asked for (the stage chosen on this page)" in text
    assert "--" not in text
    # The first form takes the stage too.
    r = client.post("/shortlist", files=upload(CLEAN), data={"option": "A", "stage": "select"},
                    headers=ORIGIN)
    assert "Option A, first stage" in client.get(r.headers["location"]).text


def test_no_command_line_option_names_on_the_shortlist_page(client):
    first = shortlist([CLEAN], option="B")
    child = first.picks[0].child_id
    other = first.not_picked[0][0]
    r = client.post("/shortlist", files=upload(CLEAN),
                    data={"option": "B", "include": other, "exclude": child}, headers=ORIGIN)
    assert r.status_code == 303, r.text
    text = _text(client.get(r.headers["location"]).text)
    assert "included by the inspector" in text and "excluded by the inspector" in text
    for name in ("--include", "--require", "--exclude", "--stage", "--prefer"):
        assert name not in text


@pytest.mark.parametrize(("words", "page"), [
    ("included by the inspector (--include or --require)", "included by the inspector"),
    ("excluded by the inspector (--exclude)", "excluded by the inspector"),
    ("--include: child 'X' is on none of the lists", "To include: child 'X' is on none"),
    ("Use --stage select to propose the 20 again", 'Choose the stage "propose 20" below'),
    ("Give --option A if they are the lead inspector's sample", "Choose option A if they"),
])
def test_page_words(words, page):
    assert page_words(words).startswith(page)
    assert "--" not in page_words(words)


def test_no_command_line_option_names_on_the_summary_page(client):
    r = client.post("/summary", files=upload(CLEAN), headers=ORIGIN)
    assert r.status_code == 303
    text = _text(client.get(r.headers["location"]).text)
    assert "Choose option A if they are the lead inspector's sample" in text
    assert not re.search(r"--[a-z]", text)


def test_a_rule_opens_the_rows_it_fired_on_with_the_cells_highlighted(client):
    _, page = check(client, MESSY)
    report = validate_workbook([MESSY], as_of=dt.date(2026, 11, 23))
    f = report.findings
    one = f[f["rule"] == "code-coerced"].iloc[0]  # 'WBRI' read as 'a) WBRI' on List 1
    block = page.split('id="rule-code-coerced"', 1)[1].split("</details>", 1)[0]
    assert '<table class="rowdata">' in block
    assert "<th>Ethnicity</th>" in block and "<th>Child ID</th>" in block
    row = re.search(rf'<tr><th scope="row" class="n">{int(one["row"])}</th>(.*?)</tr>', block)
    assert row, block[:2000]
    hits = re.findall(r'<td class="hit">([^<]*)</td>', row.group(1))
    assert hits == [str(one["value"])]
    # A row-level table for every rule with rows; never more than EXCERPT_ROWS rows.
    for rule in f["rule"].unique():
        part = page.split(f'id="rule-{rule}"', 1)[1].split("</details>", 1)[0]
        n = len(re.findall(r'<th scope="row" class="n">', part))
        if f[(f["rule"] == rule)]["row"].notna().any():
            assert 1 <= n <= EXCERPT_ROWS, rule


def test_the_rows_sent_back_are_bounded(tmp_path):
    header = ["Child ID", "Gender", "Ethnicity", "DOB", "If unborn: expected date of birth",
              "Age of Child (Years)", "Date of Contact", "Contact Source"]
    rows = [header] + [[f"C{i}", "x" * 500, "WBRI", "01/01/2015", "", "11", "01/10/2026",
                        "a) 1A: Individual"] for i in range(300)]
    path = make_csv(tmp_path, "contacts.csv", rows)
    report = validate_workbook([path], as_of=dt.date(2026, 11, 23))
    assert len(report.findings) >= 300
    excerpt = _rows_excerpt(report)
    assert excerpt
    for tables in excerpt.values():
        assert sum(len(t["rows"]) for t in tables) <= EXCERPT_ROWS
        for t in tables:
            assert all(len(c) <= EXCERPT_CHARS for r in t["rows"] for c in r["cells"])
            assert len(t["header"]) <= EXCERPT_COLUMNS


def test_every_table_scrolls_in_its_own_box_and_the_drop_area_is_scripted(client):
    _, page = check(client, MESSY)
    assert page.count("<table") == page.count('<div class="scroll"')
    css = client.get("/static/jtai.css").text
    assert re.search(r"\.scroll \{ overflow-x: auto;", css)
    js = client.get("/static/jtai.js").text
    assert "dataTransfer" in js and "drop" in js
    home = client.get("/").text
    assert 'type="file"' in home and "<script>" not in home and " style=" not in home


def test_the_readme_names_every_endpoint_with_its_verbs(client, tmp_path):
    from starlette.routing import Route

    from jtai_cli.serve.routes import routes

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(/api/\w+)` \| (GET|POST) \|", readme, re.M))
    api = {}
    for route in routes(None):  # type: ignore[arg-type]
        if isinstance(route, Route) and route.path.startswith("/api/"):
            api[route.path] = sorted((route.methods or set()) - {"HEAD"})
    assert {path: [verb] for path, verb in table.items()} == api
    assert "?token=" in readme and "Authorization: Bearer" in readme
    # Any other verb is refused, as the README says.
    for path, verbs in api.items():
        other = "get" if verbs == ["POST"] else "post"
        r = getattr(client, other)(path, headers=ORIGIN)
        assert r.status_code == 405, path


def test_the_api_takes_the_stage_too(client):
    r = client.post("/api/shortlist", files=upload(CLEAN),
                    data={"option": "A", "stage": "select"}, headers=ORIGIN)
    assert r.status_code == 200, r.text
    assert r.json()["stage"] == "select-20"
