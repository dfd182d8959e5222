"""``jtai serve`` in a real browser: the system's headless Chromium, driven by Selenium.

A user's path through the page: open the printed link, upload examples/lists_messy.xlsx, see
the findings grouped by rule, download the highlighted copy and open it, then build a
shortlist from examples/lists_clean.xlsx. The browser must report no Content Security Policy
violation (the page has no inline script or style).

Nothing is downloaded: the browser and its driver are the system's packages (Debian:
``apt-get install chromium chromium-driver``), named explicitly so Selenium Manager never runs,
and SE_OFFLINE is set. Selenium is in the test extra, so without it the test fails; without the
browser and driver this test skips, unless JTAI_REQUIRE_BROWSER=1 (as in
.ci/run, which installs them), where a missing browser fails.

``JTAI_UPDATE_SCREENSHOT=1`` writes the README's screenshots (docs/serve.png, and one of each
page, docs/serve-*.png) from this run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from conftest import need_program
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

#: A real browser and a real server: the full suite only.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCREENSHOT = ROOT / "docs" / "serve.png"
MAX_PNG = 200 * 1024


def _need(what: str) -> None:
    need_program("JTAI_REQUIRE_BROWSER", what)


def _paths() -> tuple[str, str]:
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser",
                                                  "google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        _need("no system Chromium and chromedriver (apt-get install chromium chromium-driver)")
    assert browser is not None and driver is not None
    return browser, driver


@pytest.fixture
def browser(tmp_path, monkeypatch):
    browser_path, driver_path = _paths()
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--lang=en-GB", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", f"--user-data-dir={tmp_path / 'p'}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False, "intl.accept_languages": "en-GB"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "jtai_cli", "serve", "--port", "0",
                             "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", url), url
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        token = url.rsplit("=", 1)[1]
        assert token not in err  # no access log: the token is never logged
        assert not list(tmp_path.glob("jtai-serve-*"))  # the private folder is gone


def _wait(condition, what: str, seconds: float = 180):
    """Poll ``condition`` until it gives something. An element that went stale between
    being found and being read (the page was replaced under it, as a form's answer loads)
    is "not yet", not a failure: the next poll finds the new page's."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            value = condition()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"the page never showed {what}")


def _small_png(source: Path, target: Path) -> None:
    """The screenshot in 64 colours: sharp text, a fraction of the bytes."""
    from PIL import Image

    with Image.open(source) as img:
        img.convert("RGB").quantize(colors=64).save(target, optimize=True)


def test_check_download_and_shortlist_in_headless_chromium(browser, server, tmp_path):
    driver = browser
    driver.get(server)
    _wait(lambda: "Check a workbook" in driver.title, "the home page")
    assert "?token=" not in driver.current_url  # swapped for the cookie
    assert "Your data stays on this computer." in driver.find_element(By.TAG_NAME,
                                                                      "footer").text

    driver.find_element(By.ID, "file").send_keys(str(EXAMPLES / "lists_messy.xlsx"))
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    _wait(lambda: "Findings by rule" in driver.page_source, "the findings")
    assert "NOT VALID" in driver.find_element(By.CSS_SELECTOR, ".verdict").text
    rules = driver.find_elements(By.CSS_SELECTOR, "details.rule")
    assert len(rules) >= 10
    first = rules[0]
    first.find_element(By.TAG_NAME, "summary").click()
    assert first.get_attribute("open") is not None
    assert first.find_elements(By.CSS_SELECTOR, "table.cells tbody tr")
    # The filter: errors only.
    driver.find_element(By.CSS_SELECTOR, "select[name=severity] option[value=error]").click()
    driver.find_element(By.CSS_SELECTOR, "form.filter button").click()
    _wait(lambda: "severity=error" in driver.current_url, "the filtered findings")
    severities = {d.get_attribute("class") for d in
                  driver.find_elements(By.CSS_SELECTOR, "details.rule")}
    assert severities == {"rule error"}
    driver.find_elements(By.CSS_SELECTOR, "details.rule summary")[0].click()

    shot = tmp_path / "serve.png"
    driver.set_window_size(1280, 1500)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(tmp_path / "raw.png"))
    driver.set_window_size(1280, 1000)
    _small_png(tmp_path / "raw.png", shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size < MAX_PNG
    if os.environ.get("JTAI_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOT)

    driver.find_element(By.PARTIAL_LINK_TEXT, "Highlighted copy").click()
    copy = _wait(lambda: next(iter(driver.downloads.glob("*-checked.xlsx")), None),
                 "the downloaded highlighted copy", 60)
    _wait(lambda: not list(driver.downloads.glob("*.crdownload")), "the download finishing", 60)
    wb = openpyxl.load_workbook(copy)
    assert copy.name == "lists_messy-checked.xlsx"
    assert wb.sheetnames[0] == "Issues" and "List 6" in wb.sheetnames

    driver.find_element(By.LINK_TEXT, "Shortlist").click()
    driver.find_element(By.ID, "file").send_keys(str(EXAMPLES / "lists_clean.xlsx"))
    driver.find_element(By.CSS_SELECTOR, "input[name=option][value=B]").click()
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    heading = _wait(lambda: [h.text for h in driver.find_elements(By.TAG_NAME, "h1")
                             if "proposed" in h.text], "the shortlist")
    assert re.fullmatch(r"Option B: [5-7] children proposed to track", heading[0])
    picks = driver.find_elements(By.CSS_SELECTOR, "table.picks tbody tr")
    assert 5 <= len(picks) <= 7
    assert all(p.find_elements(By.CSS_SELECTOR, "ul.reasons li") for p in picks)

    # Exclude the first pick and propose again.
    first_id = picks[0].find_element(By.CSS_SELECTOR, "td.id").text
    picks[0].find_element(By.CSS_SELECTOR, "input[name=exclude]").click()
    driver.find_element(By.XPATH, "//button[text()='Propose again']").click()
    _wait(lambda: f"keep excluding {first_id}" in driver.page_source, "the new proposal")
    ids = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "table.picks td.id")]
    assert first_id not in ids

    # The summary's report with its charts: inline styles allowed by hash only.
    driver.find_element(By.LINK_TEXT, "Summary").click()
    driver.find_element(By.ID, "file").send_keys(str(EXAMPLES / "lists_clean.xlsx"))
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    _wait(lambda: driver.find_elements(By.LINK_TEXT, "Open the report with charts"),
          "the summary")
    driver.find_element(By.LINK_TEXT, "Open the report with charts").click()
    _wait(lambda: driver.find_elements(By.TAG_NAME, "svg"), "the charts")
    bar = driver.find_element(By.CSS_SELECTOR, "svg rect.bar")
    assert bar.value_of_css_property("fill") not in ("", "none")  # drawn, with its colour

    problems = [e["message"] for e in driver.get_log("browser")
                if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]]
    assert problems == []


def test_a_missing_browser_skips_locally_but_fails_where_required(monkeypatch):
    monkeypatch.setenv("JTAI_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="JTAI_REQUIRE_BROWSER=1 but no browser"):
        _need("no browser")
    monkeypatch.delenv("JTAI_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception):
        _need("no browser")


DOCS = ROOT / "docs"
WIDTHS = (390, 1280)
#: The screenshot of each page kept in docs/ (docs/serve-NAME.png), at the width that shows
#: it best: the long-worded timetable and shortlist stacked as on a phone.
KEPT = {("home", 1280), ("check", 1280), ("shortlist", 390), ("timetable", 390),
        ("summary", 1280)}


def _viewport(driver, width: int, height: int = 900) -> None:
    """The page as a phone (390 px, mobile) or a laptop (1280 px) shows it."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800})


def _no_sideways_scroll(driver, what: str) -> None:
    wide, inner = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, f"{what}: the page scrolls sideways ({wide} > {inner} px)"


def _shot(driver, tmp_path: Path, name: str, width: int) -> Path:
    """A screenshot of the whole page (up to 2,400 px tall), small; kept in docs/ with
    JTAI_UPDATE_SCREENSHOT=1."""
    height = min(2400, driver.execute_script("return document.documentElement.scrollHeight"))
    _viewport(driver, width, height)
    driver.execute_script("window.scrollTo(0, 0)")
    raw = tmp_path / f"raw-{name}-{width}.png"
    driver.save_screenshot(str(raw))
    _viewport(driver, width)
    shot = tmp_path / f"serve-{name}-{width}.png"
    _small_png(raw, shot)
    assert shot.stat().st_size < MAX_PNG
    if os.environ.get("JTAI_UPDATE_SCREENSHOT") == "1" and (name, width) in KEPT:
        DOCS.mkdir(exist_ok=True)
        shutil.copy(shot, DOCS / f"serve-{name}.png")
    return shot


def _open_rule(driver, rule: str):
    block = driver.find_element(By.ID, f"rule-{rule}")
    if block.get_attribute("open") is None:
        block.find_element(By.TAG_NAME, "summary").click()
    return block


def test_every_page_at_phone_and_laptop_widths(browser, server, tmp_path):
    """At 390 and 1280 px: no page scrolls sideways; the timetable flags its bank holidays,
    option A's shortlist says its stage, a rule opens its rows with the cells highlighted,
    and the drop area puts dropped files in the picker."""
    driver = browser
    driver.get(server)
    _wait(lambda: "Check a workbook" in driver.title, "the home page")
    base = driver.current_url.split("?")[0].rstrip("/")

    # The drop area: a file dropped on it lands in the file picker the form sends.
    names = driver.execute_script("""
        const area = document.querySelector("form.upload .drop");
        const data = new DataTransfer();
        data.items.add(new File(["Child ID\\n1\\n"], "dropped.csv", {type: "text/csv"}));
        data.items.add(new File(["Child ID\\n2\\n"], "second.csv", {type: "text/csv"}));
        for (const type of ["dragenter", "dragover", "drop"]) {
          area.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true,
                                                  cancelable: true}));
        }
        return [Array.from(document.getElementById("file").files).map(f => f.name),
                area.querySelector(".names").textContent];""")
    assert names == [["dropped.csv", "second.csv"], "dropped.csv, second.csv"]

    # A check of the messy example (once), its rule's rows.
    driver.get(base + "/")
    driver.find_element(By.ID, "file").send_keys(str(EXAMPLES / "lists_messy.xlsx"))
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    _wait(lambda: "Findings by rule" in driver.page_source, "the findings")
    check_url = driver.current_url

    # Option A's shortlist of the clean example (the seven answers are there: the stage note
    # says the 20 were skipped), then the 20 chosen on the page.
    driver.get(base + "/shortlist")
    driver.find_element(By.ID, "file").send_keys(str(EXAMPLES / "lists_clean.xlsx"))
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    note = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.stage-note"), "the stage note")
    assert "20-children stage (para 22) was skipped" in note[0].text
    assert "--" not in driver.find_element(By.TAG_NAME, "main").text
    shortlist_url = driver.current_url

    for width in WIDTHS:
        _viewport(driver, width)
        assert driver.execute_script("return window.innerWidth") == width

        for path in ("/shortlist", "/summary", "/timetable", "/"):
            driver.get(base + path)
            _no_sideways_scroll(driver, f"{path} at {width} px")
        assert driver.find_element(By.CSS_SELECTOR, "form.upload .drop").is_displayed()
        _shot(driver, tmp_path, "home", width)

        driver.get(base + "/timetable?notified=2026-12-21")
        flags = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "tr.holiday strong.flag")
                 if e.text.startswith("BANK HOLIDAY")]
        assert "BANK HOLIDAY: Christmas Day" in flags and "BANK HOLIDAY: New Year's Day" in flags
        lines = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ul.holidays li")]
        assert lines == [
            "Bank holiday on day 4, Friday 25/12/2026: Christmas Day (England and Wales).",
            "Bank holiday on day 5, Monday 28/12/2026: Boxing Day (substitute day) (England "
            "and Wales).",
            "Bank holiday on day 9, Friday 01/01/2027: New Year's Day (England and Wales)."]
        _no_sideways_scroll(driver, f"the timetable at {width} px")
        _shot(driver, tmp_path, "timetable", width)

        # A wrong notification day: the message beside the field, not a page of its own.
        driver.get(base + "/timetable?notified=2026-12-22")
        error = driver.find_element(By.ID, "notified-error")
        assert "Monday" in error.text and error.is_displayed()
        assert "jtai cannot use this" not in driver.page_source
        _no_sideways_scroll(driver, f"a wrong date at {width} px")

        driver.get(check_url)
        block = _open_rule(driver, "code-coerced")
        table = block.find_element(By.CSS_SELECTOR, "table.rowdata")
        headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        assert "Ethnicity" in headers and "Child ID" in headers
        hits = table.find_elements(By.CSS_SELECTOR, "td.hit")
        assert hits and "WBRI" in [h.text for h in hits]
        colour = hits[0].value_of_css_property("background-color")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted
        _open_rule(driver, "date-coerced")
        first = _open_rule(driver, "end-before-start")  # near the top: in the screenshot
        for box in first.find_elements(By.CSS_SELECTOR, "div.scroll:has(> table.rowdata)"):
            # The script scrolls each box of rows to its highlighted cell: in view.
            _wait(lambda box=box: driver.execute_script("""
                const box = arguments[0], hit = box.querySelector("td.hit");
                const b = box.getBoundingClientRect(), h = hit.getBoundingClientRect();
                return h.left >= b.left - 1 && h.left < b.right - 20
                       && (h.right <= b.right + 1 || h.width > b.width);""", box),
                  "the highlighted cell in view", 10)
        _no_sideways_scroll(driver, f"the findings at {width} px")
        # The lists table keeps its % columns in its own scrolling box.
        box = driver.find_element(By.CSS_SELECTOR, "div.scroll")
        assert box.value_of_css_property("overflow-x") == "auto"
        _shot(driver, tmp_path, "check", width)

        driver.get(shortlist_url)
        assert driver.find_elements(By.CSS_SELECTOR, "p.stage-note")
        _no_sideways_scroll(driver, f"the shortlist at {width} px")
        _shot(driver, tmp_path, "shortlist", width)

    # The stage chosen on the page: option A's first stage, the 20 (as --stage select).
    _viewport(driver, 1280)
    driver.get(shortlist_url)
    driver.find_element(By.CSS_SELECTOR, "input[name=stage][value=select]").click()
    driver.find_element(By.XPATH, "//button[text()='Propose again']").click()
    heading = _wait(lambda: [h.text for h in driver.find_elements(By.TAG_NAME, "h1")
                             if "first stage" in h.text], "the 20-children stage")
    assert re.fullmatch(r"Option A, first stage: \d+ CSA-FE children proposed", heading[0])

    driver.get(base + "/summary")
    driver.find_element(By.ID, "file").send_keys(str(EXAMPLES / "lists_clean.xlsx"))
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    _wait(lambda: driver.find_elements(By.LINK_TEXT, "Open the report with charts"),
          "the summary")
    summary_url = driver.current_url
    for width in WIDTHS:
        _viewport(driver, width)
        driver.get(summary_url)
        _no_sideways_scroll(driver, f"the summary at {width} px")
        _shot(driver, tmp_path, "summary", width)

    # The wrong date's page is sent as 400 on purpose; nothing else may fail.
    problems = [e["message"] for e in driver.get_log("browser")
                if (e["level"] == "SEVERE" or "Content Security Policy" in e["message"])
                and "notified=2026-12-22 " not in e["message"]]
    assert problems == []
