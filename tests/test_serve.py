"""``jtai serve``: every route, the token, the Host and Origin checks, the limits, hostile
uploads, the private folder, and that the page and API give what the CLI gives."""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from builders import make_csv  # noqa: E402
from conftest import AS_OF, EXAMPLES  # noqa: E402

with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402
from test_hostile import DANGEROUS, UNUSABLE  # noqa: E402
from test_safety import no_sentinel, sentinel_workbook  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from jtai_cli import __version__, shortlist, summarise  # noqa: E402
from jtai_cli.cli import app as cli_app  # noqa: E402
from jtai_cli.serve import Limits, ServeState, create_app  # noqa: E402
from jtai_cli.timetable import timeline  # noqa: E402

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
MESSY = EXAMPLES / "lists_messy.xlsx"
CLEAN = EXAMPLES / "lists_clean.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
runner = CliRunner()
ERROR_SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "jtai_cli" / "json_schemas" /
                           "error.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def state(tmp_path):
    work = tmp_path / "private"
    work.mkdir()
    return ServeState(PORT, token="t0k3n-for-tests", workdir=work)


def _client(state: ServeState, login: bool = True) -> TestClient:
    client = TestClient(create_app(state), base_url=BASE, follow_redirects=False)
    client.__enter__()
    if login:
        r = client.get(f"/?token={state.token}")
        assert r.status_code == 303
    return client


@pytest.fixture
def client(state):
    c = _client(state)
    yield c
    c.__exit__(None, None, None)


ORIGIN = {"Origin": BASE}


def upload(*paths: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]


def wait_done(client: TestClient, url: str) -> str:
    """Follow a check until its page stops refreshing (it runs in a thread)."""
    for _ in range(600):
        r = client.get(url)
        if 'http-equiv="refresh"' not in r.text:
            return r.text
        time.sleep(0.1)
    raise AssertionError("the check never finished")


def check(client: TestClient, *paths: Path, as_of: str = "2026-11-23") -> tuple[str, str]:
    r = client.post("/check", files=upload(*paths), data={"as_of": as_of}, headers=ORIGIN)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    return url, wait_done(client, url)


# --------------------------------------------------------------------------- token, host, origin


def test_every_request_needs_the_token_then_the_cookie_holds_it(state):
    c = _client(state, login=False)
    for path in ("/", "/shortlist", "/timetable", "/summary", "/static/jtai.css",
                 "/api/version", "/check/nope"):
        assert c.get(path).status_code == 403, path
    assert c.get("/?token=wrong").status_code == 403
    assert c.post("/api/validate", files=upload(CLEAN), headers=ORIGIN).status_code == 403

    r = c.get(f"/timetable?token={state.token}&notified=2026-11-23")
    assert r.status_code == 303
    # The token leaves the address bar; the other parameters stay.
    assert r.headers["location"] == "/timetable?notified=2026-11-23"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{state.cookie}={state.token}")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert c.get("/").status_code == 200  # the cookie now
    c.__exit__(None, None, None)


def test_scripts_may_send_the_token_as_a_bearer_header(state):
    c = _client(state, login=False)
    r = c.get("/api/version", headers={"Authorization": f"Bearer {state.token}"})
    assert r.status_code == 200 and r.json() == {"version": __version__}
    assert c.get("/api/version", headers={"Authorization": "Bearer nope"}).status_code == 403
    c.__exit__(None, None, None)


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9999",
                                  "localhost", f"0.0.0.0:{PORT}", f"127.0.0.1.evil:{PORT}"])
def test_other_host_names_are_refused_against_dns_rebinding(client, state, host):
    r = client.get(f"/?token={state.token}", headers={"Host": host})
    assert r.status_code == 400
    assert state.token not in r.text


def test_localhost_with_the_port_is_allowed(client):
    assert client.get("/", headers={"Host": f"localhost:{PORT}"}).status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Origin": f"http://127.0.0.1:{PORT + 1}"}, 403),
    ({"Origin": BASE, "Sec-Fetch-Site": "cross-site"}, 403),
    ({}, 403),  # the cookie alone, no Origin: not from this page
    ({"Origin": BASE}, 200),
    ({"Origin": f"http://localhost:{PORT}"}, 200),
])
def test_every_post_is_checked_for_its_origin(client, headers, status):
    r = client.post("/api/validate", files=upload(CLEAN), data={"as_of": "2026-11-23"},
                    headers=headers)
    assert r.status_code == status, r.text
    if status == 403:
        r = client.post("/check", files=upload(CLEAN), headers=headers)
        assert r.status_code == 403


def test_a_post_without_origin_is_allowed_only_with_the_token_itself(state):
    c = _client(state, login=False)
    r = c.post("/api/validate", files=upload(CLEAN), data={"as_of": "2026-11-23"},
               headers={"Authorization": f"Bearer {state.token}"})
    assert r.status_code == 200
    r = c.post("/api/validate", files=upload(CLEAN), data={"as_of": "2026-11-23"},
               headers={"Authorization": f"Bearer {state.token}",
                        "Origin": "http://evil.example"})
    assert r.status_code == 403
    c.__exit__(None, None, None)


@pytest.mark.slow
def test_security_headers_on_pages_downloads_static_and_refusals(client, state):
    url, _ = check(client, CLEAN)
    responses = [client.get("/"), client.get("/static/jtai.css"), client.get("/static/jtai.js"),
                 client.get(f"{url}/download/json"), client.get("/check/nope"),
                 client.get("/", headers={"Host": "evil.example"}),
                 TestClient(create_app(state), base_url=BASE).get("/")]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert csp.startswith("default-src 'self'"), r.url
        assert "unsafe-inline" not in csp and "http" not in csp
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"


@pytest.mark.slow
def test_pages_use_no_inline_script_or_style_and_nothing_from_elsewhere(client):
    url, page = check(client, MESSY)
    for text in (client.get("/").text, page, client.get("/shortlist").text,
                 client.get("/timetable?notified=2026-11-23").text,
                 client.get("/summary").text):
        assert "style=" not in text and "<style" not in text
        assert re.findall(r"<script[^>]*>", text) == ['<script src="/static/jtai.js" defer>']
        assert not re.search(r"(src|href|action)=\"(https?:)?//", text)


def test_footer_shows_the_version_and_that_data_stays_here(client):
    text = client.get("/").text
    assert f"jtai {__version__}" in text
    assert "Your data stays on this computer." in text


# --------------------------------------------------------------------------- check a workbook


@pytest.mark.slow
def test_api_validate_is_exactly_the_clis_json(client, tmp_path, monkeypatch):
    shutil.copy(MESSY, tmp_path / MESSY.name)
    monkeypatch.chdir(tmp_path)
    cli = runner.invoke(cli_app, ["validate", MESSY.name, "--format", "json", "--as-of",
                                  "2026-11-23"])
    assert cli.exit_code == 1
    r = client.post("/api/validate", files=upload(MESSY), data={"as_of": "2026-11-23"},
                    headers=ORIGIN)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.text == cli.stdout
    assert json.loads(r.text)["files"] == ["lists_messy.xlsx"]


@pytest.mark.slow
def test_check_page_shows_lists_and_findings_grouped_by_rule(client):
    url, page = check(client, MESSY)
    report = client.post("/api/validate", files=upload(MESSY), data={"as_of": "2026-11-23"},
                         headers=ORIGIN).json()
    assert "Checked lists_messy.xlsx" in page
    assert f"NOT VALID: {report['summary']['error']} errors" in page
    assert "Lists found" in page and "List 6: Children in need" in page
    for rule, count in report["summary"]["by_rule"].items():
        block = re.search(rf'<details class="rule (\w+)" id="rule-{re.escape(rule)}">(.*?)'
                          r"</details>", page, re.S)
        assert block, rule
        assert f'<span class="count">{count:,}</span>' in block.group(2)
        cells = [f["cell"] for f in report["findings"] if f["rule"] == rule and f["cell"]]
        assert all(f"<td>{c}</td>" in block.group(2) for c in cells[:20]), rule
    # What a rule means, and its guidance paragraph where it has one.
    too_many = re.search(r'id="rule-too-many-rows">(.*?)</details>', page, re.S).group(1)
    assert "up to five cases each" in too_many and "Guidance para 21." in too_many
    # Errors first.
    order = re.findall(r'<details class="rule (\w+)"', page)
    assert order == sorted(order, key=["error", "warning", "coerced"].index)


@pytest.mark.slow
def test_check_page_filters_by_sheet_severity_and_child(client):
    url, page = check(client, MESSY)
    r = client.get(url, params={"severity": "error"})
    assert set(re.findall(r'<details class="rule (\w+)"', r.text)) == {"error"}
    r = client.get(url, params={"sheet": "List 6"})
    where = set(re.findall(r"<tr><td>([^<]*)</td><td>[A-Z]+\d+</td>", r.text))
    assert where == {"List 6"}
    # The child in List 1 row 146 (aged 18 or over): their findings, on every list.
    ws = openpyxl.load_workbook(MESSY, read_only=True)["List 1"]
    child = str(next(ws.iter_rows(min_row=146, max_row=146, max_col=1, values_only=True))[0])
    r = client.get(url, params={"child": child})
    assert "<td>D146</td>" in r.text
    shown = int(re.search(r"([\d,]+) findings match the filter", r.text).group(1))
    assert 1 <= shown < int(re.search(r"([\d,]+) findings", page).group(1).replace(",", ""))
    r = client.get(url, params={"child": "NO-SUCH-CHILD"})
    assert "No row of the lists has the child ID NO-SUCH-CHILD." in r.text
    assert "<details" not in r.text


@pytest.mark.slow
def test_check_downloads_highlighted_copy_json_and_guarded_csv(client, tmp_path):
    url, _ = check(client, MESSY)
    r = client.get(f"{url}/download/highlighted")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert 'filename="lists_messy-checked.xlsx"' in r.headers["content-disposition"]
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(r.content)
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "Issues" and "List 6" in wb.sheetnames

    report = client.get(f"{url}/download/json").json()
    api = client.post("/api/validate", files=upload(MESSY), data={"as_of": "2026-11-23"},
                      headers=ORIGIN).json()
    assert report == api

    r = client.get(f"{url}/download/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(api["findings"])
    assert {row["file"] for row in rows} == {"lists_messy.xlsx"}


def test_csv_of_findings_is_formula_guarded(client, tmp_path):
    rows = [["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
             "Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
             "Allocated Team", "Allocated Worker", "CSA-FE"],
            ["C1", '=HYPERLINK("http://x","y")', "a) WBRI", "03/04/2015", "11", "b) No",
             "01/09/2026", "N1 Abuse or neglect", "North", "Ann", "a) Yes"]]
    path = make_csv(tmp_path, "list6.csv", rows)
    url, page = check(client, path)
    text = client.get(f"{url}/download/csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert not re.search(r'(^|,)"?=HYPERLINK', text, re.M)


@pytest.mark.slow
def test_several_files_are_checked_together_and_highlighted_as_a_zip(client, tmp_path):
    url, page = check(client, MESSY, CLEAN)
    assert "Checked lists_messy.xlsx, lists_clean.xlsx" in page
    r = client.get(f"{url}/download/highlighted")
    assert r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert sorted(names) == ["lists_clean.checked.xlsx", "lists_messy.checked.xlsx"]


def test_progress_page_refreshes_until_done(client, state):
    job = state.new_job("check")
    job.inputs, job.names = [job.folder / "x.xlsx"], ["x.xlsx"]
    job.progress("Reading List 6", 2, 5)
    r = client.get(f"/check/{job.id}")
    assert '<meta http-equiv="refresh" content="1">' in r.text
    assert "Reading List 6 (2 of 5)" in r.text and 'value="40"' in r.text


# --------------------------------------------------------------------------- bad input


@pytest.mark.slow
@pytest.mark.parametrize(("name", "error", "phrases"),
                         [u for u in UNUSABLE if u[0] not in DANGEROUS],
                         ids=[u[0] for u in UNUSABLE if u[0] not in DANGEROUS])
def test_a_hostile_file_is_a_message_never_a_server_error(client, state, name, error, phrases):
    path = Path(__file__).parent / "hostile" / name
    r = client.post("/api/validate", files=upload(path), headers=ORIGIN)
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert message.startswith(f"{name}: ")
    assert all(p in message for p in phrases), message
    assert str(state.workdir) not in message
    # Exactly what `jtai validate FILE --format json` prints, with the file's name for its path.
    cli = runner.invoke(cli_app, ["validate", str(path), "--format", "json"])
    assert cli.exit_code == 3
    assert r.json() == json.loads(cli.stdout.replace(str(path), name))
    jsonschema.validate(r.json(), ERROR_SCHEMA)
    url, page = check(client, path)
    assert "jtai cannot use this" in page and f"{name}: " in page
    assert client.get(url).status_code == 422
    assert str(state.workdir) not in page


@pytest.mark.slow
def test_dangerous_files_through_a_real_server_under_a_memory_limit(tmp_path):
    """Bombs, the far cell, entity expansion: refused by the server with a message. The server
    runs in its own process under an address-space limit, so a broken guard fails this test
    instead of taking pytest with it."""
    import resource

    import httpx

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "jtai_cli", "serve", "--port", "0",
                             "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, preexec_fn=limit)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    base, token = url.split("/?token=")
    try:
        for name, _error, phrases in [u for u in UNUSABLE if u[0] in DANGEROUS]:
            path = Path(__file__).parent / "hostile" / name
            r = httpx.post(f"{base}/api/validate", files=upload(path), timeout=300,
                           headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 422, (name, r.text)
            message = r.json()["error"]["message"]
            assert message.startswith(f"{name}: ") and all(p in message for p in phrases)
        assert proc.poll() is None  # still serving
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


def test_a_workbook_with_no_lists_is_a_report_not_an_error(client):
    r = client.post("/api/validate", files=upload(Path(__file__).parent / "hostile" /
                                                  "no_lists.xlsx"), headers=ORIGIN)
    assert r.status_code == 200
    assert "no-lists-found" in [f["rule"] for f in r.json()["findings"]]


@pytest.mark.parametrize(("form", "files", "message"), [
    ({"as_of": "31/02/2026"}, True, "not a real date"),
    ({"as_of": "yesterday"}, True, "not a date"),
    ({}, False, "Choose at least one file"),
])
def test_a_form_filled_in_wrongly_is_a_400_with_a_message(client, form, files, message):
    kwargs = {"files": upload(CLEAN)} if files else {"files": [("file", ("", b"", "x"))]}
    r = client.post("/check", data=form, headers=ORIGIN, **kwargs)
    assert r.status_code == 400 and message in r.text
    r = client.post("/api/validate", data=form, headers=ORIGIN, **kwargs)
    assert r.status_code == 400 and message in r.json()["error"]["message"]
    jsonschema.validate(r.json(), ERROR_SCHEMA)
    assert r.json()["error"]["kind"] == "usage"


def test_not_a_multipart_form_is_refused(client):
    r = client.post("/api/validate", content=b"x=1", headers={
        **ORIGIN, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415


@pytest.mark.slow
def test_gone_jobs_and_unknown_downloads_are_404s(client):
    assert client.get("/check/nope").status_code == 404
    assert client.get("/check/nope/download/json").status_code == 404
    assert client.get("/shortlist/nope").status_code == 404
    assert client.get("/summary/nope/download/html").status_code == 404
    url, _ = check(client, CLEAN)
    assert client.get(f"{url}/download/other").status_code == 404


# --------------------------------------------------------------------------- limits and folder


def test_upload_limits_size_and_count(tmp_path):
    work = tmp_path / "private"
    work.mkdir()
    state = ServeState(PORT, token="t", workdir=work, limits=Limits(file_bytes=20_000, files=2))
    c = _client(state)
    big = tmp_path / "big.csv"
    big.write_bytes(b"Child Unique ID\n" + b"1234567\n" * 5000)
    r = c.post("/api/validate", files=upload(big), headers=ORIGIN)
    assert r.status_code == 413 and "too large" in r.json()["error"]["message"]
    r = c.post("/check", files=upload(big), headers=ORIGIN)
    assert r.status_code == 413 and "too large" in r.text
    small = make_csv(tmp_path, "a.csv", [["Child Unique ID"], ["1"]])
    r = c.post("/api/validate", files=upload(small, small, small), headers=ORIGIN)
    assert r.status_code == 413 and "Too many files: up to 2" in r.json()["error"]["message"]
    # Refused before reading a byte when the request says it is too big.
    r = c.post("/api/validate", content=b"", headers={
        **ORIGIN, "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(state.limits.request_bytes + 1)})
    assert r.status_code == 413
    # Nothing is left behind from the refused uploads.
    assert list(work.iterdir()) == []
    c.__exit__(None, None, None)


@pytest.mark.slow
def test_uploads_live_in_the_private_folder_and_go_when_done(client, state):
    assert oct(state.workdir.stat().st_mode & 0o777) == "0o700"
    client.post("/api/validate", files=upload(CLEAN), headers=ORIGIN)
    assert list(state.workdir.iterdir()) == []  # the API keeps nothing
    url, _ = check(client, CLEAN)
    job = state.workdir / url.rsplit("/", 1)[1]
    assert oct(job.stat().st_mode & 0o777) == "0o700"
    saved = next(job.glob("*/lists_clean.xlsx"))
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert (job / "highlighted.xlsx").is_file()


@pytest.mark.slow
def test_idle_timeout_removes_every_upload_and_result(client, state):
    url, _ = check(client, CLEAN)
    assert state.reap(now=state.last_seen + state.idle - 1) is False
    assert any(state.workdir.iterdir())
    assert state.reap(now=state.last_seen + state.idle + 1) is True
    assert list(state.workdir.iterdir()) == [] and state.jobs == {}
    r = client.get(url)
    assert r.status_code == 404 and "no longer here" in r.text


@pytest.mark.slow
def test_stopping_removes_the_private_folder(state):
    c = _client(state)
    check(c, CLEAN)
    c.__exit__(None, None, None)  # lifespan shutdown, as on Ctrl-C
    assert not state.workdir.exists()


def test_no_cell_value_in_any_log(client, tmp_path, caplog):
    path = sentinel_workbook(tmp_path)
    with caplog.at_level(logging.DEBUG):
        url, page = check(client, path)
        client.post("/api/validate", files=upload(path), headers=ORIGIN)
        client.get(f"{url}/download/csv")
        client.get(url, params={"child": "ZQ0099887766"})
    assert not no_sentinel(page)  # the user's own report does show it ...
    # httpx is the test's browser (it logs the URLs it asks for); the rest is the server's.
    logged = "\n".join(r.getMessage() for r in caplog.records
                       if not r.name.startswith(("httpx", "httpcore")))
    assert no_sentinel(logged)  # ... no log does


# --------------------------------------------------------------------------- shortlist


@pytest.mark.slow
def test_shortlist_page_proposes_with_reasons_and_re_proposes(client, tmp_path):
    r = client.post("/shortlist", files=upload(CLEAN), headers=ORIGIN,
                    data={"option": "B", "seed": "0", "as_of": "2026-11-23"})
    assert r.status_code == 303
    url = r.headers["location"]
    page = client.get(url).text
    lib = shortlist(CLEAN, option="B", as_of=AS_OF)
    assert f"Option B: {len(lib.picks)} children proposed to track" in page
    picked = re.findall(r'name="exclude" value="([^"]+)"', page)
    assert picked == list(lib.ids)
    assert lib.picks[0].reasons[0] in html.unescape(page)
    r = client.get(f"{url}/workbook.xlsx")
    assert r.headers["content-type"] == XLSX
    (tmp_path / "s.xlsx").write_bytes(r.content)
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames

    # Exclude the first pick, include a child not picked: the page proposes again.
    first, other = lib.ids[0], lib.not_picked[0][0]
    r = client.post(url, data={"exclude": first, "include": other}, headers=ORIGIN)
    assert r.status_code == 303
    page = client.get(url).text
    again = shortlist(CLEAN, option="B", as_of=AS_OF, exclude=[first], include=[other])
    assert re.findall(r'name="exclude" value="([^"]+)"', page) == [*again.ids, first]
    assert first not in again.ids and other in again.ids
    assert f"keep excluding {first}" in page
    r = client.post(url, data={"exclude": first, "include": first}, headers=ORIGIN)
    assert r.status_code == 400 and "both included and excluded" in r.text


def test_shortlist_needs_an_option(client):
    r = client.post("/shortlist", files=upload(CLEAN), headers=ORIGIN, data={"option": "C"})
    assert r.status_code == 400 and "Choose option A or option B" in r.text
    assert "option" in client.get("/shortlist").text


@pytest.mark.slow
def test_api_shortlist_is_the_librarys(client):
    r = client.post("/api/shortlist", files=upload(CLEAN), headers=ORIGIN,
                    data={"option": "A", "as_of": "2026-11-23", "exclude": "0799515"})
    want = shortlist(CLEAN, option="A", as_of=AS_OF, exclude=["0799515"]).to_dict()
    assert r.json() == json.loads(json.dumps(want, default=str))


# --------------------------------------------------------------------------- timetable


def test_timetable_page_and_calendar(client):
    assert "Notification date" in client.get("/timetable").text
    page = client.get("/timetable", params={"notified": "2026-11-23", "option": "A"}).text
    tl = timeline(AS_OF, "A")
    assert "JTAI timetable, notified Monday 23/11/2026, option A" in page
    assert page.count('<td class="n" data-label="Day">') == len(tl.deadlines)
    r = client.get("/timetable/jtai.ics", params={"notified": "23/11/2026", "option": "A"})
    assert r.headers["content-type"].startswith("text/calendar")
    assert r.text == tl.to_ics()
    r = client.get("/api/timeline", params={"notified": "2026-11-23"})
    assert r.json() == timeline(AS_OF).to_dict()
    assert client.get("/timetable", params={"notified": "2026-13-40"}).status_code == 400
    assert client.get("/api/timeline").status_code == 400


# --------------------------------------------------------------------------- summary


@pytest.mark.slow
def test_summary_page_tables_and_downloads(client, tmp_path):
    r = client.post("/summary", files=upload(CLEAN), headers=ORIGIN, data={"as_of": ""})
    assert r.status_code == 303
    url = r.headers["location"]
    page = client.get(url).text
    lib = summarise(CLEAN)
    for t in lib.tables.values():
        assert f"<h2>{t.title}</h2>".replace("'", "&#39;") in page
    assert "Small numbers suppressed" in page
    # the file as jtai summary writes it: the page, then the seal that lets jtai replace it
    unsealed = re.compile(r"\n<!-- jtai-seal sha256:[0-9a-f]{64} -->\n$")
    html = client.get(f"{url}/download/html")
    assert unsealed.sub("", html.text).rstrip("\n") == lib.to_html().rstrip("\n")
    # Shown as jtai summary writes it: its inline chart styles allowed by hash, nothing else.
    report = client.get(f"{url}/report")
    assert unsealed.sub("", report.text).rstrip("\n") == lib.to_html().rstrip("\n")
    csp = report.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'unsafe-hashes' 'sha256-")
    assert "unsafe-inline" not in csp and "script" not in csp
    import base64
    import hashlib
    import html as html_lib

    # Every style the page holds (its <style> element, and any style attribute) is allowed by
    # its own hash, and nothing else is.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", report.text, re.S)
    styles += re.findall(r'\sstyle="([^"]*)"', report.text)
    assert styles
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(html_lib.unescape(style).encode()).digest())
        assert digest.decode() in csp
    assert csp.count("'sha256-") == len(set(styles))
    r = client.get(f"{url}/download/xlsx")
    (tmp_path / "s.xlsx").write_bytes(r.content)
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames[0] == "About"
    r = client.post("/api/summary", files=upload(CLEAN), headers=ORIGIN)
    want = json.loads(json.dumps(lib.to_dict(), default=str))
    want["snapshots"][0]["files"] = ["lists_clean.xlsx"]  # the upload's name, not its path
    assert r.json() == want


# --------------------------------------------------------------------------- the command


def test_the_jtai_command_does_not_import_the_server():
    code = ("import sys, jtai_cli.cli; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2', 'jtai_cli.serve') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_without_the_extra_serve_says_what_to_install():
    code = ("import sys; sys.modules['starlette'] = None; sys.argv = ['jtai', 'serve', "
            "'--no-open', '--port', '0']; from jtai_cli.cli import main; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 3
    assert "pip install 'jtai[serve]'" in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr


def start_server(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "jtai_cli", "serve", "--port", "0",
                             "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


@pytest.mark.slow
def test_serve_prints_its_link_first_binds_127_0_0_1_and_cleans_up(tmp_path):
    import signal

    import httpx

    proc, url = start_server(tmp_path)
    try:
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", url)
        assert m, url
        port = int(m.group(1))
        assert port != 0
        folders = list(tmp_path.glob("jtai-serve-*"))
        assert len(folders) == 1
        for _ in range(300):
            try:
                r = httpx.get(url, follow_redirects=True)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert r.status_code == 200 and "Check a workbook" in r.text
        r = httpx.post(f"http://127.0.0.1:{port}/api/validate?token={m.group(2)}",
                       files=upload(CLEAN), timeout=120)
        assert r.status_code == 200 and r.json()["valid"] is True
        # Listening on 127.0.0.1 only (0100007F in /proc/net/tcp), never on 0.0.0.0.
        listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
        assert listening == [f"0100007F:{port:04X}"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert m.group(2) not in err and "GET" not in err and "POST" not in err
    assert not folders[0].exists()


def test_a_port_in_use_is_a_clear_message(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = runner.invoke(cli_app, ["serve", "--port", str(port), "--no-open"])
    assert r.exit_code == 3
    assert "Try --port 0" in " ".join(r.stderr.split())
