"""The site in Firefox (Debian's ``firefox-esr``, headless, over WebDriver BiDi with
``firefox_bidi``): every page loads from ``file://`` without a console error, a
selected check highlights all its evidence in view, and the keyboard reaches and
uses the checks. Skipped when Firefox is missing, unless ``NLP_REQUIRE_BROWSER=1``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from firefox_bidi import Firefox, firefox_path
from view_support import records, sample_run, sample_site

from nlp.view.names import page_names

pytestmark = pytest.mark.slow

if firefox_path() is None:
    if os.environ.get("NLP_REQUIRE_BROWSER") == "1":
        raise RuntimeError("NLP_REQUIRE_BROWSER=1 but firefox-esr not found")
    pytest.skip("firefox-esr not installed", allow_module_level=True)

IN_VIEW = """
const r = el.getBoundingClientRect();
return r.bottom > 0 && r.top < window.innerHeight && r.width > 0 && r.height > 0;
"""


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
def firefox():
    with Firefox(1280, 800) as browser:
        yield browser


def _problems(firefox: Firefox) -> list:
    found = list(firefox.errors) + firefox.js("return window.__viewErrors || []")
    firefox.errors.clear()
    return found


def test_every_page_loads_without_a_console_error(firefox, site: Path, pages):
    paths = (
        sorted((site / "reports").glob("*.html"))
        + sorted((site / "agencies").glob("*.html"))
        + [site / "index.html", site / "review.html"]
    )
    for path in paths:
        firefox.open(path.resolve().as_uri())
        assert _problems(firefox) == [], path.name
    assert len(paths) >= len(pages) + 3


def _text_table_failure(docs):
    return next(
        (doc, check)
        for doc in docs
        for check in doc["checks"]
        if check["verdict"] == "fail" and check["kind"] == "text_table"
    )


def test_a_selected_check_highlights_all_its_evidence_in_view(
    firefox, site: Path, docs, pages
):
    doc, check = _text_table_failure(docs)
    firefox.open((site / "reports" / pages[doc["doc_id"]]).resolve().as_uri())
    state = firefox.js(f"""
        const b = document.querySelector("button.sel[data-key='{check["id"]}']");
        b.click();
        const lit = Array.from(document.querySelectorAll('.hl'));
        const el = lit[0];
        return {{targets: b.getAttribute('data-targets').split(' ').sort(),
                 lit: lit.map(e => e.id).sort(),
                 tags: lit.map(e => e.tagName.toLowerCase()),
                 inView: (() => {{ {IN_VIEW} }})()}};
    """)
    assert state["lit"] == state["targets"] and len(state["lit"]) >= 2
    assert {"span", "td"} <= set(state["tags"])
    assert state["inView"]
    assert _problems(firefox) == []


def test_the_keyboard_reaches_and_uses_the_checks(firefox, site: Path, docs, pages):
    doc, _ = _text_table_failure(docs)
    firefox.open((site / "reports" / pages[doc["doc_id"]]).resolve().as_uri())
    active = "return document.activeElement.textContent.trim()"
    firefox.press("Tab")
    assert firefox.js(active) == "Skip to content"
    firefox.press("Tab")
    assert firefox.js(active) == "Skip to checks"
    firefox.press("Enter")
    for _ in range(3):
        if firefox.js("return document.activeElement.classList.contains('sel')"):
            break
        firefox.press("Tab")
    first = firefox.js("return document.activeElement.getAttribute('data-key')")
    assert first
    firefox.press("Enter")
    assert firefox.js(
        "const b = document.activeElement; return b.getAttribute('aria-pressed') === "
        "'true' && document.querySelectorAll('.hl').length === "
        "b.getAttribute('data-targets').split(' ').length"
    )
    firefox.press("ArrowDown")
    second = firefox.js("return document.activeElement.getAttribute('data-key')")
    assert second and second != first
    firefox.press(" ")
    assert firefox.js("return document.activeElement.getAttribute('aria-pressed')") == (
        "true"
    )
    firefox.press("Escape")
    assert firefox.js("return document.querySelectorAll('.hl').length") == 0
    assert _problems(firefox) == []
