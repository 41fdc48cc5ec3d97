"""Search over a real SQLite index of the dev corpus (``nlp.search``).

The expected hits are written from the gold annotations (section labels, weaknesses
with categories, failing checks) and from reading the report texts, not from the
index's output.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from conftest import GOLD, SAMPLE

from nlp.cli.search import main as search_main
from nlp.errors import SearchError
from nlp.search.analysis import SearchAnalyzer
from nlp.search.documents import DocumentBuilder, read_records
from nlp.search.query import Filters, compile_query, parse_years
from nlp.search.sqlite_index import SqliteIndex

_RUNS: dict[str, Path] = {}


def dev_run(tmp_path_factory) -> Path:
    """``python -m nlp.run`` over the dev corpus, once per test session."""
    if "out" not in _RUNS:
        from nlp.pipeline.corpus import run_corpus as run

        out = tmp_path_factory.mktemp("dev_run")
        summary = run(SAMPLE, out, progress=False)
        assert summary["failed"] == 0, summary["failures"]
        _RUNS["out"] = out
    return _RUNS["out"]


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return dev_run(tmp_path_factory)


@pytest.fixture(scope="session")
def index(run_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "dev.db"
    with SqliteIndex(path) as writer:
        writer.add(read_records(run_dir))
    with SqliteIndex(path, readonly=True) as reader:
        yield reader


def norm(text: str) -> str:
    """Text as docs/GOLD.md compares it: NFKC, white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{name}.gold.json").read_text(encoding="utf-8"))


def gold_title(name: str, label: str, contains: str) -> str:
    """A section title of a gold file, picked by label and a part of it."""
    titles = [
        s["title"]
        for s in gold(name)["sections"]
        if s["label"] == label and contains in norm(s["title"])
    ]
    assert len(titles) == 1, (name, label, contains, titles)
    return norm(titles[0])


def same_title(hit_title: str, gold_title: str) -> bool:
    hit_title = norm(hit_title)
    return bool(hit_title) and (gold_title in hit_title or hit_title in gold_title)


# -- the query language -------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> SearchAnalyzer:
    return SearchAnalyzer()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("网站建设", '"网站 建设"'),
        ("门户网站", '"门户 网站"'),
        ("网站建设 有待加强", '"网站 建设" AND "有待 加强"'),
        ("网站建设 OR 平台建设", '("网站 建设" OR "平台 建设")'),
        ("网站建设 -门户", '("网站 建设") NOT ("门户")'),
        ('"政务 新媒体"', '"政务 新 媒体"'),
        ("title:平台建设", '{title path} : "平台 建设"'),
        ("", None),
        ("、。,", None),
    ],
)
def test_query_compiles_to_word_phrases(analyzer, query, expected):
    assert compile_query(query, analyzer).match == expected


def test_a_query_of_excluded_terms_only_is_refused(analyzer):
    with pytest.raises(SearchError, match="only excluded terms"):
        compile_query("-网站", analyzer)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2017-2019", (2017, 2019)),
        ("2018", (2018, 2018)),
        ("2019-", (2019, None)),
        ("2019 - 2017", (2017, 2019)),
        ("2017~2018", (2017, 2018)),
        (None, (None, None)),
    ],
)
def test_year_ranges(value, expected):
    assert parse_years(value) == expected


@pytest.mark.parametrize("value", ["17-19", "last year", "2017-19"])
def test_bad_year_ranges_are_refused(value):
    with pytest.raises(SearchError, match="Year range"):
        parse_years(value)


@pytest.mark.parametrize(
    "word, pieces",
    [
        ("门户网站", ("门户", "网站")),
        ("平台建设", ("平台", "建设")),
        ("政府信息公开", ("政府", "信息", "公开")),
        ("网站", ("网站",)),
        ("APP", ("APP",)),
        ("1136", ("1136",)),
    ],
)
def test_long_words_are_split_into_dictionary_words(analyzer, word, pieces):
    assert analyzer.split(word) == pieces


@pytest.mark.slow
def test_the_index_cuts_queries_as_jieba_does(index, analyzer, run_dir):
    # The index answers queries with the word frequencies it stores instead of loading
    # jieba's dictionary: the words must be the same.
    queries = [
        "网站建设",
        "政务新媒体运维管理还需加强",
        "依申请公开工作规范性还有待提高",
        "门户网站建设有待进一步加强",
        "衡阳市民政局",
        "平潭综合实验区管委会",
        "APP 2019年",
    ]
    for record, _ in list(read_records(run_dir))[:5]:
        queries += [s["title"] for s in record["sections"]]
    for query in queries:
        assert index.analyzer.query_words(query) == analyzer.query_words(query), query


# -- queries over the dev corpus, expected hits from gold and the texts -----------------
# (query, filters, the reports that must come first, (gold label, part of the gold
#  title) of the first hit's section, the complete set of reports when gold determines it)
Q = [
    pytest.param(  # "which agencies admitted weak website construction in 2017-2019"
        "网站建设",
        Filters(labels=("problems",), year_from=2017, year_to=2019),
        {"000_8ef287be2d4f18ab.txt"},
        ("problems", "门户网站建设"),
        {"000_8ef287be2d4f18ab.txt"},
        id="website-weakness-2017-2019",
    ),
    pytest.param(  # the same question asked through the weakness category
        "",
        Filters(categories=("platform",), year_from=2017, year_to=2019),
        {"000_8ef287be2d4f18ab.txt"},
        ("problems", "门户网站建设"),
        {"000_8ef287be2d4f18ab.txt"},
        id="platform-category-2017-2019",
    ),
    pytest.param(  # "all 平台建设 sections of 江苏 counties"
        "平台建设",
        Filters(labels=("platform",), province="江苏", admin_level="county"),
        {"hongze-district-2023.pdf", "hongze-district-2024.pdf"},
        ("platform", "平台建设情况"),
        {"hongze-district-2023.pdf", "hongze-district-2024.pdf"},
        id="platform-jiangsu-counties",
    ),
    pytest.param(  # 江苏 at every level: the city report joins
        "平台建设",
        Filters(labels=("platform",), province="江苏"),
        {
            "hongze-district-2023.pdf",
            "hongze-district-2024.pdf",
            "huaian-city-2024.pdf",
        },
        ("platform", "平台建设情况"),
        {
            "hongze-district-2023.pdf",
            "hongze-district-2024.pdf",
            "huaian-city-2024.pdf",
        },
        id="platform-jiangsu",
    ),
    pytest.param(  # gold: 一是政策解读质量仍需提升 (interpretation)
        "政策解读",
        Filters(labels=("problems",), agency="淮安市人民政府"),
        {"huaian-city-2024.pdf"},
        ("problems", "存在的主要问题"),
        {"huaian-city-2024.pdf"},
        id="interpretation-huaian",
    ),
    pytest.param(  # gold: 政务新媒体运维管理还需加强 (platform), 2024 only
        "新媒体",
        Filters(labels=("problems",), agency="洪泽", year_from=2024, year_to=2024),
        {"hongze-district-2024.pdf"},
        ("problems", "存在的主要问题"),
        {"hongze-district-2024.pdf"},
        id="new-media-hongze-2024",
    ),
    pytest.param(  # gold staffing weaknesses of 2023-2024: 洪泽 2023, 淮安 2024
        "队伍建设",
        Filters(categories=("staffing",), year_from=2023, year_to=2024),
        {"hongze-district-2023.pdf", "huaian-city-2024.pdf"},
        None,
        {"hongze-district-2023.pdf", "huaian-city-2024.pdf"},
        id="staffing-2023-2024",
    ),
    pytest.param(  # gold R4 failures of 洪泽 2023: the review/litigation table of section 四
        "",
        Filters(failed_checks="sum", doc_id="hongze-district-2023.pdf"),
        {"hongze-district-2023.pdf"},
        ("review_litigation", "行政复议、行政诉讼"),
        {"hongze-district-2023.pdf"},
        id="sum-failures-hongze-2023",
    ),
    pytest.param(  # gold: 004's prose (八、… 1名专职) contradicts its table (专职 0)
        "专职",
        Filters(failed_checks="text_table"),
        {"004_15ed71d81f93ac9f.txt"},
        ("organization", "机构建设"),
        None,
        id="prose-contradicts-table-004",
    ),
]


@pytest.mark.parametrize("query, filters, first_reports, first_section, reports", Q)
@pytest.mark.slow
def test_queries_return_the_gold_sections_first(
    index, query, filters, first_reports, first_section, reports
):
    result = index.search(query, filters, limit=50)
    assert result.hits, (query, filters)
    top = [h.doc_id for h in result.hits[: len(first_reports)]]
    assert set(top) == first_reports, [
        (h.doc_id, h.title_path) for h in result.hits[:5]
    ]
    if first_section:
        label, contains = first_section
        hit = result.hits[0]
        title = gold_title(hit.doc_id, label, contains)
        assert same_title(hit.title_path[-1], title), (hit.title_path, title)
    if reports is not None:
        assert {h.doc_id for h in result.hits} == reports
    for hit in result.hits:
        assert not filters.labels or hit.label in filters.labels
        assert not filters.categories or set(hit.categories) & set(filters.categories)
        if filters.year_from:
            assert filters.year_from <= hit.year <= filters.year_to


@pytest.mark.slow
def test_every_report_whose_prose_contradicts_its_table(index):
    # Gold lists text_table failures for 004 only: the prose of 三(二)2 says 在线访谈 2次
    # and 八 says 1名专职工作人员, the table has 0 for both.
    result = index.search(
        "", Filters(failed_checks="text_table"), limit=100, per_report=True
    )
    assert "004_15ed71d81f93ac9f.txt" in {h.doc_id for h in result.hits}
    assert len({h.doc_id for h in result.hits}) == len(
        result.hits
    )  # one hit per report
    sections = index.search(
        "",
        Filters(failed_checks="text_table", doc_id="004_15ed71d81f93ac9f.txt"),
        limit=50,
    )
    texts = [norm(index_section_text(index, h.id)) for h in sections.hits]
    assert any("在线访谈次数2次" in t for t in texts)
    assert any("配备1名专职工作人员" in t for t in texts)
    for hit in sections.hits:
        assert {c["kind"] for c in hit.failed_checks} >= {"text_table"}


@pytest.mark.slow
def test_snippets_mark_the_matched_words_in_the_original_text(index, run_dir):
    texts = {r["doc_id"]: r["text"] for r, _ in read_records(run_dir)}
    result = index.search("网站建设", limit=20)
    marked = [h for h in result.hits if h.highlights]
    assert marked
    for hit in marked:
        assert "【网站建设】" in hit.snippet.replace("】【", "")
        for start, end in hit.highlights:
            assert texts[hit.doc_id][start:end] in ("网站建设", "网站", "建设")


@pytest.mark.slow
def test_facets_count_the_whole_result_set(index):
    small = index.search("公开", limit=1)
    assert small.total > 20 and len(small.hits) == 1
    assert sum(small.facets["label"].values()) == small.total
    assert sum(small.facets["year"].values()) == small.total
    assert sum(small.facets["agency"].values()) == small.total
    large = index.search("公开", limit=1000)
    assert len(large.hits) == large.total
    assert small.facets == large.facets
    by_year: dict[str, int] = {}
    for hit in large.hits:
        by_year[str(hit.year)] = by_year.get(str(hit.year), 0) + 1
    assert by_year == small.facets["year"]


@pytest.mark.slow
def test_filters_alone_need_no_query(index):
    result = index.search(
        "", Filters(year_from=2024, year_to=2024, labels=("problems",))
    )
    # Gold: the 2024 reports are 洪泽 2024, 淮安 2024 and 平潭 2024, each with 五、存在的主要问题.
    assert {
        "hongze-district-2024.pdf",
        "huaian-city-2024.pdf",
        "pingtan-zone-2024.txt",
    } <= {h.doc_id for h in result.hits}
    assert all(h.score is None for h in result.hits)


@pytest.mark.slow
def test_excluded_words_and_alternatives(index):
    both = {h.id for h in index.search("网站建设", limit=100).hits}
    without = {h.id for h in index.search("网站建设 -门户", limit=100).hits}
    assert without < both
    # 000's (三)门户网站建设有待进一步加强 says 门户: excluded
    assert any(i.startswith("000_8ef287be2d4f18ab.txt#") for i in both - without)
    either = index.search("网站建设 OR 平台建设", limit=200)
    platform = {h.id for h in index.search("平台建设", limit=200).hits}
    assert {h.id for h in either.hits} == both | platform


# -- words, not characters ------------------------------------------------------------


def char_index(run_dir) -> sqlite3.Connection:
    """The same sections indexed one character per token, for comparison."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE chars USING fts5 (id UNINDEXED, body)")
    builder = DocumentBuilder()
    for record, sha in read_records(run_dir):
        for section in builder(record, sha).sections:
            chars = " ".join(c for c in section["text"] if c.isalnum())
            conn.execute("INSERT INTO chars VALUES (?, ?)", (section["id"], chars))
    return conn


@pytest.mark.slow
def test_words_not_characters_change_the_ranking(index, run_dir):
    conn = char_index(run_dir)
    texts = {i: norm(t) for i, t in conn.execute("SELECT id, body FROM chars")}
    # 市民 (citizens). In 衡阳市民政局 and 全市民政工作 the characters 市民 stand side by
    # side but the words are 市 民政: a character index ranks such sections, which never
    # mention citizens, among its first ten; the word index never returns them.
    chars = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM chars WHERE chars MATCH '\"市 民\"' ORDER BY bm25(chars) LIMIT 10"
        )
    ]
    citizens = re.compile(r"市民(?!政)")
    assert sum(not citizens.search(texts[i]) for i in chars) >= 3
    words = index.search("市民", limit=100)
    assert words.hits
    for hit in words.hits:
        assert citizens.search(norm(index_section_text(index, hit.id))), hit.id
    # 民政 (civil affairs) is inside 人民政府 (人民 政府) in nearly every report; as a
    # word it is in the civil-affairs bureau's report and in lists of 民政局 only.
    chars = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM chars WHERE chars MATCH '\"民 政\"' ORDER BY bm25(chars) LIMIT 10"
        )
    ]
    assert {"hongze-district-2023.pdf", "huaian-city-2024.pdf"} <= {
        i.split("#")[0] for i in chars
    }
    word_docs = {h.doc_id for h in index.search("民政", limit=500).hits}
    assert (
        not {
            "hongze-district-2023.pdf",
            "hongze-district-2024.pdf",
            "huaian-city-2024.pdf",
        }
        & word_docs
    )
    assert index.search("民政", limit=1).hits[0].doc_id == "004_15ed71d81f93ac9f.txt"


@pytest.mark.slow
def test_a_word_query_does_not_match_scattered_characters(index, run_dir):
    conn = char_index(run_dir)
    scattered = [
        (i, norm(t.replace(" ", "")))
        for i, t in conn.execute(
            "SELECT id, body FROM chars WHERE chars MATCH '网 站 建 设'"
        )
    ]
    word_hits = {h.id for h in index.search("网站建设", limit=500).hits}
    # The character query (all four characters anywhere) finds sections that never say
    # 网站建设; the word query finds none of those.
    apart = {i for i, text in scattered if "网站建设" not in text}
    assert len(apart) >= 5
    assert not apart & word_hits


def index_section_text(index: SqliteIndex, section_id: str) -> str:
    return index.section(section_id)["text"]


# -- the command line -----------------------------------------------------------------


@pytest.mark.slow
def test_cli_prints_ranked_sections_and_facets(index, capsys):
    code = search_main(
        [
            "网站建设",
            "--db",
            str(index.path),
            "--label",
            "problems",
            "--year",
            "2017-2019",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "000_8ef287be2d4f18ab.txt" in out and "【网站建设】" in out
    assert "Facets over all" in out and "category" in out


@pytest.mark.slow
def test_cli_json(index, capsys):
    code = search_main(
        ["--db", str(index.path), "--failed-checks", "--json", "--limit", "3"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["total"] >= len(data["hits"]) == 3
    assert set(data["facets"]) >= {"label", "category", "year"}
    assert all(h["failed_checks"] for h in data["hits"])


@pytest.mark.slow
def test_cli_reports_whose_prose_contradicts_their_table(index, capsys):
    code = search_main(
        [
            "--db",
            str(index.path),
            "--check-kind",
            "text_table",
            "--per-report",
            "--json",
            "--limit",
            "100",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert "004_15ed71d81f93ac9f.txt" in {h["doc_id"] for h in data["hits"]}
    assert data["filters"] == {"failed_checks": "text_table"}
    # Facets count every failed-check kind in the hit sections (a section holding a
    # text_table failure may hold a cross_year one too).
    assert "text_table" in data["facets"]["failed_check"]


@pytest.mark.parametrize(
    "argv, code",
    [
        (["没有这个词语的报告zzzz"], 1),
        (["--label", "no_such_label"], 2),
        (["--year", "soon"], 2),
        (["--check-kind", "bogus"], 2),
    ],
)
@pytest.mark.slow
def test_cli_exit_codes(index, capsys, argv, code):
    try:
        assert search_main([*argv, "--db", str(index.path)]) == code
    except SystemExit as e:  # argparse rejects bad usage with exit code 2
        assert e.code == code


def test_cli_missing_index(tmp_path, capsys):
    assert search_main(["网站", "--db", str(tmp_path / "none.db")]) == 2
    assert "python -m nlp.index" in capsys.readouterr().err
