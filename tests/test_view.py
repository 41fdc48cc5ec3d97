"""``python -m nlp.view``: the static site and the review list, built from a real run
of the sample corpus (``view_support``), read back as HTML, CSV and XLSX.

The browser half (highlighting, keyboard, console errors) is ``test_view_browser.py``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ROOT
from lxml import html as lxml_html
from view_support import records, sample_run, sample_site

from nlp.cli.view import main
from nlp.view import build_site
from nlp.view.names import page_names
from nlp.view.sparks import nice_ticks

pytestmark = pytest.mark.slow


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


def _page(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def _ranges(root, ids: str) -> list[tuple[int, int, str]]:
    found = []
    for element_id in ids.split():
        (element,) = root.xpath(f"//*[@id='{element_id}']")
        found.append(
            (int(element.get("data-s")), int(element.get("data-e")), element.tag)
        )
    return found


def _in_table(doc: dict, start: int, end: int) -> bool:
    return any(t["start"] < end and start < t["end"] for t in doc["tables"])


def test_every_report_and_agency_gets_a_page(site: Path, docs, pages):
    assert len(docs) == 45
    written = sorted(p.name for p in (site / "reports").glob("*.html"))
    assert written == sorted(pages.values())
    agencies = {d["meta"].get("agency") for d in docs}
    # aliases fold some names together; every agency page links back to reports
    agency_pages = list((site / "agencies").glob("*.html"))
    assert 0 < len(agency_pages) <= len(agencies)
    linked = set()
    for path in agency_pages:
        for href in _page(path).xpath("//table//a/@href"):
            linked.add(Path(urlsplit(href).path).name)
    assert linked >= set(pages.values())
    for name in ("index.html", "review.html", "static/view.css", "static/view.js"):
        assert (site / name).is_file()


def test_page_names_are_ascii_and_unique_case_folded(pages):
    names = list(pages.values())
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.html", n) for n in names)
    assert len({n.lower() for n in names}) == len(names)
    moved = next(d for d in pages if d.startswith("sub/"))
    assert pages[moved] != moved + ".html"


def _links(path: Path):
    root = _page(path)
    for element in root.iter():
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value is not None:
                yield element, attribute, value


def test_no_external_asset_and_every_relative_link_resolves(site: Path):
    """The site opens from a USB stick: nothing is fetched from the network, and
    every relative link and image points at a file that exists."""
    checked = 0
    for path in sorted(site.rglob("*.html")):
        for element, attribute, value in _links(path):
            parts = urlsplit(value)
            if value.startswith("data:"):
                continue
            if parts.scheme or value.startswith("//"):
                # only a hyperlink to where a report was published may leave the site
                assert element.tag == "a" and element.get("rel") == "noreferrer", (
                    path,
                    value,
                )
                continue
            if not parts.path:
                continue
            target = (path.parent / unquote(parts.path)).resolve()
            assert target.exists(), (path, value)
            checked += 1
    assert checked > 1000
    for css in site.glob("static/*"):
        text = css.read_text(encoding="utf-8")
        assert "http:" not in text and "https:" not in text and "@import" not in text
        assert "url(" not in text


def test_every_check_lists_its_evidence_exactly(site: Path, docs, pages):
    """A check's highlight is exactly its evidence: the prose pieces it targets
    cover the evidence span, and a cell's evidence targets that cell."""
    prose = cells = 0
    for doc in docs:
        root = _page(site / "reports" / pages[doc["doc_id"]])
        items = {
            li.xpath("./button[contains(@class, 'sel')]/@data-key")[0]: li
            for li in root.xpath(
                "//section[@id='checks']//li[contains(@class,'check')]"
            )
        }
        for check in doc["checks"]:
            li = items[check["id"]]
            (button,) = li.xpath("./button")
            targets = button.get("data-targets")
            evidence_items = li.xpath("./ul[@class='evs']/li")
            assert len(evidence_items) == len(check["evidence"])
            for ev, item in zip(check["evidence"], evidence_items):
                if ev.get("doc_id") not in (None, doc["doc_id"]):
                    (link,) = item.xpath("./a/@href")
                    assert link.startswith(pages[ev["doc_id"]] + "#check=")
                    continue
                jumps = item.xpath("./button/@data-targets")
                if ev["start"] == ev["end"] and not _in_table(
                    doc, ev["start"], ev["end"]
                ):
                    continue
                assert jumps, (doc["doc_id"], check["id"], ev)
                found = _ranges(root, jumps[0])
                assert set(jumps[0].split()) <= set(targets.split())
                spans = {
                    (c["start"], c["end"]) for t in doc["tables"] for c in t["cells"]
                }
                if (ev["start"], ev["end"]) in spans:
                    assert (ev["start"], ev["end"], "td") in found
                    named = {
                        c["indicator"]
                        for t in doc["tables"]
                        for c in t["cells"]
                        if (c["start"], c["end"]) == (ev["start"], ev["end"])
                    }
                    if ev["ref"] in named:  # run-together digits: only its own cell
                        inds = {
                            root.get_element_by_id(i).get("data-ind")
                            for i in jumps[0].split()
                        }
                        assert inds == {ev["ref"]}, (doc["doc_id"], ev)
                    cells += 1
                elif not _in_table(doc, ev["start"], ev["end"]):
                    # line breaks are drawn as paragraph ends, not as pieces
                    text = doc["text"][ev["start"] : ev["end"]]
                    start = ev["start"] + len(text) - len(text.lstrip("\n"))
                    end = ev["end"] - (len(text) - len(text.rstrip("\n")))
                    assert min(f[0] for f in found) == start
                    assert max(f[1] for f in found) == end
                    covered = sum(f[1] - f[0] for f in found)
                    assert covered == len(text) - text.count("\n")
                    prose += 1
                else:  # a section's span: its prose and the cells of its tables
                    assert all(ev["start"] <= a and b <= ev["end"] for a, b, _ in found)
    assert prose > 50 and cells > 500


def test_metrics_weaknesses_and_cells_are_drawn(site: Path, docs, pages):
    for doc in docs:
        root = _page(site / "reports" / pages[doc["doc_id"]])
        metric_pieces = [
            (int(e.get("data-s")), int(e.get("data-e")))
            for e in root.xpath(
                "//article//span[contains(concat(' ', @class, ' '), ' m ')]"
            )
        ]
        for metric in doc["metrics"]:
            if _in_table(doc, metric["start"], metric["end"]):
                continue
            inside = [
                p
                for p in metric_pieces
                if metric["start"] <= p[0] and p[1] <= metric["end"]
            ]
            assert sum(b - a for a, b in inside) >= metric["end"] - metric["start"] - (
                doc["text"][metric["start"] : metric["end"]].count("\n")
            ), metric
        tds = root.xpath("//td[contains(@class, 'cell')]")
        assert len(tds) == sum(len(t["cells"]) for t in doc["tables"])
        statuses = sorted(c["status"] for t in doc["tables"] for c in t["cells"])
        drawn = sorted(re.search(r"st-(\w+)", td.get("class")).group(1) for td in tds)
        assert drawn == statuses
        weak = root.xpath("//section[@id='weaknesses']//button[@data-kind='w']")
        assert [b.get("data-key") for b in weak] == [w["id"] for w in doc["weaknesses"]]
        for weakness, button in zip(doc["weaknesses"], weak):
            assert button.get("data-targets"), weakness
            chips = root.xpath(
                "//article//span[contains(@class,'chip weakness')]/text()"
            )
            assert weakness["category"] in chips


def test_removed_text_is_on_the_page_and_hidden_by_default(site: Path, docs, pages):
    shown = 0
    for doc in docs:
        root = _page(site / "reports" / pages[doc["doc_id"]])
        removed = [e.text_content() for e in root.xpath("//article//*[@class='rm']")]
        assert len(removed) == len(doc["removals"])
        for removal in doc["removals"]:
            assert any(removal["text"] in r for r in removed)
            shown += 1
    assert shown > 50
    css = (site / "static" / "view.css").read_text(encoding="utf-8")
    assert re.search(r"^\.rm \{ display: none; \}", css, re.MULTILINE)


def test_cross_year_checks_are_listed_on_both_reports(site: Path, docs, pages):
    by_id = {d["doc_id"]: d for d in docs}
    seen = 0
    for doc in docs:
        for check in doc["checks"]:
            for ev in check["evidence"]:
                other = ev.get("doc_id")
                if other in (None, doc["doc_id"]) or other not in by_id:
                    continue
                root = _page(site / "reports" / pages[other])
                key = f"{check['id']}@{doc['doc_id']}"
                (button,) = root.xpath(f"//button[@data-key='{key}']")
                assert button.get("data-targets")
                seen += 1
    assert seen > 100


def test_the_overview_counts_and_lists_the_failures(site: Path, run_out: Path, docs):
    root = _page(site / "index.html")
    text = root.text_content()
    summary = json.loads((run_out / "summary.json").read_text(encoding="utf-8"))
    assert f"{len(docs)} reports" in " ".join(text.split())
    failed = root.xpath(
        "//h2[starts-with(normalize-space(), 'Reports that failed')]"
        "/following-sibling::table[1]//tbody/tr"
    )
    names = {r.xpath("./td[1]")[0].text_content() for r in failed}
    assert {f["doc_id"] for f in summary["failures"]} <= names
    codes = {r.xpath("./td[3]")[0].text_content() for r in failed}
    assert "E100" in codes
    for plot in ("overview-rules.svg", "overview-years.svg", "overview-categories.svg"):
        svg = (site / "plots" / plot).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert "http://www.w3.org" in svg  # namespaces only: nothing is fetched
        assert not re.search(r"(href|src)=\"https?:", svg)
    assert root.xpath("//table[contains(@class,'sortable')]//button[@class='sort']")


def test_agency_page_has_series_cross_year_and_recurring(site: Path, docs):
    pages_by_name = {}
    for path in (site / "agencies").glob("*.html"):
        pages_by_name[_page(path).xpath("//h1")[0].text_content()] = path
    root = _page(pages_by_name["平潭综合实验区"])
    assert len(root.xpath("//section[1]//tbody/tr")) == sum(
        d["meta"].get("agency") in ("平潭综合实验区", "平潭综合实验区管委会")
        for d in docs
    )
    assert root.xpath("//svg[contains(@class,'spark')]//polyline")
    assert root.xpath("//h2[starts-with(., 'Cross-year')]/following-sibling::table//tr")
    assert root.xpath("//ul[@class='recurring']/li")


def test_review_list_has_one_row_per_failed_or_uncertain_check(
    site: Path, run_out: Path, docs, pages
):
    expected = {
        (d["doc_id"], c["id"])
        for d in docs
        for c in d["checks"]
        if c["verdict"] in ("fail", "uncertain")
    }
    with (run_out / "review.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {(r["report"], r["check"]) for r in rows} == expected
    assert len(rows) == len(expected) > 10
    for row in rows:
        assert row["rule"] and row["message"] and row["evidence"]
        target, _, spot = row["link"].partition("#")
        page = (run_out / target).resolve()
        assert page.is_file() and page.name == pages[row["report"]]
        assert spot == "check=" + row["check"]
        assert f'data-key="{row["check"]}"' in page.read_text(encoding="utf-8")
    from openpyxl import load_workbook

    sheet = load_workbook(run_out / "review.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["agency", "year", "report"]
    body = list(sheet.iter_rows(min_row=2))
    assert len(body) == len(rows)
    for line in body:
        link = line[-1].hyperlink.target
        go = (run_out / link).resolve()
        forward = re.search(r"url=([^'\"]+)", go.read_text(encoding="utf-8")).group(1)
        assert (go.parent / forward.split("#")[0]).resolve().is_file()
        assert "#check=" in forward


def test_the_build_is_deterministic(run_out: Path, tmp_path: Path):
    # a copy of the run: each build rewrites OUT/review.* with links to its own site
    out = tmp_path / "out"
    shutil.copytree(run_out, out)
    first_site, second_site = tmp_path / "site", tmp_path / "again"
    build_site(out, first_site)
    build_site(out, second_site)
    first = {p.relative_to(first_site): p for p in first_site.rglob("*") if p.is_file()}
    second = {
        p.relative_to(second_site): p for p in second_site.rglob("*") if p.is_file()
    }
    assert first.keys() == second.keys()
    for name, path in first.items():
        if name.suffix == ".xlsx":
            continue  # a zip with timestamps
        assert path.read_bytes() == second[name].read_bytes(), name


def test_added_fields_and_a_broken_record_do_not_stop_the_site(
    run_out: Path, tmp_path: Path, capsys
):
    out = tmp_path / "out"
    shutil.copytree(run_out, out)
    path = out / "docs" / "hongze-district-2023.pdf.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["meta"]["agency_printed"] = "洪泽区人民政府"
    record["source"]["url"] = "https://example.gov.cn/report.html"
    record["future_field"] = {"anything": [1, 2]}
    record["tables"][0]["cells"][0]["status"] = "status_added_later"
    record["checks"][0]["confidence"] = 0.5
    # evidence that draws nothing: an empty span in the prose, a span past the text
    record["checks"][0]["evidence"] += [
        {"ref": "m999", "start": 5, "end": 5, "value": None, "doc_id": None},
        {"ref": "m998", "start": 10**6, "end": 10**6 + 3, "value": 1, "doc_id": None},
    ]
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    (out / "docs" / "zz-broken.json").write_text("{not json", encoding="utf-8")
    site = tmp_path / "site"
    assert main([str(out), "--site", str(site)]) == 1
    captured = capsys.readouterr()
    assert "zz-broken.json" in captured.err and "E902" in captured.err
    page = (site / "reports" / "hongze-district-2023.pdf.html").read_text("utf-8")
    assert 'href="https://example.gov.cn/report.html" rel="noreferrer"' in page
    assert page.count("(not located in the text)") >= 2
    overview = (site / "index.html").read_text(encoding="utf-8")
    assert "zz-broken.json" in overview


def test_bad_usage_exits_2_with_a_clear_message(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nlp.view",
            str(tmp_path / "missing"),
            "--site",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "E900" in result.stderr and "missing" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty), "--site", str(tmp_path / "s")]) == 2


def test_the_site_is_not_written_over_the_records(run_out: Path, capsys):
    assert main([str(run_out), "--site", str(run_out / "docs" / "site")]) == 2
    assert "E904" in capsys.readouterr().err


@pytest.mark.parametrize(
    "high,ticks",
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (2, [0, 1, 2]),
        (7, [0, 5, 10]),
        (100, [0, 50, 100]),
        (72804, [0, 50000, 100000]),
    ],
)
def test_nice_ticks(high, ticks):
    assert nice_ticks(high) == ticks


def test_fractional_values_get_fractional_ticks():
    assert nice_ticks(1.2, integer=False) == [0, 0.5, 1.0, 1.5]


def test_copy_sources_puts_each_source_beside_the_site(run_out: Path, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(run_out, out)
    site = tmp_path / "site"
    result = build_site(out, site, copy_sources=True)
    copied = sorted((site / "sources").iterdir())
    readable = [d for d in records(out) if d["text"]]
    assert len(copied) >= len(readable)
    page = _page(site / "reports" / result.pages["hongze-district-2023.pdf"])
    (href,) = page.xpath("//dt[.='source']/following-sibling::dd[1]/a/@href")
    assert href == "../sources/hongze-district-2023.pdf.pdf"
    assert (site / "reports" / href).resolve().read_bytes()[:4] == b"%PDF"
