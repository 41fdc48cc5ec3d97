"""The site in a real browser: Debian's headless Chromium driven by selenium, every page
opened from ``file://``. Selecting a check highlights all its evidence at once and
scrolls it into view; every page loads without a console error; the checks are
reachable and usable from the keyboard.

Skipped when Chromium or chromedriver is missing, unless ``NLP_REQUIRE_BROWSER=1``
(set by ``.ci/run``), which makes a missing browser a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from view_support import records, sample_run, sample_site

from nlp.view.browser import chromium_paths, headless_chromium, wait_ready
from nlp.view.names import page_names

pytestmark = pytest.mark.slow

if not all(chromium_paths()):
    if os.environ.get("NLP_REQUIRE_BROWSER") == "1":
        raise RuntimeError("NLP_REQUIRE_BROWSER=1 but chromium/chromedriver not found")
    pytest.skip("chromium and chromedriver not installed", allow_module_level=True)

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


@pytest.fixture(scope="session")
def run_out(tmp_path_factory) -> Path:
    return sample_run(tmp_path_factory.mktemp("view"))


@pytest.fixture(scope="session")
def site(run_out: Path) -> Path:
    return sample_site(run_out.parent)


@pytest.fixture(scope="session")
def docs(run_out: Path) -> list[dict]:
    return records(run_out)


@pytest.fixture(scope="session")
def pages(docs) -> dict[str, str]:
    return page_names([d["doc_id"] for d in docs])


@pytest.fixture(scope="module")
def browser():
    with headless_chromium(1280, 800) as driver:
        yield driver


def _open(driver, url: str) -> None:
    driver.get(url)
    wait_ready(driver)


def _problems(driver) -> list:
    logged = [
        entry
        for entry in driver.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING")
    ]
    return logged + driver.execute_script("return window.__viewErrors || []")


IN_VIEW = """
const r = arguments[0].getBoundingClientRect();
return r.bottom > 0 && r.top < window.innerHeight && r.right > 0
    && r.left < window.innerWidth && r.width > 0 && r.height > 0;
"""
HIGHLIGHTED = "return Array.from(document.querySelectorAll('.hl')).map(e => e.id);"


def test_every_page_loads_without_a_console_error(browser, site: Path, pages):
    opened = 0
    for path in (
        sorted((site / "reports").glob("*.html"))
        + sorted((site / "agencies").glob("*.html"))
        + [site / "index.html", site / "review.html"]
    ):
        _open(browser, path.resolve().as_uri())
        assert _problems(browser) == [], path.name
        opened += 1
    assert opened >= len(pages) + 3


def _failed_check_with_prose_and_cell(docs):
    for doc in docs:
        for check in doc["checks"]:
            if (
                check["verdict"] == "fail"
                and check["kind"] == "text_table"
                and all(
                    e.get("doc_id") in (None, doc["doc_id"]) for e in check["evidence"]
                )
            ):
                return doc, check
    raise AssertionError("no failed prose-table check in the sample")


def test_selecting_a_check_highlights_all_its_evidence_and_scrolls_to_it(
    browser, site: Path, docs, pages
):
    doc, check = _failed_check_with_prose_and_cell(docs)
    _open(browser, (site / "reports" / pages[doc["doc_id"]]).resolve().as_uri())
    assert browser.execute_script(HIGHLIGHTED) == []
    button = browser.find_element(
        By.CSS_SELECTOR, f"button.sel[data-kind='check'][data-key='{check['id']}']"
    )
    button.click()
    lit = browser.execute_script(HIGHLIGHTED)
    assert set(lit) == set(button.get_attribute("data-targets").split())
    elements = [browser.find_element(By.ID, i) for i in lit]
    spans = {
        (int(e.get_attribute("data-s")), int(e.get_attribute("data-e")))
        for e in elements
    }
    # the prose figure and the table cell, both at once
    kinds = {e.tag_name for e in elements}
    assert {"span", "td"} <= kinds
    for ev in check["evidence"]:
        assert any(ev["start"] <= a and b <= ev["end"] for a, b in spans), ev
    assert browser.execute_script(IN_VIEW, elements[0])
    assert button.get_attribute("aria-pressed") == "true"
    assert browser.execute_script("return location.hash") == f"#check={check['id']}"
    # each evidence in turn: its own jump brings it into view
    for jump in browser.find_elements(By.CSS_SELECTOR, "li.on ul.evs button.jump"):
        jump.click()
        target = browser.find_element(
            By.ID, jump.get_attribute("data-targets").split()[0]
        )
        assert browser.execute_script(IN_VIEW, target)
        assert "hl" in target.get_attribute("class")
    # another check replaces the highlight
    other = next(
        b
        for b in browser.find_elements(By.CSS_SELECTOR, "button.sel[data-kind='check']")
        if b.is_displayed() and b.get_attribute("data-key") != check["id"]
    )
    other.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert set(browser.execute_script(HIGHLIGHTED)) == set(
        (other.get_attribute("data-targets") or "").split()
    )


def test_the_review_links_open_the_report_at_the_check(
    browser, run_out: Path, site: Path
):
    import csv

    with (run_out / "review.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows[:5]:
        target, _, spot = row["link"].partition("#")
        _open(browser, (run_out / target).resolve().as_uri() + "#" + spot)
        pressed = browser.find_element(
            By.CSS_SELECTOR, "button.sel[aria-pressed='true']"
        )
        assert pressed.get_attribute("data-key") == row["check"]
        lit = browser.execute_script(HIGHLIGHTED)
        if pressed.get_attribute("data-targets"):
            assert lit and browser.execute_script(
                IN_VIEW, browser.find_element(By.ID, lit[0])
            )
        assert _problems(browser) == []


def test_a_cross_year_link_opens_the_other_report_with_its_evidence(
    browser, site: Path, docs, pages
):
    doc = next(
        d
        for d in docs
        if any(
            c["kind"] == "cross_year" and c["verdict"] == "fail" for c in d["checks"]
        )
    )
    check = next(
        c for c in doc["checks"] if c["kind"] == "cross_year" and c["verdict"] == "fail"
    )
    _open(
        browser,
        (site / "reports" / pages[doc["doc_id"]]).resolve().as_uri()
        + f"#check={check['id']}",
    )
    link = browser.find_element(By.CSS_SELECTOR, "li.on ul.evs a.far")
    link.click()
    wait_ready(browser)
    other = next(
        e["doc_id"]
        for e in check["evidence"]
        if e.get("doc_id") not in (None, doc["doc_id"])
    )
    assert browser.current_url.split("#")[0].endswith(pages[other])
    pressed = browser.find_element(By.CSS_SELECTOR, "button.sel[aria-pressed='true']")
    assert pressed.get_attribute("data-key") == f"{check['id']}@{doc['doc_id']}"
    lit = browser.execute_script(HIGHLIGHTED)
    assert lit and browser.execute_script(IN_VIEW, browser.find_element(By.ID, lit[0]))


def test_checks_are_reachable_and_usable_from_the_keyboard(
    browser, site: Path, docs, pages
):
    doc, _ = _failed_check_with_prose_and_cell(docs)
    _open(browser, (site / "reports" / pages[doc["doc_id"]]).resolve().as_uri())
    body = browser.find_element(By.TAG_NAME, "body")
    active = browser.switch_to.active_element
    body.send_keys(Keys.TAB)  # "Skip to content"
    body = browser.switch_to.active_element
    assert body.text == "Skip to content"
    body.send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to checks"
    skip.send_keys(Keys.ENTER)
    # from the checks section, Tab reaches the first group and its first check
    for _ in range(3):
        active = browser.switch_to.active_element
        if "sel" in (active.get_attribute("class") or ""):
            break
        active.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert "sel" in active.get_attribute("class"), active.get_attribute("outerHTML")
    first_key = active.get_attribute("data-key")
    active.send_keys(Keys.ENTER)
    assert active.get_attribute("aria-pressed") == "true"
    lit = browser.execute_script(HIGHLIGHTED)
    assert lit and set(lit) == set(active.get_attribute("data-targets").split())
    # arrows move between checks, Space selects, Escape clears
    active.send_keys(Keys.ARROW_DOWN)
    second = browser.switch_to.active_element
    assert "sel" in second.get_attribute("class")
    assert second.get_attribute("data-key") != first_key
    second.send_keys(Keys.SPACE)
    assert second.get_attribute("aria-pressed") == "true"
    assert active.get_attribute("aria-pressed") == "false"
    second.send_keys(Keys.ESCAPE)
    assert browser.execute_script(HIGHLIGHTED) == []
    assert _problems(browser) == []


def test_removed_text_shows_on_demand(browser, site: Path, docs, pages):
    doc = next(d for d in docs if d["removals"])
    _open(browser, (site / "reports" / pages[doc["doc_id"]]).resolve().as_uri())
    removed = browser.find_elements(By.CSS_SELECTOR, "article .rm")
    assert removed and not any(r.is_displayed() for r in removed)
    browser.find_element(By.ID, "show-removed").click()
    assert all(r.is_displayed() for r in removed)


def test_tables_sort_by_a_header_button(browser, site: Path):
    _open(browser, (site / "index.html").resolve().as_uri())
    table = browser.find_elements(By.CSS_SELECTOR, "table.sortable")[-1]
    header = table.find_elements(By.CSS_SELECTOR, "th button.sort")[5]  # characters

    def column():
        return [
            int(r.find_elements(By.TAG_NAME, "td")[5].text)
            for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
        ]

    header.click()
    assert column() == sorted(column())
    header.send_keys(Keys.ENTER)
    assert column() == sorted(column(), reverse=True)


def test_chinese_text_is_drawn_with_a_cjk_font(browser, site: Path, pages, docs):
    doc = docs[0]
    _open(browser, (site / "reports" / pages[doc["doc_id"]]).resolve().as_uri())
    family = browser.execute_script(
        "return getComputedStyle(document.querySelector('article.text')).fontFamily"
    )
    assert "Noto Sans CJK SC" in family and "sans-serif" in family
    # the glyphs fit: a Chinese character is drawn about one em wide (no tofu boxes
    # of another width), measured in the page
    width = browser.execute_script(
        "const s = document.createElement('span'); s.textContent = '政府信息公开';"
        "document.querySelector('article.text').appendChild(s);"
        "const w = s.getBoundingClientRect().width; s.remove(); return w;"
    )
    size = float(
        browser.execute_script(
            "return parseFloat(getComputedStyle(document.querySelector('article.text'))"
            ".fontSize)"
        )
    )
    assert abs(width - 6 * size) < 0.5 * size
    assert json.loads(json.dumps(_problems(browser))) == []


def test_the_screenshot_command_photographs_three_pages(
    run_out: Path, site: Path, tmp_path: Path
):
    from nlp.view.load import read_run
    from nlp.view.screenshots import take_screenshots

    shots = take_screenshots(read_run(run_out), site, tmp_path / "img")
    assert [p.name for p in shots] == ["report.png", "agency.png", "overview.png"]
    for path in shots:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = (
            int.from_bytes(data[16:20], "big"),
            int.from_bytes(data[20:24], "big"),
        )
        assert (width, height) == (1366, 900)
