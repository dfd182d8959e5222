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

``JTAI_UPDATE_SCREENSHOT=1`` writes the README's screenshot (docs/serve.png) from this run.
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
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", f"--user-data-dir={tmp_path / 'p'}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False})
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
