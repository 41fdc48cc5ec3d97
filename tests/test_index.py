"""Index documents, the SQLite index's incremental updates, and the Elasticsearch export
(``nlp.index``, ``nlp.search.documents``, ``nlp.search.es_export``)."""

from __future__ import annotations

import copy
import io
import itertools
import json
import sys

import pytest
from conftest import SAMPLE
from test_search import dev_run, gold, norm

from nlp.cli.index import main as index_main
from nlp.errors import SearchError
from nlp.search.documents import (
    DocumentBuilder,
    FieldSchema,
    read_records,
    record_sha256,
)
from nlp.search.es_export import (
    TEMPLATE_PATH,
    bulk_lines,
    index_template,
    push,
    write_bulk,
)
from nlp.search.regions import RegionResolver
from nlp.search.sqlite_index import SqliteIndex


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    return dev_run(tmp_path_factory)


@pytest.fixture(scope="module")
def builder() -> DocumentBuilder:
    return DocumentBuilder()


@pytest.fixture(scope="module")
def records(run_dir) -> list[tuple[dict, str]]:
    return list(read_records(run_dir))


@pytest.fixture(scope="module")
def documents(records, builder):
    return [builder(record, sha) for record, sha in records]


# -- documents --------------------------------------------------------------------------


@pytest.mark.slow
def test_every_document_follows_the_declared_schema(documents):
    schema = FieldSchema.load()
    for docs in documents:
        for document in docs.all():
            assert schema.problems(document) == [], document["id"]


@pytest.mark.slow
def test_ids_are_stable_and_unique(documents, records, builder):
    ids = [d["id"] for docs in documents for d in docs.all()]
    assert len(ids) == len(set(ids))
    for docs in documents:
        assert docs.report["id"] == docs.doc_id
        assert all(s["id"] == f"{docs.doc_id}#{s['section_id']}" for s in docs.sections)
    again = [builder(r, s) for r, s in records[:3]]
    assert [d.all() for d in again] == [d.all() for d in documents[:3]]


@pytest.mark.slow
def test_a_section_owns_its_text_minus_its_subsections(documents, records):
    for (record, _), docs in zip(records, documents):
        covered: list[tuple[int, int]] = []
        for section in docs.sections:
            assert section["text"] == "".join(
                record["text"][p["start"] : p["end"]] for p in section["spans"]
            )
            covered += [(p["start"], p["end"]) for p in section["spans"]]
        covered.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(covered)), record[
            "doc_id"
        ]


@pytest.mark.parametrize(
    "doc_id, gold_title, category",
    [
        # gold 000: (三)门户网站建设有待进一步加强 -> platform, in its own sub-section
        ("000_8ef287be2d4f18ab.txt", "(三)门户网站建设有待进一步加强", "platform"),
        ("000_8ef287be2d4f18ab.txt", "(一)主动公开的意识还不够强", "awareness"),
        # gold 洪泽 2023: 政务公开队伍建设有待加强 -> staffing, in 五、存在的主要问题及改进情况
        ("hongze-district-2023.pdf", "五、存在的主要问题及改进情况", "staffing"),
    ],
)
@pytest.mark.slow
def test_weaknesses_are_found_in_their_sections(
    documents, doc_id, gold_title, category
):
    docs = next(d for d in documents if d.doc_id == doc_id)
    sections = [s for s in docs.sections if norm(s["title"]) == norm(gold_title)]
    assert len(sections) == 1
    assert category in sections[0]["categories"]
    assert norm(gold_title) in {norm(g["title"]) for g in gold(doc_id)["sections"]}


@pytest.mark.slow
def test_everything_attached_to_a_section_lies_in_its_own_text(documents):
    for docs in documents:
        for section in docs.sections:
            spans = [(p["start"], p["end"]) for p in section["spans"]]
            for item in section["metrics"] + section["weaknesses"]:
                assert any(a <= item["start"] < b for a, b in spans), (
                    section["id"],
                    item,
                )


@pytest.mark.slow
def test_failed_checks_reach_the_sections_of_their_evidence(documents):
    # Gold 洪泽 2023: R4 fails for t4.review.total and t4.lit_after.total, in the table of
    # 四、政府信息公开行政复议、行政诉讼情况.
    docs = next(d for d in documents if d.doc_id == "hongze-district-2023.pdf")
    section = next(
        s
        for s in docs.sections
        if norm(s["title"]).startswith("四、政府信息公开行政复议")
    )
    indicators = {
        c["indicator"] for c in section["failed_checks"] if c["kind"] == "sum"
    }
    assert {"t4.review.total", "t4.lit_after.total"} <= indicators
    assert docs.report["failed_checks_by_kind"]["sum"] >= 2


@pytest.mark.slow
def test_report_documents_summarise_the_record(documents, records):
    for (record, _), docs in zip(records, documents):
        report = docs.report
        assert report["counts"]["sections"] == len(record["sections"])
        assert sum(report["check_verdicts"].values()) == len(record["checks"])
        failed = [c for c in record["checks"] if c["verdict"] == "fail"]
        assert report["n_failed_checks"] == len(failed) == len(report["failed_checks"])
        assert sum(report["failed_checks_by_kind"].values()) == len(failed)
        assert set(report["categories"]) == {
            w["category"] for w in record["weaknesses"]
        }


@pytest.mark.slow
def test_records_without_tokens_are_cut_with_the_same_dictionary(records, builder):
    for record, sha in records[:6]:
        bare = copy.deepcopy(record)
        bare["tokens"] = []
        with_tokens = builder(record, sha).sections
        without = builder(bare, sha).sections
        assert [s["tokens_fine"] for s in without] == [
            s["tokens_fine"] for s in with_tokens
        ]


@pytest.mark.slow
def test_a_record_without_sections_is_one_section(builder, records):
    record = copy.deepcopy(records[0][0])
    record["sections"] = []
    docs = builder(record)
    assert len(docs.sections) == 1
    assert docs.sections[0]["text"] == record["text"]
    assert docs.sections[0]["id"].endswith("#whole")


@pytest.mark.slow
def test_record_hash_is_the_same_for_json_and_jsonl(run_dir, records):
    name = records[0][0]["doc_id"]
    (single,) = read_records(run_dir / "docs" / f"{name}.json")
    assert single[1] == records[0][1] == record_sha256(records[0][0])


@pytest.mark.parametrize(
    "agency, text, province, level",
    [
        ("淮安市洪泽区人民政府", "", "江苏", "county"),
        ("洪泽区人民政府", "本报告由淮安市洪泽区人民政府办公室根据", "江苏", "county"),
        ("淮安市人民政府", "", "江苏", "prefecture"),
        ("衡阳市民政局", "", "湖南", "prefecture"),
        ("乐清市教育局", "", None, "county"),
        ("道县文广新局", "", None, "county"),
        ("四平市铁东区人民政府解放街道办事处", "", "吉林", "township"),
        ("临北回族乡", "五河县临北回族乡依据", None, "township"),
        (
            "兵团教育局",
            "2019年兵团教育局政府信息公开工作年度报告",
            "新疆生产建设兵团",
            "province",
        ),
        ("平潭综合实验区", "《福建省政府信息公开办法》", "福建", "county"),
        ("教育局", "湖南省衡阳市", "湖南", "unknown"),
        (None, "", None, "unknown"),
    ],
)
def test_province_and_level_from_the_agency(agency, text, province, level):
    regions = RegionResolver()
    assert regions.province(agency, text) == province
    assert regions.admin_level(agency) == level


# -- the SQLite index -------------------------------------------------------------------


@pytest.mark.slow
def test_indexing_is_incremental(records, tmp_path):
    path = tmp_path / "index.db"
    with SqliteIndex(path) as index:
        first = index.add(records[:3])
        assert (first.added, first.replaced, first.unchanged) == (3, 0, 0)
        second = index.add(records)
        assert (second.added, second.replaced, second.unchanged) == (
            len(records) - 3,
            0,
            3,
        )
        sections = index.stats()["sections"]

        # A report processed again with a change (its last section gone, a word added)
        # replaces its documents; nothing else is touched.
        record, _ = copy.deepcopy(records[0])
        dropped = record["sections"].pop()
        record["text"] = record["text"] + "新增的句子"
        third = index.add([(record, record_sha256(record))])
        assert (third.added, third.replaced, third.unchanged) == (0, 1, 0)
        assert index.stats()["sections"] == sections - 1
        gone = f"{record['doc_id']}#{dropped['id']}"
        assert (
            index.conn.execute(
                "SELECT 1 FROM sections WHERE id = ?", (gone,)
            ).fetchone()
            is None
        )
        assert (
            index.conn.execute("SELECT COUNT(*) FROM section_fts").fetchone()[0]
            == sections - 1
        )

        fourth = index.add(records[1:], prune=True)
        assert (fourth.unchanged, fourth.removed) == (len(records) - 1, 1)
        assert index.report(records[0][0]["doc_id"]) is None
        assert index.stats()["reports"] == len(records) - 1


@pytest.mark.slow
def test_a_malformed_record_is_reported_and_the_others_are_indexed(records, tmp_path):
    bad = copy.deepcopy(records[0][0])
    bad["doc_id"] = "broken.txt"
    bad["sections"] = [{"id": "s0"}]  # no span
    with SqliteIndex(tmp_path / "index.db") as index:
        stats = index.add([(bad, None), *records[1:3]])
        assert stats.added == 2
        assert [f["doc_id"] for f in stats.failed] == ["broken.txt"]
        assert index.report("broken.txt") is None


@pytest.mark.slow
def test_an_index_built_with_other_analysis_settings_is_refused(records, tmp_path):
    from nlp.search.analysis import SearchAnalyzer

    path = tmp_path / "index.db"
    with SqliteIndex(path) as index:
        index.add(records[:1])
    with pytest.raises(SearchError, match="other analysis settings"):
        SqliteIndex(path, analyzer=SearchAnalyzer(split_min_length=5), readonly=True)


@pytest.mark.slow
def test_index_cli_adds_then_skips(run_dir, tmp_path, capsys):
    db = tmp_path / "cli.db"
    assert index_main([str(run_dir), "--db", str(db), "--no-progress"]) == 0
    n = len(list(SAMPLE.iterdir()))
    assert f"{n} added" in capsys.readouterr().out
    assert index_main([str(run_dir), "--db", str(db), "--no-progress"]) == 0
    assert f"0 added, 0 replaced, {n} unchanged" in capsys.readouterr().out
    assert index_main([str(tmp_path / "missing"), "--db", str(db)]) == 2


# -- Elasticsearch / OpenSearch -----------------------------------------------------------


@pytest.mark.slow
def test_bulk_file_pairs_an_action_with_each_document(run_dir, tmp_path, capsys):
    out = tmp_path / "bulk.ndjson"
    assert (
        index_main(
            [
                str(run_dir),
                "--format",
                "es-bulk",
                "--index",
                "reports-test",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and len(lines) % 2 == 0
    ids = []
    for action, source in zip(lines[::2], lines[1::2]):
        action, source = json.loads(action), json.loads(source)
        assert list(action) == ["index"]
        assert action["index"]["_index"] == "reports-test"
        assert action["index"]["_id"] == source["id"]
        ids.append(source["id"])
    assert len(ids) == len(set(ids))
    assert sum(1 for i in ids if "#" not in i) == len(list(SAMPLE.iterdir()))


def test_committed_template_is_generated_from_the_fields(tmp_path):
    committed = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    assert committed == index_template()
    assert index_main(["--write-template", str(tmp_path / "t.json")]) == 0
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8")) == committed


# Which JSON values a mapping type accepts without coercion.
COMPATIBLE = {
    "keyword": (str,),
    "text": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
}


def mapping_problems(properties: dict, document: dict, where: str = "") -> list[str]:
    found = []
    for name, value in document.items():
        if name not in properties:
            found.append(
                f"{where}{name}: not in the mapping (dynamic: strict rejects it)"
            )
            continue
        mapping = properties[name]
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if "properties" in mapping:
                if not isinstance(item, dict):
                    found.append(f"{where}{name}: {item!r} is not an object")
                else:
                    found += mapping_problems(
                        mapping["properties"], item, f"{where}{name}."
                    )
                continue
            allowed = COMPATIBLE[mapping["type"]]
            if not isinstance(item, allowed) or (
                isinstance(item, bool) and bool not in allowed
            ):
                found.append(
                    f"{where}{name}: {item!r:.30} does not fit {mapping['type']}"
                )
    return found


@pytest.mark.slow
def test_every_document_fits_the_template_mapping(documents):
    template = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    mappings = template["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    analyzers = template["template"]["settings"]["analysis"]["analyzer"]
    assert all(a["tokenizer"] == "whitespace" for a in analyzers.values())
    properties = mappings["properties"]
    for name in ("tokens", "tokens_fine", "title_tokens"):
        assert properties[name]["analyzer"] in analyzers
    assert properties["text"] == {"type": "text", "analyzer": "standard"}
    for name in ("label", "categories", "agency", "doc_id"):
        assert properties[name]["type"] == "keyword"
    assert properties["year"]["type"] == "integer"
    assert properties["metrics"]["type"] == properties["weaknesses"]["type"] == "nested"
    lines = list(bulk_lines(documents))
    for line in lines[1::2]:
        document = json.loads(line)
        assert mapping_problems(properties, document) == [], document["id"]


@pytest.mark.slow
def test_write_bulk_counts(documents):
    out = io.StringIO()
    counts = write_bulk(documents[:2], out)
    assert counts == {
        "reports": 2,
        "documents": 2 + len(documents[0].sections) + len(documents[1].sections),
    }
    assert out.getvalue().count("\n") == 2 * counts["documents"]


@pytest.mark.slow
def test_push_without_the_client_says_how_to_install_it(documents, monkeypatch):
    monkeypatch.setitem(sys.modules, "elasticsearch", None)  # import fails
    with pytest.raises(SearchError, match=r"pip install -e \.\[search\]"):
        push(documents[:1], "http://localhost:9200")
